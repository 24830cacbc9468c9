// Kubernetes CertificateSigningRequests through the controllers: a cluster issuer, and a
// namespaced issuer (difference 10) whose requester must be allowed to reference it — a
// SubjectAccessReview answered by the fake's authorizer.
import { strict as assert } from "node:assert";
import type { JsonObject } from "../core/json.ts";
import { conditionOf, testClusterIssuer, TestEnv, testIssuer, testPki } from "./_test_helpers.ts";

function certificateOf(csr: JsonObject | undefined): string | undefined {
  return (csr?.status as { certificate?: string } | undefined)?.certificate;
}

async function readyIssuer(env: TestEnv, type = testIssuer, namespace = "ns1") {
  await env.createIssuer(type, namespace, "issuer-1");
  await env.waitForIssuer(
    type,
    namespace,
    "issuer-1",
    (i) => conditionOf(i, "Ready")?.status === "True",
  );
}

Deno.test("a CSR for a cluster issuer is signed with one status write", async () => {
  const pki = await testPki();
  await using env = await TestEnv.start();
  await readyIssuer(env, testClusterIssuer, "");
  await env.createCsr("csr-1", "testclusterissuers.testing.cert-manager.io/issuer-1");
  await env.quiet();
  assert.equal(env.statusWrites("certificatesigningrequests"), 0, "not approved yet");
  await env.approveCsr("csr-1");
  const signed = await env.waitForCsr("csr-1", (csr) => certificateOf(csr) !== undefined);
  await env.quiet();
  assert.equal(certificateOf(signed), btoa(pki.chainPem));
  assert.equal(env.statusWrites("certificatesigningrequests", "csr-1"), 1);
  assert.ok(
    env.recorder.events.includes("Normal Issued Succeeded signing the CertificateSigningRequest"),
  );
  assert.equal(conditionOf(signed, "Approved")?.status, "True", "the approval is kept");
});

Deno.test("a CSR waits for its issuer with events only, then is signed", async () => {
  await using env = await TestEnv.start();
  await env.createCsr("csr-1", "testclusterissuers.testing.cert-manager.io/issuer-1");
  await env.approveCsr("csr-1");
  await env.quiet();
  assert.equal(env.statusWrites("certificatesigningrequests"), 0, "waiting writes nothing");
  assert.ok(env.recorder.events.includes(
    'Normal WaitingForIssuerExist TestClusterIssuer.testing.cert-manager.io "issuer-1" not found. Waiting for it to be created.',
  ));
  await readyIssuer(env, testClusterIssuer, "");
  await env.waitForCsr("csr-1", (csr) => certificateOf(csr) !== undefined);
});

const alice = { username: "alice", groups: ["system:authenticated"] };
const createCsrs = [{
  apiGroups: ["certificates.k8s.io"],
  resources: ["certificatesigningrequests"],
  verbs: ["create"],
}];

Deno.test("a CSR for a namespaced issuer is signed when the requester may reference it", async () => {
  await using env = await TestEnv.start();
  env.server.grant("alice", createCsrs);
  env.server.grant("alice", [{
    apiGroups: ["testing.cert-manager.io"],
    resources: ["signers"],
    verbs: ["reference"],
    resourceNames: ["issuer-1"],
    namespaces: ["ns1"],
  }]);
  await readyIssuer(env);
  using asAlice = env.clientAs(alice);
  await env.createCsr("csr-1", "testissuers.testing.cert-manager.io/ns1.issuer-1", {
    client: asAlice,
  });
  await env.approveCsr("csr-1");
  await env.waitForCsr("csr-1", (csr) => certificateOf(csr) !== undefined);
  assert.ok(env.server.requests.count({ verb: "create", resource: "subjectaccessreviews" }) >= 1);
});

Deno.test("a CSR for a namespaced issuer fails when the requester may not reference it", async () => {
  await using env = await TestEnv.start();
  env.server.grant("alice", createCsrs);
  await readyIssuer(env);
  using asAlice = env.clientAs(alice);
  await env.createCsr("csr-1", "testissuers.testing.cert-manager.io/ns1.issuer-1", {
    client: asAlice,
  });
  await env.approveCsr("csr-1");
  const failed = await env.waitForCsr("csr-1", (csr) => conditionOf(csr, "Failed") !== undefined);
  await env.quiet();
  assert.equal(certificateOf(failed), undefined);
  assert.equal(conditionOf(failed, "Failed")?.reason, "DeniedReference");
  assert.equal(
    conditionOf(failed, "Failed")?.message,
    "Requester may not reference Namespaced Issuer ns1/issuer-1",
  );
  assert.equal(env.server.requests.count({ verb: "create", resource: "subjectaccessreviews" }), 2);
});

Deno.test("a CSR for another signer is left alone", async () => {
  await using env = await TestEnv.start();
  await readyIssuer(env, testClusterIssuer, "");
  await env.createCsr("csr-1", "example.com/other-signer");
  await env.approveCsr("csr-1");
  await env.quiet();
  assert.equal(env.statusWrites("certificatesigningrequests"), 0);
  assert.deepEqual(env.recorder.events.filter((e) => e.includes("CertificateSigningRequest")), []);
});
