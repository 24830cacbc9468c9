import { strict as assert } from "node:assert";
import type { JsonObject } from "../core/json.ts";
import { KubeClient } from "../client/kube_client.ts";
import type { KubeObject } from "../client/object.ts";
import { ResourceClient } from "../client/resource_client.ts";
import { Informer } from "../cache/informer.ts";
import { CERTIFICATE_REQUESTS_CRD, FakeApiServer, FakeClock } from "../testing/mod.ts";
import { Controller } from "./controller.ts";
import { resourceVersionChangedPredicate } from "./predicate.ts";
import { until } from "./_controller_test_helpers.ts";

const CRS = "certificaterequests.cert-manager.io";

function request(name: string, namespace = "default"): JsonObject {
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name, namespace },
    spec: {
      request: btoa(
        `-----BEGIN CERTIFICATE REQUEST-----\n${name}\n-----END CERTIFICATE REQUEST-----\n`,
      ),
      issuerRef: { name: "ca", kind: "Issuer", group: "cert-manager.io" },
    },
  };
}

/**
 * A fake API server with CertificateRequests, a real informer and a controller whose
 * reconciler records, per key, the resourceVersion it saw in the cache ("gone" when the
 * object was not there): level-based, so the last one must match the server.
 */
function harness() {
  const clock = new FakeClock();
  const server = new FakeApiServer({
    clock,
    random: () => 0.5,
    crds: [CERTIFICATE_REQUESTS_CRD],
    namespaces: ["team-a"],
  });
  const client = new KubeClient("http://fake", server.fetch, {
    clock,
    random: () => 0,
    retry: false,
  });
  const crs = new ResourceClient<KubeObject>(client, {
    group: "cert-manager.io",
    version: "v1",
    plural: "certificaterequests",
    kind: "CertificateRequest",
    namespaced: true,
  });
  const informer = new Informer(crs, { clock, random: () => 0.5, onError: () => {} });
  const seen = new Map<string, string>();
  let reconciles = 0;
  const controller = new Controller({
    name: "certificaterequest",
    clock,
    workers: 2,
    reconcile: (key) => {
      reconciles++;
      seen.set(key, informer.store.get(key)?.metadata.resourceVersion ?? "gone");
      return Promise.resolve({});
    },
  }).watch(informer, { predicates: [resourceVersionChangedPredicate] });
  /** Whether the controller's last look at every object matches the server. */
  const upToDate = (deleted: readonly string[] = []) => {
    const live = server.list(CRS).map((o) => o as unknown as KubeObject);
    return live.every((o) =>
      seen.get(`${o.metadata.namespace}/${o.metadata.name}`) === o.metadata.resourceVersion
    ) && deleted.every((key) => seen.get(key) === "gone");
  };
  const stop = new AbortController();
  return {
    clock,
    server,
    crs,
    informer,
    seen,
    upToDate,
    get reconciles() {
      return reconciles;
    },
    start() {
      return Promise.all([informer.start(stop.signal), controller.start(stop.signal)]);
    },
    async [Symbol.asyncDispose]() {
      stop.abort();
      await Promise.all([informer.stop(), controller.stop()]);
      client.close();
      await server.close();
    },
  };
}

Deno.test("Controller integration: every object is reconciled, and updates are seen", async () => {
  await using h = harness();
  for (let i = 0; i < 20; i++) {
    await h.server.load(request(`cr-${i}`, i % 2 ? "team-a" : "default"));
  }
  const running = h.start();
  await until(() => h.seen.size === 20 && h.upToDate(), "20 reconciles", { clock: h.clock });
  await h.crs.patch("cr-0", { type: "merge", body: { metadata: { labels: { x: "1" } } } }, {
    namespace: "default",
  });
  await h.server.load(request("cr-new"));
  await until(() => h.seen.size === 21 && h.upToDate(), "the update and the add", {
    clock: h.clock,
  });
  const before = h.reconciles;
  h.server.sendBookmarks();
  await until(() => h.upToDate(), "bookmarks settle", { clock: h.clock });
  assert.equal(h.reconciles, before, "a bookmark queues nothing");
  await h[Symbol.asyncDispose]();
  await running;
});

Deno.test("Controller integration: nothing is lost across a cut watch", async () => {
  await using h = harness();
  await h.server.load(request("before"));
  const running = h.start();
  await until(() => h.upToDate() && h.seen.size === 1, "the first reconcile", { clock: h.clock });
  assert.equal(h.server.cutWatches(CRS), 1);
  for (let i = 0; i < 10; i++) await h.server.load(request(`during-${i}`));
  await h.crs.delete("before", { namespace: "default" });
  await until(() => h.seen.size === 11 && h.upToDate(["default/before"]), "resumed watch", {
    clock: h.clock,
  });
  const lists = h.server.requests.count({ verb: "list", resource: "certificaterequests" });
  assert.equal(lists, 1, "the watch resumed from its resourceVersion without a re-list");
  await h[Symbol.asyncDispose]();
  await running;
});

Deno.test("Controller integration: nothing is lost when a compaction forces a re-list (410)", async () => {
  await using h = harness();
  await h.server.load(request("kept"), request("deleted"), request("changed"));
  const running = h.start();
  await until(() => h.upToDate() && h.seen.size === 3, "the first reconciles", { clock: h.clock });
  h.server.cutWatches(CRS);
  await h.server.load(request("added"));
  await h.crs.delete("deleted", { namespace: "default" });
  await h.crs.patch("changed", { type: "merge", body: { metadata: { labels: { v: "2" } } } }, {
    namespace: "default",
  });
  h.server.compact(CRS);
  await until(() => h.upToDate(["default/deleted"]) && h.seen.size === 4, "the re-list", {
    clock: h.clock,
  });
  const lists = h.server.requests.count({ verb: "list", resource: "certificaterequests" });
  assert.equal(lists, 2, "the expired resourceVersion forced one re-list");
  await h[Symbol.asyncDispose]();
  await running;
});

Deno.test("Controller integration: nothing is lost through a 429/500 burst on list", async () => {
  await using h = harness();
  await h.server.load(request("a"), request("b"));
  const throttled = h.server.faults.add({
    match: { verb: "list", resource: "certificaterequests" },
    times: 3,
    fail: { code: 429, retryAfterSeconds: 1 },
  });
  const failed = h.server.faults.add({
    match: { verb: "list", resource: "certificaterequests" },
    times: 3,
    fail: { code: 500 },
  });
  const running = h.start();
  await until(() => h.upToDate() && h.seen.size === 2, "the first sync", { clock: h.clock });
  assert.equal(throttled.injected + failed.injected, 6);
  // A second burst while re-listing after a compaction, with changes made meanwhile.
  h.server.faults.add({
    match: { verb: "list", resource: "certificaterequests" },
    times: 4,
    fail: { code: 500 },
  });
  h.server.cutWatches(CRS);
  await h.server.load(request("c"));
  await h.crs.delete("a", { namespace: "default" });
  h.server.compact(CRS);
  await until(() => h.upToDate(["default/a"]) && h.seen.size === 3, "the re-list after the burst", {
    clock: h.clock,
  });
  await h[Symbol.asyncDispose]();
  await running;
});
