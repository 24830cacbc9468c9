import { strict as assert } from "node:assert";
import { KubeClient } from "../client/kube_client.ts";
import type { KubeObject } from "../client/object.ts";
import { FakeApiServer, FakeClock } from "../testing/mod.ts";
import { LeadershipLostError } from "./leader_election.ts";
import type { LeaderElectorLike } from "./leader_elector_like.ts";
import { Manager } from "./manager.ts";
import { Gate, settle, until } from "./_controller_test_helpers.ts";

/** An elector a test drives: `grant()` makes this replica lead, `lose()` takes it away. */
class FakeElector implements LeaderElectorLike {
  readonly identity = "replica-a";
  readonly name = "my-issuer";
  readonly events: string[] = [];
  readonly #granted = new Gate();
  #leading: AbortController | undefined;
  failWith: unknown;
  endOnGrant = false;

  grant(): void {
    this.#granted.open();
  }

  lose(reason: unknown = new Error("renew deadline passed")): void {
    this.#leading?.abort(reason);
  }

  async run(signal: AbortSignal, onStartedLeading: (leading: AbortSignal) => Promise<void>) {
    this.events.push("campaigning");
    const aborted = new Promise<void>((r) =>
      signal.addEventListener("abort", () => r(), { once: true })
    );
    await Promise.race([this.#granted.promise, aborted]);
    if (this.failWith) throw this.failWith;
    if (signal.aborted) return this.events.push("stopped before leading"), undefined;
    if (this.endOnGrant) return;
    this.#leading = new AbortController();
    const onAbort = () => this.#leading?.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    this.events.push("leading");
    const controllers = onStartedLeading(this.#leading.signal);
    await Promise.race([
      aborted,
      new Promise<void>((r) =>
        this.#leading?.signal.addEventListener("abort", () => r(), { once: true })
      ),
    ]);
    this.events.push(signal.aborted ? "release requested" : "lost");
    await controllers;
    signal.removeEventListener("abort", onAbort);
    this.events.push("released");
  }
}

function harness(
  elector: FakeElector,
  reconcile: (key: string, signal: AbortSignal) => Promise<void> = () => Promise.resolve(),
) {
  const clock = new FakeClock();
  const server = new FakeApiServer({ clock, random: () => 0.5 });
  const client = new KubeClient("http://fake", server.fetch, {
    clock,
    random: () => 0,
    retry: false,
  });
  const manager = new Manager({
    client,
    clock,
    leaderElector: elector,
    healthProbeBindAddress: "127.0.0.1:0",
    informerOptions: { random: () => 0.5, onError: () => {} },
  });
  const informer = manager.informerFor<KubeObject>({
    group: "",
    version: "v1",
    plural: "configmaps",
    kind: "ConfigMap",
    namespaced: true,
  });
  const reconciled: string[] = [];
  manager.controller({
    name: "configmap",
    reconcile: async (key, ctx) => {
      elector.events.push(`reconcile ${key}`);
      await reconcile(key, ctx.signal);
      reconciled.push(key);
      elector.events.push(`reconciled ${key}`);
    },
  }).watch(informer);
  return {
    clock,
    server,
    manager,
    informer,
    reconciled,
    async [Symbol.asyncDispose]() {
      await manager.stop();
      client.close();
      await server.close();
    },
  };
}

const cm = (name: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default" },
});

Deno.test("Manager leader election: controllers run only while leading; caches and probes run regardless", async () => {
  const elector = new FakeElector();
  await using h = harness(elector);
  await h.server.load(cm("a"));
  const stop = new AbortController();
  const running = h.manager.start(stop.signal);
  await until(() => h.informer.hasSynced, "the sync", { clock: h.clock });
  const ready = await fetch(`http://127.0.0.1:${h.manager.probeAddr?.port}/readyz`);
  assert.equal(await ready.text(), "ok", "a standby replica is ready once its caches synced");
  await settle();
  assert.deepEqual(h.reconciled, []);
  assert.equal(h.manager.isLeader, false);
  elector.grant();
  await until(() => h.reconciled.length === 1, "the reconcile");
  assert.equal(h.manager.isLeader, true);
  stop.abort();
  await running;
  assert.equal(h.manager.isLeader, false);
});

Deno.test("Manager leader election: a graceful stop releases the lease after the in-flight reconcile finished", async () => {
  const elector = new FakeElector();
  const gate = new Gate();
  let signal: AbortSignal | undefined;
  await using h = harness(elector, async (_key, s) => {
    signal = s;
    await gate.promise;
  });
  await h.server.load(cm("a"));
  elector.grant();
  const stop = new AbortController();
  const running = h.manager.start(stop.signal);
  await until(() => signal !== undefined, "the reconcile", { clock: h.clock });
  stop.abort();
  await settle();
  assert.ok(!elector.events.includes("release requested"), "the lease is held while reconciling");
  gate.open();
  await running;
  assert.deepEqual(elector.events, [
    "campaigning",
    "leading",
    "reconcile default/a",
    "reconciled default/a",
    "release requested",
    "released",
  ]);
  assert.equal(signal?.aborted, false);
});

Deno.test("Manager leader election: losing leadership cancels reconciles at once and rejects with LeadershipLostError", async () => {
  const elector = new FakeElector();
  let signal: AbortSignal | undefined;
  await using h = harness(elector, (_key, s) => {
    signal = s;
    return new Promise((_, reject) => s.addEventListener("abort", () => reject(s.reason)));
  });
  await h.server.load(cm("a"));
  elector.grant();
  const outcome = assert.rejects(h.manager.start(), (e: Error) => {
    assert.ok(e instanceof LeadershipLostError);
    assert.equal(
      e.message,
      "replica-a lost the lease my-issuer: the leader elector ended leadership",
    );
    assert.equal((e.cause as Error).message, "renew deadline passed");
    return true;
  });
  await until(() => signal !== undefined, "the reconcile", { clock: h.clock });
  elector.lose();
  await outcome;
  assert.equal(signal?.aborted, true, "cancelled without waiting for the grace period");
  assert.equal(h.server.openWatches, 0, "everything stopped");
});

Deno.test("Manager leader election: an elector that fails, or ends on its own, fails the start", async () => {
  {
    const elector = new FakeElector();
    elector.failWith = new Error("the Lease API is forbidden");
    await using h = harness(elector);
    const outcome = assert.rejects(h.manager.start(), /the Lease API is forbidden/);
    elector.grant();
    await outcome;
  }
  const elector = new FakeElector();
  elector.endOnGrant = true;
  await using h = harness(elector);
  const outcome = assert.rejects(h.manager.start(), LeadershipLostError);
  elector.grant();
  await outcome;
});

Deno.test("Manager leader election: a stop before leading never starts the controllers", async () => {
  const elector = new FakeElector();
  await using h = harness(elector);
  await h.server.load(cm("a"));
  const stop = new AbortController();
  const running = h.manager.start(stop.signal);
  await until(() => h.informer.hasSynced, "the sync", { clock: h.clock });
  stop.abort();
  await running;
  assert.deepEqual(elector.events, ["campaigning", "stopped before leading"]);
  assert.deepEqual(h.reconciled, []);
});

Deno.test("Manager leader election: the elector's own LeadershipLostError is the one rejected", async () => {
  const elector = new FakeElector();
  await using h = harness(elector);
  await h.server.load(cm("a"));
  elector.grant();
  const error = new LeadershipLostError(
    "replica-a",
    "kube-system/my-issuer",
    "replica-b holds it now",
  );
  const outcome = assert.rejects(h.manager.start(), (e: unknown) => e === error);
  await until(() => h.reconciled.length === 1, "the reconcile", { clock: h.clock });
  elector.lose(error);
  await outcome;
});
