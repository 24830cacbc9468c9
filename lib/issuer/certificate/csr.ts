/**
 * Parsing PKCS#10 certificate signing requests: decode the PEM, take the DER apart,
 * check the key algorithm, verify the self-signature, and read the subject, the subject
 * alternative names and the requested extensions.
 *
 * @module
 */
import type { RequestedExtensions, SubjectAltNames } from "./_csr_extensions.ts";
import { decodeCsrPem, MAX_CSR_PEM_BYTES, readCsrStructure } from "./_csr_structure.ts";
import { children, contents, expectTag, readOid, readSingle, Tag } from "./_der.ts";
import { x509 } from "./_x509.ts";
import { InvalidCsrError } from "./errors.ts";

export type { RawExtension, RequestedExtensions, SubjectAltNames } from "./_csr_extensions.ts";

export { MAX_CSR_PEM_BYTES };

/** The public key of a CSR; only these algorithms are accepted. */
export type CsrPublicKey =
  | { algorithm: "RSA"; modulusLength: number; spki: Uint8Array<ArrayBuffer> }
  | { algorithm: "ECDSA"; namedCurve: "P-256" | "P-384" | "P-521"; spki: Uint8Array<ArrayBuffer> }
  | { algorithm: "Ed25519"; spki: Uint8Array<ArrayBuffer> };

/** A parsed certificate signing request whose self-signature verified. */
export interface ParsedCsr extends SubjectAltNames {
  /** The whole request, DER. */
  der: Uint8Array<ArrayBuffer>;
  /** The subject in RFC 4514-like text, such as `CN=example.com, O=Acme`. */
  subject: string;
  /** The subject's DER encoding exactly as in the request. */
  subjectDer: Uint8Array<ArrayBuffer>;
  /** The public key; `spki` is its SubjectPublicKeyInfo exactly as in the request. */
  publicKey: CsrPublicKey;
  /** The extensions the request asks for. */
  requestedExtensions: RequestedExtensions;
}

const OID_RSA = "1.2.840.113549.1.1.1";
const OID_EC = "1.2.840.10045.2.1";
const OID_ED25519 = "1.3.101.112";
const CURVES: Record<string, "P-256" | "P-384" | "P-521"> = {
  "1.2.840.10045.3.1.7": "P-256",
  "1.3.132.0.34": "P-384",
  "1.3.132.0.35": "P-521",
};
const KNOWN_NAMES: Record<string, string> = {
  "1.2.840.113549.1.1.10": "RSASSA-PSS",
  "1.2.840.10040.4.1": "DSA",
  "1.3.101.110": "X25519",
  "1.3.101.111": "X448",
  "1.3.101.113": "Ed448",
  "1.3.132.0.10": "secp256k1",
  "1.3.132.0.33": "P-224",
  "1.2.840.10045.3.1.1": "P-192",
};
const SUPPORTED = "supported are RSA, ECDSA on P-256, P-384 or P-521, and Ed25519";

/**
 * Parses a PEM-encoded PKCS#10 certificate signing request and verifies its
 * self-signature. Only the first PEM block is used; it must be a `CERTIFICATE REQUEST`
 * (or the legacy `NEW CERTIFICATE REQUEST`).
 *
 * @param pem The PEM text or its bytes (such as a base64-decoded `spec.request`).
 * @returns The request's subject, SANs, public key and requested extensions.
 * @throws {InvalidCsrError} When the input is larger than {@linkcode MAX_CSR_PEM_BYTES},
 *   holds no PEM block, holds another kind of block, is not a CSR, uses an unsupported key
 *   or signature algorithm, or its signature does not verify.
 *
 * @example Reading a request's names and key
 * ```ts
 * import { generateCsr, parseCsr } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const { csrPem } = await generateCsr({
 *   subject: "CN=web",
 *   dnsNames: ["web.example"],
 *   ipAddresses: ["192.0.2.1"],
 *   keyAlgorithm: "ECDSA-P384",
 * });
 * const csr = await parseCsr(csrPem);
 * assert.equal(csr.subject, "CN=web");
 * assert.deepEqual(csr.dnsNames, ["web.example"]);
 * assert.deepEqual(csr.ipAddresses, ["192.0.2.1"]);
 * assert.equal(csr.publicKey.algorithm, "ECDSA");
 *
 * await assert.rejects(() => parseCsr("not a request"), {
 *   name: "InvalidCsrError",
 *   message: "error decoding certificate request PEM block: no PEM data was found in given input",
 * });
 * ```
 */
export async function parseCsr(pem: string | Uint8Array): Promise<ParsedCsr> {
  return await parseCsrDer(decodeCsrPem(pem));
}

/**
 * Parses a DER-encoded PKCS#10 certificate signing request and verifies its
 * self-signature; {@linkcode parseCsr} without the PEM step.
 *
 * @param der The DER bytes.
 * @returns The request's subject, SANs, public key and requested extensions.
 * @throws {InvalidCsrError} When the bytes are not a CSR, use an unsupported key or
 *   signature algorithm, or the signature does not verify.
 *
 * @example Rejecting bytes that are not a request
 * ```ts
 * import { parseCsrDer } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * await assert.rejects(() => parseCsrDer(new Uint8Array([0x30, 0x00])), {
 *   name: "InvalidCsrError",
 * });
 * ```
 */
export async function parseCsrDer(der: Uint8Array): Promise<ParsedCsr> {
  const parsed = readCsrStructure(der);
  let publicKey: CsrPublicKey;
  try {
    publicKey = readPublicKey(parsed.spki);
  } catch (error) {
    if (error instanceof InvalidCsrError) throw error;
    throw new InvalidCsrError(
      "Malformed",
      `error parsing certificate request: the public key is malformed: ${
        error instanceof Error ? error.message : error
      }`,
      { cause: error },
    );
  }
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(parsed.der);
  } catch (error) {
    throw new InvalidCsrError(
      "Malformed",
      `error parsing certificate request: ${error instanceof Error ? error.message : error}`,
      { cause: error },
    );
  }
  let verified: boolean;
  try {
    verified = await request.verify();
  } catch (error) {
    throw new InvalidCsrError(
      "UnsupportedSignatureAlgorithm",
      `error verifying certificate request signature: cannot verify a signature of algorithm ${
        describeAlgorithm(request)
      }: ${error instanceof Error ? error.message : error}`,
      { cause: error },
    );
  }
  if (!verified) {
    throw new InvalidCsrError(
      "BadSignature",
      `error verifying certificate request signature: the ${
        describeAlgorithm(request)
      } signature does not verify with the request's own ${
        describeKey(publicKey)
      } public key; the request was altered or not signed by its key`,
    );
  }
  const { spki: _, ...rest } = parsed;
  return { ...rest, subject: subjectText(request, parsed.subjectDer), publicKey };
}

/** The subject as text; hexadecimal (`#30…`, as RFC 4514 allows) if it cannot be printed. */
function subjectText(request: x509.Pkcs10CertificateRequest, der: Uint8Array): string {
  try {
    return request.subject;
  } catch {
    return `#${[...der].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
  }
}

function readPublicKey(spki: Uint8Array<ArrayBuffer>): CsrPublicKey {
  const [algorithm, key] = children(spki, readSingle(spki));
  const [oidTlv, params] = children(spki, expectTag(algorithm, Tag.sequence, "algorithm"));
  const oid = readOid(spki, expectTag(oidTlv, Tag.oid, "an algorithm id"));
  const keyBits = contents(spki, expectTag(key, Tag.bitString, "a public key"));
  if (oid === OID_RSA) return { algorithm: "RSA", modulusLength: rsaModulusLength(keyBits), spki };
  if (oid === OID_ED25519) return { algorithm: "Ed25519", spki };
  if (oid === OID_EC) {
    const curveOid = params?.tag === Tag.oid ? readOid(spki, params) : "(no named curve)";
    const namedCurve = CURVES[curveOid];
    if (namedCurve) return { algorithm: "ECDSA", namedCurve, spki };
    throw unsupported(`ECDSA on the elliptic curve ${nameOf(curveOid)}`);
  }
  throw unsupported(nameOf(oid));
}

function rsaModulusLength(keyBits: Uint8Array): number {
  try {
    const body = keyBits.subarray(1);
    const [modulus] = children(body, readSingle(body));
    let bytes = contents(body, expectTag(modulus, Tag.integer, "an RSA modulus"));
    while (bytes.length > 0 && bytes[0] === 0) bytes = bytes.subarray(1);
    return bytes.length === 0 ? 0 : (bytes.length - 1) * 8 + (bytes[0] ?? 0).toString(2).length;
  } catch (error) {
    throw new InvalidCsrError(
      "Malformed",
      `error parsing certificate request: the RSA public key is malformed (${
        error instanceof Error ? error.message : error
      })`,
      { cause: error },
    );
  }
}

function unsupported(what: string): InvalidCsrError {
  return new InvalidCsrError(
    "UnsupportedKeyAlgorithm",
    `error parsing certificate request: unsupported public key algorithm ${what}; ${SUPPORTED}`,
  );
}

function nameOf(oid: string): string {
  const name = KNOWN_NAMES[oid];
  return name ? `${name} (${oid})` : oid;
}

function describeKey(key: CsrPublicKey): string {
  switch (key.algorithm) {
    case "RSA":
      return `RSA ${key.modulusLength}-bit`;
    case "ECDSA":
      return `ECDSA ${key.namedCurve}`;
    case "Ed25519":
      return "Ed25519";
  }
}

const SIGNATURE_NAMES: Record<string, string> = {
  "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
  "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
  "1.2.840.10040.4.3": "dsaWithSHA1",
  "2.16.840.1.101.3.4.3.2": "dsaWithSHA256",
};

function describeAlgorithm(request: x509.Pkcs10CertificateRequest): string {
  try {
    const { name, hash } = request.signatureAlgorithm;
    if (hash) return `${name} with ${hash.name}`;
    return SIGNATURE_NAMES[name] ? `${SIGNATURE_NAMES[name]} (${name})` : name;
  } catch {
    return "(unknown)";
  }
}
