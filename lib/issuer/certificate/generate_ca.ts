/**
 * Making a self-signed certificate authority, for tests and demos.
 *
 * @module
 */
import { exportPrivateKeyPem, generateSigningKey, type KeyAlgorithm } from "./_keys.ts";
import { x509 } from "./_x509.ts";

export type { KeyAlgorithm } from "./_keys.ts";

/** Options of {@linkcode generateCa}. */
export interface GenerateCaOptions {
  /** The CA's common name; its subject is `CN=<commonName>`. */
  commonName: string;
  /** The key algorithm. Default `ECDSA-P256`. */
  keyAlgorithm?: KeyAlgorithm;
  /** The issue time, milliseconds since the epoch; becomes `notBefore`. */
  now: number;
  /** How many days the CA stays valid. Default 365. */
  validityDays?: number;
  /** Fills a buffer with random bytes, for the serial number. Default WebCrypto's. */
  randomBytes?: (buffer: Uint8Array) => void;
}

/** A CA certificate and its key, both PEM. */
export interface GeneratedCa {
  /** The self-signed CA certificate, a `CERTIFICATE` PEM block. */
  certPem: string;
  /** The CA's private key, a PKCS#8 `PRIVATE KEY` PEM block. */
  keyPem: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Generates a self-signed CA: basicConstraints `CA:TRUE` (critical), key usage
 * `keyCertSign` and `cRLSign` (critical), and a subject key identifier.
 *
 * @param options Name, key algorithm, issue time and validity.
 * @returns The certificate and key, PEM, ready for {@linkcode signCertificate}.
 * @throws {RangeError} When `commonName` is empty, `now` is not finite, `validityDays` is
 *   not a positive number, or the key algorithm is unknown.
 *
 * @example A CA valid for 30 days
 * ```ts
 * import { generateCa } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const ca = await generateCa({ commonName: "Example CA", now: Date.UTC(2030, 0, 1), validityDays: 30 });
 * assert.match(ca.certPem, /^-----BEGIN CERTIFICATE-----/);
 * assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----/);
 * ```
 */
export async function generateCa(options: GenerateCaOptions): Promise<GeneratedCa> {
  const { commonName, now, validityDays = 365 } = options;
  if (commonName === "") throw new RangeError("commonName must not be empty");
  if (!Number.isFinite(now)) throw new RangeError(`now must be a finite number, got ${now}`);
  if (!(validityDays > 0) || !Number.isFinite(validityDays)) {
    throw new RangeError(`validityDays must be a positive number, got ${validityDays}`);
  }
  const key = await generateSigningKey(options.keyAlgorithm ?? "ECDSA-P256");
  const serial = new Uint8Array(16);
  if (options.randomBytes) options.randomBytes(serial);
  else crypto.getRandomValues(serial);
  serial[0] = (serial[0] ?? 0) & 0x7f | 0x01;
  const name = [{ CN: [commonName] }];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: [...serial].map((byte) => byte.toString(16).padStart(2, "0")).join(""),
    subject: name,
    issuer: name,
    notBefore: new Date(now),
    notAfter: new Date(now + validityDays * DAY_MS),
    publicKey: key.spki,
    signingKey: key.privateKey,
    signingAlgorithm: key.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(key.spki),
    ],
  });
  return {
    certPem: `${cert.toString("pem").trim()}\n`,
    keyPem: await exportPrivateKeyPem(key.privateKey),
  };
}
