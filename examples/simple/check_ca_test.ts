import { strict as assert } from "node:assert";
import {
  certificateDetailsFromCertificateSigningRequest,
  certificateTemplate,
  generateCa,
  generateCsr,
  InvalidCaError,
  signCertificate,
} from "@certkit/issuer-lib";
import { CaNotYetValidError, checkCa } from "./check_ca.ts";

const NOW = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;

/** An intermediate CA signed by a root: the chain (intermediate, root) and its key. */
async function intermediate() {
  const root = await generateCa({ commonName: "Root", now: NOW - DAY });
  const { csrPem, keyPem } = await generateCsr({ subject: "CN=Intermediate" });
  const details = certificateDetailsFromCertificateSigningRequest({
    metadata: { annotations: { "experimental.cert-manager.io/request-is-ca": "true" } },
    spec: { request: btoa(csrPem), usages: ["cert sign", "crl sign"] },
  });
  const { chainPem } = await signCertificate(await certificateTemplate(details, NOW - DAY), {
    caCertPem: root.certPem,
    caKeyPem: root.keyPem,
  });
  return { chainPem, rootPem: root.certPem, keyPem };
}

Deno.test("checkCa: an intermediate CA followed by its root passes", async () => {
  const { chainPem, rootPem, keyPem } = await intermediate();
  await checkCa({ caCertPem: chainPem + rootPem, caKeyPem: keyPem }, NOW);
});

Deno.test("checkCa: a bundle whose certificates are out of order cannot sign", async () => {
  const { chainPem, rootPem, keyPem } = await intermediate();
  await assert.rejects(
    checkCa({ caCertPem: rootPem + chainPem, caKeyPem: keyPem }, NOW),
    InvalidCaError,
  );
});

Deno.test("checkCa: the validity period is that of the issuing certificate", async () => {
  const { chainPem, keyPem } = await intermediate();
  const ca = { caCertPem: chainPem, caKeyPem: keyPem };
  await assert.rejects(checkCa(ca, NOW - 2 * DAY), CaNotYetValidError);
  await checkCa(ca, NOW + 89 * DAY);
  await assert.rejects(checkCa(ca, NOW + 90 * DAY), /expired at 2030-03-31T00:00:00Z$/);
});

/** Runs `openssl` with `stdin`, returning its output. */
async function openssl(args: string[], stdin: string): Promise<string> {
  const child = new Deno.Command("openssl", {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, `openssl ${args.join(" ")}: ${new TextDecoder().decode(stderr)}${out}`);
  return out;
}

// cert-manager writes CA keys as PKCS#1 (RSA) and SEC1 (ECDSA) unless a Certificate asks
// for `privateKey.encoding: PKCS8`; the CA check takes each, and still matches the key.
for (
  const [keyAlgorithm, convert, label] of [
    ["RSA-2048", ["rsa", "-traditional"], "RSA PRIVATE KEY"],
    ["ECDSA-P256", ["ec"], "EC PRIVATE KEY"],
    ["ECDSA-P384", ["ec", "-no_public"], "EC PRIVATE KEY"],
    ["ECDSA-P521", ["ec"], "EC PRIVATE KEY"],
  ] as const
) {
  Deno.test(`checkCa: a ${keyAlgorithm} CA with its key as ${label} passes, another key does not`, async () => {
    const ca = await generateCa({ commonName: "Traditional CA", now: NOW, keyAlgorithm });
    const keyPem = await openssl([...convert], ca.keyPem);
    assert.match(keyPem, new RegExp(`^-----BEGIN ${label}-----\n`));
    await checkCa({ caCertPem: ca.certPem, caKeyPem: keyPem }, NOW);

    const other = await generateCa({ commonName: "Other CA", now: NOW, keyAlgorithm });
    await assert.rejects(
      checkCa({ caCertPem: ca.certPem, caKeyPem: await openssl([...convert], other.keyPem) }, NOW),
      (error: unknown) => {
        assert.ok(error instanceof InvalidCaError);
        assert.equal(
          error.message,
          'the CA private key does not belong to the CA certificate "CN=Traditional CA"',
        );
        return true;
      },
    );
  });
}

Deno.test("checkCa: an encrypted CA key is refused, saying so", async () => {
  const ca = await generateCa({ commonName: "CA", now: NOW, keyAlgorithm: "ECDSA-P256" });
  const encrypted = await openssl(["ec", "-aes128", "-passout", "pass:secret"], ca.keyPem);
  await assert.rejects(
    checkCa({ caCertPem: ca.certPem, caKeyPem: encrypted }, NOW),
    (error: unknown) => {
      assert.ok(error instanceof InvalidCaError);
      assert.equal(
        error.message,
        'the CA private key is encrypted (a "EC PRIVATE KEY" PEM block with Proc-Type: 4,ENCRYPTED); encrypted keys are not supported: store the key unencrypted, as cert-manager does',
      );
      return true;
    },
  );
});
