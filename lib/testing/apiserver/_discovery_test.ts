import { strict as assert } from "node:assert";
import { parseAllDocuments } from "yaml";
import fc from "fast-check";
import { isJsonObject, type JsonObject } from "../../core/json.ts";
import type { ResourceInfo } from "./_types.ts";
import { builtinResources } from "./_builtin_resources.ts";
import { resourcesFromCrd } from "./_crd.ts";
import {
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  compareKubeAwareVersions,
  parseAccept,
  storageVersionHash,
  wantsAggregated,
} from "./_discovery.ts";

const CRD_DIR = new URL("../../../testdata/cert-manager-crds/", import.meta.url);

function certManager(): ResourceInfo[] {
  return ["certificaterequests", "certificates", "clusterissuers", "issuers"].flatMap((name) => {
    const text = Deno.readTextFileSync(new URL(`cert-manager.io_${name}.yaml`, CRD_DIR));
    const docs = parseAllDocuments(text).map((d) => d.toJSON()).filter(isJsonObject);
    return docs.flatMap((d) => resourcesFromCrd(d));
  });
}

function widgets(versions: string[], served = versions): ResourceInfo[] {
  return resourcesFromCrd({
    metadata: { name: "widgets.example.com" },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "widgets", kind: "Widget", shortNames: ["wg"], categories: ["all"] },
      versions: versions.map((name, i) => ({
        name,
        served: served.includes(name),
        storage: i === 0,
        subresources: { status: {} },
      })),
    },
  });
}

const ALL_VERBS = '["create","delete","deletecollection","get","list","patch","update","watch"]';
const CR_VERBS = '["delete","deletecollection","get","list","patch","create","update","watch"]';

Deno.test("/api is APIVersions with the server address", () => {
  assert.equal(
    JSON.stringify(apiVersions("127.0.0.1:6443")),
    '{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:6443"}]}',
  );
});

Deno.test("/api/v1 lists resources and subresources exactly as kube-apiserver 1.32", () => {
  const doc = apiResourceList(builtinResources(), "", "v1");
  assert.ok(doc);
  assert.equal(doc.kind, "APIResourceList");
  assert.equal(doc.apiVersion, "v1");
  assert.equal(doc.groupVersion, "v1");
  // Entries as a real 1.32 server prints them (same key order).
  assert.deepEqual((doc.resources as JsonObject[]).map((r) => JSON.stringify(r)), [
    `{"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":${ALL_VERBS},"shortNames":["cm"],"storageVersionHash":"qFsyl6wFWjQ="}`,
    `{"name":"events","singularName":"event","namespaced":true,"kind":"Event","verbs":${ALL_VERBS},"shortNames":["ev"],"storageVersionHash":"r2yiGXH7wu8="}`,
    '{"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["create","delete","get","list","patch","update","watch"],"shortNames":["ns"],"storageVersionHash":"Q3oi5N2YM8M="}',
    '{"name":"namespaces/finalize","singularName":"","namespaced":false,"kind":"Namespace","verbs":["update"]}',
    '{"name":"namespaces/status","singularName":"","namespaced":false,"kind":"Namespace","verbs":["get","patch","update"]}',
    `{"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret","verbs":${ALL_VERBS},"storageVersionHash":"S6u1pOWzb84="}`,
    `{"name":"serviceaccounts","singularName":"serviceaccount","namespaced":true,"kind":"ServiceAccount","verbs":${ALL_VERBS},"shortNames":["sa"],"storageVersionHash":"pbx9ZvyFpBE="}`,
    '{"name":"serviceaccounts/token","singularName":"","namespaced":true,"group":"authentication.k8s.io","version":"v1","kind":"TokenRequest","verbs":["create"]}',
  ]);
});

Deno.test("/apis/<group>/<version> for the cert-manager CRDs follows the CRD discovery controller", () => {
  const doc = apiResourceList(certManager(), "cert-manager.io", "v1");
  assert.ok(doc);
  assert.equal(doc.groupVersion, "cert-manager.io/v1");
  const resources = doc.resources as JsonObject[];
  assert.deepEqual(resources.map((r) => r.name), [
    "certificaterequests",
    "certificaterequests/status",
    "certificates",
    "certificates/status",
    "clusterissuers",
    "clusterissuers/status",
    "issuers",
    "issuers/status",
  ]);
  assert.equal(
    JSON.stringify(resources[0]),
    `{"name":"certificaterequests","singularName":"certificaterequest","namespaced":true,"kind":"CertificateRequest","verbs":${CR_VERBS},"shortNames":["cr","crs"],"categories":["cert-manager"],"storageVersionHash":"tuxiikMaACg="}`,
  );
  assert.equal(
    JSON.stringify(resources[1]),
    '{"name":"certificaterequests/status","singularName":"","namespaced":true,"kind":"CertificateRequest","verbs":["get","patch","update"]}',
  );
  assert.equal(resources[4]?.namespaced, false);
  assert.equal(resources[5]?.namespaced, false);
});

Deno.test("the spec's widget example (§11.2)", () => {
  const doc = apiResourceList(widgets(["v1"]), "example.com", "v1");
  const [main, status] = doc?.resources as JsonObject[];
  assert.deepEqual(main, {
    name: "widgets",
    singularName: "widget",
    namespaced: true,
    kind: "Widget",
    verbs: ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"],
    shortNames: ["wg"],
    categories: ["all"],
    storageVersionHash: storageVersionHash(widgets(["v1"])[0]!),
  });
  assert.deepEqual(status, {
    name: "widgets/status",
    singularName: "",
    namespaced: true,
    kind: "Widget",
    verbs: ["get", "patch", "update"],
  });
  assert.equal(apiResourceList(widgets(["v1"]), "example.com", "v2"), undefined);
  assert.equal(apiResourceList(widgets(["v1"]), "nope.io", "v1"), undefined);
});

Deno.test("storage version hashes match real servers' CRD hashes", () => {
  const crd = (group: string, version: string, kind: string): ResourceInfo => ({
    ...widgets(["v1"])[0]!,
    group,
    version,
    storageVersion: version,
    kind,
  });
  // Values seen on a real cluster for two AWS CRDs.
  assert.equal(
    storageVersionHash(crd("vpcresources.k8s.aws", "v1beta1", "SecurityGroupPolicy")),
    "K7924G3Qm8E=",
  );
  assert.equal(
    storageVersionHash(crd("networking.k8s.aws", "v1alpha1", "PolicyEndpoint")),
    "x9WLGHGKClk=",
  );
  // Every served version lists the hash of the storage version.
  const [v2, v1] = widgets(["v1", "v2"]).sort((a, b) =>
    compareKubeAwareVersions(b.version, a.version)
  );
  assert.equal(storageVersionHash(v2!), storageVersionHash(v1!));
});

Deno.test("/apis lists groups by priority, versions by Kubernetes version priority", () => {
  const resources = [
    ...builtinResources(),
    ...certManager(),
    ...widgets(["v1alpha1", "v2", "v1", "v10beta1"]),
  ];
  const doc = apiGroupList(resources);
  assert.equal(doc.kind, "APIGroupList");
  assert.equal(doc.apiVersion, "v1");
  const groups = doc.groups as JsonObject[];
  assert.deepEqual(groups.map((g) => g.name), [
    "events.k8s.io",
    "authorization.k8s.io",
    "certificates.k8s.io",
    "apiextensions.k8s.io",
    "coordination.k8s.io",
    "cert-manager.io",
    "example.com",
  ]);
  assert.deepEqual(groups[6], {
    name: "example.com",
    versions: [
      { groupVersion: "example.com/v2", version: "v2" },
      { groupVersion: "example.com/v1", version: "v1" },
      { groupVersion: "example.com/v10beta1", version: "v10beta1" },
      { groupVersion: "example.com/v1alpha1", version: "v1alpha1" },
    ],
    preferredVersion: { groupVersion: "example.com/v2", version: "v2" },
  });
  assert.deepEqual(apiGroup(resources, "example.com"), {
    kind: "APIGroup",
    apiVersion: "v1",
    ...groups[6],
  });
  assert.equal(apiGroup(resources, "nope.io"), undefined);
  assert.equal(apiGroup(resources, ""), undefined);
});

Deno.test("versions that are not served are not listed", () => {
  const doc = apiGroupList(widgets(["v1", "v2"], ["v1"]));
  assert.deepEqual((doc.groups as JsonObject[])[0]?.versions, [{
    groupVersion: "example.com/v1",
    version: "v1",
  }]);
});

Deno.test("compareKubeAwareVersions sorts like Kubernetes", () => {
  // The example in the CRD versioning documentation.
  const versions = [
    "foo10",
    "v11alpha2",
    "v10beta3",
    "v3beta1",
    "v12alpha1",
    "foo1",
    "v1",
    "v10",
    "v2",
    "v11beta2",
  ];
  assert.deepEqual(versions.sort((a, b) => compareKubeAwareVersions(b, a)), [
    "v10",
    "v2",
    "v1",
    "v11beta2",
    "v10beta3",
    "v3beta1",
    "v12alpha1",
    "v11alpha2",
    "foo1",
    "foo10",
  ]);
  const version = fc.oneof(
    fc.tuple(fc.nat(20), fc.constantFrom("", "alpha", "beta"), fc.nat(20)).map(([a, t, b]) =>
      t ? `v${a}${t}${b}` : `v${a}`
    ),
    fc.string({ maxLength: 5 }),
  );
  fc.assert(
    fc.property(version, version, (a, b) => {
      // Antisymmetric (`===` so that 0 and -0 count as equal).
      assert.ok(
        Math.sign(compareKubeAwareVersions(a, b)) === -Math.sign(compareKubeAwareVersions(b, a)),
      );
      if (a === b) assert.equal(compareKubeAwareVersions(a, b), 0);
    }),
    { seed: 1032 },
  );
});

Deno.test("aggregated discovery for /api: one unnamed item for the core group", () => {
  const doc = aggregatedDiscovery(builtinResources(), true);
  assert.equal(doc.kind, "APIGroupDiscoveryList");
  assert.equal(doc.apiVersion, "apidiscovery.k8s.io/v2");
  assert.deepEqual(doc.metadata, {});
  const items = doc.items as JsonObject[];
  assert.equal(items.length, 1);
  assert.deepEqual(items[0]?.metadata, { creationTimestamp: null });
  const versions = items[0]?.versions as JsonObject[];
  assert.deepEqual(versions.map((v) => [v.version, v.freshness]), [["v1", "Current"]]);
  const resources = versions[0]?.resources as JsonObject[];
  assert.deepEqual(resources.map((r) => r.resource), [
    "configmaps",
    "events",
    "namespaces",
    "secrets",
    "serviceaccounts",
  ]);
  assert.deepEqual(resources[2], {
    resource: "namespaces",
    responseKind: { group: "", version: "", kind: "Namespace" },
    scope: "Cluster",
    singularResource: "namespace",
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    shortNames: ["ns"],
    subresources: [
      {
        subresource: "finalize",
        responseKind: { group: "", version: "", kind: "Namespace" },
        verbs: ["update"],
      },
      {
        subresource: "status",
        responseKind: { group: "", version: "", kind: "Namespace" },
        verbs: ["get", "patch", "update"],
      },
    ],
  });
  assert.deepEqual((resources[4]?.subresources as JsonObject[])[0], {
    subresource: "token",
    responseKind: { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" },
    verbs: ["create"],
  });
  assert.deepEqual(aggregatedDiscovery(certManager(), true).items, []);
});

Deno.test("aggregated discovery for /apis has the shape of §11.3", () => {
  const resources = [...builtinResources(), ...widgets(["v1", "v1beta1"])];
  const doc = aggregatedDiscovery(resources, false);
  const items = doc.items as JsonObject[];
  assert.deepEqual(items.map((i) => (i.metadata as JsonObject).name), [
    "events.k8s.io",
    "authorization.k8s.io",
    "certificates.k8s.io",
    "apiextensions.k8s.io",
    "coordination.k8s.io",
    "example.com",
  ]);
  const example = items[5];
  assert.deepEqual(example, {
    metadata: { name: "example.com", creationTimestamp: null },
    versions: ["v1", "v1beta1"].map((version) => ({
      version,
      resources: [{
        resource: "widgets",
        responseKind: { group: "example.com", version, kind: "Widget" },
        scope: "Namespaced",
        singularResource: "widget",
        verbs: ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"],
        shortNames: ["wg"],
        categories: ["all"],
        subresources: [{
          subresource: "status",
          responseKind: { group: "example.com", version, kind: "Widget" },
          verbs: ["get", "patch", "update"],
        }],
      }],
      freshness: "Current",
    })),
  });
  const leases = ((items[4]?.versions as JsonObject[])[0]?.resources as JsonObject[])[0];
  assert.deepEqual(leases?.responseKind, { group: "", version: "", kind: "Lease" });
  assert.equal(leases?.subresources, undefined);
});

Deno.test("wantsAggregated follows the Accept header like the real server", () => {
  const kubectl =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
  assert.equal(wantsAggregated(kubectl), true);
  assert.equal(wantsAggregated("application/json, */*"), false);
  assert.equal(wantsAggregated(null), false);
  assert.equal(
    wantsAggregated(
      "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json",
    ),
    false,
  );
  assert.equal(
    wantsAggregated(
      "application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
    ),
    false,
  );
  assert.equal(
    wantsAggregated(
      "application/json;q=0.5, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
    ),
    true,
  );
  assert.equal(wantsAggregated(AGGREGATED_DISCOVERY_CONTENT_TYPE), true);
  assert.equal(
    AGGREGATED_DISCOVERY_CONTENT_TYPE,
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
  );
});

Deno.test("parseAccept orders by quality and keeps parameters", () => {
  assert.deepEqual(parseAccept('text/plain;q=0.2, application/json;as=Table;v="v1", */*;q=0'), [
    { type: "application", subtype: "json", params: { as: "Table", v: "v1" }, q: 1 },
    { type: "text", subtype: "plain", params: {}, q: 0.2 },
  ]);
  assert.deepEqual(parseAccept(""), []);
  assert.deepEqual(parseAccept("garbage"), []);
});
