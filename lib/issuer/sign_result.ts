/**
 * What `sign` returns, and the library's check of it before anything is written (the
 * spec's difference 8: an empty chain, or a leaf whose key is not the CSR's, fails the
 * request permanently with a clear message instead of being written).
 *
 * @module
 */

import type { ConditionInput } from "./conditions.ts";
import { PermanentError } from "./errors.ts";
import type { RequestKind } from "./request.ts";

/**
 * What `sign` returns on success.
 *
 * @example A signed chain with the CA
 * ```ts
 * import type { SignResult } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const result: SignResult = {
 *   chainPem: "-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n",
 *   caPem: "-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n",
 *   annotations: { "ca.example.com/order-id": "17" },
 * };
 * assert.ok(result.chainPem.startsWith("-----BEGIN CERTIFICATE-----"));
 * ```
 */
export interface SignResult {
  /** The PEM chain: the leaf first, then intermediates. Written to `status.certificate`. */
  chainPem: string;
  /**
   * The PEM of the issuing CA. Written to a CertificateRequest's `status.ca` only when the
   * deprecated `setCAOnCertificateRequest` option is on; never to a Kubernetes CSR.
   */
  caPem?: string;
  /**
   * Extra conditions to persist on the request with the certificate. The types the
   * library and approvers own (`Ready`, `Approved`, `Denied`, `Failed`) are refused.
   */
  conditions?: ConditionInput[];
  /** Annotations to persist on the request (written before the status). */
  annotations?: Record<string, string>;
}

/**
 * Checks a signed chain against the request's CSR, throwing an `Error` whose message says
 * what is wrong (for example, the leaf certifies another key). `sign` output that fails
 * is a permanent error. Synchronous: the decision functions are pure.
 *
 * @example A validator that only wants one certificate
 * ```ts
 * import type { ChainValidator } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const singleCertificate: ChainValidator = (chainPem) => {
 *   const count = chainPem.split("-----BEGIN CERTIFICATE-----").length - 1;
 *   if (count !== 1) throw new Error(`the chain holds ${count} certificates, want 1`);
 * };
 * assert.throws(() => singleCertificate("", ""), /holds 0 certificates/);
 * ```
 */
export type ChainValidator = (chainPem: string, csrPem: string) => void;

const RESERVED: Record<RequestKind, readonly string[]> = {
  CertificateRequest: ["Ready", "Approved", "Denied"],
  CertificateSigningRequest: ["Approved", "Denied", "Failed"],
};

const STATUSES: readonly string[] = ["True", "False", "Unknown"];

/**
 * Checks what `sign` returned.
 *
 * @param result What `sign` returned.
 * @param kind The request kind.
 * @param csrPem The request's CSR as PEM.
 * @param validate An optional chain validator (e.g. a leaf-key check).
 * @returns A {@linkcode PermanentError} saying what is wrong, or `undefined`.
 */
export function signResultProblem(
  result: SignResult,
  kind: RequestKind,
  csrPem: string,
  validate: ChainValidator | undefined,
): PermanentError | undefined {
  if (typeof result.chainPem !== "string" || result.chainPem.trim() === "") {
    return new PermanentError("sign returned an empty certificate chain");
  }
  if (!result.chainPem.includes("-----BEGIN CERTIFICATE-----")) {
    return new PermanentError("sign returned a certificate chain without a PEM CERTIFICATE block");
  }
  for (const c of result.conditions ?? []) {
    if (RESERVED[kind].includes(c.type)) {
      return new PermanentError(
        `sign returned a condition of type "${c.type}", which the library or the approver sets on a ${kind}`,
      );
    }
    if (!STATUSES.includes(c.status)) {
      return new PermanentError(
        `sign returned condition "${c.type}" with status "${c.status}"; want "True", "False" or "Unknown"`,
      );
    }
  }
  if (validate !== undefined) {
    try {
      validate(result.chainPem, csrPem);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return new PermanentError(
        new Error(`sign returned an unusable certificate chain: ${message}`, { cause: e }),
      );
    }
  }
  return undefined;
}
