import { strict as assert } from "node:assert";
import { KubeClient } from "../client/kube_client.ts";
import { ResourceClient } from "../client/resource_client.ts";
import { FakeApiServer } from "../testing/apiserver/fake_api_server.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { FakeEventRecorder } from "../testing/fake_event_recorder.ts";
import { controllerRuntimeMetrics } from "./controller_runtime_metrics.ts";
import { EVENTS, KubeEventRecorder } from "./event_recorder.ts";
import {
  LeaderElector,
  type LeaderElectorOptions,
  LeadershipLostError,
} from "./leader_election.ts";
import { type LeaderElectionRecord, LeaseLock, LEASES, type LeaseSpec } from "./lease_lock.ts";
import { Registry } from "./registry.ts";

const T0 = Date.UTC(2024, 0, 1);

/** A fake API server and clock, and electors on one Lease `kube-system/issuer`. */
function fixture() {
  const clock = new FakeClock(T0);
  const server = new FakeApiServer({ clock });
  const client = new KubeClient("http://fake", server.fetch, { clock, random: () => 0 });
  const runs: { stop: AbortController; done: Promise<unknown> }[] = [];
  /** How many `leading` functions run at once, at most. */
  const witness = { active: 0, max: 0 };
  return {
    clock,
    server,
    client,
    witness,
    spec(): LeaseSpec | undefined {
      return server.get("leases.coordination.k8s.io", "kube-system", "issuer")?.spec as
        | LeaseSpec
        | undefined;
    },
    elector(
      identity: string,
      options: Partial<LeaderElectorOptions> = {},
    ): LeaderElector {
      return new LeaderElector({
        lock: new LeaseLock(client, { namespace: "kube-system", name: "issuer" }),
        identity,
        clock,
        random: () => 0,
        ...options,
      });
    },
    /** Runs an elector whose `leading` holds until its signal aborts; records when it led. */
    start(elector: LeaderElector) {
      const stop = new AbortController();
      const led: { from: number; to?: number; reason?: unknown } = { from: NaN };
      const done = elector.run(stop.signal, async (signal) => {
        led.from = clock.now();
        witness.active++;
        witness.max = Math.max(witness.max, witness.active);
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
        witness.active--;
        led.to = clock.now();
        led.reason = signal.reason;
      });
      const outcome: { error?: unknown; settled: boolean } = { settled: false };
      const watched = done.then(
        () => outcome.settled = true,
        (error) => Object.assign(outcome, { error, settled: true }),
      );
      runs.push({ stop, done: watched });
      return { stop, done: watched, led, outcome };
    },
    /** Moves the clock from sleep to sleep until `cond` holds; returns the time it held. */
    async until(cond: () => boolean, maxMs = 120_000): Promise<number> {
      const end = clock.now() + maxMs;
      await clock.advance(0);
      while (!cond()) {
        if (clock.now() > end) throw new Error(`not reached within ${maxMs} ms of fake time`);
        if (!await clock.runNext()) throw new Error("nothing is pending on the clock");
      }
      return clock.now();
    },
    async [Symbol.asyncDispose]() {
      for (const run of runs) run.stop.abort();
      await Promise.all(runs.map((run) => run.done));
      client.close();
      await server.close();
    },
  };
}

Deno.test("LeaderElector validates its durations and identity like client-go", () => {
  const client = new KubeClient("http://fake", () => Promise.reject(new Error("unused")));
  const lock = new LeaseLock(client, { namespace: "kube-system", name: "issuer" });
  const make = (options: Partial<LeaderElectorOptions>) =>
    new LeaderElector({ lock, identity: "a", ...options });
  assert.throws(() => make({ leaseDurationMs: 10_000 }), {
    name: "RangeError",
    message: "LeaderElector: leaseDurationMs (10000) must be greater than renewDeadlineMs (10000)",
  });
  assert.throws(() => make({ renewDeadlineMs: 2_400 }), {
    name: "RangeError",
    message:
      "LeaderElector: renewDeadlineMs (2400) must be greater than retryPeriodMs × 1.2 (2400)",
  });
  assert.throws(() => make({ retryPeriodMs: 0 }), {
    name: "RangeError",
    message: "LeaderElector: retryPeriodMs must be a positive number of ms, got 0",
  });
  assert.throws(() => make({ leaseDurationMs: 15_500 }), {
    name: "RangeError",
    message: /leaseDurationMs must be a whole number of seconds .*got 15500/,
  });
  assert.throws(() => make({ identity: "" }), {
    name: "TypeError",
    message: 'LeaderElector: identity must be a non-empty string, got ""',
  });
  const defaults = make({});
  assert.deepEqual(
    [defaults.leaseDurationMs, defaults.renewDeadlineMs, defaults.retryPeriodMs],
    [15_000, 10_000, 2_000],
  );
  assert.equal(defaults.name, "issuer");
  assert.equal(make({ renewDeadlineMs: 2_401 }).renewDeadlineMs, 2_401);
});

Deno.test("two electors: exactly one leads, and the follower keeps waiting while it renews", async () => {
  await using f = fixture();
  const a = f.elector("a");
  const b = f.elector("b");
  const runA = f.start(a);
  await f.until(() => a.isLeader);
  assert.deepEqual(
    { ...f.spec(), acquireTime: undefined, renewTime: undefined },
    {
      holderIdentity: "a",
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
      acquireTime: undefined,
      renewTime: undefined,
    },
  );
  assert.equal(f.spec()?.acquireTime, "2024-01-01T00:00:00.000000Z");
  const runB = f.start(b);
  const creates = f.server.requests.count({ verb: "create", resource: "leases" });
  assert.equal(creates, 1);
  // A minute of fake time: A renews every 2 s; B never leads.
  const end = f.clock.now() + 60_000;
  await f.until(() => f.clock.now() >= end);
  assert.equal(a.isLeader, true);
  assert.equal(b.isLeader, false);
  assert.equal(b.leader, "a");
  assert.equal(f.witness.max, 1);
  assert.ok(Number.isNaN(runB.led.from));
  assert.equal(f.spec()?.acquireTime, "2024-01-01T00:00:00.000000Z"); // kept by renewals
  assert.equal(f.spec()?.renewTime, "2024-01-01T00:01:00.000000Z"); // renewed every 2 s
  const renewals = f.server.requests.count({ verb: "update", resource: "leases", code: 200 });
  assert.equal(renewals, 30);
  assert.equal(runA.outcome.settled, false);
});

Deno.test("graceful stop: the leader releases the lease and the follower takes over at its next try", async () => {
  await using f = fixture();
  const a = f.elector("a");
  const b = f.elector("b");
  const runA = f.start(a);
  await f.until(() => a.isLeader);
  const runB = f.start(b);
  await f.until(() => f.clock.now() >= T0 + 30_000);
  const stoppedAt = f.clock.now();
  runA.stop.abort();
  await runA.done;
  assert.equal(runA.outcome.error, undefined);
  assert.equal(a.isLeader, false);
  assert.equal(f.spec()?.holderIdentity, "");
  assert.equal(f.spec()?.leaseDurationSeconds, 1);
  const tookOver = await f.until(() => b.isLeader);
  const failoverMs = tookOver - stoppedAt;
  assert.ok(failoverMs <= b.retryPeriodMs, `failover took ${failoverMs} ms`);
  assert.equal(failoverMs, 2_000);
  assert.equal(runB.led.from, tookOver);
  assert.ok(runA.led.to !== undefined && runA.led.to <= stoppedAt);
  assert.equal(f.witness.max, 1);
  const spec = f.spec();
  assert.equal(spec?.holderIdentity, "b");
  assert.equal(spec?.leaseDurationSeconds, 15);
  assert.equal(spec?.leaseTransitions, 1);
  assert.equal(spec?.acquireTime, new Date(tookOver).toISOString().replace("Z", "000Z"));
});

Deno.test("abandoned lease: the follower takes over once the lease expires by its own clock", async () => {
  await using f = fixture();
  const a = f.elector("a", { releaseOnCancel: false });
  const b = f.elector("b");
  const runA = f.start(a);
  await f.until(() => a.isLeader);
  const runB = f.start(b);
  await f.until(() => f.clock.now() >= T0 + 30_000);
  const lastRenew = Date.parse(f.spec()?.renewTime ?? "");
  const abandonedAt = f.clock.now();
  runA.stop.abort(); // stops renewing, releases nothing: as if the process died
  await runA.done;
  assert.equal(f.spec()?.holderIdentity, "a");
  // Not before the lease duration has passed since B saw the last renewal.
  const tookOver = await f.until(() => b.isLeader);
  assert.equal(runB.led.from, tookOver);
  assert.ok(tookOver >= lastRenew + 15_000, `${tookOver - lastRenew}`);
  const failoverMs = tookOver - abandonedAt;
  assert.ok(failoverMs >= 15_000 && failoverMs <= 15_000 + 2 * b.retryPeriodMs, `${failoverMs}`);
  assert.equal(failoverMs, 16_000);
  assert.equal(f.spec()?.holderIdentity, "b");
  assert.equal(f.spec()?.leaseTransitions, 1);
  assert.equal(f.witness.max, 1);
});

Deno.test("a leader that cannot renew loses leadership after the renew deadline and run rejects", async () => {
  await using f = fixture();
  const metrics = controllerRuntimeMetrics(new Registry());
  const changes: boolean[] = [];
  const a = f.elector("a", {
    onChange: (leading) => {
      changes.push(leading);
      metrics.leaderElectionMasterStatus.labels(a.name).set(leading ? 1 : 0);
    },
  });
  const b = f.elector("b");
  const runA = f.start(a);
  await f.until(() => a.isLeader);
  f.start(b);
  assert.match(metrics.registry.expose(), /leader_election_master_status\{name="issuer"\} 1/);
  await f.until(() => f.clock.now() >= T0 + 20_000);
  const fault = f.server.faults.add({
    match: { verb: "update", resource: "leases" },
    fail: { code: 500 },
    times: Infinity,
  });
  const lastRenew = f.server.requests.entries({ verb: "update", resource: "leases", code: 200 })
    .at(-1)?.time ?? NaN;
  const settledAt = await f.until(() => runA.outcome.settled);
  const lostAt = runA.led.to ?? NaN;
  assert.equal(settledAt, lostAt); // no release attempt delays the exit
  fault.remove();
  assert.ok(runA.outcome.error instanceof LeadershipLostError);
  assert.equal(
    runA.outcome.error.message,
    "a lost the lease kube-system/issuer: no renewal succeeded within the renew deadline of 10000 ms",
  );
  assert.ok(runA.led.reason instanceof LeadershipLostError);
  // The next round starts a retry period after the last renewal; it gives up 10 s later.
  assert.equal(lostAt - lastRenew, a.retryPeriodMs + a.renewDeadlineMs);
  assert.equal(a.isLeader, false);
  assert.deepEqual(changes, [true, false]);
  assert.match(metrics.registry.expose(), /leader_election_master_status\{name="issuer"\} 0/);
  // The follower only takes over once the lease expired: after the old leader stopped.
  const tookOver = await f.until(() => b.isLeader);
  assert.ok(tookOver >= lastRenew + 15_000 && tookOver > lostAt, `${tookOver - lastRenew}`);
  assert.equal(tookOver - lastRenew, 16_000);
  assert.equal(f.witness.max, 1);
});

Deno.test("a 409 on renewal means someone else wrote: the leader re-reads and renews", async () => {
  await using f = fixture();
  const a = f.elector("a");
  f.start(a);
  await f.until(() => a.isLeader);
  // Someone (kubectl label …) changes the Lease: the leader's cached resourceVersion is stale.
  const leases = new ResourceClient(f.client, LEASES);
  await leases.patch("issuer", { type: "merge", body: { metadata: { labels: { x: "y" } } } }, {
    namespace: "kube-system",
  });
  const renewed = f.clock.now() + a.retryPeriodMs;
  await f.until(() => f.clock.now() >= renewed);
  assert.equal(f.server.requests.count({ verb: "update", resource: "leases", code: 409 }), 1);
  assert.equal(a.isLeader, true);
  assert.equal(f.spec()?.renewTime, new Date(renewed).toISOString().replace("Z", "000Z"));
});

Deno.test("a leader that finds another holder on the Lease stops leading at once", async () => {
  await using f = fixture();
  const a = f.elector("a");
  const runA = f.start(a);
  await f.until(() => a.isLeader);
  const leases = new ResourceClient(f.client, LEASES);
  await leases.patch("issuer", { type: "merge", body: { spec: { holderIdentity: "c" } } }, {
    namespace: "kube-system",
  });
  const changedAt = f.clock.now();
  const lostAt = await f.until(() => runA.outcome.settled);
  assert.equal(lostAt - changedAt, a.retryPeriodMs); // the next renewal, not the deadline
  assert.ok(runA.outcome.error instanceof LeadershipLostError);
  assert.match(runA.outcome.error.message, /c holds it now/);
  assert.equal(f.spec()?.holderIdentity, "c"); // the release left c's claim alone
});

Deno.test("run resolves, releasing the lease, when leading ends by itself; rethrows its error", async () => {
  await using f = fixture();
  const a = f.elector("a");
  await a.run(new AbortController().signal, async () => {});
  assert.equal(f.spec()?.holderIdentity, "");
  const boom = new Error("boom");
  await assert.rejects(a.run(new AbortController().signal, () => Promise.reject(boom)), boom);
  assert.equal(f.spec()?.holderIdentity, "");
  assert.equal(f.spec()?.leaseTransitions, 1);
  assert.equal(a.isLeader, false);
});

Deno.test("run resolves without leading when stopped while another holds the lease", async () => {
  await using f = fixture();
  const a = f.elector("a");
  const b = f.elector("b");
  f.start(a);
  await f.until(() => a.isLeader);
  const runB = f.start(b);
  await f.until(() => f.clock.now() >= T0 + 5_000);
  assert.throws(() => b.run(new AbortController().signal, async () => {}), {
    name: "TypeError",
    message: "LeaderElector.run: b is already running",
  });
  runB.stop.abort();
  await runB.done;
  assert.equal(runB.outcome.error, undefined);
  assert.ok(Number.isNaN(runB.led.from));
  assert.equal(f.spec()?.holderIdentity, "a");
});

Deno.test("stopped while its claim is in flight, a candidate releases the lease if the claim landed", async () => {
  await using f = fixture();
  /** A Lease lock whose first update lands on the server but is answered only after abort. */
  class LateAnswerLock extends LeaseLock {
    updates = 0;
    override async update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
      await super.update(record);
      if (++this.updates > 1 || signal === undefined) return;
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      throw signal.reason;
    }
  }
  // An expired lease by someone else, so that the claim is an update.
  await f.elector("old").run(new AbortController().signal, async () => {});
  const lock = new LateAnswerLock(f.client, { namespace: "kube-system", name: "issuer" });
  const a = f.elector("a", { lock });
  const run = f.start(a);
  await f.until(() => lock.updates === 1);
  assert.equal(f.spec()?.holderIdentity, "a"); // the claim landed, unanswered
  run.stop.abort();
  await run.done;
  assert.equal(run.outcome.error, undefined);
  assert.ok(Number.isNaN(run.led.from)); // it never led
  assert.equal(f.spec()?.holderIdentity, ""); // but it handed the lease over
  assert.equal(f.spec()?.leaseDurationSeconds, 1);
});

Deno.test("the elector records `<identity> became leader` and `stopped leading` on the Lease", async () => {
  await using f = fixture();
  const recorder = new FakeEventRecorder();
  const a = f.elector("pod-a_1", { recorder });
  const run = f.start(a);
  await f.until(() => a.isLeader);
  run.stop.abort();
  await run.done;
  assert.deepEqual(recorder.events, [
    "Normal LeaderElection pod-a_1 became leader",
    "Normal LeaderElection pod-a_1 stopped leading",
  ]);
  const regarding = recorder.recorded[0]?.regarding;
  assert.equal(regarding?.kind, "Lease");
  assert.equal(regarding?.apiVersion, "coordination.k8s.io/v1");
  assert.equal(regarding?.namespace, "kube-system");
  assert.equal(regarding?.name, "issuer");
  assert.ok(regarding?.uid);
});

Deno.test("the leader election event is a valid events.k8s.io/v1 Event on the API server", async () => {
  await using f = fixture();
  const recorder = new KubeEventRecorder(f.client, {
    reportingController: "example.com/issuer",
    reportingInstance: "pod-a_1",
    clock: f.clock,
  });
  const recording = recorder.start();
  const a = f.elector("pod-a_1", { recorder });
  const run = f.start(a);
  await f.until(() => a.isLeader);
  await recorder.whenIdle();
  const events = await new ResourceClient(f.client, EVENTS).list({ namespace: "kube-system" });
  assert.deepEqual(
    events.items.map((e) => [e.type, e.reason, e.action, e.note, e.regarding.kind]),
    [["Normal", "LeaderElection", "BecameLeader", "pod-a_1 became leader", "Lease"]],
  );
  run.stop.abort();
  await run.done;
  await recorder.stop();
  await recording;
});
