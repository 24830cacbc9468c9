/**
 * Watch behaviour that only the fake offers or that needs its hooks and clock: cut
 * watches, bookmarks on demand, compaction, the history limit, timeouts on a fake clock,
 * slow consumers. What both servers do is in tests/conformance/watch_test.ts.
 */
import { strict as assert } from "node:assert";
import { FakeClock } from "../fake_clock.ts";
import { FakeApiServer } from "./fake_api_server.ts";

const SECRETS = "/api/v1/namespaces/default/secrets";

interface WatchEvent {
  type: string;
  object: {
    kind?: string;
    apiVersion?: string;
    code?: number;
    message?: string;
    metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
  };
}

/** Reads a watch body one event at a time; `undefined` once the server ended it. */
class EventStream implements AsyncDisposable {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #ended = false;

  constructor(res: Response) {
    assert.equal(res.status, 200);
    assert.ok(res.body);
    this.#reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  }

  async next(): Promise<WatchEvent | undefined> {
    for (;;) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        return JSON.parse(line);
      }
      if (this.#ended) return undefined;
      const { done, value } = await this.#reader.read();
      if (done) this.#ended = true;
      else this.#buffer += value;
    }
  }

  async rest(): Promise<WatchEvent[]> {
    const out: WatchEvent[] = [];
    for (let ev = await this.next(); ev; ev = await this.next()) out.push(ev);
    return out;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#reader.cancel().catch(() => {});
  }
}

async function watch(server: FakeApiServer, path: string): Promise<EventStream> {
  return new EventStream(await server.fetch(new Request(`http://fake${path}`)));
}

async function createSecret(server: FakeApiServer, name: string): Promise<string> {
  const res = await server.fetch(
    new Request(`http://fake${SECRETS}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name } }),
    }),
  );
  assert.equal(res.status, 201);
  return (await res.json()).metadata.resourceVersion;
}

Deno.test("cutWatches ends the streams cleanly, without an ERROR event", async () => {
  await using server = new FakeApiServer();
  const rv = server.resourceVersion;
  await using secrets = await watch(server, `${SECRETS}?watch=true&resourceVersion=${rv}`);
  await using leases = await watch(
    server,
    `/apis/coordination.k8s.io/v1/leases?watch=true&resourceVersion=${rv}`,
  );
  assert.equal(server.openWatches, 2);
  await createSecret(server, "s");
  assert.equal(server.cutWatches("secrets"), 1, "only the watches of that resource");
  assert.deepEqual((await secrets.rest()).map((e) => e.type), ["ADDED"]);
  assert.equal(server.openWatches, 1);
  assert.equal(server.cutWatches(), 1);
  assert.deepEqual(await leases.rest(), []);
  assert.equal(server.openWatches, 0);
});

Deno.test("sendBookmarks reaches only the watches that asked for bookmarks", async () => {
  await using server = new FakeApiServer();
  const rv = server.resourceVersion;
  await using asked = await watch(
    server,
    `${SECRETS}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`,
  );
  await using plain = await watch(server, `${SECRETS}?watch=true&resourceVersion=${rv}`);
  const created = await createSecret(server, "s");
  server.sendBookmarks();
  await createSecret(server, "sentinel");
  const bookmarked = [await asked.next(), await asked.next(), await asked.next()];
  assert.deepEqual(bookmarked.map((e) => e?.type), ["ADDED", "BOOKMARK", "ADDED"]);
  assert.deepEqual(bookmarked[1]?.object, {
    kind: "Secret",
    apiVersion: "v1",
    metadata: { resourceVersion: created },
  });
  const other = [await plain.next(), await plain.next()];
  assert.deepEqual(other.map((e) => `${e?.type} ${e?.object.metadata.name}`), [
    "ADDED s",
    "ADDED sentinel",
  ]);
});

Deno.test("a slow consumer does not block writers and still gets every event in order", async () => {
  await using server = new FakeApiServer();
  await using stream = await watch(
    server,
    `${SECRETS}?watch=true&resourceVersion=${server.resourceVersion}`,
  );
  const rvs: string[] = [];
  for (let i = 0; i < 500; i++) rvs.push(await createSecret(server, `s${i}`));
  const seen: string[] = [];
  while (seen.length < rvs.length) {
    const ev = await stream.next();
    assert.ok(ev);
    seen.push(String(ev.object.metadata.resourceVersion));
  }
  assert.deepEqual(seen, rvs);
});

Deno.test("compact makes older resourceVersions get an ERROR 410 event", async () => {
  await using server = new FakeApiServer();
  const first = await createSecret(server, "a");
  await createSecret(server, "b");
  server.compact("secrets");
  const now = server.resourceVersion;
  await using stream = await watch(server, `${SECRETS}?watch=true&resourceVersion=${first}`);
  const events = await stream.rest();
  assert.deepEqual(events.map((e) => [e.type, e.object.code, e.object.message]), [
    ["ERROR", 410, `too old resource version: ${first} (${now})`],
  ]);
  assert.equal(server.openWatches, 0);
});

Deno.test("historyLimit bounds how far back a watch may resume", async () => {
  await using server = new FakeApiServer({ historyLimit: 2 });
  const rvs = [];
  for (const n of ["a", "b", "c", "d"]) rvs.push(await createSecret(server, n));
  {
    await using stream = await watch(server, `${SECRETS}?watch=true&resourceVersion=${rvs[1]}`);
    const ev = await stream.next();
    assert.equal(ev?.type, "ADDED", "the last two changes are still there");
    assert.equal(ev?.object.metadata.name, "c");
  }
  await using old = await watch(server, `${SECRETS}?watch=true&resourceVersion=${rvs[0]}`);
  const events = await old.rest();
  assert.deepEqual(events.map((e) => [e.type, e.object.message]), [
    ["ERROR", `too old resource version: ${rvs[0]} (${rvs[1]})`],
  ]);
});

Deno.test("timeoutSeconds runs on the server's clock", async () => {
  const clock = new FakeClock();
  await using server = new FakeApiServer({ clock });
  await using stream = await watch(
    server,
    `${SECRETS}?watch=true&timeoutSeconds=30&resourceVersion=${server.resourceVersion}`,
  );
  await clock.advance(29_999);
  assert.equal(server.openWatches, 1);
  await clock.advance(1);
  assert.equal(server.openWatches, 0);
  assert.deepEqual(await stream.rest(), []);
});

Deno.test("without timeoutSeconds (or with 0) a watch lasts 30 to 60 minutes", async () => {
  const clock = new FakeClock();
  await using server = new FakeApiServer({ clock, random: () => 0.5 });
  const rv = server.resourceVersion;
  await using unset = await watch(server, `${SECRETS}?watch=true&resourceVersion=${rv}`);
  await using zero = await watch(
    server,
    `${SECRETS}?watch=true&timeoutSeconds=0&resourceVersion=${rv}`,
  );
  await clock.advance(2_699_999);
  assert.equal(server.openWatches, 2);
  await clock.advance(1);
  assert.equal(server.openWatches, 0);
  assert.deepEqual([await unset.rest(), await zero.rest()], [[], []]);
});

Deno.test("a negative timeoutSeconds ends the watch at once", async () => {
  await using server = new FakeApiServer();
  await using stream = await watch(
    server,
    `${SECRETS}?watch=true&timeoutSeconds=-1&resourceVersion=${server.resourceVersion}`,
  );
  assert.deepEqual(await stream.rest(), []);
  assert.equal(server.openWatches, 0);
});

Deno.test("a watch from a future resourceVersion sends only the changes after it", async () => {
  await using server = new FakeApiServer();
  const future = server.resourceVersion + 2;
  await using stream = await watch(server, `${SECRETS}?watch=true&resourceVersion=${future}`);
  for (const n of ["a", "b", "c"]) await createSecret(server, n);
  const ev = await stream.next();
  assert.equal(ev?.object.metadata.name, "c");
  assert.equal(ev?.object.metadata.resourceVersion, String(future + 1));
});

Deno.test("a watch-list from a future resourceVersion gets an ERROR 504 event at once", async () => {
  await using server = new FakeApiServer();
  const future = server.resourceVersion + 100;
  await using stream = await watch(
    server,
    `${SECRETS}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=${future}`,
  );
  const events = await stream.rest();
  assert.deepEqual(events.map((e) => [e.type, e.object.code, e.object.message]), [
    [
      "ERROR",
      504,
      `Timeout: Too large resource version: ${future}, current: ${server.resourceVersion}`,
    ],
  ]);
});

Deno.test("close ends every open watch", async () => {
  const server = new FakeApiServer();
  await using stream = await watch(
    server,
    `${SECRETS}?watch=true&resourceVersion=${server.resourceVersion}`,
  );
  await server.close();
  assert.deepEqual(await stream.rest(), []);
  assert.equal(server.openWatches, 0);
});

Deno.test("a watch from a list's resourceVersion is not 410 when other resources changed in between", async () => {
  await using server = new FakeApiServer();
  const list = await server.fetch(new Request("http://fake/api/v1/namespaces/default/configmaps"));
  const rv = (await list.json()).metadata.resourceVersion;
  // A write to another resource between the list and the watch (an elector's Lease).
  await server.load({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s", namespace: "default" },
  });
  const controller = new AbortController();
  const watch = await server.fetch(
    new Request(`http://fake/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`, {
      signal: controller.signal,
    }),
  );
  await server.load({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: "default" },
  });
  const reader = watch.body!.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  assert.equal(JSON.parse(String(value).split("\n")[0] ?? "").type, "ADDED");
  controller.abort();
  await reader.cancel();
});
