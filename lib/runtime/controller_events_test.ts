import { strict as assert } from "node:assert";
import type { KubeObject } from "../client/object.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { Controller } from "./controller.ts";
import { configureLogging } from "./logging.ts";
import { resourceVersionChangedPredicate } from "./predicate.ts";
import { object, settle, StubSource, until } from "./_controller_test_helpers.ts";

function recording(options: { clock?: FakeClock; cacheSyncTimeoutMs?: number } = {}) {
  const keys: string[] = [];
  const controller = new Controller({
    name: "events",
    clock: options.clock ?? new FakeClock(),
    ...(options.cacheSyncTimeoutMs !== undefined
      ? { cacheSyncTimeoutMs: options.cacheSyncTimeoutMs }
      : {}),
    reconcile: (key) => {
      keys.push(key);
      return Promise.resolve({});
    },
  });
  return { keys, controller };
}

Deno.test("Controller events: adds, updates and deletes queue the object's key", async () => {
  const source = new StubSource();
  const { keys, controller } = recording();
  controller.watch(source);
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  source.markSynced();
  source.add(object("a"));
  await until(() => keys.length === 1, "the add");
  source.update(object("a", "1"), object("a", "2"));
  await until(() => keys.length === 2, "the update");
  await settle();
  assert.equal(keys.length, 2, "an update queues its key once");
  source.delete(object("a", "2"));
  await until(() => keys.length === 3, "the delete");
  assert.deepEqual(keys, ["default/a", "default/a", "default/a"]);
  stop.abort();
  await running;
  assert.equal(source.handlers.size, 0, "the handler is removed on stop");
});

Deno.test("Controller events: the workers wait for the sources to sync", async () => {
  const first = new StubSource();
  const second = new StubSource();
  const { keys, controller } = recording();
  controller.watch(first).watch(second);
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  first.add(object("a"));
  first.markSynced();
  await settle();
  assert.deepEqual(keys, [], "no reconcile before every source synced");
  second.markSynced();
  await until(() => keys.length === 1, "the reconcile after sync");
  stop.abort();
  await running;
});

Deno.test("Controller events: predicates filter events; resourceVersionChanged drops re-deliveries", async () => {
  const source = new StubSource();
  const { keys, controller } = recording();
  const notB = { create: (o: KubeObject) => o.metadata.name !== "b" };
  controller.watch(source, { predicates: [resourceVersionChangedPredicate, notB] });
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  source.markSynced();
  source.add(object("b"));
  source.update(object("a", "7"), object("a", "7"));
  source.add(object("c"));
  await until(() => keys.length === 1, "the add of c");
  await settle();
  assert.deepEqual(keys, ["default/c"]);
  stop.abort();
  await running;
});

Deno.test("Controller events: a map fans out, and an update queues the old and the new keys", async () => {
  interface Request extends KubeObject {
    spec: { issuer: string };
  }
  const source = new StubSource<Request>();
  const { keys, controller } = recording();
  controller.watch(source, { map: (r) => [`issuer/${r.spec.issuer}`] });
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  source.markSynced();
  const before = { ...object("r"), spec: { issuer: "x" } };
  const after = { metadata: { ...before.metadata, resourceVersion: "2" }, spec: { issuer: "y" } };
  source.update(before, after);
  await until(() => keys.length === 2, "both issuers");
  assert.deepEqual(keys.sort(), ["issuer/x", "issuer/y"]);
  stop.abort();
  await running;
});

Deno.test("Controller events: non-string keys need a map and work end to end", async () => {
  const source = new StubSource();
  const seen: { ns: string; name: string }[] = [];
  const byRef = new Map<string, { ns: string; name: string }>();
  const ref = (ns: string, name: string) => {
    const k = `${ns}/${name}`;
    if (!byRef.has(k)) byRef.set(k, { ns, name });
    return byRef.get(k)!;
  };
  const controller = new Controller<{ ns: string; name: string }>({
    name: "refs",
    clock: new FakeClock(),
    reconcile: (key) => {
      seen.push(key);
      return Promise.resolve({});
    },
  }).watch(source, { map: (o) => [ref(o.metadata.namespace ?? "", o.metadata.name ?? "")] });
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  source.markSynced();
  source.add(object("a"));
  await until(() => seen.length === 1, "the reconcile");
  assert.deepEqual(seen, [{ ns: "default", name: "a" }]);
  stop.abort();
  await running;
});

Deno.test("Controller events: enqueue and enqueueAfter feed other sources in", async () => {
  const clock = new FakeClock();
  const { keys, controller } = recording({ clock });
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  controller.enqueueAfter("default/later", 1_000);
  controller.enqueue("default/now");
  await until(() => keys.length === 1, "the immediate key");
  await clock.advance(1_000);
  await until(() => keys.length === 2, "the delayed key");
  assert.deepEqual(keys, ["default/now", "default/later"]);
  stop.abort();
  await running;
});

Deno.test("Controller events: a source that does not sync in time fails the start", async () => {
  const clock = new FakeClock();
  const source = new StubSource();
  const { controller } = recording({ clock, cacheSyncTimeoutMs: 1_000 });
  controller.watch(source);
  const failed = assert.rejects(
    controller.start(new AbortController().signal),
    /Controller events: the sources did not sync within 1000 ms/,
  );
  await clock.whenSleeping();
  await clock.advance(1_000);
  await failed;
  assert.equal(source.handlers.size, 0);
});

Deno.test("Controller events: a source that stops before it synced fails the start", async () => {
  const source = new StubSource();
  const { controller } = recording();
  controller.watch(source);
  const cause = new Error("the informer stopped");
  const failed = assert.rejects(
    controller.start(new AbortController().signal),
    (e: Error) => e.cause === cause && /stopped before/.test(e.message),
  );
  source.failSync(cause);
  await failed;
});

Deno.test("Controller events: a stop before the sync settles the start without reconciling", async () => {
  const clock = new FakeClock();
  const source = new StubSource();
  const { keys, controller } = recording({ clock });
  controller.watch(source);
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  source.add(object("a"));
  stop.abort();
  await running;
  assert.deepEqual(keys, []);
  assert.equal(clock.pendingSleeps, 0, "the sync timeout timer is gone");
  assert.throws(() => controller.watch(source), /watch must be called before start/);
});

Deno.test("Controller events: every reconcile log line carries the controller and the key", async () => {
  const lines: string[] = [];
  const logging = await configureLogging({
    format: "json",
    level: "debug",
    write: (line) => lines.push(line),
  });
  try {
    const controller = new Controller({
      name: "logged",
      clock: new FakeClock(),
      reconcile: (key, ctx) => {
        ctx.log.debug("Looking at the object.");
        return Promise.reject(new Error(`the API server refused ${key}`));
      },
    });
    const stop = new AbortController();
    const running = controller.start(stop.signal);
    controller.enqueue("team-a/cr-1");
    await until(() => lines.some((l) => l.includes("Reconciler error")), "the error line");
    stop.abort();
    await running;
  } finally {
    await logging[Symbol.asyncDispose]();
  }
  const records = lines.map((l) => JSON.parse(l));
  const perKey = records.filter((r) => r.key !== undefined);
  assert.equal(perKey.length, 2);
  for (const r of perKey) {
    assert.equal(r.controller, "logged");
    assert.equal(r.key, "team-a/cr-1");
    assert.match(r.reconcileID, /^[0-9a-f-]{36}$/);
  }
  const error = perKey.find((r) => r.level === "ERROR");
  assert.equal(error.error.message, "the API server refused team-a/cr-1");
  assert.ok(
    records.some((r) =>
      r.message === "The sources synced: starting 1 worker(s)." && r.controller === "logged"
    ),
  );
});
