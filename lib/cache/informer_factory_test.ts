import { strict as assert } from "node:assert";
import type { KubeObject } from "../client/object.ts";
import type { ResourceDescriptor } from "../client/resource.ts";
import {
  CERTIFICATE_REQUESTS,
  type CertificateRequest,
  certificateRequest,
  fixture,
  until,
} from "./_test_helpers.ts";
import { InformerFactory } from "./informer_factory.ts";

const CONFIG_MAPS: ResourceDescriptor<KubeObject> = {
  group: "",
  version: "v1",
  plural: "configmaps",
  kind: "ConfigMap",
  namespaced: true,
};

function factoryOn(f: ReturnType<typeof fixture>): InformerFactory {
  return new InformerFactory(f.client, { clock: f.clock, random: () => 0, onError: () => {} });
}

Deno.test("InformerFactory hands out one informer per resource and scope", async () => {
  await using f = fixture();
  await using factory = factoryOn(f);
  const all = factory.informerFor(CERTIFICATE_REQUESTS);
  assert.equal(factory.informerFor(CERTIFICATE_REQUESTS), all);
  assert.equal(factory.informerFor({ ...CERTIFICATE_REQUESTS }), all, "by value, not identity");
  const teamA = factory.informerFor(CERTIFICATE_REQUESTS, { namespace: "team-a" });
  assert.notEqual(teamA, all);
  assert.equal(factory.informerFor(CERTIFICATE_REQUESTS, { namespace: "team-a" }), teamA);
  assert.notEqual(factory.informerFor(CERTIFICATE_REQUESTS, { labelSelector: "a=b" }), all);
  assert.notEqual(
    factory.informerFor(CERTIFICATE_REQUESTS, { fieldSelector: "metadata.name=x" }),
    all,
  );
  assert.notEqual(factory.informerFor(CONFIG_MAPS), all);
  assert.equal(factory.informers.length, 5);
});

Deno.test("InformerFactory refuses a second, different transform for a shared informer", async () => {
  await using f = fixture();
  await using factory = factoryOn(f);
  const slim = (cr: CertificateRequest) => cr;
  const informer = factory.informerFor(CERTIFICATE_REQUESTS, { transform: slim });
  assert.equal(factory.informerFor(CERTIFICATE_REQUESTS, { transform: slim }), informer);
  assert.equal(factory.informerFor(CERTIFICATE_REQUESTS), informer);
  assert.throws(
    () => factory.informerFor(CERTIFICATE_REQUESTS, { transform: (cr) => cr }),
    /informerFor\(certificaterequests.cert-manager.io\): the shared informer already exists with another transform/,
  );
});

Deno.test("InformerFactory starts every informer, later ones too, and stops them all", async () => {
  await using f = fixture();
  await f.server.load(certificateRequest("a"), certificateRequest("b", { namespace: "team-a" }));
  await f.server.load({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cm", namespace: "team-a" },
  });
  const factory = factoryOn(f);
  const crs = factory.informerFor(CERTIFICATE_REQUESTS);
  const added: string[] = [];
  crs.addHandler({ onAdd: (o) => added.push(`first ${o.metadata.name}`) });
  crs.addHandler({ onAdd: (o) => added.push(`second ${o.metadata.name}`) });
  const stop = new AbortController();
  const running = factory.start(stop.signal);
  assert.throws(() => factory.start(), /InformerFactory.start: the factory is already running/);
  await factory.synced();
  assert.equal(factory.hasSynced, true);
  assert.deepEqual(added.sort(), ["first a", "first b", "second a", "second b"]);

  const late = factory.informerFor(CONFIG_MAPS, { namespace: "team-a" });
  assert.equal(factory.hasSynced, false);
  await late.synced;
  assert.deepEqual(late.store.keys().filter((k) => k.endsWith("/cm")), ["team-a/cm"]);
  await until(() => f.server.openWatches === 2, "two watches");
  assert.equal(f.server.requests.count({ verb: "list", resource: "certificaterequests" }), 1);
  assert.equal(f.server.requests.count({ verb: "watch", resource: "certificaterequests" }), 1);

  stop.abort();
  await running;
  assert.equal(f.server.openWatches, 0);
  assert.throws(
    () => factory.informerFor(CONFIG_MAPS),
    /InformerFactory.informerFor\(configmaps\): the factory has stopped/,
  );
  await factory.stop();
});

Deno.test("InformerFactory: synced rejects when the factory stops before an informer synced", async () => {
  await using f = fixture();
  f.server.faults.add({ match: { verb: "list" }, fail: { code: 403 }, times: Infinity });
  await using factory = factoryOn(f);
  factory.informerFor(CERTIFICATE_REQUESTS);
  const running = factory.start();
  const synced = factory.synced();
  await until(() => f.server.requests.count({ verb: "list" }) === 1, "a refused list");
  await factory.stop();
  await running;
  await assert.rejects(
    synced,
    /certificaterequests.cert-manager.io stopped before its cache synced/,
  );
});

Deno.test("InformerFactory: disposing before start stops every informer", async () => {
  await using f = fixture();
  const factory = factoryOn(f);
  const informer = factory.informerFor(CERTIFICATE_REQUESTS);
  await factory[Symbol.asyncDispose]();
  await informer.stopped;
  assert.throws(() => factory.start(), /already stopped/);
  assert.equal(f.server.requests.count({ verb: "list" }), 0);
});
