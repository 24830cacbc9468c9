import { strict as assert } from "node:assert";
import { issuerType } from "./issuer_type.ts";
import {
  matchCertificateRequestIssuer,
  matchCertificateSigningRequestIssuer,
  matchingOrder,
} from "./matching.ts";
import type { CertificateRequestObject, CertificateSigningRequestObject } from "./request.ts";
import { testClusterIssuer, testIssuer } from "./_test_fixtures.ts";

function cr(
  ref: { group?: string; kind?: string; name: string },
  namespace = "namespace",
): CertificateRequestObject {
  return { metadata: { name: "cr", namespace }, spec: { issuerRef: ref, request: "" } };
}
function csr(signerName: string): CertificateSigningRequestObject {
  return { metadata: { name: "csr" }, spec: { signerName, request: "" } };
}
const both = [testIssuer, testClusterIssuer];
const group = "testing.cert-manager.io";

Deno.test("13.3.39 no CR → invalid reference", () => {
  assert.deepEqual(matchCertificateRequestIssuer(undefined, both), {
    matched: false,
    message: "invalid reference, CertificateRequest is nil",
  });
});

Deno.test("13.3.40 no registered types → no issuer found, values quoted", () => {
  assert.deepEqual(matchCertificateRequestIssuer(cr({ group: "test", name: "name" }), []), {
    matched: false,
    message: 'no issuer found for reference: [Group="test", Kind="", Name="name"]',
  });
});

Deno.test("13.3.41 kind TestIssuer → TestIssuer in the CR's namespace", () => {
  assert.deepEqual(
    matchCertificateRequestIssuer(cr({ group, kind: "TestIssuer", name: "name" }), both),
    {
      matched: true,
      issuerType: testIssuer,
      key: { namespace: "namespace", name: "name" },
    },
  );
});

Deno.test("13.3.42 kind TestClusterIssuer → TestClusterIssuer, no namespace", () => {
  assert.deepEqual(
    matchCertificateRequestIssuer(cr({ group, kind: "TestClusterIssuer", name: "name" }), both),
    {
      matched: true,
      issuerType: testClusterIssuer,
      key: { namespace: "", name: "name" },
    },
  );
});

Deno.test("13.3.43 only TestClusterIssuer registered, empty kind → TestClusterIssuer", () => {
  const m = matchCertificateRequestIssuer(cr({ group, name: "name" }), [testClusterIssuer]);
  assert.ok(m.matched && m.issuerType === testClusterIssuer);
});

Deno.test("13.3.44 both registered, empty kind → the namespaced type wins", () => {
  // Registered cluster-first: the namespaced type still wins (matching order).
  const m = matchCertificateRequestIssuer(cr({ group, name: "name" }), [
    testClusterIssuer,
    testIssuer,
  ]);
  assert.deepEqual(m, {
    matched: true,
    issuerType: testIssuer,
    key: { namespace: "namespace", name: "name" },
  });
});

Deno.test("13.3.45 the same kind registered namespaced and cluster → the namespaced registration", () => {
  const asCluster = issuerType({ ...testIssuer, namespaced: false });
  const m = matchCertificateRequestIssuer(cr({ group, name: "name" }), [asCluster, testIssuer]);
  assert.deepEqual(m, {
    matched: true,
    issuerType: testIssuer,
    key: { namespace: "namespace", name: "name" },
  });
});

Deno.test("difference #13: an empty issuerRef.group never matches an author's group", () => {
  const m = matchCertificateRequestIssuer(cr({ kind: "TestIssuer", name: "name" }), both);
  assert.deepEqual(m, {
    matched: false,
    message: 'no issuer found for reference: [Group="", Kind="TestIssuer", Name="name"]',
  });
});

Deno.test("difference #13: an empty issuerRef.group means cert-manager.io (in-tree kinds)", () => {
  const cmIssuer = issuerType({
    group: "cert-manager.io",
    version: "v1",
    kind: "Issuer",
    plural: "issuers",
    namespaced: true,
  });
  const m = matchCertificateRequestIssuer(cr({ kind: "Issuer", name: "ca" }), [
    testIssuer,
    cmIssuer,
  ]);
  assert.deepEqual(m, {
    matched: true,
    issuerType: cmIssuer,
    key: { namespace: "namespace", name: "ca" },
  });
});

Deno.test("matching: a non-empty kind must equal the type's kind", () => {
  assert.equal(
    matchCertificateRequestIssuer(cr({ group, kind: "unknown-kind", name: "n" }), both).matched,
    false,
  );
  assert.deepEqual(matchingOrder([testClusterIssuer, testIssuer]), [testIssuer, testClusterIssuer]);
});

Deno.test("matching: Go quoting escapes quotes in the reference", () => {
  const m = matchCertificateRequestIssuer(cr({ group: 'a"b', name: "n\n" }), both);
  assert.deepEqual(m, {
    matched: false,
    message: 'no issuer found for reference: [Group="a\\"b", Kind="", Name="n\\n"]',
  });
});

Deno.test("13.5.70 no CSR → invalid signer name without suffix", () => {
  assert.deepEqual(matchCertificateSigningRequestIssuer(undefined, both), {
    matched: false,
    message: "invalid signer name, should have format <issuer-type-id>/<issuer-id>",
  });
});

Deno.test("13.5.71 signer without a slash → invalid signer name", () => {
  assert.deepEqual(matchCertificateSigningRequestIssuer(csr("aaaaaa"), both), {
    matched: false,
    message: 'invalid signer name, should have format <issuer-type-id>/<issuer-id>: "aaaaaa"',
  });
  assert.equal(matchCertificateSigningRequestIssuer(csr("a/b/c"), both).matched, false);
});

Deno.test("13.5.72 unknown type identifier → no issuer found for signer name", () => {
  assert.deepEqual(
    matchCertificateSigningRequestIssuer(csr("aaaaa.testing.cert-manager.io/namespace.name"), both),
    {
      matched: false,
      message: 'no issuer found for signer name: "aaaaa.testing.cert-manager.io/namespace.name"',
    },
  );
});

Deno.test("13.5.73 (difference #10: namespaced types are supported) → TestIssuer namespace/name", () => {
  assert.deepEqual(
    matchCertificateSigningRequestIssuer(
      csr("testissuers.testing.cert-manager.io/namespace.name"),
      both,
    ),
    {
      matched: true,
      issuerType: testIssuer,
      key: { namespace: "namespace", name: "name" },
    },
  );
});

Deno.test("difference #10: the namespaced form splits at the first dot after the slash", () => {
  assert.deepEqual(
    matchCertificateSigningRequestIssuer(csr("testissuers.testing.cert-manager.io/ns.a.b"), both),
    {
      matched: true,
      issuerType: testIssuer,
      key: { namespace: "ns", name: "a.b" },
    },
  );
  for (const bad of ["name", ".name", "ns.", ""]) {
    const signer = `testissuers.testing.cert-manager.io/${bad}`;
    assert.deepEqual(matchCertificateSigningRequestIssuer(csr(signer), both), {
      matched: false,
      message:
        `invalid signer name, should have format <issuer-type-id>/<namespace>.<issuer-name> for namespaced issuer type "testissuers.testing.cert-manager.io": "${signer}"`,
    }, bad);
  }
});

Deno.test("13.5.74 cluster type → its name, no namespace", () => {
  assert.deepEqual(
    matchCertificateSigningRequestIssuer(
      csr("testclusterissuers.testing.cert-manager.io/name"),
      both,
    ),
    {
      matched: true,
      issuerType: testClusterIssuer,
      key: { namespace: "", name: "name" },
    },
  );
});

Deno.test("13.5.75 cluster type → dots kept in the name", () => {
  const m = matchCertificateSigningRequestIssuer(
    csr("testclusterissuers.testing.cert-manager.io/name.test"),
    both,
  );
  assert.ok(m.matched && m.key.name === "name.test" && m.key.namespace === "");
});

Deno.test("13.5.76 cluster type with an empty name → matched, empty name", () => {
  const m = matchCertificateSigningRequestIssuer(
    csr("testclusterissuers.testing.cert-manager.io/"),
    both,
  );
  assert.deepEqual(m, {
    matched: true,
    issuerType: testClusterIssuer,
    key: { namespace: "", name: "" },
  });
});
