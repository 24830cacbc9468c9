// KubeEventRecorder with writes in flight side by side: a transport gate holds every
// event write until the test lets it through, so what is in flight at once is observed
// directly, and nothing waits on time.
import { strict as assert } from "node:assert";
import { KubeClient } from "../client/kube_client.ts";
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
} from "./event_recorder.ts";

const FAILED: EventDetails = {
  type: "Warning",
  reason: "RetryableError",
  action: "SyncFailed",
  note: "Failed to sign: the CA is unreachable",
};

function cr(name: string) {
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name, namespace: "team-a", uid: `uid-${name}` },
  };
}

/** An event write held at the gate. */
interface Held {
  /** `POST` (create) or `PATCH` (series update). */
  method: string;
  /** The event's name. */
  name: string;
  /** The request body. */
  body: { series?: { count: number } };
  release: () => void;
}

/** Holds event writes (not reads) until released; counts how many are in flight at once. */
function gate() {
  let passing = false;
  let inFlight = 0;
  let maxInFlight = 0;
  const held: Held[] = [];
  const log: string[] = [];
  let waiters: { ready: () => boolean; resolve: () => void }[] = [];
  const changed = () => {
    const ready = waiters.filter((w) => w.ready());
    waiters = waiters.filter((w) => !w.ready());
    for (const w of ready) w.resolve();
  };
  return {
    held,
    log,
    get maxInFlight() {
      return maxInFlight;
    },
    wrap(transport: Transport): Transport {
      return async (request) => {
        if (request.method === "GET") return transport(request);
        const body = await request.clone().json();
        const name: string = request.method === "POST"
          ? body.metadata.name
          : new URL(request.url).pathname.split("/").at(-1) ?? "";
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        log.push(`${request.method} ${name}`);
        try {
          if (!passing) {
            await new Promise<void>((release) => {
              held.push({ method: request.method, name, body, release });
              changed();
            });
          }
          return await transport(request);
        } finally {
          inFlight--;
          log.push(`done ${request.method} ${name}`);
        }
      };
    },
    /** Resolves once `ready()` holds for the writes held. */
    until(ready: () => boolean): Promise<void> {
      if (ready()) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ ready, resolve }));
    },
    /** Lets the held write `index` through. */
    release(index: number): Held {
      const [write] = held.splice(index, 1);
      if (!write) throw new Error(`no held write ${index} of ${held.length}`);
      write.release();
      return write;
    },
    /** Lets every held write and all later ones through. */
    open(): void {
      passing = true;
      for (const write of held.splice(0)) write.release();
    },
  };
}

function fixture(options: Partial<KubeEventRecorderOptions> = {}) {
  const clock = new FakeClock(Date.UTC(2024, 0, 1));
  const server = new FakeApiServer({ clock, namespaces: ["team-a"] });
  const g = gate();
  const client = new KubeClient("http://fake", g.wrap(server.fetch), { clock, random: () => 0 });
  const recorder = new KubeEventRecorder(client, {
    reportingController: "example.com/issuer",
    reportingInstance: "issuer-0",
    clock,
    random: () => 0.5,
    ...options,
  });
  const stop = new AbortController();
  const running = recorder.start(stop.signal);
  return {
    clock,
    gate: g,
    recorder,
    async list(): Promise<EventsV1Event[]> {
      const { items } = await new ResourceClient(client, EVENTS).list({ namespace: "team-a" });
      return items;
    },
    async [Symbol.asyncDispose]() {
      g.open();
      stop.abort();
      await running;
      client.close();
      await server.close();
    },
  };
}

for (const concurrency of [undefined, 1, 3]) {
  const limit = concurrency ?? 8;
  Deno.test(`events of different objects are written ${limit} at a time (concurrency ${concurrency ?? "default"})`, async () => {
    await using f = fixture(concurrency === undefined ? {} : { concurrency });
    for (let i = 0; i < 10; i++) f.recorder.record(cr(`cr-${i}`), FAILED);
    await f.gate.until(() => f.gate.held.length === limit);
    await f.clock.advance(0); // a write beyond the limit would have reached the gate by now
    assert.equal(f.gate.held.length, limit);
    assert.equal(f.recorder.queued, 10 - limit);
    // Each write let through makes room for exactly one more.
    for (let written = 1; written <= 10 - limit; written++) {
      f.gate.release(0);
      await f.gate.until(() => f.recorder.queued === 10 - limit - written);
      await f.gate.until(() => f.gate.held.length === limit);
    }
    f.gate.open();
    await f.recorder.whenIdle();
    assert.equal(f.gate.maxInFlight, limit);
    assert.equal((await f.list()).length, 10);
    assert.equal(f.recorder.dropped, 0);
  });
}

Deno.test("the writes of one event never overlap: its create lands before its series patch", async () => {
  await using f = fixture();
  f.recorder.record(cr("cr-1"), FAILED);
  await f.gate.until(() => f.gate.held.length === 1);
  f.recorder.record(cr("cr-1"), FAILED); // the second occurrence: series count 2, at once
  f.recorder.record(cr("cr-2"), FAILED); // another object: does not wait for cr-1
  await f.gate.until(() => f.gate.held.length === 2);
  await f.clock.advance(0); // a patch sent too early would have reached the gate by now
  assert.deepEqual(f.gate.held.map((w) => w.method), ["POST", "POST"]);
  const [create] = f.gate.held;
  assert.ok(create?.name.startsWith("cr-1."));
  f.gate.release(0);
  await f.gate.until(() => f.gate.held.some((w) => w.method === "PATCH"));
  const patch = f.gate.held.find((w) => w.method === "PATCH");
  assert.equal(patch?.name, create?.name);
  assert.deepEqual(patch?.body.series?.count, 2);
  f.gate.open();
  await f.recorder.whenIdle();
  const log = f.gate.log.filter((line) => line.includes(create?.name ?? "?"));
  assert.deepEqual(log, [
    `POST ${create?.name}`,
    `done POST ${create?.name}`,
    `PATCH ${create?.name}`,
    `done PATCH ${create?.name}`,
  ]);
  const event = (await f.list()).find((e) => e.metadata.name === create?.name);
  assert.equal(event?.series?.count, 2);
});

Deno.test("whenIdle waits for the writes in flight, not only for the queue", async () => {
  await using f = fixture();
  f.recorder.record(cr("cr-1"), FAILED);
  f.recorder.record(cr("cr-2"), FAILED);
  await f.gate.until(() => f.gate.held.length === 2);
  assert.equal(f.recorder.queued, 0);
  let idle = false;
  const idling = f.recorder.whenIdle().then(() => idle = true);
  f.gate.release(0);
  await f.clock.advance(0);
  assert.equal(idle, false);
  f.gate.release(0);
  await idling;
  assert.equal((await f.list()).length, 2);
});

Deno.test("writes in flight do not count against queueSize; the queue still drops beyond it", async () => {
  await using f = fixture({ queueSize: 3, concurrency: 2 });
  f.recorder.record(cr("cr-0"), FAILED);
  f.recorder.record(cr("cr-1"), FAILED);
  await f.gate.until(() => f.gate.held.length === 2);
  assert.equal(f.recorder.queued, 0);
  for (let i = 2; i < 7; i++) f.recorder.record(cr(`cr-${i}`), FAILED);
  assert.equal(f.recorder.queued, 3);
  assert.equal(f.recorder.dropped, 2);
  f.gate.open();
  await f.recorder.whenIdle();
  const names = (await f.list()).map((e) => e.regarding.name).sort();
  assert.deepEqual(names, ["cr-0", "cr-1", "cr-2", "cr-3", "cr-4"]);
  assert.equal(f.recorder.dropped, 2);
  assert.ok(f.gate.maxInFlight <= 2);
});

Deno.test("stopping waits for the writes in flight, then writes the rest of the queue", async () => {
  await using f = fixture({ concurrency: 2 });
  for (let i = 0; i < 4; i++) f.recorder.record(cr(`cr-${i}`), FAILED);
  await f.gate.until(() => f.gate.held.length === 2);
  let stopped = false;
  const stopping = f.recorder.stop().then(() => stopped = true);
  await f.clock.advance(0);
  assert.equal(stopped, false);
  f.gate.open();
  await stopping;
  assert.equal((await f.list()).length, 4);
  assert.equal(f.recorder.dropped, 0);
  assert.equal(f.gate.maxInFlight, 2);
});

Deno.test("KubeEventRecorder refuses a concurrency that is not a positive integer", () => {
  const client = new KubeClient("http://fake", () => Promise.reject(new Error("unused")));
  for (const concurrency of [0, 2.5]) {
    assert.throws(
      () =>
        new KubeEventRecorder(client, {
          reportingController: "example.com/issuer",
          reportingInstance: "issuer-0",
          concurrency,
        }),
      {
        name: "RangeError",
        message: `KubeEventRecorder: concurrency must be a positive integer, got ${concurrency}`,
      },
    );
  }
});
