/**
 * Turning certificate details into an X.509 certificate template (spec §10.4): the CSR's
 * subject, names and key; validity from `now` and the duration; basic constraints and key
 * usages checked against what the CSR itself asks for.
 *
 * @module
 */
import type { RawExtension } from "./_csr_extensions.ts";
import type { CertificateDetails } from "./certificate_details.ts";
import { type CsrPublicKey, parseCsr } from "./csr.ts";
import { CsrMismatchError } from "./errors.ts";
import { extKeyUsageNames, isKnownExtKeyUsage, keyUsageNames } from "./usages.ts";

/** Everything a signer needs to issue the certificate, apart from the issuer. */
export interface CertificateTemplate {
  /**
   * A random positive serial number (127 random bits): the lower-case hexadecimal of its
   * minimal DER INTEGER contents, at most 16 octets.
   */
  serialNumber: string;
  /** The subject in RFC 4514-like text. */
  subject: string;
  /** The subject's DER encoding exactly as in the CSR. */
  subjectDer: Uint8Array<ArrayBuffer>;
  /** The CSR's public key. */
  publicKey: CsrPublicKey;
  /** DNS names from the CSR. */
  dnsNames: string[];
  /** IP addresses from the CSR. */
  ipAddresses: string[];
  /** URIs from the CSR. */
  uris: string[];
  /** E-mail addresses from the CSR. */
  emailAddresses: string[];
  /** Start of validity, milliseconds since the epoch: `now`, not back-dated. */
  notBefore: number;
  /** End of validity, milliseconds since the epoch: `now` plus the duration. */
  notAfter: number;
  /** Whether the certificate is a CA (basic constraints are always present). */
  isCA: boolean;
  /** The path-length constraint; absent means none. */
  maxPathLen?: number;
  /** The key-usage bit set (the details'); no extension is written when 0. */
  keyUsage: number;
  /** Extended-key-usage OIDs (the details'). */
  extKeyUsage: string[];
  /** Extended-key-usage OIDs Go does not know, carried over from the CSR. */
  unknownExtKeyUsage: string[];
  /** The CSR's SAN extension, verbatim; critical exactly when the subject is empty. */
  subjectAltName?: RawExtension;
  /** The CSR's name constraints extension, verbatim. */
  nameConstraints?: RawExtension;
}

/** Options of {@linkcode certificateTemplate}. */
export interface CertificateTemplateOptions {
  /** Fills a buffer with random bytes, for the serial number. Default WebCrypto's. */
  randomBytes?: (buffer: Uint8Array) => void;
}

const EMPTY_NAME_LENGTH = 2; // SEQUENCE {} is 30 00

/**
 * Builds the certificate template of a request (spec §10.4). The CSR is parsed and its
 * self-signature verified; if it asks for basic constraints, its CA flag must equal
 * `details.isCA`; if it asks for key usages or extended key usages, they must equal the
 * details' exactly (the extended ones in order). The template then takes the details'
 * values. The serial number is random (RFC 5280: positive, at most 20 octets).
 *
 * @param details The request's details.
 * @param now The issue time, milliseconds since the epoch; becomes `notBefore`.
 * @param options The source of randomness for the serial.
 * @returns The template for {@linkcode signCertificate}.
 * @throws {InvalidCsrError} When the CSR does not parse or verify.
 * @throws {CsrMismatchError} When the CSR asks for another CA flag or other usages; the
 *   message is cert-manager's (`encoded CSR error: IsCA true does not match expected value
 *   false`).
 * @throws {RangeError} When `now` or `details.duration` is not a finite number.
 *
 * @example The template of a request for a TLS server certificate
 * ```ts
 * import {
 *   certificateDetailsFromCertificateRequest,
 *   certificateTemplate,
 *   generateCsr,
 * } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const { csrPem } = await generateCsr({ subject: "CN=web", dnsNames: ["web.example"] });
 * const details = certificateDetailsFromCertificateRequest({
 *   spec: { request: btoa(csrPem), duration: "24h", usages: ["server auth"] },
 * });
 * const now = Date.UTC(2030, 0, 1);
 * const template = await certificateTemplate(details, now);
 * assert.deepEqual(template.dnsNames, ["web.example"]);
 * assert.equal(template.notAfter - template.notBefore, 24 * 60 * 60 * 1000);
 * ```
 */
export async function certificateTemplate(
  details: CertificateDetails,
  now: number,
  options: CertificateTemplateOptions = {},
): Promise<CertificateTemplate> {
  if (!Number.isFinite(now)) throw new RangeError(`now must be a finite number, got ${now}`);
  if (!Number.isFinite(details.duration)) {
    throw new RangeError(`details.duration must be a finite number, got ${details.duration}`);
  }
  const csr = await parseCsr(details.csr);
  const requested = csr.requestedExtensions;

  if (requested.basicConstraints && requested.basicConstraints.isCA !== details.isCA) {
    throw new CsrMismatchError(
      "isCA",
      `encoded CSR error: IsCA ${requested.basicConstraints.isCA} does not match expected value ${details.isCA}`,
    );
  }
  const csrExtKeyUsage = requested.extKeyUsage ?? [];
  const unknownExtKeyUsage = csrExtKeyUsage.filter((oid) => !isKnownExtKeyUsage(oid));
  if (requested.keyUsage !== undefined || requested.extKeyUsage !== undefined) {
    const csrKeyUsage = requested.keyUsage ?? 0;
    if (csrKeyUsage !== details.keyUsage) {
      throw new CsrMismatchError(
        "keyUsage",
        `encoded CSR error: the KeyUsages ${
          printList(keyUsageNames(csrKeyUsage))
        } do not match the expected KeyUsages ${printList(keyUsageNames(details.keyUsage))}`,
      );
    }
    const known = csrExtKeyUsage.filter(isKnownExtKeyUsage);
    const same = known.length === details.extKeyUsage.length &&
      known.every((oid, i) => oid === details.extKeyUsage[i]);
    if (!same) {
      throw new CsrMismatchError(
        "extKeyUsage",
        `encoded CSR error: the ExtKeyUsages ${
          printList(extKeyUsageNames(known))
        } do not match the expected ExtKeyUsages ${
          printList(extKeyUsageNames(details.extKeyUsage))
        }`,
      );
    }
  }

  const template: CertificateTemplate = {
    serialNumber: randomSerial(options.randomBytes),
    subject: csr.subject,
    subjectDer: csr.subjectDer,
    publicKey: csr.publicKey,
    dnsNames: csr.dnsNames,
    ipAddresses: csr.ipAddresses,
    uris: csr.uris,
    emailAddresses: csr.emailAddresses,
    notBefore: now,
    notAfter: now + details.duration,
    isCA: details.isCA,
    keyUsage: details.keyUsage,
    extKeyUsage: [...details.extKeyUsage],
    unknownExtKeyUsage,
  };
  if (details.maxPathLen !== undefined) template.maxPathLen = details.maxPathLen;
  if (requested.subjectAltName) {
    template.subjectAltName = {
      critical: csr.subjectDer.length === EMPTY_NAME_LENGTH,
      value: requested.subjectAltName.value,
    };
  }
  if (requested.nameConstraints) template.nameConstraints = requested.nameConstraints;
  return template;
}

/** Prints a list as cert-manager's messages do: `[ 'a', 'b' ]`, or `[]`. */
function printList(items: readonly string[]): string {
  return items.length === 0 ? "[]" : `[ ${items.map((item) => `'${item}'`).join(", ")} ]`;
}

function randomSerial(randomBytes?: (buffer: Uint8Array) => void): string {
  const bytes = new Uint8Array(16);
  if (randomBytes) randomBytes(bytes);
  else crypto.getRandomValues(bytes);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  if (bytes.every((byte) => byte === 0)) bytes[15] = 1;
  // Minimal DER INTEGER contents: drop a leading zero octet unless the next one needs it
  // to stay positive.
  let first = 0;
  while (first < bytes.length - 1 && bytes[first] === 0 && (bytes[first + 1] ?? 0) < 0x80) first++;
  return [...bytes.subarray(first)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
