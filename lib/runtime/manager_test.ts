import { strict as assert } from "node:assert";
import { KubeClient } from "../client/kube_client.ts";
import type { KubeObject } from "../client/object.ts";
import type { ResourceDescriptor } from "../client/resource.ts";
import { FakeApiServer, FakeClock } from "../testing/mod.ts";
import { Manager, type ManagerOptions } from "./manager.ts";
import type { ReconcileContext } from "./reconciler.ts";
import { Gate, settle, until } from "./_controller_test_helpers.ts";

const CONFIG_MAPS: ResourceDescriptor<KubeObject> = {
  group: "",
  version: "v1",
  plural: "configmaps",
  kind: "ConfigMap",
  namespaced: true,
};

function configMap(name: string) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } };
}

/** A manager over a fake API server on a fake clock, with one controller on ConfigMaps. */
function harness(
  options: Partial<ManagerOptions> = {},
  reconcile: (key: string, ctx: ReconcileContext) => Promise<void> = () => Promise.resolve(),
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
    informerOptions: { random: () => 0.5, onError: () => {} },
    ...options,
  });
  const reconciled: string[] = [];
  const informer = manager.informerFor(CONFIG_MAPS);
  manager.controller({
    name: "configmap",
    reconcile: async (key, ctx) => {
      await reconcile(key, ctx);
      reconciled.push(key);
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

async function get(addr: Deno.NetAddr | undefined, path: string) {
  assert.ok(addr, "the server is listening");
  const res = await fetch(`http://127.0.0.1:${addr.port}${path}`);
  return { status: res.status, body: await res.text() };
}

Deno.test("Manager: /readyz fails until the caches sync; /healthz and /metrics are served", async () => {
  await using h = harness({
    healthProbeBindAddress: "127.0.0.1:0",
    metricsBindAddress: "127.0.0.1:0",
  });
  await h.server.load(configMap("a"));
  const outage = h.server.faults.add({
    match: { verb: "list", resource: "configmaps" },
    times: Infinity,
    fail: { code: 500 },
  });
  const stop = new AbortController();
  const running = h.manager.start(stop.signal);
  assert.notEqual(h.manager.probeAddr?.port, h.manager.metricsAddr?.port);
  await until(() => outage.injected > 0, "a failed list");
  const notReady = await get(h.manager.probeAddr, "/readyz");
  assert.equal(notReady.status, 500);
  assert.match(notReady.body, /\[-\]informer-sync failed/);
  assert.equal((await get(h.manager.probeAddr, "/healthz")).body, "ok");
  outage.remove();
  await until(() => h.informer.hasSynced, "the sync", { clock: h.clock });
  assert.deepEqual(await get(h.manager.probeAddr, "/readyz"), { status: 200, body: "ok" });
  await until(() => h.reconciled.length === 1, "the reconcile");
  const metrics = await get(h.manager.metricsAddr, "/metrics");
  assert.match(
    metrics.body,
    /controller_runtime_reconcile_total\{controller="configmap",result="success"\} 1/,
  );
  assert.equal((await get(h.manager.probeAddr, "/metrics")).status, 404);
  assert.equal(h.manager.isLeader, true);
  stop.abort();
  await running;
});

Deno.test("Manager: no address, no server; one address serves probes and metrics together", async () => {
  {
    await using h = harness();
    const stop = new AbortController();
    const running = h.manager.start(stop.signal);
    assert.equal(h.manager.probeAddr, undefined);
    assert.equal(h.manager.metricsAddr, undefined);
    stop.abort();
    await running;
  }
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await using h = harness({
    healthProbeBindAddress: `127.0.0.1:${port}`,
    metricsBindAddress: `127.0.0.1:${port}`,
  });
  const stop = new AbortController();
  const running = h.manager.start(stop.signal);
  assert.equal(h.manager.probeAddr?.port, port);
  assert.equal(h.manager.metricsAddr?.port, port);
  assert.equal((await get(h.manager.probeAddr, "/metrics")).status, 200);
  assert.equal((await get(h.manager.probeAddr, "/healthz")).status, 200);
  stop.abort();
  await running;
});

Deno.test("Manager: a port in use fails the start and leaves nothing running", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using h = harness({
    healthProbeBindAddress: "127.0.0.1:0",
    metricsBindAddress: `127.0.0.1:${(taken.addr as Deno.NetAddr).port}`,
  });
  await assert.rejects(h.manager.start(), Deno.errors.AddrInUse);
  assert.equal(h.informer.hasSynced, false);
});

Deno.test("Manager: a graceful stop waits for the in-flight reconcile", async () => {
  const gate = new Gate();
  let signal: AbortSignal | undefined;
  await using h = harness({}, async (_key, ctx) => {
    signal = ctx.signal;
    await gate.promise;
  });
  await h.server.load(configMap("a"));
  const stop = new AbortController();
  let stopped = false;
  const running = h.manager.start(stop.signal).then(() => void (stopped = true));
  await until(() => signal !== undefined, "the reconcile", { clock: h.clock });
  stop.abort();
  await settle();
  assert.equal(stopped, false, "the manager waits for the reconcile");
  assert.equal(h.server.openWatches, 1, "the caches outlive the controllers");
  gate.open();
  await running;
  assert.deepEqual(h.reconciled, ["default/a"]);
  assert.equal(signal?.aborted, false, "the reconcile finished within the grace period");
  assert.equal(h.server.openWatches, 0);
});

Deno.test("Manager: after the graceful shutdown timeout the reconcile is cancelled", async () => {
  let signal: AbortSignal | undefined;
  await using h = harness({ gracefulShutdownTimeoutMs: 1_000 }, (_key, ctx) => {
    signal = ctx.signal;
    return new Promise((_, reject) =>
      ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))
    );
  });
  await h.server.load(configMap("a"));
  const stop = new AbortController();
  const running = h.manager.start(stop.signal);
  await until(() => signal !== undefined, "the reconcile", { clock: h.clock });
  stop.abort();
  await h.clock.advance(999);
  assert.equal(signal?.aborted, false);
  await h.clock.advance(1);
  await running;
  assert.equal(signal?.aborted, true);
});

Deno.test("Manager: a failing runnable stops everything and fails the start", async () => {
  await using h = harness();
  const failure = new Error("the webhook server could not start");
  let otherStopped = false;
  h.manager.add({ start: () => Promise.reject(failure) }, { needLeaderElection: false });
  h.manager.add({
    start: async (signal) => {
      await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
      otherStopped = true;
    },
  });
  await assert.rejects(h.manager.start(), (e) => e === failure);
  assert.equal(otherStopped, true);
});

Deno.test("Manager: misuse is reported", async () => {
  await using h = harness();
  assert.throws(
    () => h.manager.controller({ name: "configmap", reconcile: () => Promise.resolve() }),
    /a controller named configmap was already added/,
  );
  assert.throws(
    () => new Manager({ client: h.manager.client, metricsBindAddress: "8080" }),
    /metricsBindAddress must be host:port .*got "8080"/,
  );
  const running = h.manager.start(AbortSignal.abort());
  assert.throws(() => h.manager.add({ start: () => Promise.resolve() }), /before start/);
  assert.throws(() => h.manager.start(), /already running/);
  await running;
});

Deno.test("Manager: await using stops a running manager", async () => {
  let running: Promise<void> | undefined;
  {
    await using h = harness();
    await h.server.load(configMap("a"));
    running = h.manager.start();
    await until(() => h.reconciled.length === 1, "the reconcile", { clock: h.clock });
  }
  await running;
});
