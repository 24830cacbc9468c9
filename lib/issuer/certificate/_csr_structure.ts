/**
 * The synchronous half of CSR parsing: the PEM step (with cert-manager's messages) and
 * taking the DER apart. Signature verification lives in `csr.ts`.
 *
 * @module
 */
import {
  readRequestedExtensions,
  readSubjectAltNames,
  type RequestedExtensions,
  type SubjectAltNames,
} from "./_csr_extensions.ts";
import { type Bytes, children, DerError, encoding, expectTag, readSingle, Tag } from "./_der.ts";
import { decodePem } from "./_pem.ts";
import { InvalidCsrError } from "./errors.ts";

/**
 * The largest PEM input {@linkcode parseCsr} accepts, in bytes (cert-manager's limit).
 *
 * @example Rejecting an oversized request
 * ```ts
 * import { MAX_CSR_PEM_BYTES, parseCsr } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * await assert.rejects(() => parseCsr("x".repeat(MAX_CSR_PEM_BYTES + 1)), {
 *   name: "InvalidCsrError",
 *   reason: "TooLarge",
 * });
 * ```
 */
export const MAX_CSR_PEM_BYTES = 36_500;

const PEM_TYPES = new Set(["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"]);

/** The parts of a CSR, not yet verified. */
export interface CsrStructure extends SubjectAltNames {
  /** The whole request, DER. */
  der: Uint8Array<ArrayBuffer>;
  /** The subject's DER, exactly as in the request. */
  subjectDer: Uint8Array<ArrayBuffer>;
  /** The SubjectPublicKeyInfo's DER, exactly as in the request. */
  spki: Uint8Array<ArrayBuffer>;
  /** The requested extensions. */
  requestedExtensions: RequestedExtensions;
}

/**
 * Takes the DER out of the first PEM block of a CSR.
 *
 * @throws {InvalidCsrError} `TooLarge`, `NotPem` or `WrongPemType`.
 */
export function decodeCsrPem(pem: string | Uint8Array): Bytes {
  const size = typeof pem === "string" ? new TextEncoder().encode(pem).length : pem.length;
  if (size > MAX_CSR_PEM_BYTES) {
    throw new InvalidCsrError(
      "TooLarge",
      `error decoding certificate request PEM block: provided PEM data was larger than the maximum ${MAX_CSR_PEM_BYTES}B`,
    );
  }
  const block = decodePem(typeof pem === "string" ? pem : new TextDecoder().decode(pem))[0];
  if (!block) {
    throw new InvalidCsrError(
      "NotPem",
      "error decoding certificate request PEM block: no PEM data was found in given input",
    );
  }
  if (!PEM_TYPES.has(block.type)) {
    throw new InvalidCsrError(
      "WrongPemType",
      `error decoding certificate request PEM block: the PEM block is a ${
        JSON.stringify(block.type)
      }, not a "CERTIFICATE REQUEST"`,
    );
  }
  return block.der;
}

/**
 * Takes a DER PKCS#10 request apart.
 *
 * @throws {InvalidCsrError} `Malformed`, naming what is wrong.
 */
export function readCsrStructure(der: Uint8Array): CsrStructure {
  try {
    const outer = expectTag(readSingle(der), Tag.sequence, "a CertificationRequest");
    const [info, signatureAlgorithm, signature, extra] = children(der, outer);
    if (extra) throw new DerError("unexpected element after the signature");
    expectTag(signatureAlgorithm, Tag.sequence, "a signature algorithm");
    expectTag(signature, Tag.bitString, "a signature");
    const [version, subject, spki, attributes] = children(
      der,
      expectTag(info, Tag.sequence, "a CertificationRequestInfo"),
    );
    expectTag(version, Tag.integer, "a version");
    const subjectTlv = expectTag(subject, Tag.sequence, "a subject name");
    const spkiTlv = expectTag(spki, Tag.sequence, "a subject public key info");
    const requestedExtensions = attributes
      ? readRequestedExtensions(der, expectTag(attributes, 0xa0, "attributes"))
      : {};
    const sans: SubjectAltNames = requestedExtensions.subjectAltName
      ? readSubjectAltNames(requestedExtensions.subjectAltName.value)
      : { dnsNames: [], ipAddresses: [], uris: [], emailAddresses: [] };
    return {
      der: der.slice(),
      subjectDer: encoding(der, subjectTlv).slice(),
      spki: encoding(der, spkiTlv).slice(),
      ...sans,
      requestedExtensions,
    };
  } catch (error) {
    throw new InvalidCsrError(
      "Malformed",
      `error parsing certificate request: the data is not a valid PKCS#10 certificate signing request: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
}
