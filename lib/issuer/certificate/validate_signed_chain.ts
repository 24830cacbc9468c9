/**
 * Checking what a signer returned before it is written to the request (the spec's
 * deliberate difference 8): an empty chain or a certificate for another key must never
 * mark a request as issued.
 *
 * @module
 */
import { decodeCsrPem, readCsrStructure } from "./_csr_structure.ts";
import { samePublicKey } from "./_keys.ts";
import { decodePem } from "./_pem.ts";
import { x509 } from "./_x509.ts";
import { InvalidSignedChainError } from "./errors.ts";

/**
 * Checks a signed chain against the request it answers: it must hold at least one PEM
 * block, every block must be an X.509 `CERTIFICATE`, and the first (the leaf) must certify
 * the CSR's public key.
 *
 * @param chainPem The chain the signer returned, leaf first.
 * @param csrPem The request's CSR, PEM (text or bytes).
 * @throws {InvalidSignedChainError} `Empty`, `Malformed` or `KeyMismatch`, with a message
 *   an operator can act on.
 * @throws {InvalidCsrError} When the CSR itself cannot be read.
 *
 * @example Rejecting a certificate issued for another key
 * ```ts
 * import { generateCa, generateCsr, validateSignedChain } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const ca = await generateCa({ commonName: "Example CA", now: Date.UTC(2030, 0, 1) });
 * const { csrPem } = await generateCsr({ subject: "CN=web" });
 * assert.throws(() => validateSignedChain(ca.certPem, csrPem), {
 *   name: "InvalidSignedChainError",
 *   reason: "KeyMismatch",
 * });
 * ```
 */
export function validateSignedChain(chainPem: string, csrPem: string | Uint8Array): void {
  const blocks = decodePem(chainPem);
  if (blocks.length === 0) {
    throw new InvalidSignedChainError(
      "Empty",
      "the signer returned an empty certificate chain: it must hold at least one PEM CERTIFICATE block, the issued certificate first",
    );
  }
  const certificates = blocks.map((block, index) => {
    if (block.type !== "CERTIFICATE") {
      throw new InvalidSignedChainError(
        "Malformed",
        `the signer returned a certificate chain whose PEM block ${index + 1} is a ${
          JSON.stringify(block.type)
        }, not a "CERTIFICATE"`,
      );
    }
    try {
      return new x509.X509Certificate(block.der);
    } catch (error) {
      throw new InvalidSignedChainError(
        "Malformed",
        `the signer returned a certificate chain whose PEM block ${
          index + 1
        } is not an X.509 certificate: ${error instanceof Error ? error.message : error}`,
        { cause: error },
      );
    }
  });
  const leaf = certificates[0] as x509.X509Certificate;
  const csr = readCsrStructure(decodeCsrPem(csrPem));
  if (!samePublicKey(new Uint8Array(leaf.publicKey.rawData), csr.spki)) {
    throw new InvalidSignedChainError(
      "KeyMismatch",
      `the signer returned a certificate (subject ${
        JSON.stringify(leaf.subject)
      }, serial ${leaf.serialNumber}) whose public key is not the public key of the certificate request`,
    );
  }
}
