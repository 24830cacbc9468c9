/**
 * Conformance: WATCH (spec §10, rows W1–W9 of §15.2): wire format, where a stream
 * starts, initial events and bookmarks, selectors and namespaces, too-old
 * resourceVersions, timeouts. Runs unchanged against the fake and a real kube-apiserver.
 *
 * No sleeps: "nothing else arrived" is shown by a later sentinel write being the next
 * event.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { mergePatch, must, untilListable as untilWidgetsListable } from "./_write_helpers.ts";
import {
  json,
  openTarget,
  REAL_UNAVAILABLE,
  type Target,
  TARGET_KIND,
  WIDGET_CRD,
} from "./_target.ts";

type Obj = Record<string, unknown> & {
  metadata: Record<string, unknown> & {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
};
interface WatchEvent {
  type: string;
  object: Obj & { code?: number; reason?: string; message?: string; status?: string };
}
interface Status {
  kind: string;
  code: number;
  reason?: string;
  message: string;
  details?: { causes?: { reason: string; field?: string }[] };
}

const WIDGETS = "/apis/example.com/v1";
const INITIAL_EVENTS_END = "k8s.io/initial-events-end";

/** Reads a watch body one event at a time; `undefined` once the server ended it. */
class EventStream implements AsyncDisposable {
  readonly response: Response;
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #ended = false;

  constructor(response: Response) {
    this.response = response;
    assert.ok(response.body, "watch response has a body");
    this.#reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  }

  async next(): Promise<WatchEvent | undefined> {
    for (;;) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl).trim();
        this.#buffer = this.#buffer.slice(nl + 1);
        if (line) return JSON.parse(line);
        continue;
      }
      if (this.#ended) {
        const rest = this.#buffer.trim();
        this.#buffer = "";
        return rest ? JSON.parse(rest) : undefined;
      }
      const { done, value } = await this.#reader.read();
      if (done) this.#ended = true;
      else this.#buffer += value;
    }
  }

  async take(n: number): Promise<WatchEvent[]> {
    const out: WatchEvent[] = [];
    while (out.length < n) {
      const ev = await this.next();
      if (!ev) throw new Error(`watch ended after ${out.length} of ${n} events`);
      out.push(ev);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

async function watch(target: Target, path: string, signal?: AbortSignal): Promise<EventStream> {
  const res = await target.request("GET", path, signal ? { signal } : {});
  if (res.status !== 200) {
    throw new Error(`watch ${path}: HTTP ${res.status}: ${await res.text()}`);
  }
  return new EventStream(res);
}

function widget(name: string, labels: Record<string, string> = {}, size = 1): Obj {
  return {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name, labels },
    spec: { size },
  };
}

function create(target: Target, path: string, body: Obj): Promise<Obj> {
  return must(201, target, "POST", path, body);
}

function patch(target: Target, path: string, body: unknown): Promise<Obj> {
  return mergePatch(target, path, body);
}

async function del(target: Target, path: string): Promise<void> {
  await must(200, target, "DELETE", path);
}

async function listRv(target: Target, path: string): Promise<string> {
  const res = await target.request("GET", path);
  const out = await json<{ metadata: { resourceVersion: string } }>(res);
  assert.equal(res.status, 200);
  return out.metadata.resourceVersion;
}

function rvOf(o: { metadata: { resourceVersion?: string } }): number {
  const rv = Number(o.metadata.resourceVersion);
  assert.ok(Number.isInteger(rv) && rv > 0, `resourceVersion ${o.metadata.resourceVersion}`);
  return rv;
}

function summary(events: WatchEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`.trim());
}

function assertInitialEventsEnd(ev: WatchEvent | undefined, atLeast: number): void {
  assert.ok(ev, "a bookmark follows the initial events");
  assert.equal(ev.type, "BOOKMARK");
  assert.equal(ev.object.kind, "Widget");
  assert.equal(ev.object.apiVersion, "example.com/v1");
  assert.deepEqual(ev.object.metadata.annotations, { [INITIAL_EVENTS_END]: "true" });
  assert.equal(ev.object.metadata.name, undefined);
  assert.ok(
    rvOf(ev.object) >= atLeast,
    `bookmark RV ${ev.object.metadata.resourceVersion} ≥ ${atLeast}`,
  );
}

/** Waits until widgets can be listed (a real server answers 429 for a moment after a CRD). */
function untilListable(target: Target): Promise<void> {
  return untilWidgetsListable(target, `${WIDGETS}/widgets?limit=1`);
}

const q = encodeURIComponent;

Deno.test({
  name: `WATCH conformance (${TARGET_KIND})`,
  ignore: REAL_UNAVAILABLE !== undefined,
  async fn(t) {
    await using target = await openTarget();
    const real = target.kind === "real";
    await target.crd(WIDGET_CRD);
    await untilListable(target);

    /** A fresh namespace and its widget collection path. */
    const fresh = async (prefix: string) => {
      const ns = await target.namespace(prefix);
      return { ns, coll: `${WIDGETS}/namespaces/${ns}/widgets` };
    };

    await t.step(
      "W9 response headers: 200 and application/json before the first event, streamed",
      async () => {
        const { coll } = await fresh("w9");
        const rv = await listRv(target, coll);
        await using stream = await watch(target, `${coll}?watch=true&resourceVersion=${rv}`);
        const res = stream.response;
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-type"), "application/json");
        assert.equal(res.headers.get("content-length"), null, "a watch body has no length");
        // Over HTTP/1.1 the body is chunked; over HTTP/2 there is no Transfer-Encoding header.
        const te = res.headers.get("transfer-encoding");
        assert.ok(te === null || te === "chunked", `transfer-encoding ${te}`);
        // The response arrived while nothing had happened yet: the first event comes later.
        await create(target, coll, widget("a"));
        assert.deepEqual(summary(await stream.take(1)), ["ADDED a"]);
      },
    );

    await t.step(
      "W1 watch from the list RV: ADDED, MODIFIED, DELETED in order, increasing RVs, nothing older",
      async () => {
        const { coll } = await fresh("w1");
        await create(target, coll, widget("old"));
        const rv = Number(await listRv(target, coll));
        await using stream = await watch(target, `${coll}?watch=true&resourceVersion=${rv}`);
        const created = await create(target, coll, widget("w1"));
        const patched = await patch(target, `${coll}/w1`, { spec: { size: 2 } });
        await del(target, `${coll}/w1`);
        const events = await stream.take(3);
        assert.deepEqual(summary(events), ["ADDED w1", "MODIFIED w1", "DELETED w1"]);
        const [added, modified, deleted] = events as [WatchEvent, WatchEvent, WatchEvent];
        assert.equal(rvOf(added.object), rvOf(created));
        assert.equal(rvOf(modified.object), rvOf(patched));
        assert.ok(rvOf(added.object) > rv);
        assert.ok(rvOf(modified.object) > rvOf(added.object));
        assert.ok(
          rvOf(deleted.object) > rvOf(modified.object),
          "DELETED carries the deletion's RV",
        );
        assert.deepEqual(deleted.object.spec, { size: 2 }, "DELETED carries the last state");
        for (const ev of events) {
          assert.equal(ev.object.apiVersion, "example.com/v1");
          assert.equal(ev.object.kind, "Widget");
        }
      },
    );

    await t.step(
      "W2 watch without RV on 2 existing objects: 2 synthetic ADDED first, no bookmark",
      async () => {
        const { coll } = await fresh("w2");
        const a = await create(target, coll, widget("a"));
        const b = await create(target, coll, widget("b"));
        await using stream = await watch(target, `${coll}?watch=true`);
        const initial = await stream.take(2);
        assert.deepEqual(summary(initial).sort(), ["ADDED a", "ADDED b"]);
        const byName = Object.fromEntries(initial.map((e) => [e.object.metadata.name, e.object]));
        assert.equal(byName.a?.metadata.resourceVersion, a.metadata.resourceVersion);
        assert.equal(byName.b?.metadata.resourceVersion, b.metadata.resourceVersion);
        await create(target, coll, widget("c"));
        assert.deepEqual(
          summary(await stream.take(1)),
          ["ADDED c"],
          "no bookmark without allowWatchBookmarks",
        );
      },
    );

    await t.step("W2 watch with resourceVersion=0: the same synthetic ADDED", async () => {
      const { coll } = await fresh("w2z");
      await create(target, coll, widget("a"));
      await using stream = await watch(target, `${coll}?watch=true&resourceVersion=0`);
      assert.deepEqual(summary(await stream.take(1)), ["ADDED a"]);
      await create(target, coll, widget("b"));
      assert.deepEqual(summary(await stream.take(1)), ["ADDED b"]);
    });

    await t.step(
      "W3 RV-less watch with allowWatchBookmarks=true: ADDEDs, then the initial-events-end BOOKMARK (1.32+ default)",
      async () => {
        const { coll } = await fresh("w3");
        const a = await create(target, coll, widget("a"));
        const b = await create(target, coll, widget("b"));
        for (
          const query of [
            "watch=true&allowWatchBookmarks=true",
            "watch=true&resourceVersion=0&allowWatchBookmarks=true",
          ]
        ) {
          await using stream = await watch(target, `${coll}?${query}`);
          const initial = await stream.take(2);
          assert.deepEqual(summary(initial).sort(), ["ADDED a", "ADDED b"], query);
          assertInitialEventsEnd(await stream.next(), Math.max(rvOf(a), rvOf(b)));
        }
      },
    );

    await t.step(
      "W4 sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true: as W3",
      async () => {
        const { coll } = await fresh("w4");
        const a = await create(target, coll, widget("a"));
        const b = await create(target, coll, widget("b"));
        const rv = await listRv(target, coll);
        const expected = ["ADDED a", "ADDED b"];
        for (const extra of ["", `&resourceVersion=${rv}`]) {
          await using stream = await watch(
            target,
            `${coll}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true${extra}`,
          );
          const initial = await stream.take(expected.length);
          assert.deepEqual(summary(initial).sort(), expected);
          assertInitialEventsEnd(await stream.next(), Math.max(rvOf(a), rvOf(b), Number(rv)));
          const c = await create(target, coll, widget(`c${expected.length}`));
          const live = await stream.take(1);
          assert.deepEqual(summary(live), [`ADDED ${c.metadata.name}`]);
          expected.push(`ADDED ${c.metadata.name}`);
        }
      },
    );

    await t.step(
      "W4 with a future RV → one ERROR event with the 504 Status (real: after ~3 s)",
      async () => {
        const { coll } = await fresh("w4f");
        const future = 1_000_000_000;
        const stream = await watch(
          target,
          `${coll}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=${future}`,
        );
        const events = [];
        for (let ev = await stream.next(); ev; ev = await stream.next()) events.push(ev);
        assert.equal(events.length, 1, JSON.stringify(events));
        const [ev] = events as [WatchEvent];
        assert.equal(ev.type, "ERROR");
        assert.equal(ev.object.code, 504);
        assert.equal(ev.object.reason, "Timeout");
        assert.match(
          ev.object.message ?? "",
          new RegExp(`^Timeout: Too large resource version: ${future}, current: \\d+$`),
        );
      },
    );

    await t.step(
      "sendInitialEvents=false&resourceVersionMatch=NotOlderThan without RV: no initial events",
      async () => {
        const { coll } = await fresh("nie");
        await create(target, coll, widget("a"));
        await using stream = await watch(
          target,
          `${coll}?watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
        );
        await create(target, coll, widget("b"));
        assert.deepEqual(summary(await stream.take(1)), ["ADDED b"]);
      },
    );

    await t.step("W5 sendInitialEvents=true without resourceVersionMatch → 422", async () => {
      const { coll } = await fresh("w5");
      const res = await target.request("GET", `${coll}?watch=true&sendInitialEvents=true`);
      const s = await json<Status>(res);
      assert.equal(res.status, 422);
      assert.equal(s.reason, "Invalid");
      assert.equal(
        s.message,
        `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan`,
      );
      assert.deepEqual(s.details?.causes?.map((c) => [c.reason, c.field]), [[
        "FieldValueForbidden",
        "resourceVersionMatch",
      ]]);
    });

    await t.step("W5 resourceVersionMatch on a watch without sendInitialEvents → 422", async () => {
      const { coll } = await fresh("w5b");
      const res = await target.request(
        "GET",
        `${coll}?watch=true&resourceVersionMatch=NotOlderThan`,
      );
      const s = await json<Status>(res);
      assert.equal(res.status, 422);
      assert.equal(
        s.message,
        `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided`,
      );
      const exact = await target.request(
        "GET",
        `${coll}?watch=true&sendInitialEvents=true&resourceVersionMatch=Exact`,
      );
      const e = await json<Status>(exact);
      assert.equal(exact.status, 422);
      assert.equal(
        e.message,
        `ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]`,
      );
    });

    await t.step(
      "W6 watch from an RV older than the history: HTTP 200, one ERROR 410 Expired event, end of stream",
      async () => {
        const { coll } = await fresh("w6");
        const stream = await watch(target, `${coll}?watch=true&resourceVersion=1`);
        assert.equal(stream.response.status, 200);
        const ev = await stream.next();
        assert.ok(ev);
        assert.equal(ev.type, "ERROR");
        assert.equal(ev.object.kind, "Status");
        assert.equal(ev.object.apiVersion, "v1");
        assert.equal(ev.object.status, "Failure");
        assert.equal(ev.object.code, 410);
        assert.equal(ev.object.reason, "Expired");
        const m = /^too old resource version: 1 \((\d+)\)$/.exec(ev.object.message ?? "");
        assert.ok(m, ev.object.message);
        assert.equal(await stream.next(), undefined, "the stream ends after the ERROR event");
        // The number in the message is the oldest resourceVersion a watch may still start from.
        await using resumed = await watch(target, `${coll}?watch=true&resourceVersion=${m[1]}`);
        await create(target, coll, widget("a"));
        assert.deepEqual(summary(await resumed.take(1)), ["ADDED a"]);
      },
    );

    await t.step({
      name: "W6 after compaction: ERROR 410 naming the oldest resumable RV (fake only: compact())",
      ignore: real,
      fn: async () => {
        const { coll } = await fresh("w6c");
        const a = await create(target, coll, widget("a"));
        await create(target, coll, widget("b"));
        target.compact!();
        const now = target.fake!.resourceVersion;
        const stream = await watch(
          target,
          `${coll}?watch=true&resourceVersion=${a.metadata.resourceVersion}`,
        );
        const events = [];
        for (let ev = await stream.next(); ev; ev = await stream.next()) events.push(ev);
        assert.equal(events.length, 1);
        assert.equal(events[0]?.type, "ERROR");
        assert.equal(
          events[0]?.object.message,
          `too old resource version: ${a.metadata.resourceVersion} (${now})`,
        );
        await using resumed = await watch(target, `${coll}?watch=true&resourceVersion=${now}`);
        await create(target, coll, widget("c"));
        assert.deepEqual(summary(await resumed.take(1)), ["ADDED c"]);
      },
    });

    await t.step(
      "W7 timeoutSeconds=1: the server ends the stream cleanly, no ERROR event",
      async () => {
        const { coll } = await fresh("w7");
        const rv = await listRv(target, coll);
        const started = Date.now();
        const guard = new AbortController();
        const timer = setTimeout(() => guard.abort(), 15_000);
        try {
          const stream = await watch(
            target,
            `${coll}?watch=true&timeoutSeconds=1&resourceVersion=${rv}`,
            guard.signal,
          );
          assert.equal(await stream.next(), undefined, "no event, just the end of the stream");
        } finally {
          clearTimeout(timer);
        }
        const elapsed = Date.now() - started;
        assert.ok(!guard.signal.aborted, "the server ended the watch");
        assert.ok(elapsed >= 900, `ended after ${elapsed} ms, not before the timeout`);
      },
    );

    await t.step(
      "W7 timeoutSeconds=0 means the default timeout, not an immediate end",
      async () => {
        const { coll } = await fresh("w7z");
        const rv = await listRv(target, coll);
        await using stream = await watch(
          target,
          `${coll}?watch=true&timeoutSeconds=0&resourceVersion=${rv}`,
        );
        await create(target, coll, widget("a"));
        assert.deepEqual(summary(await stream.take(1)), ["ADDED a"]);
      },
    );

    await t.step(
      "W8 labelSelector watch: starts matching → ADDED, relabelled out → DELETED",
      async () => {
        const { coll } = await fresh("w8");
        await create(target, coll, widget("o", { app: "y" }));
        const rv = await listRv(target, coll);
        await using stream = await watch(
          target,
          `${coll}?watch=true&resourceVersion=${rv}&labelSelector=${q("app=x")}`,
        );
        const into = await patch(target, `${coll}/o`, { metadata: { labels: { app: "x" } } });
        const changed = await patch(target, `${coll}/o`, { spec: { size: 7 } });
        const out = await patch(target, `${coll}/o`, { metadata: { labels: { app: "z" } } });
        await create(target, coll, widget("sentinel", { app: "x" }));
        const events = await stream.take(4);
        assert.deepEqual(summary(events), ["ADDED o", "MODIFIED o", "DELETED o", "ADDED sentinel"]);
        const [added, modified, deleted] = events as [WatchEvent, WatchEvent, WatchEvent];
        assert.equal(rvOf(added.object), rvOf(into));
        assert.equal(rvOf(modified.object), rvOf(changed));
        assert.equal(rvOf(deleted.object), rvOf(out), "DELETED carries the RV of the change");
        assert.deepEqual(
          deleted.object.metadata.labels,
          { app: "x" },
          "DELETED carries the previous content",
        );
        assert.deepEqual(deleted.object.spec, { size: 7 });
      },
    );

    await t.step(
      "W8 labelSelector on an RV-less watch: only matching objects in the initial events",
      async () => {
        const { coll } = await fresh("w8i");
        await create(target, coll, widget("in", { app: "x" }));
        await create(target, coll, widget("out", { app: "y" }));
        await using stream = await watch(target, `${coll}?watch=true&labelSelector=${q("app=x")}`);
        assert.deepEqual(summary(await stream.take(1)), ["ADDED in"]);
        await create(target, coll, widget("in2", { app: "x" }));
        assert.deepEqual(summary(await stream.take(1)), ["ADDED in2"]);
      },
    );

    await t.step("fieldSelector metadata.name watch sees only that object", async () => {
      const { coll } = await fresh("fs");
      const rv = await listRv(target, coll);
      await using stream = await watch(
        target,
        `${coll}?watch=true&resourceVersion=${rv}&fieldSelector=${q("metadata.name=b")}`,
      );
      await create(target, coll, widget("a"));
      await create(target, coll, widget("b"));
      await del(target, `${coll}/b`);
      assert.deepEqual(summary(await stream.take(2)), ["ADDED b", "DELETED b"]);
    });

    await t.step(
      "namespace-scoped watch sees only its namespace; the all-namespaces watch sees both",
      async () => {
        const one = await fresh("ns1");
        const two = await fresh("ns2");
        const rv = await listRv(target, `${WIDGETS}/widgets`);
        await using scoped = await watch(target, `${one.coll}?watch=true&resourceVersion=${rv}`);
        await using all = await watch(
          target,
          `${WIDGETS}/widgets?watch=true&resourceVersion=${rv}`,
        );
        await create(target, two.coll, widget("other"));
        await create(target, one.coll, widget("mine"));
        const [ev] = await scoped.take(1);
        assert.equal(ev?.object.metadata.namespace, one.ns);
        assert.deepEqual(summary([ev!]), ["ADDED mine"]);
        const both = (await all.take(2)).map((e) =>
          `${e.object.metadata.namespace}/${e.object.metadata.name}`
        );
        assert.deepEqual(both, [`${two.ns}/other`, `${one.ns}/mine`]);
      },
    );

    await t.step("resume from a bookmark RV: only later changes", async () => {
      const { coll } = await fresh("bm");
      await create(target, coll, widget("a"));
      let bookmarkRv: string;
      {
        await using stream = await watch(target, `${coll}?watch=true&allowWatchBookmarks=true`);
        await stream.take(1);
        const bm = await stream.next();
        assert.equal(bm?.type, "BOOKMARK");
        bookmarkRv = String(bm.object.metadata.resourceVersion);
      }
      await create(target, coll, widget("b"));
      await using resumed = await watch(
        target,
        `${coll}?watch=true&allowWatchBookmarks=true&resourceVersion=${bookmarkRv}`,
      );
      assert.deepEqual(summary(await resumed.take(1)), ["ADDED b"]);
    });

    await t.step("watch events of built-in types carry apiVersion and kind", async () => {
      const { ns } = await fresh("sec");
      const secrets = `/api/v1/namespaces/${ns}/secrets`;
      const rv = await listRv(target, secrets);
      await using stream = await watch(target, `${secrets}?watch=true&resourceVersion=${rv}`);
      await create(target, secrets, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s" },
        stringData: { k: "v" },
      });
      const [ev] = await stream.take(1);
      assert.equal(ev?.type, "ADDED");
      assert.equal(ev.object.apiVersion, "v1");
      assert.equal(ev.object.kind, "Secret");
    });

    await t.step(
      "a bad selector or resourceVersion fails the request itself, not as an event",
      async () => {
        const { coll } = await fresh("bad");
        const label = await target.request(
          "GET",
          `${coll}?watch=true&labelSelector=${q("app in x")}`,
        );
        const ls = await json<Status>(label);
        assert.equal(label.status, 400);
        assert.equal(ls.message, "unable to parse requirement: found 'x' expected: '('");
        const field = await target.request(
          "GET",
          `${coll}?watch=true&fieldSelector=${q("spec.size=1")}`,
        );
        const fs = await json<Status>(field);
        assert.equal(field.status, 400);
        assert.equal(fs.message, "field label not supported: spec.size");
        const rv = await target.request("GET", `${coll}?watch=true&resourceVersion=abc`);
        const rs = await json<Status>(rv);
        assert.equal(rv.status, 500);
        assert.equal(rs.reason, undefined);
        assert.equal(
          rs.message,
          `resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax`,
        );
      },
    );

    await t.step({
      name: "an aborted watch request leaves no open watch (fake only: target.fake.openWatches)",
      ignore: real,
      fn: async () => {
        const fake = target.fake!;
        const { coll } = await fresh("abort");
        const before = fake.openWatches;
        const abort = new AbortController();
        const res = await target.request("GET", `${coll}?watch=true`, { signal: abort.signal });
        assert.equal(fake.openWatches, before + 1);
        try {
          abort.abort();
          await Promise.resolve();
          assert.equal(fake.openWatches, before, "the abort alone closed the watch");
        } finally {
          await res.body?.cancel().catch(() => {});
        }
      },
    });
  },
});
