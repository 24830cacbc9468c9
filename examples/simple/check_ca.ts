/**
 * Proving that a CA certificate and key can sign, so an issuer is Ready only when its
 * requests can be signed.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import {
  type CaKeyPair,
  certificateDetailsFromCertificateRequest,
  certificateTemplate,
  formatTime,
  generateCsr,
  InvalidCaError,
  signCertificate,
} from "@certkit/issuer-lib";

/**
 * The CA certificate is not valid yet (its `notBefore` is after `now`): it will be, so
 * this is worth retrying, unlike an {@linkcode InvalidCaError}.
 */
export class CaNotYetValidError extends Error {
  /** Always `"CaNotYetValidError"`. */
  override name = "CaNotYetValidError";
}

/**
 * Checks that a CA can sign at `now`: it signs a certificate for a throwaway request,
 * which proves the certificate and key parse, the certificate is a CA (basicConstraints
 * `CA:TRUE`) allowed to sign certificates (key usage `keyCertSign`), and the key is the
 * certificate's; then it checks the CA certificate's validity period.
 *
 * @param ca The CA certificate (optionally followed by its chain) and its key, PEM.
 * @param now The time to check at, milliseconds since the epoch.
 * @throws {InvalidCaError} When the CA can never sign as it is (malformed, not a CA, key
 *   mismatch, expired).
 * @throws {CaNotYetValidError} When the CA certificate's validity has not started yet.
 *
 * @example A fresh CA passes, an expired one does not
 * ```ts
 * import { generateCa, InvalidCaError } from "@certkit/issuer-lib";
 * import { checkCa } from "./check_ca.ts";
 * import { strict as assert } from "node:assert";
 *
 * const now = Date.UTC(2030, 0, 1);
 * const ca = await generateCa({ commonName: "Example CA", now, validityDays: 1 });
 * await checkCa({ caCertPem: ca.certPem, caKeyPem: ca.keyPem }, now);
 * await assert.rejects(
 *   checkCa({ caCertPem: ca.certPem, caKeyPem: ca.keyPem }, now + 2 * 86_400_000),
 *   InvalidCaError,
 * );
 * ```
 */
export async function checkCa(ca: CaKeyPair, now: number): Promise<void> {
  const { csrPem } = await generateCsr({ subject: "CN=simple-issuer CA check" });
  const details = certificateDetailsFromCertificateRequest({ spec: { request: btoa(csrPem) } });
  // signCertificate throws InvalidCaError, saying what is wrong, for a CA that cannot sign.
  await signCertificate(await certificateTemplate(details, now), ca);

  checkCaValidity(ca.caCertPem, now);
}

/**
 * Checks only the CA certificate's validity period at `now`: what {@linkcode checkCa}
 * checks after its throwaway signature, cheap enough for every `sign` (the signature
 * itself proves the rest).
 *
 * @param caCertPem The CA certificate, PEM (the first certificate is checked).
 * @param now The time to check at, milliseconds since the epoch.
 * @throws {InvalidCaError} When the CA certificate has expired.
 * @throws {CaNotYetValidError} When its validity has not started yet.
 *
 * @example
 * ```ts
 * import { generateCa } from "@certkit/issuer-lib";
 * import { CaNotYetValidError, checkCaValidity } from "./check_ca.ts";
 * import { strict as assert } from "node:assert";
 *
 * const now = Date.UTC(2030, 0, 1);
 * const ca = await generateCa({ commonName: "Example CA", now });
 * checkCaValidity(ca.certPem, now);
 * assert.throws(() => checkCaValidity(ca.certPem, now - 86_400_000), CaNotYetValidError);
 * ```
 */
export function checkCaValidity(caCertPem: string, now: number): void {
  const cert = new x509.X509Certificate(x509.PemConverter.decodeFirst(caCertPem));
  if (now < cert.notBefore.getTime()) {
    throw new CaNotYetValidError(
      `the CA certificate ${JSON.stringify(cert.subject)} is not valid before ${
        formatTime(cert.notBefore.getTime())
      }`,
    );
  }
  if (now > cert.notAfter.getTime()) {
    throw new InvalidCaError(
      `the CA certificate ${JSON.stringify(cert.subject)} expired at ${
        formatTime(cert.notAfter.getTime())
      }`,
    );
  }
}
