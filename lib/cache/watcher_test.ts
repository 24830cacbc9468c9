import { strict as assert } from "node:assert";
import type { JsonObject } from "../core/json.ts";
import { isGone, KubeApiError } from "../client/kube_api_error.ts";
import {
  type CertificateRequest,
  certificateRequest,
  collect,
  CRS,
  fixture,
  until,
} from "./_test_helpers.ts";
import { watcher, type WatcherEvent, type WatcherOptions } from "./watcher.ts";

type Event = WatcherEvent<CertificateRequest>;

/** A short description of an event: `restarted a,b`, `applied c`, `deleted c`, `bookmark`. */
function describe(event: Event): string {
  switch (event.type) {
    case "restarted":
      return `restarted ${event.objects.map((o) => o.metadata.name).join(",")}`;
    case "applied":
    case "deleted":
      return `${event.type} ${event.object.metadata.name}`;
    case "bookmark":
      return "bookmark";
  }
}

function rvOf(obj: JsonObject): string {
  return String((obj.metadata as JsonObject).resourceVersion);
}

function query(record: { query: string }): URLSearchParams {
  return new URLSearchParams(record.query);
}

/** Starts a watcher over the fixture's CertificateRequests, recording events and failures. */
function start(f: ReturnType<typeof fixture>, options: WatcherOptions = {}) {
  const stop = new AbortController();
  const failures: { error: unknown; retryInMs: number }[] = [];
  const run = collect(watcher(f.crs, {
    clock: f.clock,
    random: () => 0,
    signal: stop.signal,
    onError: (error, retryInMs) => failures.push({ error, retryInMs }),
    ...options,
  }));
  return {
    ...run,
    failures,
    names: () => run.seen.map(describe),
    async stop() {
      stop.abort();
      await run.done;
    },
  };
}

Deno.test("watcher lists, then watches from the list's resourceVersion with bookmarks", async () => {
  await using f = fixture();
  await f.server.load(certificateRequest("a"), certificateRequest("b", { namespace: "team-a" }));
  const w = start(f);
  await until(() => w.seen.length === 1, "the first list");
  const restarted = w.seen[0];
  assert(restarted?.type === "restarted");
  assert.equal(restarted.resourceVersion, String(f.server.resourceVersion));

  const created = await f.crs.create(certificateRequest("c") as unknown as CertificateRequest);
  await f.crs.patch("c", { type: "merge", body: { metadata: { labels: { x: "1" } } } }, {
    namespace: "default",
  });
  await f.crs.delete("a", { namespace: "default" });
  await until(() => w.seen.length === 4, "three events");
  assert.deepEqual(w.names(), ["restarted a,b", "applied c", "applied c", "deleted a"]);
  const modified = w.seen[2];
  assert(modified?.type === "applied");
  assert.equal(modified.object.metadata.labels?.x, "1");
  assert.notEqual(modified.object.metadata.resourceVersion, created.metadata.resourceVersion);

  const [list] = f.server.requests.entries({ verb: "list", resource: "certificaterequests" });
  assert.equal(query(list!).get("limit"), "500");
  assert.equal(query(list!).get("resourceVersion"), null, "a consistent list");
  const [watch] = f.server.requests.entries({ verb: "watch", resource: "certificaterequests" });
  const q = query(watch!);
  assert.equal(q.get("resourceVersion"), restarted.resourceVersion);
  assert.equal(q.get("allowWatchBookmarks"), "true");
  assert.equal(q.get("timeoutSeconds"), "300");
  await w.stop();
  assert.equal(f.server.openWatches, 0);
  assert.deepEqual(w.failures, []);
});

Deno.test("watcher asks for a watch timeout between 5 and 10 minutes", async () => {
  await using f = fixture();
  const w = start(f, { random: () => 0.999 });
  await until(() => f.server.openWatches === 1, "a watch");
  const [watch] = f.server.requests.entries({ verb: "watch" });
  assert.equal(query(watch!).get("timeoutSeconds"), "599");
  await w.stop();
});

Deno.test("watcher lists every page and scopes requests by namespace and selectors", async () => {
  await using f = fixture();
  for (const n of ["a", "b", "c", "d", "e"]) {
    await f.server.load(certificateRequest(n, { namespace: "team-a", labels: { app: "x" } }));
  }
  await f.server.load(certificateRequest("other", { namespace: "team-a" }));
  await f.server.load(certificateRequest("elsewhere", { labels: { app: "x" } }));
  const w = start(f, { pageSize: 2, namespace: "team-a", labelSelector: "app=x" });
  await until(() => w.seen.length === 1 && f.server.openWatches === 1, "the list and a watch");
  assert.deepEqual(w.names(), ["restarted a,b,c,d,e"]);
  assert.equal(f.server.requests.count({ verb: "list", namespace: "team-a" }), 3);
  const [watch] = f.server.requests.entries({ verb: "watch" });
  assert.equal(watch?.namespace, "team-a");
  assert.equal(query(watch!).get("labelSelector"), "app=x");
  await w.stop();
});

Deno.test("watcher resumes a cut watch from the last event without listing again", async () => {
  await using f = fixture();
  await f.server.load(certificateRequest("a"));
  const w = start(f);
  await until(() => f.server.openWatches === 1, "a watch");
  const [b] = await f.server.load(certificateRequest("b"));
  await until(() => w.seen.length === 2, "the event of b");
  assert.equal(f.server.cutWatches(), 1);
  await f.server.load(certificateRequest("c"));
  await until(() => w.seen.length === 3, "the event of c");
  assert.deepEqual(w.names(), ["restarted a", "applied b", "applied c"]);
  assert.equal(f.server.requests.count({ verb: "list" }), 1);
  const watches = f.server.requests.entries({ verb: "watch" });
  assert.equal(watches.length, 2);
  assert.equal(query(watches[1]!).get("resourceVersion"), rvOf(b!));
  assert.deepEqual(w.failures, [], "a watch that delivered events ends without a backoff");
  await w.stop();
});

Deno.test("watcher backs off after a watch that ended at once without any event", async () => {
  await using f = fixture();
  const w = start(f);
  await until(() => f.server.openWatches === 1, "a watch");
  f.server.cutWatches();
  await until(() => w.failures.length === 1, "a failure");
  assert.match(String(w.failures[0]?.error), /ended after 0 ms without any event/);
  assert.equal(w.failures[0]?.retryInMs, 800);
  await f.clock.advance(799);
  assert.equal(f.server.requests.count({ verb: "watch" }), 1);
  await f.clock.advance(1);
  await until(() => f.server.openWatches === 1, "the resumed watch");
  assert.equal(f.server.requests.count({ verb: "watch" }), 2);
  assert.equal(f.server.requests.count({ verb: "list" }), 1);
  await w.stop();
});

Deno.test("watcher resumes from a bookmark's resourceVersion", async () => {
  await using f = fixture();
  const w = start(f, { namespace: "team-a" });
  await until(() => f.server.openWatches === 1, "a watch");
  await f.server.load(certificateRequest("elsewhere", { namespace: "default" }));
  f.server.sendBookmarks();
  await until(() => w.seen.length === 2, "a bookmark");
  const bookmark = w.seen[1];
  assert(bookmark?.type === "bookmark");
  assert.equal(bookmark.resourceVersion, String(f.server.resourceVersion));
  f.server.cutWatches();
  await until(() => f.server.requests.count({ verb: "watch" }) === 2, "a resumed watch");
  const resumed = f.server.requests.entries({ verb: "watch" })[1];
  assert.equal(query(resumed!).get("resourceVersion"), bookmark.resourceVersion);
  assert.deepEqual(w.failures, []);
  await w.stop();
});

Deno.test("watcher lists again after a 410 ERROR event, at once when the watch had progressed", async () => {
  await using f = fixture();
  await f.server.load(certificateRequest("a"), certificateRequest("b"));
  const w = start(f);
  await until(() => f.server.openWatches === 1, "a watch");
  await f.server.load(certificateRequest("x"));
  await until(() => w.seen.length === 2, "the event of x");
  // The resumed watch fails once, so changes and a compaction happen while it waits.
  f.server.faults.add({ match: { verb: "watch" }, fail: { code: 500 } });
  f.server.cutWatches();
  await until(() => w.failures.length === 1, "the failed watch");
  await f.crs.delete("b", { namespace: "default" });
  await f.server.load(certificateRequest("c"));
  f.server.compact(CRS);
  await f.clock.advance(800);
  await until(() => w.seen.length === 3 && f.server.openWatches === 1, "a second list");
  assert.deepEqual(w.names(), ["restarted a,b", "applied x", "restarted a,c,x"]);
  assert.equal(f.server.requests.count({ verb: "list" }), 2);
  assert.equal(w.failures.length, 1, "the 410 itself costs no backoff");
  assert.equal(f.server.requests.count({ verb: "watch", code: 200 }), 3);
  await w.stop();
});

Deno.test("watcher lists again after a 410 answer to the watch request", async () => {
  await using f = fixture();
  await f.server.load(certificateRequest("a"));
  const w = start(f);
  await until(() => f.server.openWatches === 1, "a watch");
  await f.server.load(certificateRequest("b"));
  await until(() => w.seen.length === 2, "the event of b");
  f.server.faults.add({ match: { verb: "watch" }, fail: { code: 410, reason: "Expired" } });
  f.server.cutWatches();
  await until(() => w.seen.length === 3 && f.server.openWatches === 1, "a second list");
  assert.deepEqual(w.names(), ["restarted a", "applied b", "restarted a,b"]);
  assert.deepEqual(w.failures, []);
  await w.stop();
});

Deno.test("watcher backs off before listing again when a 410 follows a list at once", async () => {
  await using f = fixture();
  const w = start(f);
  f.server.faults.add({ match: { verb: "watch" }, fail: { code: 410, reason: "Expired" } });
  await until(() => w.failures.length === 1, "the 410");
  assert(isGone(w.failures[0]?.error));
  assert.equal(w.failures[0]?.retryInMs, 800);
  assert.equal(f.server.requests.count({ verb: "list" }), 1);
  await f.clock.advance(800);
  await until(() => f.server.openWatches === 1, "a watch after the second list");
  assert.equal(f.server.requests.count({ verb: "list" }), 2);
  await w.stop();
});

Deno.test("watcher backs off failed lists on client-go's schedule", async () => {
  await using f = fixture();
  f.server.faults.add({ match: { verb: "list" }, fail: { code: 500 }, times: 3 });
  const w = start(f);
  const lists = () => f.server.requests.count({ verb: "list" });
  for (const [i, delay] of [800, 1600, 3200].entries()) {
    await until(() => w.failures.length === i + 1, `failure ${i + 1}`);
    const error = w.failures[i]?.error;
    assert(error instanceof KubeApiError && error.code === 500);
    assert.equal(w.failures[i]?.retryInMs, delay);
    assert.equal(lists(), i + 1);
    await f.clock.advance(delay - 1);
    assert.equal(lists(), i + 1, `no list before ${delay} ms`);
    await f.clock.advance(1);
  }
  await until(() => w.seen.length === 1 && f.server.openWatches === 1, "the list");
  assert.equal(lists(), 4);
  await w.stop();
});

Deno.test("watcher resets its backoff after two healthy minutes", async () => {
  await using f = fixture();
  f.server.faults.add({ match: { verb: "list" }, fail: { code: 500 }, times: 2 });
  const w = start(f);
  await until(() => w.failures.length === 1, "failure 1");
  await f.clock.advance(800);
  await until(() => w.failures.length === 2, "failure 2");
  await f.clock.advance(1600);
  await until(() => f.server.openWatches === 1, "a watch");
  await f.clock.advance(120_000);
  f.server.faults.add({ match: { verb: "watch" }, fail: { code: 500 } });
  f.server.cutWatches();
  await until(() => w.failures.length === 3, "failure 3");
  assert.deepEqual(w.failures.map((x) => x.retryInMs), [800, 1600, 800]);
  await w.stop();
});

Deno.test("watcher stops on abort while listing, watching or backing off", async (t) => {
  await t.step("while a list is in flight", async () => {
    await using f = fixture();
    f.server.faults.add({ match: { verb: "list" }, latencyMs: 60_000 });
    const w = start(f);
    await until(
      () => f.server.requests.count({ verb: "list" }) === 0 && f.clock.pendingSleeps > 0,
      "a slow list",
    );
    await w.stop();
    assert.deepEqual(w.seen, []);
  });
  await t.step("while watching", async () => {
    await using f = fixture();
    const w = start(f);
    await until(() => f.server.openWatches === 1, "a watch");
    await w.stop();
    assert.equal(f.server.openWatches, 0);
  });
  await t.step("while backing off", async () => {
    await using f = fixture();
    f.server.faults.add({ match: { verb: "list" }, fail: { code: 503 } });
    const w = start(f);
    await until(() => w.failures.length === 1, "a failure");
    await w.stop();
    assert.equal(f.server.requests.count({ verb: "list" }), 1);
  });
  await t.step("when the consumer breaks out or disposes", async () => {
    await using f = fixture();
    await f.server.load(certificateRequest("a"));
    for await (const event of watcher(f.crs, { clock: f.clock })) {
      assert.equal(event.type, "restarted");
      break;
    }
    {
      await using events = watcher(f.crs, { clock: f.clock });
      assert.equal((await events.next()).value?.type, "restarted");
      const applied = events.next();
      await until(() => f.server.openWatches === 1, "a watch");
      await f.server.load(certificateRequest("b"));
      assert.equal((await applied).value?.type, "applied");
      assert.equal(f.server.openWatches, 1);
    }
    assert.equal(f.server.openWatches, 0);
  });
});

Deno.test("watcher rejects a bad page size", async () => {
  await using f = fixture();
  await assert.rejects(
    () => watcher(f.crs, { pageSize: 0 }).next(),
    /pageSize must be a positive integer, got 0/,
  );
});
