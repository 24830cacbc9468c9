/**
 * The three condition flavours the library writes (spec §3): issuer conditions (with
 * `observedGeneration`), cert-manager CertificateRequest conditions, and Kubernetes
 * CertificateSigningRequest conditions (with `lastUpdateTime`). Each setter upserts into a
 * status patch that is being built, keeping `lastTransitionTime` from the current object
 * when the status did not change.
 *
 * @module
 */

import { formatTime } from "../core/time.ts";

/**
 * The status of a Kubernetes condition.
 *
 * @example Statuses
 * ```ts
 * import type { ConditionStatus } from "@certkit/issuer-lib";
 *
 * const statuses: ConditionStatus[] = ["True", "False", "Unknown"];
 * if (statuses.length !== 3) throw new Error("three statuses");
 * ```
 */
export type ConditionStatus = "True" | "False" | "Unknown";

/**
 * A condition as read from any object: only `type` and `status` are relied on.
 *
 * @example A condition read from the wire
 * ```ts
 * import type { ConditionLike } from "@certkit/issuer-lib";
 *
 * const read: ConditionLike = JSON.parse('{"type":"Ready","status":"True","reason":"Checked"}');
 * if (read.type !== "Ready") throw new Error("unexpected");
 * ```
 */
export interface ConditionLike {
  /** The condition type, such as `Ready`. */
  type: string;
  /** `True`, `False` or `Unknown` (read as text: objects come from the wire). */
  status: string;
  /** When the status last changed (RFC 3339). */
  lastTransitionTime?: string;
  /** A PascalCase reason. */
  reason?: string;
  /** A sentence for a human. */
  message?: string;
  /** The generation the condition describes (issuer conditions). */
  observedGeneration?: number;
  /** When the condition was last written (CSR conditions). */
  lastUpdateTime?: string;
}

/**
 * An issuer status condition (meta/v1 `Condition`).
 *
 * @example A Ready issuer
 * ```ts
 * import type { IssuerCondition } from "@certkit/issuer-lib";
 *
 * const ready: IssuerCondition = {
 *   type: "Ready",
 *   status: "True",
 *   observedGeneration: 3,
 *   lastTransitionTime: "2024-05-01T10:00:00Z",
 *   reason: "Checked",
 *   message: "Succeeded checking the issuer",
 * };
 * if (ready.status !== "True") throw new Error("not ready");
 * ```
 */
export interface IssuerCondition {
  /** The condition type; the library writes only `Ready`. */
  type: string;
  /** The status. */
  status: ConditionStatus;
  /** The generation checked; omitted when 0. */
  observedGeneration?: number;
  /** When the status last changed (RFC 3339, whole seconds). */
  lastTransitionTime: string;
  /** A PascalCase reason. */
  reason: string;
  /** A sentence for a human. */
  message: string;
}

/**
 * A cert-manager `CertificateRequest` condition.
 *
 * @example An approval
 * ```ts
 * import type { CertificateRequestCondition } from "@certkit/issuer-lib";
 *
 * const approved: CertificateRequestCondition = { type: "Approved", status: "True", reason: "Approved" };
 * if (approved.lastTransitionTime !== undefined) throw new Error("optional");
 * ```
 */
export interface CertificateRequestCondition {
  /** The condition type, such as `Ready` or `Approved`. */
  type: string;
  /** The status. */
  status: ConditionStatus;
  /** When the status last changed (RFC 3339, whole seconds). */
  lastTransitionTime?: string;
  /** A PascalCase reason; omitted when empty. */
  reason?: string;
  /** A sentence for a human; omitted when empty. */
  message?: string;
}

/**
 * A Kubernetes `CertificateSigningRequest` condition.
 *
 * @example A failed CSR
 * ```ts
 * import type { CertificateSigningRequestCondition } from "@certkit/issuer-lib";
 *
 * const failed: CertificateSigningRequestCondition = {
 *   type: "Failed",
 *   status: "True",
 *   reason: "Failed",
 *   lastUpdateTime: "2024-05-01T10:00:00Z",
 *   lastTransitionTime: "2024-05-01T10:00:00Z",
 * };
 * if (failed.type !== "Failed") throw new Error("unexpected");
 * ```
 */
export interface CertificateSigningRequestCondition {
  /** The condition type, such as `Approved` or `Failed`. */
  type: string;
  /** The status. */
  status: ConditionStatus;
  /** A PascalCase reason; omitted when empty. */
  reason?: string;
  /** A sentence for a human; omitted when empty. */
  message?: string;
  /** When the condition was last written (RFC 3339, whole seconds). */
  lastUpdateTime?: string;
  /** When the status last changed (RFC 3339, whole seconds). */
  lastTransitionTime?: string;
}

/**
 * What to set: the parts of a condition the caller chooses.
 *
 * @example An extra condition a signer persists
 * ```ts
 * import type { ConditionInput } from "@certkit/issuer-lib";
 *
 * const ordered: ConditionInput = {
 *   type: "ca.example.com/Ordered",
 *   status: "True",
 *   reason: "Ordered",
 *   message: "Order 17 placed with the CA",
 * };
 * if (ordered.status !== "True") throw new Error("unexpected");
 * ```
 */
export interface ConditionInput {
  /** The condition type. */
  type: string;
  /** The status. */
  status: ConditionStatus;
  /** A PascalCase reason. */
  reason: string;
  /** A sentence for a human. */
  message: string;
}

/**
 * The answer of a condition setter.
 *
 * @example Reading the answer
 * ```ts
 * import { setCertificateRequestCondition, type SetConditionResult, type CertificateRequestCondition } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const r: SetConditionResult<CertificateRequestCondition> = setCertificateRequestCondition(
 *   [],
 *   [],
 *   { type: "Ready", status: "False", reason: "Failed", message: "no" },
 *   0,
 * );
 * assert.equal(r.time, "1970-01-01T00:00:00Z");
 * assert.equal(r.conditions.length, 1);
 * ```
 */
export interface SetConditionResult<C> {
  /** The patch's conditions with the new one replaced in place or appended. */
  conditions: C[];
  /** The condition that was set. */
  condition: C;
  /** `now` as RFC 3339: the time the controllers use for `status.failureTime`. */
  time: string;
}

/**
 * Finds a condition by type.
 *
 * @param conditions A condition list, or `undefined` when the object has none.
 * @param type The condition type.
 * @returns The first condition of that type, or `undefined`.
 *
 * @example Reading the Ready condition
 * ```ts
 * import { findCondition } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const conditions = [{ type: "Approved", status: "True" }, { type: "Ready", status: "False" }];
 * assert.equal(findCondition(conditions, "Ready")?.status, "False");
 * assert.equal(findCondition(undefined, "Ready"), undefined);
 * ```
 */
export function findCondition<C extends { type: string }>(
  conditions: readonly C[] | undefined,
  type: string,
): C | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Tells whether an object has a condition of a type with a status (and, optionally, a
 * reason).
 *
 * @param conditions A condition list, or `undefined`.
 * @param type The condition type.
 * @param status The status it must have.
 * @param reason The reason it must have, if given.
 * @returns `true` when such a condition is present.
 *
 * @example Is the request approved?
 * ```ts
 * import { hasCondition } from "@certkit/issuer-lib";
 * import { ok as assert } from "node:assert";
 *
 * const conditions = [{ type: "Ready", status: "False", reason: "Failed" }];
 * assert(hasCondition(conditions, "Ready", "False", "Failed"));
 * assert(!hasCondition(conditions, "Approved", "True"));
 * ```
 */
export function hasCondition(
  conditions: readonly ConditionLike[] | undefined,
  type: string,
  status: ConditionStatus,
  reason?: string,
): boolean {
  const c = findCondition(conditions, type);
  return c !== undefined && c.status === status && (reason === undefined || c.reason === reason);
}

/** The transition rule: keep the current time when the status is unchanged. */
function transitionTime(
  current: readonly ConditionLike[] | undefined,
  input: ConditionInput,
  time: string,
): string {
  const existing = findCondition(current, input.type);
  if (existing !== undefined && existing.status === input.status) {
    return existing.lastTransitionTime ?? time;
  }
  return time;
}

function upsert<C extends { type: string }>(patch: readonly C[], condition: C): C[] {
  const out = [...patch];
  const i = out.findIndex((c) => c.type === condition.type);
  if (i >= 0) out[i] = condition;
  else out.push(condition);
  return out;
}

/**
 * Sets an issuer condition in a status patch (spec §3): `lastTransitionTime` is `now`
 * unless the current object has that type with the same status, whose time is kept;
 * `observedGeneration` is the generation that was checked.
 *
 * @param patch The patch's conditions so far (not modified).
 * @param current The current object's conditions.
 * @param input Type, status, reason and message.
 * @param observedGeneration The issuer's `metadata.generation`.
 * @param now The time, in milliseconds since the epoch.
 * @returns The new patch conditions, the condition and `now` as RFC 3339.
 *
 * @example Marking an issuer ready
 * ```ts
 * import { setIssuerCondition } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const current = [{ type: "Ready", status: "True", lastTransitionTime: "2024-01-01T00:00:00Z" }];
 * const { conditions } = setIssuerCondition([], current, {
 *   type: "Ready",
 *   status: "True",
 *   reason: "Checked",
 *   message: "Succeeded checking the issuer",
 * }, 8, Date.UTC(2024, 1, 1));
 * assert.equal(conditions[0]?.lastTransitionTime, "2024-01-01T00:00:00Z");
 * assert.equal(conditions[0]?.observedGeneration, 8);
 * ```
 */
export function setIssuerCondition(
  patch: readonly IssuerCondition[],
  current: readonly ConditionLike[] | undefined,
  input: ConditionInput,
  observedGeneration: number,
  now: number,
): SetConditionResult<IssuerCondition> {
  const time = formatTime(now);
  const condition: IssuerCondition = {
    type: input.type,
    status: input.status,
    ...(observedGeneration !== 0 ? { observedGeneration } : {}),
    lastTransitionTime: transitionTime(current, input, time),
    reason: input.reason,
    message: input.message,
  };
  return { conditions: upsert(patch, condition), condition, time };
}

/**
 * Sets a cert-manager CertificateRequest condition in a status patch (spec §3), with the
 * same transition rule as {@linkcode setIssuerCondition}. An empty reason or message is
 * omitted.
 *
 * @param patch The patch's conditions so far (not modified).
 * @param current The current object's conditions.
 * @param input Type, status, reason and message.
 * @param now The time, in milliseconds since the epoch.
 * @returns The new patch conditions, the condition and `now` as RFC 3339.
 *
 * @example A status change sets a new transition time
 * ```ts
 * import { setCertificateRequestCondition } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const current = [{ type: "Ready", status: "True", lastTransitionTime: "2024-01-01T00:00:00Z" }];
 * const { condition, time } = setCertificateRequestCondition([], current, {
 *   type: "Ready",
 *   status: "False",
 *   reason: "Failed",
 *   message: "Failed permanently to sign CertificateRequest: no",
 * }, Date.UTC(2024, 1, 1));
 * assert.equal(condition.lastTransitionTime, "2024-02-01T00:00:00Z");
 * assert.equal(time, "2024-02-01T00:00:00Z");
 * ```
 */
export function setCertificateRequestCondition(
  patch: readonly CertificateRequestCondition[],
  current: readonly ConditionLike[] | undefined,
  input: ConditionInput,
  now: number,
): SetConditionResult<CertificateRequestCondition> {
  const time = formatTime(now);
  const condition: CertificateRequestCondition = {
    type: input.type,
    status: input.status,
    lastTransitionTime: transitionTime(current, input, time),
    ...(input.reason !== "" ? { reason: input.reason } : {}),
    ...(input.message !== "" ? { message: input.message } : {}),
  };
  return { conditions: upsert(patch, condition), condition, time };
}

/**
 * Sets a Kubernetes CertificateSigningRequest condition in a status patch (spec §3):
 * `lastUpdateTime` is always `now`; `lastTransitionTime` follows the transition rule of
 * {@linkcode setIssuerCondition}. An empty reason or message is omitted.
 *
 * @param patch The patch's conditions so far (not modified).
 * @param current The current object's conditions.
 * @param input Type, status, reason and message.
 * @param now The time, in milliseconds since the epoch.
 * @returns The new patch conditions, the condition and `now` as RFC 3339.
 *
 * @example Marking a CSR failed
 * ```ts
 * import { setCertificateSigningRequestCondition } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const { conditions } = setCertificateSigningRequestCondition([], [], {
 *   type: "Failed",
 *   status: "True",
 *   reason: "Failed",
 *   message: "CertificateSigningRequest has failed permanently: no",
 * }, Date.UTC(2024, 1, 1));
 * assert.equal(conditions[0]?.lastUpdateTime, "2024-02-01T00:00:00Z");
 * assert.equal(conditions[0]?.lastTransitionTime, "2024-02-01T00:00:00Z");
 * ```
 */
export function setCertificateSigningRequestCondition(
  patch: readonly CertificateSigningRequestCondition[],
  current: readonly ConditionLike[] | undefined,
  input: ConditionInput,
  now: number,
): SetConditionResult<CertificateSigningRequestCondition> {
  const time = formatTime(now);
  const condition: CertificateSigningRequestCondition = {
    type: input.type,
    status: input.status,
    ...(input.reason !== "" ? { reason: input.reason } : {}),
    ...(input.message !== "" ? { message: input.message } : {}),
    lastUpdateTime: time,
    lastTransitionTime: transitionTime(current, input, time),
  };
  return { conditions: upsert(patch, condition), condition, time };
}
