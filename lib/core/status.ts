/**
 * The `Status` object the Kubernetes API answers errors with (meta/v1 `Status`).
 *
 * @module
 */

/** One reason a request was refused, usually tied to a field. */
export interface StatusCause {
  /** A machine-readable reason such as `FieldValueInvalid`. */
  reason?: string;
  /** A human-readable description. */
  message?: string;
  /** The field path the cause is about, such as `metadata.name`. */
  field?: string;
}

/** Extra data about an error: which object it is about, and why. */
export interface StatusDetails {
  /** The object's name. */
  name?: string;
  /** The object's API group. */
  group?: string;
  /** The resource (plural) or kind the error is about. */
  kind?: string;
  /** The object's UID. */
  uid?: string;
  /** The individual causes. */
  causes?: StatusCause[];
  /** How long the client should wait before retrying. */
  retryAfterSeconds?: number;
}

/** A meta/v1 `Status` as returned in error bodies, watch ERROR events and deletes. */
export interface Status {
  /** Always `Status`. */
  kind: "Status";
  /** Always `v1`. */
  apiVersion: "v1";
  /** List metadata; carries `continue` for some 410 answers. */
  metadata: { continue?: string; resourceVersion?: string };
  /** `Success` or `Failure`. */
  status: "Success" | "Failure";
  /** A human-readable message. */
  message?: string;
  /** A machine-readable reason such as `NotFound`. */
  reason?: string;
  /** Extra data. */
  details?: StatusDetails;
  /** The HTTP status code. */
  code?: number;
}

/**
 * Tells whether a decoded JSON body is a meta/v1 `Status`.
 *
 * @param value A decoded response body.
 * @returns `true` when it has `kind: "Status"`.
 *
 * @example Recognising an error body
 * ```ts
 * import { isStatus } from "@certkit/issuer-lib";
 * import { ok as assert } from "node:assert";
 *
 * assert(isStatus({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", code: 404 }));
 * assert(!isStatus({ kind: "Secret" }));
 * ```
 */
export function isStatus(value: unknown): value is Status {
  return typeof value === "object" && value !== null &&
    (value as { kind?: unknown }).kind === "Status";
}
