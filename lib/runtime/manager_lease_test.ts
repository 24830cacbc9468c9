// Two managers, one fake API server, the real Lease elector: exactly one reconciles.
import { strict as assert } from "node:assert";
import { KubeClient } from "../client/kube_client.ts";
import type { KubeObject } from "../client/object.ts";
import { FakeApiServer, FakeClock } from "../testing/mod.ts";
import { LeaderElector, LeadershipLostError } from "./leader_election.ts";
import { LeaseLock } from "./lease_lock.ts";
import { Manager } from "./manager.ts";
import { until } from "./_controller_test_helpers.ts";

function cluster() {
  const clock = new FakeClock();
  const server = new FakeApiServer({ clock, random: () => 0.5 });
  const clients: KubeClient[] = [];
  const replica = (identity: string) => {
    const client = new KubeClient("http://fake", server.fetch, {
      clock,
      random: () => 0,
      retry: false,
    });
    clients.push(client);
    const manager = new Manager({
      client,
      clock,
      leaderElector: new LeaderElector({
        lock: new LeaseLock(client, { namespace: "kube-system", name: "issuer" }),
        identity,
        clock,
        random: () => 0,
      }),
      informerOptions: { random: () => 0.5, onError: () => {} },
    });
    const reconciled: string[] = [];
    manager.controller({
      name: "configmap",
      reconcile: (key) => Promise.resolve(void reconciled.push(key)),
    }).watch(manager.informerFor<KubeObject>({
      group: "",
      version: "v1",
      plural: "configmaps",
      kind: "ConfigMap",
      namespaced: true,
    }));
    const stop = new AbortController();
    const outcome: { error?: unknown; done: boolean } = { done: false };
    const running = manager.start(stop.signal).then(
      () => void (outcome.done = true),
      (error) => void Object.assign(outcome, { error, done: true }),
    );
    return { manager, reconciled, stop, running, outcome };
  };
  return {
    clock,
    server,
    replica,
    async [Symbol.asyncDispose]() {
      for (const c of clients) c.close();
      await server.close();
    },
  };
}

const cm = (name: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default" },
});

Deno.test("Manager with a Lease: one leads; after a graceful stop the other takes over", async () => {
  await using c = cluster();
  await c.server.load(cm("a"));
  const a = c.replica("replica-a");
  await until(() => a.reconciled.length === 1, "replica-a reconciles", { clock: c.clock });
  const b = c.replica("replica-b");
  await c.clock.advance(30_000);
  await until(() => b.manager.informers.hasSynced, "replica-b's caches", { clock: c.clock });
  assert.equal(a.manager.isLeader, true);
  assert.equal(b.manager.isLeader, false);
  assert.deepEqual(b.reconciled, [], "the standby does not reconcile");
  a.stop.abort();
  await a.running;
  assert.equal(a.outcome.error, undefined);
  await until(() => b.reconciled.length === 1, "replica-b takes over", { clock: c.clock });
  assert.equal(b.manager.isLeader, true);
  b.stop.abort();
  await b.running;
});

Deno.test("Manager with a Lease: a leader that cannot renew stops with LeadershipLostError; the other takes over", async () => {
  await using c = cluster();
  await c.server.load(cm("a"));
  const a = c.replica("replica-a");
  await until(() => a.reconciled.length === 1, "replica-a reconciles", { clock: c.clock });
  const b = c.replica("replica-b");
  const outage = c.server.faults.add({
    match: { verb: ["update", "patch", "create"], resource: "leases" },
    times: Infinity,
    fail: { code: 500 },
  });
  await until(() => a.outcome.done, "replica-a gives up", { clock: c.clock, rounds: 2_000 });
  assert.ok(a.outcome.error instanceof LeadershipLostError, String(a.outcome.error));
  assert.match((a.outcome.error as Error).message, /^replica-a lost the lease/);
  outage.remove();
  await until(() => b.reconciled.length === 1, "replica-b takes over", {
    clock: c.clock,
    rounds: 2_000,
  });
  b.stop.abort();
  await Promise.all([a.running, b.running]);
});
