/**
 * The request handed to `sign` (spec §2.2): a cert-manager CertificateRequest or a
 * Kubernetes CertificateSigningRequest behind one read-only interface.
 *
 * @module
 */

import type { ObjectMeta } from "../client/object.ts";
import type { ConditionLike } from "./conditions.ts";
import {
  type CertificateDetails,
  certificateDetailsFromCertificateRequest,
  certificateDetailsFromCertificateSigningRequest,
} from "./certificate/certificate_details.ts";
import {
  type CertificateRequestObject,
  type CertificateSigningRequestObject,
  requestCsrPem,
  type RequestKind,
  type SigningRequest,
} from "./request.ts";

/**
 * A request to sign, as `sign` sees it. It hides whether it came from a cert-manager
 * `CertificateRequest` or a Kubernetes `CertificateSigningRequest`; `kind` and `object`
 * tell when it matters.
 *
 * @example Signing with a CA in `sign`
 * ```ts
 * import {
 *   certificateTemplate,
 *   generateCa,
 *   generateCsr,
 *   type IssuanceRequest,
 *   signCertificate,
 *   type SignResult,
 * } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const now = Date.UTC(2030, 0, 1);
 * const ca = await generateCa({ commonName: "Example CA", now });
 * async function sign(request: IssuanceRequest): Promise<SignResult> {
 *   const template = await certificateTemplate(request.certificateDetails(), now);
 *   return await signCertificate(template, { caCertPem: ca.certPem, caKeyPem: ca.keyPem });
 * }
 *
 * const { csrPem } = await generateCsr({ subject: "CN=web" });
 * const request: IssuanceRequest = {
 *   kind: "CertificateRequest",
 *   object: {
 *     metadata: { name: "web-1", namespace: "default" },
 *     spec: { issuerRef: { name: "ca" }, request: btoa(csrPem) },
 *   },
 *   metadata: { name: "web-1", namespace: "default" },
 *   csrPem,
 *   conditions: () => [],
 *   certificateDetails: () => ({ csr: new TextEncoder().encode(csrPem), duration: 3_600_000, isCA: false, keyUsage: 0, extKeyUsage: [] }),
 * };
 * const { chainPem } = await sign(request);
 * assert.match(chainPem, /^-----BEGIN CERTIFICATE-----/);
 * ```
 */
export interface IssuanceRequest {
  /** Which kind of request. */
  readonly kind: RequestKind;
  /** The request object as read (treat it as read-only). */
  readonly object: Readonly<CertificateRequestObject | CertificateSigningRequestObject>;
  /** The request's metadata: name, namespace (none for a CSR), labels, annotations, UID, … */
  readonly metadata: Readonly<ObjectMeta>;
  /** The PKCS#10 request, PEM (the base64-decoded `spec.request`; "" when unreadable). */
  readonly csrPem: string;
  /**
   * The request's conditions in the standard shape (`type`, `status`,
   * `lastTransitionTime`, `reason`, `message`); a CSR's `lastUpdateTime` is left out.
   */
  conditions(): ConditionLike[];
  /**
   * What the request asks to have signed: CSR, duration, isCA and key usages (spec §10).
   * Pass it to `certificateTemplate`, which parses and verifies the CSR.
   *
   * @throws {RequestDetailsError} When the request is malformed (a permanent error for
   *   the request when `sign` lets it through).
   */
  certificateDetails(): CertificateDetails;
}

/**
 * Wraps a request for `sign`.
 *
 * @param request The request, tagged with its kind.
 * @returns The read-only view.
 */
export function issuanceRequest(request: SigningRequest): IssuanceRequest {
  const object = request.object;
  let details: CertificateDetails | undefined;
  return Object.freeze({
    kind: request.kind,
    object,
    metadata: object.metadata,
    csrPem: requestCsrPem(request),
    conditions: () =>
      (object.status?.conditions ?? []).map((c): ConditionLike => ({
        type: c.type,
        status: c.status,
        lastTransitionTime: c.lastTransitionTime ?? "",
        reason: c.reason ?? "",
        message: c.message ?? "",
        observedGeneration: 0,
      })),
    certificateDetails: () =>
      details ??= request.kind === "CertificateRequest"
        ? certificateDetailsFromCertificateRequest(request.object)
        : certificateDetailsFromCertificateSigningRequest(request.object),
  });
}
