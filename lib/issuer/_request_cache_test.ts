import { strict as assert } from "node:assert";
import type { KubeObject } from "../client/object.ts";
import {
  certificateRequestTransform,
  certificateSigningRequestTransform,
  decisionView,
  DROPPED_PLACEHOLDER,
  droppedFields,
  isFinalRequest,
} from "./_request_cache.ts";
import { isReady, type SigningRequest } from "./request.ts";
import type { CertificateRequestObject, CertificateSigningRequestObject } from "./request.ts";
import { testPki } from "./_test_helpers.ts";

const managedFields = [
  { manager: "cert-manager", operation: "Apply", fieldsV1: { "f:spec": { "f:request": {} } } },
  { manager: "approver", operation: "Apply", subresource: "status", fieldsV1: {} },
  { manager: "ca.example.com", operation: "Apply", subresource: "status", fieldsV1: {} },
];

async function issuedCr(): Promise<CertificateRequestObject> {
  const pki = await testPki();
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name: "cr-1", namespace: "ns1", resourceVersion: "7", managedFields },
    spec: {
      issuerRef: { group: "ca.example.com", kind: "CAIssuer", name: "ca" },
      request: btoa(pki.csrPem),
      usages: ["digital signature", "key encipherment"],
    },
    status: {
      conditions: [
        { type: "Approved", status: "True", reason: "ok", message: "ok" },
        { type: "Ready", status: "True", reason: "Issued", message: "Succeeded signing" },
      ],
      certificate: btoa(pki.chainPem),
      ca: btoa(pki.caPem),
    },
  };
}

const size = (object: unknown) => new TextEncoder().encode(JSON.stringify(object)).length;

Deno.test("the request transform drops managedFields from every request", async () => {
  const cr = await issuedCr();
  cr.status!.conditions = cr.status!.conditions!.slice(0, 1);
  const cached = certificateRequestTransform(cr);
  assert.equal(cached.metadata.managedFields, undefined);
  assert.equal(cached.spec.request, cr.spec.request, "a pending request keeps its CSR");
  assert.equal(droppedFields(cached), undefined);
  assert.ok(cr.metadata.managedFields, "the argument is not changed");
});

Deno.test("the request transform drops the CSR, certificate and CA of a final request", async () => {
  const cr = await issuedCr();
  const cached = certificateRequestTransform(cr);
  assert.equal(cached.spec.request, undefined);
  assert.equal(cached.status?.certificate, undefined);
  assert.equal(cached.status?.ca, undefined);
  assert.deepEqual(droppedFields(cached), ["spec.request", "status.certificate", "status.ca"]);
  assert.deepEqual(cached.status?.conditions, cr.status?.conditions);
  assert.deepEqual(cached.spec.issuerRef, cr.spec.issuerRef);
  const before = size(cr);
  const after = size(cached);
  console.log(`bytes per cached issued CertificateRequest: ${before} before, ${after} after`);
  assert.ok(after < before / 3, `${after} is not much less than ${before}`);
});

Deno.test("a trimmed request decides as final through its placeholders", async () => {
  const pki = await testPki();
  const csr: CertificateSigningRequestObject = {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: { name: "csr-1", resourceVersion: "3" },
    spec: { signerName: "cas.ca.example.com/ca", request: btoa(pki.csrPem) },
    status: {
      conditions: [{ type: "Approved", status: "True" }],
      certificate: btoa(pki.chainPem),
    },
  };
  assert.ok(isFinalRequest("CertificateSigningRequest", csr));
  const cached = certificateSigningRequestTransform(csr);
  assert.equal(cached.status?.certificate, undefined);
  const request: SigningRequest = { kind: "CertificateSigningRequest", object: cached };
  assert.equal(isReady(request), false, "the trimmed object alone would look unsigned");
  const { view, trimmed } = decisionView(request);
  assert.ok(trimmed);
  assert.equal(isReady(view), true);
  assert.equal(view.object.status?.certificate, DROPPED_PLACEHOLDER);
  assert.equal(view.object.spec.request, DROPPED_PLACEHOLDER);
  assert.equal(cached.status?.certificate, undefined, "the cached object is not changed");
});

Deno.test("final states: Ready, Failed and Denied CRs; signed, Failed and Denied CSRs", () => {
  const cr = (status: string, reason?: string): KubeObject =>
    ({ metadata: {}, status: { conditions: [{ type: "Ready", status, reason }] } }) as KubeObject;
  assert.ok(isFinalRequest("CertificateRequest", cr("True", "Issued")));
  assert.ok(isFinalRequest("CertificateRequest", cr("False", "Failed")));
  assert.ok(isFinalRequest("CertificateRequest", cr("False", "Denied")));
  assert.ok(!isFinalRequest("CertificateRequest", cr("False", "Pending")));
  assert.ok(!isFinalRequest("CertificateRequest", cr("Unknown", "Initializing")));
  const csr = (conditions: string[], certificate?: string): KubeObject =>
    ({
      metadata: {},
      status: { conditions: conditions.map((type) => ({ type, status: "True" })), certificate },
    }) as KubeObject;
  assert.ok(isFinalRequest("CertificateSigningRequest", csr(["Approved"], "Y2VydA==")));
  assert.ok(isFinalRequest("CertificateSigningRequest", csr(["Approved", "Failed"])));
  assert.ok(isFinalRequest("CertificateSigningRequest", csr(["Denied"])));
  assert.ok(!isFinalRequest("CertificateSigningRequest", csr(["Approved"])));
});
