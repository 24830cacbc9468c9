import { strict as assert } from "node:assert";
import { InvalidCsrError } from "./certificate/errors.ts";
import { issuanceRequest } from "./issuance_request.ts";
import { testPki } from "./_test_helpers.ts";

Deno.test("issuanceRequest hides the request kind behind one read-only view", async () => {
  const { csrPem } = await testPki();
  const request = issuanceRequest({
    kind: "CertificateRequest",
    object: {
      metadata: { name: "cr-1", namespace: "ns1", annotations: { a: "b" } },
      spec: {
        issuerRef: { name: "ca" },
        request: btoa(csrPem),
        duration: "1h",
        usages: ["server auth"],
      },
      status: { conditions: [{ type: "Approved", status: "True" }] },
    },
  });
  assert.equal(request.kind, "CertificateRequest");
  assert.equal(request.metadata.annotations?.a, "b");
  assert.equal(request.csrPem, csrPem);
  assert.deepEqual(request.conditions(), [{
    type: "Approved",
    status: "True",
    lastTransitionTime: "",
    reason: "",
    message: "",
    observedGeneration: 0,
  }]);
  assert.equal(request.certificateDetails().duration, 3600_000);
  assert.equal(request.certificateDetails(), request.certificateDetails(), "computed once");
  assert.ok(Object.isFrozen(request));
});

Deno.test("a CSR's details come from its annotations and expirationSeconds", async () => {
  const { csrPem } = await testPki();
  const request = issuanceRequest({
    kind: "CertificateSigningRequest",
    object: {
      metadata: { name: "csr-1" },
      spec: { signerName: "x.example.com/y", request: btoa(csrPem), expirationSeconds: 600 },
      status: {
        conditions: [{ type: "Approved", status: "True", lastUpdateTime: "2024-01-01T00:00:00Z" }],
      },
    },
  });
  assert.equal(request.certificateDetails().duration, 600_000);
  assert.equal("lastUpdateTime" in (request.conditions()[0] ?? {}), false);
});

Deno.test("a malformed request is a RequestDetailsError from certificateDetails", () => {
  const request = issuanceRequest({
    kind: "CertificateRequest",
    object: { metadata: { name: "cr-1" }, spec: { issuerRef: { name: "ca" }, request: "%%%" } },
  });
  assert.equal(request.csrPem, "");
  assert.throws(() => request.certificateDetails(), InvalidCsrError);
});
