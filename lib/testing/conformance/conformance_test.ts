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
  PermanentError,
  signCertificate,
  type SignFunction,
} from "../../issuer/mod.ts";
import { certificateDetailsFromCertificateRequest } from "../../issuer/certificate/certificate_details.ts";
import type { RestClient } from "../../client/rest_client.ts";
import type { ConformanceOptions, ConformanceResult } from "./conformance_options.ts";
import { runConformanceCases } from "./conformance.ts";

const BrokenClusterIssuer = issuerType({
  group: "broken.certkit.dev",
  version: "v1",
  kind: "BrokenClusterIssuer",
  plural: "brokenclusterissuers",
  namespaced: false,
});

const BrokenIssuer = issuerType({
  group: "broken.certkit.dev",
  version: "v1",
  kind: "BrokenIssuer",
  plural: "brokenissuers",
  namespaced: true,
});

function issuersOf(type: typeof BrokenIssuer): ResourceDescriptor<KubeObject> {
  const { group, version, plural, kind, namespaced } = type;
  return { group, version, plural, kind, namespaced };
}

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

/** Makes a BrokenClusterIssuer, or a BrokenIssuer when the kit asks for a namespaced one. */
async function createBrokenIssuer(
  client: RestClient,
  name: string,
  namespace: string | undefined,
) {
  const type = namespace === undefined ? BrokenClusterIssuer : BrokenIssuer;
  await new ResourceClient(client, issuersOf(type)).create({
    apiVersion: type.apiVersion,
    kind: type.kind,
    metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
  });
  return { ref: { group: type.group, kind: type.kind, name, ...(namespace ? { namespace } : {}) } };
}

function brokenOptions(overrides: Partial<ConformanceOptions>): ConformanceOptions {
  return {
    issuerTypes: [BrokenIssuer, BrokenClusterIssuer],
    fieldManager: "broken.certkit.dev",
    check: () => Promise.resolve(),
    sign: signWith(() => {}),
    createIssuer: ({ client, name, namespace, scope }) =>
      createBrokenIssuer(client, name, scope === "namespaced" ? namespace : undefined),
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
  assert.equal(results.length, 42);
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
    unsupported: ["ed25519", "kubernetesCsr", "namespacedKubernetesCsr"],
  }));
  const ed = resultOf(results, "CertificateRequest: Ed25519 key");
  assert.equal(ed.status, "skip");
  assert.match(ed.name, /\(skipped: the issuer declares it does not support ed25519\)$/);
  const denied = resultOf(results, "Approval: a denied CertificateSigningRequest");
  assert.equal(denied.status, "skip");
  assert.equal(denied.message, "the issuer declares it does not support kubernetesCsr");
  const namespaced = resultOf(
    results,
    "CertificateSigningRequest (namespaced issuer): a requester without",
  );
  assert.equal(
    namespaced.message,
    "the issuer declares it does not support namespacedKubernetesCsr",
  );
  const skipped = results.filter((r) => r.status === "skip").map((r) => r.name);
  assert.equal(skipped.length, 12);
  assert.deepEqual(results.filter((r) => r.status === "fail"), []);
});

Deno.test("CSR cases for a scope the issuer types lack are skipped, saying so", async () => {
  const results = await runConformanceCases(brokenOptions({
    issuerTypes: [BrokenClusterIssuer],
    createIssuer: ({ client, name }) => createBrokenIssuer(client, name, undefined),
  }));
  const namespaced = results.filter((r) => r.name.includes("(namespaced issuer)"));
  assert.equal(namespaced.length, 3);
  for (const r of namespaced) {
    assert.equal(r.status, "skip");
    assert.equal(r.message, "the issuerTypes have no namespaced kind");
    assert.match(r.name, /\(skipped: the issuerTypes have no namespaced kind\)$/);
  }
  assert.deepEqual(results.filter((r) => r.status === "fail"), []);
});

Deno.test("a createIssuer that ignores the scope fails the CSR cases, saying what it returned", async () => {
  const results = await runConformanceCases(brokenOptions({
    createIssuer: ({ client, name, namespace }) => createBrokenIssuer(client, name, namespace),
  }));
  assert.equal(resultOf(results, "CertificateRequest: RSA 2048 key").status, "pass");
  for (
    const prefix of [
      "CertificateSigningRequest: approved",
      "Approval: an unapproved CertificateSigningRequest",
    ]
  ) {
    assert.equal(
      resultOf(results, prefix).message,
      "createIssuer was asked for a cluster-scoped issuer but returned BrokenIssuer",
    );
  }
  assert.equal(
    resultOf(results, "CertificateSigningRequest (namespaced issuer): a requester allowed").status,
    "pass",
  );
});

Deno.test("a sign that cannot sign CSRs for namespaced issuers fails the namespaced CSR case", async () => {
  const sign = signWith(() => {});
  const results = await runConformanceCases(brokenOptions({
    sign: (request, issuer, ctx) =>
      issuer.metadata.namespace && request.kind === "CertificateSigningRequest"
        ? Promise.reject(new PermanentError("namespaced issuers only sign CertificateRequests"))
        : sign(request, issuer, ctx),
    timeoutMs: 2_000,
  }));
  const allowed = resultOf(
    results,
    "CertificateSigningRequest (namespaced issuer): a requester allowed",
  );
  assert.equal(allowed.status, "fail");
  assert.match(
    allowed.message ?? "",
    /^the CertificateSigningRequest conformance-csr-\d+ failed: Failed: CertificateSigningRequest has failed permanently: namespaced issuers only sign CertificateRequests$/,
  );
  // The library refuses the unreferenced requester before sign is called.
  assert.equal(
    resultOf(results, "CertificateSigningRequest (namespaced issuer): a requester without").status,
    "pass",
  );
});

/**
 * A rogue issuer: besides signing its own request, it fails every other request it can
 * see through the library's client, approved or not, its signer or not.
 */
function rogueSign(): SignFunction {
  const sign = signWith(() => {});
  return async (request, issuer, ctx) => {
    const own = request.metadata.name;
    const csrs = await ctx.client.performRequest({
      method: "GET",
      path: "/apis/certificates.k8s.io/v1/certificatesigningrequests",
      expectJson: true,
    }) as unknown as { items: KubeObject[] };
    for (const csr of csrs.items) {
      const status = (csr as { status?: { certificate?: string; conditions?: unknown[] } }).status;
      if (csr.metadata.name === own || status?.certificate) continue;
      await ctx.client.performRequest({
        method: "PATCH",
        path: `/apis/certificates.k8s.io/v1/certificatesigningrequests/${csr.metadata.name}/status`,
        contentType: "application/merge-patch+json",
        bodyJson: {
          status: {
            conditions: [...(status?.conditions ?? []) as never[], {
              type: "Failed",
              status: "True",
              reason: "Rogue",
              message: "failed by a rogue issuer",
            }],
          },
        },
        expectJson: true,
      }).catch(() => {});
    }
    const crs = await ctx.client.performRequest({
      method: "GET",
      path: "/apis/cert-manager.io/v1/certificaterequests",
      expectJson: true,
    }) as unknown as { items: KubeObject[] };
    for (const cr of crs.items) {
      const conditions = (cr as { status?: { conditions?: { type: string; status: string }[] } })
        .status?.conditions ?? [];
      if (cr.metadata.name === own || conditions.some((c) => c.type === "Ready")) continue;
      await ctx.client.performRequest({
        method: "PATCH",
        path:
          `/apis/cert-manager.io/v1/namespaces/${cr.metadata.namespace}/certificaterequests/${cr.metadata.name}/status`,
        contentType: "application/merge-patch+json",
        bodyJson: {
          status: {
            conditions: [...conditions as never[], {
              type: "Ready",
              status: "False",
              reason: "Failed",
              message: "failed by a rogue issuer",
            }],
          },
        },
        expectJson: true,
      }).catch(() => {});
    }
    return await sign(request, issuer, ctx);
  };
}

Deno.test("a rogue issuer that writes to requests it was not given fails the approval cases", async () => {
  const results = await runConformanceCases(brokenOptions({ sign: rogueSign() }));
  assert.match(
    resultOf(results, "Approval: an unapproved CertificateRequest").message ?? "",
    /^the unapproved CertificateRequest cr-\d+ was written to by the issuer \(\d+ status writes\)$/,
  );
  for (const label of ["a foreign group", "a foreign kind", "an empty group"]) {
    assert.match(
      resultOf(results, `Approval: an approved CertificateRequest for ${label}`).message ?? "",
      new RegExp(`^the CertificateRequest cr-\\d+ for ${label} was written to by the issuer`),
    );
  }
  assert.match(
    resultOf(results, "Approval: an unapproved CertificateSigningRequest").message ?? "",
    /^the unapproved CertificateSigningRequest conformance-csr-\d+ was marked Failed \(Rogue: failed by a rogue issuer\)$/,
  );
  assert.match(
    resultOf(results, "Approval: a denied CertificateSigningRequest").message ?? "",
    /^the denied CertificateSigningRequest conformance-csr-\d+ was marked Failed \(Rogue: failed by a rogue issuer\)$/,
  );
  assert.match(
    resultOf(results, "Approval: an approved CertificateSigningRequest for a foreign signer group")
      .message ?? "",
    /^the foreign-group CertificateSigningRequest conformance-csr-\d+ was marked Failed \(Rogue/,
  );
  assert.match(
    resultOf(results, "CertificateSigningRequest (namespaced issuer): an unapproved").message ?? "",
    /^the unapproved CertificateSigningRequest conformance-csr-\d+ was marked Failed \(Rogue/,
  );
});
