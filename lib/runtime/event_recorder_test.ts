import { strict as assert } from "node:assert";
import { KubeClient, type KubeClientOptions } from "../client/kube_client.ts";
import { ResourceClient } from "../client/resource_client.ts";
import type { Transport } from "../client/transport.ts";
import { FakeApiServer } from "../testing/apiserver/fake_api_server.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import {
  type EventDetails,
  EVENTS,
  type EventsV1Event,
  KubeEventRecorder,
  type KubeEventRecorderOptions,
  noopEventRecorder,
  truncateEventNote,
} from "./event_recorder.ts";

const T0 = Date.UTC(2024, 0, 1);

const CR = {
  apiVersion: "cert-manager.io/v1",
  kind: "CertificateRequest",
  metadata: { name: "cr-1", namespace: "team-a", uid: "uid-1", resourceVersion: "7" },
};

const FAILED: EventDetails = {
  type: "Warning",
  reason: "RetryableError",
  action: "SyncFailed",
  note: "Failed to sign: the CA is unreachable",
};

function fixture(
  options: Partial<KubeEventRecorderOptions> = {},
  clientOptions: KubeClientOptions = {},
  wrap: (transport: Transport) => Transport = (t) => t,
) {
  const clock = new FakeClock(T0);
  const server = new FakeApiServer({ clock, namespaces: ["team-a"] });
  const client = new KubeClient("http://fake", wrap(server.fetch), {
    clock,
    random: () => 0,
    ...clientOptions,
  });
  const recorder = new KubeEventRecorder(client, {
    reportingController: "example.com/issuer",
    reportingInstance: "issuer-0",
    clock,
    random: () => 0.5,
    ...options,
  });
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  const events = new ResourceClient(client, EVENTS);
  return {
    clock,
    server,
    client,
    recorder,
    stop,
    start(): Promise<void> {
      running = recorder.start(stop.signal);
      return running;
    },
    /** The events.k8s.io/v1 view of the events in a namespace, oldest first. */
    async list(namespace = "team-a"): Promise<EventsV1Event[]> {
      const list = await events.list({ namespace });
      return list.items.sort((a, b) => a.eventTime.localeCompare(b.eventTime));
    },
    writes(): number {
      return server.requests.count({ resource: "events", verb: ["create", "patch", "update"] });
    },
    async [Symbol.asyncDispose]() {
      stop.abort();
      await recorder.stop();
      await running;
      client.close();
      await server.close();
    },
  };
}

Deno.test("an event is created as <name>.<hex Unix nanos> with MicroTime and the reporter", async () => {
  await using f = fixture();
  f.start();
  const related = { apiVersion: "v1", kind: "Secret", name: "ca", namespace: "team-a" };
  f.recorder.record(CR, { ...FAILED, related });
  await f.recorder.whenIdle();
  const [event, ...rest] = await f.list();
  assert.equal(rest.length, 0);
  assert.equal(event?.metadata.name, `cr-1.${(BigInt(T0) * 1_000_000n).toString(16)}`);
  assert.equal(event?.metadata.namespace, "team-a");
  assert.equal(event?.eventTime, "2024-01-01T00:00:00.000000Z");
  assert.equal(event?.reportingController, "example.com/issuer");
  assert.equal(event?.reportingInstance, "issuer-0");
  assert.deepEqual(
    [event?.type, event?.reason, event?.action, event?.note],
    ["Warning", "RetryableError", "SyncFailed", "Failed to sign: the CA is unreachable"],
  );
  assert.deepEqual(event?.regarding, {
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    namespace: "team-a",
    name: "cr-1",
    uid: "uid-1",
    resourceVersion: "7",
  });
  assert.deepEqual(event?.related, related);
  assert.equal(event?.series, undefined);
});

Deno.test("events at the same instant get distinct names; cluster-scoped objects report to default", async () => {
  await using f = fixture();
  f.start();
  f.recorder.record(CR, FAILED);
  f.recorder.record(CR, { ...FAILED, note: "Another note." });
  const clusterIssuer = {
    apiVersion: "example.com/v1",
    kind: "ClusterIssuer",
    metadata: { name: "ca" },
  };
  f.recorder.record(clusterIssuer, {
    type: "Normal",
    reason: "Checked",
    action: "Synced",
    note: "ok",
  });
  await f.recorder.whenIdle();
  const names = (await f.list()).map((e) => e.metadata.name);
  const nanos = BigInt(T0) * 1_000_000n;
  assert.deepEqual(names, [`cr-1.${nanos.toString(16)}`, `cr-1.${(nanos + 1n).toString(16)}`]);
  const [cluster] = await f.list("default");
  assert.equal(cluster?.metadata.name, `ca.${(nanos + 2n).toString(16)}`);
  assert.equal(cluster?.regarding.namespace, undefined);
});

Deno.test("100 identical failures fold into one event's series: 4 writes, not 100", async () => {
  await using f = fixture();
  f.start();
  for (let i = 0; i < 100; i++) {
    f.recorder.record(CR, FAILED);
    await f.clock.advance(500); // 100 failures over 50 s
  }
  await f.recorder.whenIdle();
  const writesAfterBurst = f.writes();
  await f.clock.advance(10_000); // past the 60 s flush
  await f.recorder.whenIdle();
  // 1 create, the series started at once (count 2), then flushes at 30 s and 60 s.
  assert.equal(f.server.requests.count({ resource: "events", verb: "create" }), 1);
  assert.equal(f.server.requests.count({ resource: "events", verb: "patch" }), 3);
  assert.equal(f.server.requests.count({ resource: "events" }), 4);
  assert.ok(writesAfterBurst <= 3, `${writesAfterBurst}`);
  const [event, ...rest] = await f.list();
  assert.equal(rest.length, 0);
  assert.deepEqual(event?.series, {
    count: 100,
    lastObservedTime: "2024-01-01T00:00:49.500000Z",
  });
  assert.equal(event?.eventTime, "2024-01-01T00:00:00.000000Z");
  // Nothing more is written once the series is quiet, not even when stopping.
  await f.clock.advance(10 * 60_000);
  f.stop.abort();
  await f.recorder.stop();
  assert.equal(f.writes(), 4);
});

Deno.test("the second occurrence is written at once with count 2, as client-go does", async () => {
  await using f = fixture();
  f.start();
  f.recorder.record(CR, FAILED);
  await f.clock.advance(1_000);
  f.recorder.record(CR, FAILED);
  await f.recorder.whenIdle();
  const [event] = await f.list();
  assert.deepEqual(event?.series, { count: 2, lastObservedTime: "2024-01-01T00:00:01.000000Z" });
  assert.equal(f.writes(), 2);
});

Deno.test("events differing in note, type, reason, action or object are separate events", async () => {
  await using f = fixture();
  f.start();
  const other = { ...CR, metadata: { ...CR.metadata, name: "cr-2", uid: "uid-2" } };
  const variants: [typeof CR, EventDetails][] = [
    [CR, FAILED],
    [CR, { ...FAILED, note: "Failed to sign: timeout" }],
    [CR, { ...FAILED, type: "Normal" }],
    [CR, { ...FAILED, reason: "PermanentError" }],
    [CR, { ...FAILED, action: "Synced" }],
    [other, FAILED],
  ];
  for (const [regarding, event] of variants) f.recorder.record(regarding, event);
  await f.recorder.whenIdle();
  assert.equal((await f.list()).length, 6);
  assert.equal(f.server.requests.count({ resource: "events", verb: "patch" }), 0);
});

Deno.test("a repeat after the 6-minute window starts a new event", async () => {
  await using f = fixture();
  f.start();
  f.recorder.record(CR, FAILED);
  await f.clock.advance(1_000);
  f.recorder.record(CR, FAILED);
  f.recorder.record(CR, FAILED); // count 3, not written yet
  await f.recorder.whenIdle();
  await f.clock.advance(6 * 60_000 + 1);
  f.recorder.record(CR, FAILED);
  await f.recorder.whenIdle();
  const [first, second, ...rest] = await f.list();
  assert.equal(rest.length, 0);
  assert.equal(first?.series?.count, 3); // flushed before the series ended
  assert.equal(second?.series, undefined);
  assert.equal(second?.eventTime, "2024-01-01T00:06:01.001000Z");
});

Deno.test("a series update of an event that is gone creates it again with its series", async () => {
  await using f = fixture();
  f.start();
  f.recorder.record(CR, FAILED);
  f.recorder.record(CR, FAILED);
  await f.recorder.whenIdle();
  const [event] = await f.list();
  const name = event?.metadata.name ?? "";
  await new ResourceClient(f.client, EVENTS).delete(name, { namespace: "team-a" });
  f.recorder.record(CR, FAILED);
  await f.recorder.flush();
  const [again, ...rest] = await f.list();
  assert.equal(rest.length, 0);
  assert.equal(again?.metadata.name, name);
  assert.equal(again?.series?.count, 3);
  assert.equal(
    f.server.requests.count({ resource: "events", verb: "patch", code: 404 }),
    1,
  );
});

Deno.test("notes are cut to 1024 bytes at a character boundary, and the server accepts them", async () => {
  await using f = fixture();
  const long = "é".repeat(600); // 1200 bytes
  const cut = truncateEventNote(long);
  assert.equal(new TextEncoder().encode(cut).length, 1023);
  assert.equal(cut, `${"é".repeat(510)}...`);
  assert.equal(truncateEventNote("short"), "short");
  assert.equal(truncateEventNote("x".repeat(1024)), "x".repeat(1024));
  f.start();
  f.recorder.record(CR, { ...FAILED, note: long });
  await f.recorder.whenIdle();
  const [event] = await f.list();
  assert.equal(event?.note, cut);
});

Deno.test("record never blocks: the queue is bounded and events beyond it are dropped", async () => {
  await using f = fixture({ queueSize: 3 });
  for (let i = 0; i < 5; i++) f.recorder.record(CR, { ...FAILED, note: `failure ${i}` });
  assert.equal(f.recorder.queued, 3);
  assert.equal(f.recorder.dropped, 2);
  assert.equal(f.writes(), 0); // nothing is written before start
  f.start();
  await f.recorder.whenIdle();
  assert.deepEqual((await f.list()).map((e) => e.note), ["failure 0", "failure 1", "failure 2"]);
});

Deno.test("a write the API server refuses is logged and dropped; later events still go out", async () => {
  await using f = fixture();
  f.start();
  f.server.faults.add({ match: { verb: "create", resource: "events" }, fail: { code: 403 } });
  f.recorder.record(CR, FAILED);
  f.recorder.record(CR, { ...FAILED, note: "second" });
  await f.recorder.whenIdle();
  assert.deepEqual((await f.list()).map((e) => e.note), ["second"]);
  assert.equal(f.server.requests.count({ resource: "events", verb: "create" }), 2);
});

Deno.test("an unreachable API server is retried 10 s ± 25 % apart, up to maxTries", async () => {
  let failures = 2;
  await using f = fixture({ maxTries: 3 }, {}, (transport) => (request) => {
    if (request.method === "POST" && failures-- > 0) {
      return Promise.reject(new TypeError("connection refused"));
    }
    return transport(request);
  });
  f.start();
  f.recorder.record(CR, FAILED);
  await f.clock.advance(0);
  assert.equal((await f.list()).length, 0);
  await f.clock.advance(9_999);
  assert.equal((await f.list()).length, 0);
  await f.clock.advance(1); // random 0.5: exactly 10 s
  await f.clock.advance(10_000);
  await f.recorder.whenIdle();
  assert.equal((await f.list()).length, 1);
  // Beyond maxTries the event is given up.
  failures = 5;
  f.recorder.record(CR, { ...FAILED, note: "lost" });
  await f.clock.advance(30_000);
  await f.recorder.whenIdle();
  assert.equal((await f.list()).length, 1);
  assert.equal(failures, 2);
});

Deno.test("stopping writes the queue and pending series counts before start resolves", async () => {
  await using f = fixture();
  const running = f.start();
  for (let i = 0; i < 5; i++) f.recorder.record(CR, FAILED);
  f.recorder.record(CR, { ...FAILED, note: "queued" });
  f.stop.abort();
  await running;
  const [event, queued] = await f.list();
  assert.equal(event?.series?.count, 5);
  assert.equal(queued?.note, "queued");
  f.recorder.record(CR, FAILED);
  assert.equal(f.recorder.dropped, 1); // after stop
});

Deno.test("stopping gives up writes that outlast stopTimeoutMs; events never created are dropped", async () => {
  await using f = fixture({ stopTimeoutMs: 5_000, concurrency: 2 });
  const running = f.start();
  f.server.faults.add({ match: { resource: "events" }, latencyMs: 60_000, times: Infinity });
  f.recorder.record(CR, FAILED);
  f.recorder.record(CR, { ...FAILED, note: "in flight too" });
  f.recorder.record(CR, { ...FAILED, note: "never sent" });
  await f.clock.advance(0);
  assert.equal(f.recorder.queued, 1); // two in flight
  f.stop.abort();
  let settled = false;
  running.then(() => settled = true);
  await f.clock.advance(4_999);
  assert.equal(settled, false);
  await f.clock.advance(1);
  await running;
  // The two writes in flight were aborted and the queued event never sent.
  assert.equal(f.recorder.dropped, 3);
});

Deno.test("KubeEventRecorder validates its options and record's arguments", () => {
  const client = new KubeClient("http://fake", () => Promise.reject(new Error("unused")));
  const make = (options: Partial<KubeEventRecorderOptions>) =>
    new KubeEventRecorder(client, {
      reportingController: "example.com/issuer",
      reportingInstance: "issuer-0",
      ...options,
    });
  assert.throws(() => make({ reportingController: "a/b/c" }), {
    name: "TypeError",
    message:
      'KubeEventRecorder: reportingController must be a qualified name such as "example.com/issuer", got "a/b/c"',
  });
  assert.throws(() => make({ reportingInstance: "x".repeat(129) }), {
    name: "TypeError",
    message: /reportingInstance must be 1 to 128 characters/,
  });
  assert.throws(() => make({ seriesFlushIntervalMs: 0 }), {
    name: "RangeError",
    message: "KubeEventRecorder: seriesFlushIntervalMs must be a positive number, got 0",
  });
  const recorder = make({});
  assert.throws(
    () => recorder.record(CR, { ...FAILED, type: "Error" as "Warning" }),
    {
      name: "TypeError",
      message: 'EventRecorder.record: type must be "Normal" or "Warning", got "Error"',
    },
  );
  assert.throws(() => recorder.record(CR, { ...FAILED, reason: "" }), {
    name: "TypeError",
    message: /reason must be a non-empty string of at most 128 characters, got ""/,
  });
  assert.throws(() => recorder.record({ metadata: {} }, FAILED), {
    name: "TypeError",
    message: "objectReference: the object needs a name, got undefined",
  });
  assert.throws(() => {
    recorder.start();
    recorder.start();
  }, { name: "TypeError", message: "KubeEventRecorder.start: the recorder is already running" });
  return recorder.stop();
});

Deno.test("noopEventRecorder accepts anything and writes nothing", () => {
  noopEventRecorder.record(CR, FAILED);
});
