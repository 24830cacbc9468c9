import { strict as assert } from "node:assert";
import { apiVersionOf, type ResourceDescriptor, resourcePath } from "./resource.ts";

const secrets: ResourceDescriptor = {
  group: "",
  version: "v1",
  plural: "secrets",
  kind: "Secret",
  namespaced: true,
};
const crs: ResourceDescriptor = {
  group: "cert-manager.io",
  version: "v1",
  plural: "certificaterequests",
  kind: "CertificateRequest",
  namespaced: true,
};
const clusterIssuers: ResourceDescriptor = {
  group: "cert-manager.io",
  version: "v1",
  plural: "clusterissuers",
  kind: "ClusterIssuer",
  namespaced: false,
};
const nodes: ResourceDescriptor = {
  group: "",
  version: "v1",
  plural: "nodes",
  kind: "Node",
  namespaced: false,
};

Deno.test("resourcePath builds core, group, namespaced, cluster and subresource paths", () => {
  const cases: [ResourceDescriptor, Parameters<typeof resourcePath>[1], string][] = [
    [secrets, {}, "/api/v1/secrets"],
    [secrets, { namespace: "t" }, "/api/v1/namespaces/t/secrets"],
    [secrets, { namespace: "t", name: "ca" }, "/api/v1/namespaces/t/secrets/ca"],
    [crs, {}, "/apis/cert-manager.io/v1/certificaterequests"],
    [
      crs,
      { namespace: "t", name: "r" },
      "/apis/cert-manager.io/v1/namespaces/t/certificaterequests/r",
    ],
    [
      crs,
      { namespace: "t", name: "r", subresource: "status" },
      "/apis/cert-manager.io/v1/namespaces/t/certificaterequests/r/status",
    ],
    [clusterIssuers, { name: "ca" }, "/apis/cert-manager.io/v1/clusterissuers/ca"],
    [nodes, { name: "n1", subresource: "status" }, "/api/v1/nodes/n1/status"],
    [secrets, { namespace: "t", name: "a b:c" }, "/api/v1/namespaces/t/secrets/a%20b%3Ac"],
  ];
  for (const [resource, options, want] of cases) {
    assert.equal(resourcePath(resource, options), want, want);
  }
});

Deno.test("resourcePath refuses bad segments and mismatched scope, naming the value", () => {
  assert.throws(
    () => resourcePath(clusterIssuers, { namespace: "t" }),
    /clusterissuers is cluster-scoped, but namespace "t" was given/,
  );
  assert.throws(
    () => resourcePath(secrets, { namespace: "" }),
    /namespace must be a non-empty path segment, got ""/,
  );
  assert.throws(() => resourcePath(secrets, { name: "a/b" }), /name must be .* got "a\/b"/);
  assert.throws(() => resourcePath(secrets, { name: ".." }), TypeError);
  assert.throws(
    () => resourcePath(secrets, { subresource: "status" }),
    /subresource "status" needs an object name/,
  );
});

Deno.test("apiVersionOf joins group and version", () => {
  assert.equal(apiVersionOf(secrets), "v1");
  assert.equal(apiVersionOf(crs), "cert-manager.io/v1");
});
