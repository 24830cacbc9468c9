import { strict as assert } from "node:assert";
import { issuerIndexValue, issuerRefIndex, issuerRefIndexFor } from "./issuer_ref_index.ts";
import {
  CLUSTER_SIGNER,
  cr1,
  csr1,
  issuer,
  testClusterIssuer,
  testIssuer,
} from "./_test_fixtures.ts";

const types = [testIssuer, testClusterIssuer];

Deno.test("§9.3 a CR is indexed by its issuer's <namespace>/<name>", () => {
  assert.deepEqual(issuerRefIndex(cr1(), types), { issuerType: testIssuer, value: "ns1/issuer-1" });
  const cluster = cr1({
    issuerRef: { group: "testing.cert-manager.io", kind: "TestClusterIssuer", name: "c" },
  });
  assert.deepEqual(issuerRefIndex(cluster, types), { issuerType: testClusterIssuer, value: "/c" });
  const foreign = cr1({ issuerRef: { group: "other.io", name: "x" } });
  assert.equal(issuerRefIndex(foreign, types), undefined);
});

Deno.test("§9.3 a CSR is indexed by its signer's issuer (difference #10: namespaced too)", () => {
  assert.deepEqual(issuerRefIndex(csr1({ signerName: CLUSTER_SIGNER }), types), {
    issuerType: testClusterIssuer,
    value: "/cluster-issuer-1",
  });
  assert.deepEqual(
    issuerRefIndex(csr1({ signerName: "testissuers.testing.cert-manager.io/ns1.issuer-1" }), types),
    {
      issuerType: testIssuer,
      value: "ns1/issuer-1",
    },
  );
});

Deno.test("§9.3 one index per type; the issuer side looks up <metadata.namespace>/<metadata.name>", () => {
  const byIssuer = issuerRefIndexFor(testIssuer, types);
  const byCluster = issuerRefIndexFor(testClusterIssuer, types);
  assert.deepEqual(byIssuer(cr1()), ["ns1/issuer-1"]);
  assert.deepEqual(byCluster(cr1()), []);
  assert.equal(issuerIndexValue(issuer()), "ns1/issuer-1");
  assert.equal(issuerIndexValue(issuer({ cluster: true })), "/cluster-issuer-1");
  assert.deepEqual(byCluster(csr1({ signerName: CLUSTER_SIGNER })), [
    issuerIndexValue(issuer({ cluster: true })),
  ]);
});
