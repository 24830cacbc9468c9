import { strict as assert } from "node:assert";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import {
  type CertificateRequest,
  certificateRequest,
  CRS,
  fixture,
  until,
} from "./_test_helpers.ts";
import { Informer, type InformerErrorContext, type InformerOptions } from "./informer.ts";

/** An informer over the fixture's CertificateRequests with a recording handler. */
function recorded(
  f: ReturnType<typeof fixture>,
  options: InformerOptions<CertificateRequest> = {},
) {
  const failures: { error: unknown; context: InformerErrorContext }[] = [];
  const informer = new Informer(f.crs, {
    clock: f.clock,
    random: () => 0,
    onError: (error, context) => failures.push({ error, context }),
    ...options,
  });
  const log: string[] = [];
  informer.addHandler({
    onAdd: (o) => log.push(`add ${o.metadata.name}`),
    onUpdate: (old, o) => {
      // The store holds the new state before handlers hear about it.
      assert.equal(informer.store.get(`${o.metadata.namespace}/${o.metadata.name}`), o);
      log.push(`update ${o.metadata.name} ${old.spec.issuerRef.name}->${o.spec.issuerRef.name}`);
    },
    onDelete: (o) => log.push(`delete ${o.metadata.name}`),
  });
  return { informer, log, failures };
}

Deno.test("Informer: the initial list, then live events, reach handlers after the store", async () => {
  await using f = fixture();
  await f.server.load(certificateRequest("a"), certificateRequest("b"));
  const { informer, log, failures } = recorded(f);
  const stop = new AbortController();
  const running = informer.start(stop.signal);
  await informer.synced;
  assert.equal(informer.hasSynced, true);
  assert.deepEqual(log.splice(0), ["add a", "add b"]);
  await until(() => f.server.openWatches === 1, "a watch");

  await f.server.load(certificateRequest("c"));
  await f.crs.patch("a", { type: "merge", body: { spec: { issuerRef: { name: "vault" } } } }, {
    namespace: "default",
  });
  await f.crs.delete("b", { namespace: "default" });
  await until(() => log.length === 3, "three changes");
  assert.deepEqual(log, ["add c", "update a ca->vault", "delete b"]);
  assert.deepEqual(informer.store.keys().sort(), ["default/a", "default/c"]);
  stop.abort();
  await running;
  assert.equal(f.server.openWatches, 0);
  assert.deepEqual(failures, []);
});

Deno.test("Informer: a re-list after 410 reports what changed meanwhile, deletes included", async () => {
  await using f = fixture();
  await f.server.load(
    certificateRequest("keep"),
    certificateRequest("change"),
    certificateRequest("gone"),
  );
  const { informer, log, failures } = recorded(f);
  await using _ = informer;
  void informer.start();
  await informer.synced;
  await until(() => f.server.openWatches === 1, "a watch");
  await f.server.load(certificateRequest("x"));
  await until(() => log.length === 4, "the event of x");
  log.length = 0;

  f.server.faults.add({ match: { verb: "watch" }, fail: { code: 500 } });
  f.server.cutWatches();
  await until(() => failures.length === 1, "the failed watch");
  await f.crs.delete("gone", { namespace: "default" });
  await f.crs.patch("change", { type: "merge", body: { spec: { issuerRef: { name: "vault" } } } }, {
    namespace: "default",
  });
  await f.server.load(certificateRequest("new"));
  f.server.compact(CRS);
  await f.clock.advance(800);
  await until(() => log.length === 3, "the changes of the re-list");
  assert.deepEqual(log, ["delete gone", "update change ca->vault", "add new"]);
  assert.equal(f.server.requests.count({ verb: "list" }), 2);
  assert.deepEqual(informer.store.keys().sort(), [
    "default/change",
    "default/keep",
    "default/new",
    "default/x",
  ]);
  assert.deepEqual(failures.map((x) => x.context.phase), ["watch"]);
});

Deno.test("Informer: a handler added after sync hears about every cached object", async () => {
  await using f = fixture();
  await f.server.load(certificateRequest("a"), certificateRequest("b"));
  const { informer } = recorded(f);
  await using _ = informer;
  void informer.start();
  await informer.synced;
  const late: string[] = [];
  const remove = informer.addHandler({ onAdd: (o) => late.push(o.metadata.name!) });
  assert.deepEqual(late.sort(), ["a", "b"]);
  remove();
  await until(() => f.server.openWatches === 1, "a watch");
  await f.server.load(certificateRequest("c"));
  await until(() => informer.store.size === 3, "c cached");
  assert.deepEqual(late.sort(), ["a", "b"], "a removed handler hears nothing");
});

Deno.test("Informer: a throwing handler is reported and does not stop the others", async () => {
  await using f = fixture();
  await f.server.load(certificateRequest("a"));
  const { informer, log, failures } = recorded(f);
  await using _ = informer;
  informer.addHandler({
    onAdd: () => {
      throw new Error("handler bug");
    },
  });
  const after: string[] = [];
  informer.addHandler({ onAdd: (o) => after.push(o.metadata.name!) });
  void informer.start();
  await informer.synced;
  assert.deepEqual(log, ["add a"]);
  assert.deepEqual(after, ["a"]);
  assert.equal(failures.length, 1);
  assert.equal(failures[0]?.context.phase, "handler");
  assert.match(String(failures[0]?.error), /handler bug/);
});

Deno.test("Informer: a throwing transform drops the event and is reported", async () => {
  await using f = fixture();
  const { informer, failures } = recorded(f, {
    transform: (o) => {
      if (o.metadata.name === "bad") throw new Error("transform bug");
      return o;
    },
  });
  await using _ = informer;
  void informer.start();
  await informer.synced;
  await until(() => f.server.openWatches === 1, "a watch");
  await f.server.load(certificateRequest("bad"), certificateRequest("good"));
  await until(() => informer.store.size === 1, "good cached");
  assert.deepEqual(informer.store.keys(), ["default/good"]);
  assert.deepEqual(failures.map((x) => x.context.phase), ["apply"]);
});

Deno.test("Informer: the default transform drops managedFields, and indexes answer by issuer", async () => {
  await using f = fixture();
  await f.server.load(
    certificateRequest("a", { issuer: "ca" }),
    certificateRequest("b", { issuer: "vault" }),
  );
  const stored = f.server.get(CRS, "default", "a");
  assert(Array.isArray((stored?.metadata as { managedFields?: unknown })?.managedFields));
  const { informer } = recorded(f);
  await using _ = informer;
  informer.addIndex(
    "issuerRef",
    (cr) => [`${cr.metadata.namespace}/${cr.spec.issuerRef.kind}/${cr.spec.issuerRef.name}`],
  );
  void informer.start();
  await informer.synced;
  assert.equal(informer.store.get("default/a")?.metadata.managedFields, undefined);
  const byIssuer = (issuer: string) =>
    informer.store.byIndex("issuerRef", `default/Issuer/${issuer}`).map((o) => o.metadata.name)
      .sort();
  assert.deepEqual(byIssuer("ca"), ["a"]);
  await until(() => f.server.openWatches === 1, "a watch");
  await f.crs.patch("b", { type: "merge", body: { spec: { issuerRef: { name: "ca" } } } }, {
    namespace: "default",
  });
  await until(() => byIssuer("ca").length === 2, "b moved to ca");
  assert.deepEqual(byIssuer("vault"), []);
  await f.crs.delete("a", { namespace: "default" });
  await until(() => byIssuer("ca").length === 1, "a deleted");
  assert.deepEqual(byIssuer("ca"), ["b"]);
});

Deno.test("Informer: stopping before the first list rejects synced; start is once only", async () => {
  await using f = fixture();
  f.server.faults.add({ match: { verb: "list" }, fail: { code: 500 }, times: Infinity });
  const { informer, failures } = recorded(f);
  const stop = new AbortController();
  const running = informer.start(stop.signal);
  assert.throws(
    () => informer.start(),
    /Informer.start: the informer of certificaterequests.cert-manager.io is already running/,
  );
  await until(() => failures.length === 1, "a failed list");
  stop.abort();
  await running;
  await assert.rejects(informer.synced, /stopped before its cache synced/);
  assert.equal(informer.hasSynced, false);
  assert.throws(() => informer.start(), /already stopped/);
});

Deno.test("Informer: disposing a never started informer stops it", async () => {
  await using f = fixture();
  const { informer } = recorded(f);
  await informer[Symbol.asyncDispose]();
  await informer.stopped;
  await assert.rejects(informer.synced);
  assert.equal(f.server.requests.count({ verb: "list" }), 0);
});

Deno.test("Informer: a signal aborted before start stops it at once", async () => {
  await using f = fixture();
  const { informer } = recorded(f);
  await informer.start(AbortSignal.abort());
  assert.equal(f.server.requests.count({ verb: "list" }), 0);
});

Deno.test("Informer: rejects a bad page size", async () => {
  await using f = fixture();
  assert.throws(
    () => new Informer(f.crs, { pageSize: 1.5 }),
    /pageSize must be a positive integer, got 1.5/,
  );
});

Deno.test("Informer: without onError, a failure goes to the certkit.informer logger, not the console", async () => {
  await using f = fixture();
  await f.server.load(certificateRequest("a"));
  const records: LogRecord[] = [];
  await configure({
    sinks: { test: (record) => records.push(record) },
    loggers: [
      { category: ["certkit"], sinks: ["test"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], lowestLevel: "warning" },
    ],
  });
  const consoleError = console.error;
  const printed: unknown[] = [];
  console.error = (...args: unknown[]) => printed.push(args);
  const stop = new AbortController();
  try {
    const informer = new Informer(f.crs, { clock: f.clock, random: () => 0 });
    const thrown = new Error("handler bug");
    informer.addHandler({
      onAdd: () => {
        throw thrown;
      },
    });
    const running = informer.start(stop.signal);
    await informer.synced;
    stop.abort();
    await running;

    assert.deepEqual(printed, []);
    assert.equal(records.length, 1);
    const [record] = records;
    assert.deepEqual(record!.category, ["certkit", "informer"]);
    assert.equal(record!.level, "error");
    assert.deepEqual(record!.properties, {
      resource: "certificaterequests.cert-manager.io",
      phase: "handler",
      error: thrown,
    });
    assert.equal(
      record!.message.map((part) => typeof part === "string" ? part : String(part)).join(""),
      "An event handler of the informer of certificaterequests.cert-manager.io threw: Error: handler bug",
    );
  } finally {
    console.error = consoleError;
    stop.abort();
    await reset();
  }
});
