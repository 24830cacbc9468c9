// The conformance kit against deliberately broken issuers: each breakage is reported by
// the case that checks it, with a message saying what broke.
import { strict as assert } from "node:assert";
import type { KubeObject, ResourceDescriptor } from "../../client/mod.ts";
import { ResourceClient } from "../../client/resource_client.ts";
import {
  type CertificateTemplate,
  certificateTemplate,
  generateCa,
  generateCsr,
  type GeneratedCa,
  issuerType,
  signCertificate,
  type SignFunction,
} from "../../issuer/mod.ts";
import { certificateDetailsFromCertificateRequest } from "../../issuer/certificate/certificate_details.ts";
import {
  type ConformanceOptions,
  type ConformanceResult,
  runConformanceCases,
} from "./conformance.ts";

const BrokenClusterIssuer = issuerType({
  group: "broken.certkit.dev",
  version: "v1",
  kind: "BrokenClusterIssuer",
  plural: "brokenclusterissuers",
  namespaced: false,
});

const ISSUERS: ResourceDescriptor<KubeObject> = {
  group: BrokenClusterIssuer.group,
  version: BrokenClusterIssuer.version,
  plural: BrokenClusterIssuer.plural,
  kind: BrokenClusterIssuer.kind,
  namespaced: false,
};

let ca: Promise<GeneratedCa> | undefined;
function testCa(): Promise<GeneratedCa> {
  ca ??= generateCa({ commonName: "Broken CA", now: Date.now() });
  return ca;
}

/** A sign that lets `tamper` change the template before signing. */
function signWith(tamper: (t: CertificateTemplate) => Promise<void> | void): SignFunction {
  return async (request, _issuer, ctx) => {
    const { certPem, keyPem } = await testCa();
    const template = await certificateTemplate(request.certificateDetails(), ctx.clock.now());
    await tamper(template);
    return await signCertificate(template, { caCertPem: certPem, caKeyPem: keyPem });
  };
}

function brokenOptions(overrides: Partial<ConformanceOptions>): ConformanceOptions {
  return {
    issuerTypes: [BrokenClusterIssuer],
    fieldManager: "broken.certkit.dev",
    check: () => Promise.resolve(),
    sign: signWith(() => {}),
    createIssuer: async ({ client, name }) => {
      await new ResourceClient(client, ISSUERS).create({
        apiVersion: BrokenClusterIssuer.apiVersion,
        kind: BrokenClusterIssuer.kind,
        metadata: { name },
      });
      return { ref: { group: BrokenClusterIssuer.group, kind: BrokenClusterIssuer.kind, name } };
    },
    timeoutMs: 2_000,
    ...overrides,
  };
}

function resultOf(results: ConformanceResult[], prefix: string): ConformanceResult {
  const found = results.find((r) => r.name.startsWith(prefix));
  assert.ok(found, `no case named ${prefix}…: ${results.map((r) => r.name).join("\n")}`);
  return found;
}

Deno.test("a correct issuer passes every case", async () => {
  const results = await runConformanceCases(brokenOptions({}));
  assert.deepEqual(results.filter((r) => r.status !== "pass"), []);
  assert.equal(results.length, 34);
});

Deno.test("an issuer that is never Ready fails the first case, and every later one says why", async () => {
  const results = await runConformanceCases(brokenOptions({
    check: () => Promise.reject(new Error("the CA is unreachable")),
    timeoutMs: 500,
  }));
  const first = results[0]!;
  assert.equal(first.name, "Issuer: becomes Ready before anything is requested");
  assert.equal(first.status, "fail");
  assert.match(first.message ?? "", /did not become Ready=True within 500 ms/);
  assert.match(first.message ?? "", /the CA is unreachable/);
  const rsa = resultOf(results, "CertificateRequest: RSA 2048 key");
  assert.equal(rsa.status, "fail");
  assert.match(rsa.message ?? "", /the issuer never became Ready/);
});

Deno.test("a sign that drops SANs fails the SAN cases, naming the missing names", async () => {
  const results = await runConformanceCases(brokenOptions({
    sign: signWith((t) => {
      t.dnsNames = [];
      t.ipAddresses = [];
      t.uris = [];
      t.emailAddresses = [];
      delete t.subjectAltName;
    }),
  }));
  const single = resultOf(results, "CertificateRequest: single DNS name");
  assert.equal(single.status, "fail");
  assert.equal(
    single.message,
    'the certificate\'s DNS SANs are []; the CSR asked for ["single.example.com"]',
  );
  const ip = resultOf(results, "CertificateRequest: IP only");
  assert.equal(ip.message, 'the certificate\'s IP SANs are []; the CSR asked for ["192.0.2.7"]');
  assert.equal(resultOf(results, "CertificateRequest: common name only").status, "pass");
});

Deno.test("a sign that certifies another key fails the key case, quoting the library's reason", async () => {
  const { csrPem } = await generateCsr({ subject: "CN=someone else" });
  const other = certificateDetailsFromCertificateRequest({ spec: { request: btoa(csrPem) } });
  const results = await runConformanceCases(brokenOptions({
    sign: signWith(async (t) => {
      t.publicKey = (await certificateTemplate(other, Date.now())).publicKey;
    }),
    timeoutMs: 300,
  }));
  const key = resultOf(results, "CertificateRequest: the certificate's key is the CSR's key");
  assert.equal(key.status, "fail");
  assert.match(key.message ?? "", /^the CertificateRequest cr-\d+ failed instead: Failed: /);
  assert.match(
    key.message ?? "",
    /whose public key is not the public key of the certificate request/,
  );
});

Deno.test("a sign that ignores the requested duration fails the duration cases", async () => {
  const results = await runConformanceCases(brokenOptions({
    sign: signWith((t) => {
      t.notAfter = t.notBefore + 90 * 86_400_000;
    }),
  }));
  const duration = resultOf(results, "CertificateRequest: spec.duration 5h");
  assert.equal(duration.status, "fail");
  assert.equal(
    duration.message,
    "the certificate is valid for 7776000 s; 18000 s were requested",
  );
  assert.equal(
    resultOf(results, "CertificateSigningRequest: spec.expirationSeconds").status,
    "fail",
  );
});

Deno.test("a sign that ignores isCA and usages fails those cases", async () => {
  const results = await runConformanceCases(brokenOptions({
    sign: signWith((t) => {
      t.isCA = false;
      t.extKeyUsage = [];
    }),
  }));
  assert.equal(
    resultOf(results, "CertificateRequest: spec.isCA").message,
    "spec.isCA was set but the certificate is not a CA (no basicConstraints CA:TRUE)",
  );
  assert.match(
    resultOf(results, "CertificateRequest: key usages").message ?? "",
    /the extended key usage lacks client auth/,
  );
  assert.equal(
    resultOf(results, "CertificateSigningRequest: the request-is-ca annotation").message,
    "the request-is-ca annotation was set but the certificate is not a CA",
  );
});

Deno.test("declared unsupported features skip their cases, saying so", async () => {
  const results = await runConformanceCases(brokenOptions({
    unsupported: ["ed25519", "kubernetesCsr"],
  }));
  const ed = resultOf(results, "CertificateRequest: Ed25519 key");
  assert.equal(ed.status, "skip");
  assert.match(ed.name, /\(skipped: the issuer declares it does not support ed25519\)$/);
  const skipped = results.filter((r) => r.status === "skip").map((r) => r.name);
  assert.equal(skipped.length, 5);
  assert.deepEqual(results.filter((r) => r.status === "fail"), []);
});
