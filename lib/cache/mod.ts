/**
 * Caches of Kubernetes objects, in kube-rs' layers: a {@linkcode watcher} that only
 * yields events (listing again on `410 Gone`, resuming from the last resourceVersion or
 * bookmark, backing off with jitter), a {@linkcode Store} that consumes them (atomic
 * swaps on a full list, named indexes, a memory-saving transform), and an
 * {@linkcode Informer} that runs one into the other and tells handlers what changed,
 * shared per resource by an {@linkcode InformerFactory}.
 *
 * @example Caching ConfigMaps and reading them by index
 * ```ts
 * import { InformerFactory, KubeClient, type KubeObject, type ResourceDescriptor } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const configMaps: ResourceDescriptor<KubeObject> = {
 *   group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true,
 * };
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * await server.load({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "default", labels: { team: "x" } } });
 *
 * await using factory = new InformerFactory(client);
 * const informer = factory.informerFor(configMaps, { namespace: "default" });
 * informer.addIndex("team", (cm) => cm.metadata.labels?.team ? [cm.metadata.labels.team] : []);
 * const stop = new AbortController();
 * const running = factory.start(stop.signal);
 * await informer.synced;
 * assert.deepEqual(informer.store.byIndex("team", "x").map((cm) => cm.metadata.name), ["a"]);
 * stop.abort();
 * await running;
 * ```
 *
 * @module
 */
export * from "./watch_backoff.ts";
export * from "./watcher.ts";
export * from "./object_key.ts";
export * from "./transform.ts";
export * from "./store.ts";
export * from "./informer.ts";
export * from "./informer_factory.ts";
