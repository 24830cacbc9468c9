import { strict as assert } from "node:assert";
import { encodePem } from "./_pem.ts";
import { opensslCsr, tempDir } from "./_test_openssl.ts";
import { certificateDetailsFromCertificateSigningRequest } from "./certificate_details.ts";
import { certificateTemplate } from "./certificate_template.ts";
import {
  InvalidCsrError,
  InvalidSignedChainError,
  type InvalidSignedChainReason,
} from "./errors.ts";
import { generateCa } from "./generate_ca.ts";
import { generateCsr } from "./generate_csr.ts";
import { signCertificate } from "./sign_with_ca.ts";
import { validateSignedChain } from "./validate_signed_chain.ts";

const NOW = Date.UTC(2030, 0, 1);

function rejects(
  chainPem: string,
  csrPem: string,
  reason: InvalidSignedChainReason,
  message: RegExp,
) {
  assert.throws(() => validateSignedChain(chainPem, csrPem), (error: unknown) => {
    assert.ok(error instanceof InvalidSignedChainError, String(error));
    assert.equal(error.reason, reason);
    assert.match(error.message, message);
    return true;
  });
}

async function signed(csrPem: string, caOptions = {}) {
  const ca = await generateCa({ commonName: "CA", now: NOW, ...caOptions });
  const details = certificateDetailsFromCertificateSigningRequest({
    spec: { request: btoa(csrPem) },
  });
  return {
    ca,
    ...(await signCertificate(await certificateTemplate(details, NOW), {
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
    })),
  };
}

Deno.test("validateSignedChain() accepts a chain whose leaf certifies the CSR's key", async () => {
  await using dir = await tempDir();
  for (const keyType of ["rsa:2048", "P-521", "ed25519"] as const) {
    const { csrPem } = await opensslCsr(dir, keyType);
    const { chainPem, ca } = await signed(csrPem);
    validateSignedChain(chainPem, csrPem);
    validateSignedChain(chainPem + ca.certPem, new TextEncoder().encode(csrPem));
  }
});

Deno.test("validateSignedChain() rejects an empty chain", async () => {
  const { csrPem } = await generateCsr({ subject: "CN=web" });
  for (const chain of ["", "   \n", "no certificates here"]) {
    rejects(
      chain,
      csrPem,
      "Empty",
      /^the signer returned an empty certificate chain: it must hold at least one PEM CERTIFICATE block, the issued certificate first$/,
    );
  }
});

Deno.test("validateSignedChain() rejects a leaf whose public key is not the CSR's", async () => {
  const { csrPem } = await generateCsr({ subject: "CN=web", keyAlgorithm: "Ed25519" });
  const { csrPem: otherCsr } = await generateCsr({ subject: "CN=web", keyAlgorithm: "Ed25519" });
  const { chainPem, ca } = await signed(otherCsr);
  rejects(
    chainPem,
    csrPem,
    "KeyMismatch",
    /^the signer returned a certificate \(subject "CN=web", serial [0-9a-f]+\) whose public key is not the public key of the certificate request$/,
  );
  rejects(ca.certPem + chainPem, otherCsr, "KeyMismatch", /subject "CN=CA"/);
});

Deno.test("validateSignedChain() rejects blocks that are not certificates", async () => {
  const { csrPem } = await generateCsr({ subject: "CN=web" });
  const { chainPem } = await signed(csrPem);
  rejects(
    chainPem + csrPem,
    csrPem,
    "Malformed",
    /PEM block 2 is a "CERTIFICATE REQUEST", not a "CERTIFICATE"/,
  );
  rejects(
    encodePem("CERTIFICATE", new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])),
    csrPem,
    "Malformed",
    /PEM block 1 is not an X\.509 certificate/,
  );
});

Deno.test("validateSignedChain() reports a CSR it cannot read as an invalid CSR", async () => {
  const { csrPem } = await generateCsr({ subject: "CN=web" });
  const { chainPem } = await signed(csrPem);
  assert.throws(() => validateSignedChain(chainPem, "garbage"), InvalidCsrError);
});
