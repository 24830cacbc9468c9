/**
 * What a signer needs from a request, whichever kind it is (spec §2.2, §10.1, §10.2): the
 * CSR, the duration, whether a CA is asked for, and the key usages.
 *
 * @module
 */
import { decodeBase64 } from "./_pem.ts";
import { InvalidCsrError, InvalidDurationError } from "./errors.ts";
import { parseGoDuration } from "./go_duration.ts";
import { keyUsagesFromUsages } from "./usages.ts";

/**
 * 90 days in milliseconds: the duration of a request that asks for none.
 *
 * @example Ninety days
 * ```ts
 * import { DEFAULT_CERTIFICATE_DURATION_MS } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(DEFAULT_CERTIFICATE_DURATION_MS / (24 * 60 * 60 * 1000), 90);
 * ```
 */
export const DEFAULT_CERTIFICATE_DURATION_MS = 90 * 24 * 60 * 60 * 1000;

/**
 * The Kubernetes CSR annotation that requests a duration as a Go duration (`1h30m`).
 *
 * @example Requesting one hour
 * ```ts
 * import { REQUEST_DURATION_ANNOTATION } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const metadata = { annotations: { [REQUEST_DURATION_ANNOTATION]: "1h" } };
 * assert.equal(metadata.annotations["experimental.cert-manager.io/request-duration"], "1h");
 * ```
 */
export const REQUEST_DURATION_ANNOTATION = "experimental.cert-manager.io/request-duration";

/**
 * The Kubernetes CSR annotation that requests a CA certificate (value exactly `true`).
 *
 * @example Requesting a CA
 * ```ts
 * import { REQUEST_IS_CA_ANNOTATION } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(REQUEST_IS_CA_ANNOTATION, "experimental.cert-manager.io/request-is-ca");
 * ```
 */
export const REQUEST_IS_CA_ANNOTATION = "experimental.cert-manager.io/request-is-ca";

/** What a request asks to have signed; see {@linkcode certificateTemplate}. */
export interface CertificateDetails {
  /** The PEM bytes of the PKCS#10 request (the base64-decoded `spec.request`). */
  csr: Uint8Array;
  /** The requested validity in milliseconds. */
  duration: number;
  /** Whether a CA certificate is requested. */
  isCA: boolean;
  /** The path-length constraint of a CA certificate; never set by the request helpers. */
  maxPathLen?: number;
  /** The key-usage bit set; see {@linkcode KeyUsageBit}. */
  keyUsage: number;
  /** Extended-key-usage OIDs, in order; see {@linkcode ExtKeyUsageOid}. */
  extKeyUsage: string[];
}

/** The fields of a cert-manager `CertificateRequest` that the details come from. */
export interface CertificateRequestSource {
  /** The request's spec. */
  spec?: {
    /** Base64 of the PEM CSR. */
    request?: string | undefined;
    /** A Go duration, such as `2160h0m0s`. */
    duration?: string | undefined;
    /** Whether a CA is requested. */
    isCA?: boolean | undefined;
    /** Usage strings (spec §10.3). */
    usages?: readonly string[] | undefined;
  } | undefined;
}

/** The fields of a Kubernetes `CertificateSigningRequest` that the details come from. */
export interface CertificateSigningRequestSource {
  /** The annotations, for the request-duration and request-is-ca annotations. */
  metadata?: { annotations?: Readonly<Record<string, string>> | undefined } | undefined;
  /** The request's spec. */
  spec?: {
    /** Base64 of the PEM CSR. */
    request?: string | undefined;
    /** The requested validity in seconds. */
    expirationSeconds?: number | undefined;
    /** Usage strings (spec §10.3). */
    usages?: readonly string[] | undefined;
  } | undefined;
}

/**
 * The details of a cert-manager `CertificateRequest` (spec §10.1): the duration is
 * `spec.duration` or 90 days; the usages are `spec.usages` or `digital signature` and
 * `key encipherment`, plus `cert sign` when `spec.isCA`.
 *
 * @param request The request (only `spec` is read).
 * @returns The details; the CSR is not parsed yet (see {@linkcode certificateTemplate}).
 * @throws {InvalidCsrError} When `spec.request` is not base64.
 * @throws {InvalidDurationError} When `spec.duration` is not a Go duration.
 * @throws {UnknownUsageError} When a usage is not in the table of spec §10.3.
 *
 * @example A CA request with default usages
 * ```ts
 * import { certificateDetailsFromCertificateRequest, KeyUsageBit } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const details = certificateDetailsFromCertificateRequest({
 *   spec: { request: btoa("-----BEGIN CERTIFICATE REQUEST-----..."), duration: "1h", isCA: true },
 * });
 * assert.equal(details.duration, 60 * 60 * 1000);
 * assert.equal(
 *   details.keyUsage,
 *   KeyUsageBit.certSign | KeyUsageBit.digitalSignature | KeyUsageBit.keyEncipherment,
 * );
 * ```
 */
export function certificateDetailsFromCertificateRequest(
  request: CertificateRequestSource,
): CertificateDetails {
  const spec = request.spec ?? {};
  const csr = decodeRequest(spec.request);
  let duration = DEFAULT_CERTIFICATE_DURATION_MS;
  if (spec.duration !== undefined) {
    try {
      duration = parseGoDuration(spec.duration);
    } catch (error) {
      throw new InvalidDurationError(
        spec.duration,
        `failed to parse requested duration on spec.duration: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  const isCA = spec.isCA === true;
  const { keyUsage, extKeyUsage } = keyUsagesFromUsages(spec.usages, { addCertSign: isCA });
  return { csr, duration, isCA, keyUsage, extKeyUsage };
}

/**
 * The details of a Kubernetes `CertificateSigningRequest` (spec §10.2): the duration is
 * the {@linkcode REQUEST_DURATION_ANNOTATION} if present, else `spec.expirationSeconds`,
 * else 90 days (no minimum or maximum); `isCA` is whether the
 * {@linkcode REQUEST_IS_CA_ANNOTATION} is exactly `true`; the usages are `spec.usages` or
 * `digital signature` and `key encipherment` (`isCA` adds no `cert sign`).
 *
 * @param request The request (`metadata.annotations` and `spec` are read).
 * @returns The details; the CSR is not parsed yet (see {@linkcode certificateTemplate}).
 * @throws {InvalidCsrError} When `spec.request` is not base64.
 * @throws {InvalidDurationError} When the duration annotation is not a Go duration; the
 *   message is cert-manager's, such as `failed to parse requested duration on annotation
 *   "experimental.cert-manager.io/request-duration": time: invalid duration "abc"`.
 * @throws {UnknownUsageError} When a usage is not in the table of spec §10.3.
 *
 * @example The duration annotation wins over expirationSeconds
 * ```ts
 * import { certificateDetailsFromCertificateSigningRequest } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const details = certificateDetailsFromCertificateSigningRequest({
 *   metadata: { annotations: { "experimental.cert-manager.io/request-duration": "1h30m" } },
 *   spec: { request: btoa("-----BEGIN CERTIFICATE REQUEST-----..."), expirationSeconds: 600 },
 * });
 * assert.equal(details.duration, 90 * 60 * 1000);
 * assert.equal(details.isCA, false);
 * ```
 */
export function certificateDetailsFromCertificateSigningRequest(
  request: CertificateSigningRequestSource,
): CertificateDetails {
  const spec = request.spec ?? {};
  const annotations = request.metadata?.annotations ?? {};
  const csr = decodeRequest(spec.request);
  let duration = DEFAULT_CERTIFICATE_DURATION_MS;
  const requested = Object.hasOwn(annotations, REQUEST_DURATION_ANNOTATION)
    ? annotations[REQUEST_DURATION_ANNOTATION]
    : undefined;
  if (requested !== undefined) {
    try {
      duration = parseGoDuration(requested);
    } catch (error) {
      throw new InvalidDurationError(
        requested,
        `failed to parse requested duration on annotation ${
          JSON.stringify(REQUEST_DURATION_ANNOTATION)
        }: ${(error as Error).message}`,
        { cause: error },
      );
    }
  } else if (spec.expirationSeconds !== undefined) {
    duration = spec.expirationSeconds * 1000;
  }
  const { keyUsage, extKeyUsage } = keyUsagesFromUsages(spec.usages);
  const isCA = Object.hasOwn(annotations, REQUEST_IS_CA_ANNOTATION) &&
    annotations[REQUEST_IS_CA_ANNOTATION] === "true";
  return { csr, duration, isCA, keyUsage, extKeyUsage };
}

function decodeRequest(request: string | undefined): Uint8Array {
  try {
    return decodeBase64(request ?? "");
  } catch (error) {
    throw new InvalidCsrError(
      "NotBase64",
      `spec.request is not valid base64, so it cannot hold a PEM certificate request: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
}
