/**
 * Certificate requests and certificates: parse and verify a PKCS#10 request, derive the
 * details a signer needs from a cert-manager `CertificateRequest` or a Kubernetes
 * `CertificateSigningRequest` (duration, isCA, usages), turn them into a certificate
 * template checked against the CSR, sign the template with a CA, and validate what a
 * signer returned. Every problem with a request is a {@linkcode RequestDetailsError},
 * which the request reconcilers treat as permanent.
 *
 * @example A CA-backed signer in a few lines
 * ```ts
 * import {
 *   certificateDetailsFromCertificateRequest,
 *   certificateTemplate,
 *   generateCa,
 *   generateCsr,
 *   signCertificate,
 * } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const now = Date.UTC(2030, 0, 1);
 * const ca = await generateCa({ commonName: "Example CA", now });
 * const { csrPem } = await generateCsr({ subject: "CN=web", dnsNames: ["web.example"] });
 * const request = { spec: { request: btoa(csrPem), duration: "720h", usages: ["server auth"] } };
 *
 * const template = await certificateTemplate(certificateDetailsFromCertificateRequest(request), now);
 * const { chainPem } = await signCertificate(template, { caCertPem: ca.certPem, caKeyPem: ca.keyPem });
 * assert.match(chainPem, /^-----BEGIN CERTIFICATE-----/);
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./usages.ts";
export * from "./go_duration.ts";
export * from "./csr.ts";
export * from "./certificate_details.ts";
export * from "./certificate_template.ts";
export * from "./sign_with_ca.ts";
export * from "./validate_signed_chain.ts";
export * from "./generate_ca.ts";
export * from "./generate_csr.ts";
