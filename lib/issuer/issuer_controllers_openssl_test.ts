// Issuing through the controllers for RSA, ECDSA and Ed25519 requests made by `openssl`,
// signed with `signCertificate` and verified with `openssl verify`.
import { strict as assert } from "node:assert";
import type { JsonObject } from "../core/json.ts";
import { certificateTemplate } from "./certificate/certificate_template.ts";
import { generateCa } from "./certificate/generate_ca.ts";
import { signCertificate } from "./certificate/sign_with_ca.ts";
import {
  epochSeconds,
  openssl,
  opensslCsr,
  type OpensslKeyType,
  tempDir,
} from "./certificate/_test_openssl.ts";
import { conditionOf, testClusterIssuer, TestEnv, testIssuer } from "./_test_helpers.ts";

function decodeCertificate(object: JsonObject): string {
  const b64 = (object.status as { certificate?: string }).certificate ?? "";
  return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
}

Deno.test("certificates issued for openssl RSA, ECDSA and Ed25519 requests pass openssl verify", async () => {
  await using dir = await tempDir();
  const start = Date.UTC(2024, 0, 1);
  const ca = await generateCa({ commonName: "Integration CA", now: start });
  await using env = await TestEnv.start({
    controllers: {
      sign: async (request, _issuer, ctx) =>
        await signCertificate(
          await certificateTemplate(request.certificateDetails(), ctx.clock.now()),
          {
            caCertPem: ca.certPem,
            caKeyPem: ca.keyPem,
          },
        ),
    },
  });
  await env.createIssuer(testIssuer, "ns1", "issuer-1");
  await env.createIssuer(testClusterIssuer, "", "issuer-1");
  await env.waitForIssuer(
    testIssuer,
    "ns1",
    "issuer-1",
    (i) => conditionOf(i, "Ready")?.status === "True",
  );
  await env.waitForIssuer(
    testClusterIssuer,
    "",
    "issuer-1",
    (i) => conditionOf(i, "Ready")?.status === "True",
  );
  const caPath = dir.file("ca.pem");
  await Deno.writeTextFile(caPath, ca.certPem);
  const keyTypes: OpensslKeyType[] = ["rsa:2048", "P-256", "P-384", "ed25519"];

  for (const keyType of keyTypes) {
    const name = `cr-${keyType.replace(/[^a-z0-9]/gi, "").toLowerCase()}`;
    const { csrPem } = await opensslCsr(dir, keyType, {
      subject: `/CN=${name}`,
      extensions: [`subjectAltName=DNS:${name}.example`],
    });
    await env.createCertificateRequest("ns1", name, {
      group: testIssuer.group,
      kind: testIssuer.kind,
      name: "issuer-1",
    }, { csrPem });
    await env.approve("ns1", name);
    const issued = await env.waitForRequest(
      "ns1",
      name,
      (cr) => conditionOf(cr, "Ready")?.status === "True",
    );
    const leafPath = dir.file(`${name}.pem`);
    await Deno.writeTextFile(leafPath, decodeCertificate(issued));
    const out = await openssl([
      "verify",
      "-attime",
      epochSeconds(start + 60_000),
      "-CAfile",
      caPath,
      leafPath,
    ]);
    assert.equal(out.trim(), `${leafPath}: OK`, keyType);
    const text = await openssl(["x509", "-in", leafPath, "-noout", "-text"]);
    assert.match(text, new RegExp(`DNS:${name}\\.example`));
  }

  // And a Kubernetes CSR (RSA) for the cluster issuer.
  const { csrPem } = await opensslCsr(dir, "rsa:2048", { subject: "/CN=kube-csr" });
  await env.createCsr("csr-rsa", "testclusterissuers.testing.cert-manager.io/issuer-1", {
    csrPem,
    usages: ["digital signature", "key encipherment", "client auth"],
  });
  await env.approveCsr("csr-rsa");
  const signed = await env.waitForCsr(
    "csr-rsa",
    (csr) => (csr?.status as { certificate?: string } | undefined)?.certificate !== undefined,
  );
  const leafPath = dir.file("csr-rsa.pem");
  await Deno.writeTextFile(leafPath, decodeCertificate(signed));
  const out = await openssl([
    "verify",
    "-attime",
    epochSeconds(start + 60_000),
    "-purpose",
    "sslclient",
    "-CAfile",
    caPath,
    leafPath,
  ]);
  assert.equal(out.trim(), `${leafPath}: OK`);
});
