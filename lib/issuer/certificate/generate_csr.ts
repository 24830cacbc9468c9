/**
 * Making a key pair and a PKCS#10 request for it, for tests, demos and clients.
 *
 * @module
 */
import { exportPrivateKeyPem, generateSigningKey, type KeyAlgorithm } from "./_keys.ts";
import { x509 } from "./_x509.ts";

/** Options of {@linkcode generateCsr}. */
export interface GenerateCsrOptions {
  /** The subject as RFC 4514-like text, such as `CN=web, O=Acme`. Default: empty. */
  subject?: string;
  /** DNS subject alternative names. */
  dnsNames?: readonly string[];
  /** IP address subject alternative names (IPv4 or IPv6 text). */
  ipAddresses?: readonly string[];
  /** URI subject alternative names. */
  uris?: readonly string[];
  /** E-mail subject alternative names. */
  emailAddresses?: readonly string[];
  /** The key algorithm. Default `ECDSA-P256`. */
  keyAlgorithm?: KeyAlgorithm;
}

/** A request and its private key, both PEM. */
export interface GeneratedCsr {
  /** The request, a `CERTIFICATE REQUEST` PEM block. */
  csrPem: string;
  /** The private key, a PKCS#8 `PRIVATE KEY` PEM block. */
  keyPem: string;
}

/**
 * Generates a key pair and a certificate signing request for it, with a
 * subjectAltName extension when names are given.
 *
 * @param options Subject, names and key algorithm.
 * @returns The request and the key, PEM.
 * @throws {RangeError} For an unknown key algorithm.
 *
 * @example A request for a web server
 * ```ts
 * import { generateCsr, parseCsr } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const { csrPem } = await generateCsr({
 *   subject: "CN=web",
 *   dnsNames: ["web.example"],
 *   keyAlgorithm: "Ed25519",
 * });
 * const csr = await parseCsr(csrPem);
 * assert.deepEqual(csr.dnsNames, ["web.example"]);
 * assert.equal(csr.publicKey.algorithm, "Ed25519");
 * ```
 */
export async function generateCsr(options: GenerateCsrOptions = {}): Promise<GeneratedCsr> {
  const key = await generateSigningKey(options.keyAlgorithm ?? "ECDSA-P256");
  const publicKey = await crypto.subtle.importKey(
    "spki",
    key.spki,
    key.privateKey.algorithm,
    true,
    ["verify"],
  );
  const names: x509.JsonGeneralName[] = [
    ...(options.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
    ...(options.uris ?? []).map((value) => ({ type: "url" as const, value })),
    ...(options.emailAddresses ?? []).map((value) => ({ type: "email" as const, value })),
  ];
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: options.subject ?? [],
    keys: { privateKey: key.privateKey, publicKey },
    signingAlgorithm: key.signingAlgorithm,
    extensions: names.length ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return {
    csrPem: `${request.toString("pem").trim()}\n`,
    keyPem: await exportPrivateKeyPem(key.privateKey),
  };
}
