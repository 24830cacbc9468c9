/**
 * How the request reconciler classifies an error thrown by `sign` (spec §2.4): the
 * precedence of the four error kinds, the extra condition, and the retry window.
 *
 * @module
 */

import type { ConditionStatus } from "./conditions.ts";
import {
  errorChain,
  errorMessage,
  findErrorInChain,
  IssuerError,
  PendingError,
  PermanentError,
  SetCertificateRequestConditionError,
} from "./errors.ts";

/**
 * The extra condition a `sign` error asked to persist (step 16 of spec §6).
 *
 * @example The condition found in an error chain
 * ```ts
 * import { classifySignError, SetCertificateRequestConditionError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const err = new SetCertificateRequestConditionError("placed", { conditionType: "X", status: "True", reason: "R" });
 * const c = classifySignError(err, { now: 0, retryDeadline: 1 });
 * assert.ok(c.kind === "retryable");
 * assert.deepEqual(c.condition, { type: "X", status: "True", reason: "R", message: "placed" });
 * ```
 */
export interface SignErrorCondition {
  /** The condition type. */
  type: string;
  /** The condition status. */
  status: ConditionStatus;
  /** The condition reason. */
  reason: string;
  /** The condition message: the message of the outermost error `sign` threw. */
  message: string;
}

/**
 * How the request reconciler treats a `sign` error; see {@linkcode classifySignError}.
 *
 * @example Switching on the kind
 * ```ts
 * import { classifySignError, PendingError, type SignErrorClass } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const c: SignErrorClass = classifySignError(new PendingError("busy"), { now: 0, retryDeadline: 0 });
 * assert.equal(c.kind === "pending" ? c.requeueAfterMs : 0, 1000);
 * ```
 */
export type SignErrorClass =
  | {
    /** An {@linkcode IssuerError}: report `cause` to the issuer and wait for it. */
    kind: "issuer";
    /** The inner error of the issuer error: what is reported to the issuer. */
    cause: unknown;
  }
  | {
    /** A {@linkcode PendingError}: stay pending and call `sign` again later. */
    kind: "pending";
    /** The delay the pending error asked for. */
    requeueAfterMs: number;
    /** Annotations the pending error asked to persist. */
    annotations: Readonly<Record<string, string>> | undefined;
    /** The extra condition to persist, if the chain held one. */
    condition: SignErrorCondition | undefined;
  }
  | {
    /** Give up on the request. */
    kind: "permanent";
    /** `true` when the error was ordinary but the retry window has passed. */
    retryWindowExceeded: boolean;
    /** The extra condition to persist, if the chain held one. */
    condition: SignErrorCondition | undefined;
  }
  | {
    /** An ordinary error inside the retry window: retry with back-off. */
    kind: "retryable";
    /** The extra condition to persist, if the chain held one. */
    condition: SignErrorCondition | undefined;
  };

/**
 * Inputs of {@linkcode classifySignError}.
 *
 * @example Never giving up
 * ```ts
 * import { classifySignError, type ClassifySignErrorOptions } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const options: ClassifySignErrorOptions = { now: Date.UTC(2030, 0, 1), retryDeadline: Infinity };
 * assert.equal(classifySignError(new Error("timeout"), options).kind, "retryable");
 * ```
 */
export interface ClassifySignErrorOptions {
  /** The current time, in milliseconds since the epoch. */
  now: number;
  /**
   * The end of the retry window in milliseconds since the epoch: an ordinary error after it
   * (strictly later) is permanent. `Infinity` never gives up; `-Infinity` never retries.
   */
  retryDeadline: number;
  /**
   * Says whether an error of the chain is permanent although it is not a
   * {@linkcode PermanentError}, e.g. a request-details error. Asked about every error of
   * the chain.
   */
  isPermanent?: (error: unknown) => boolean;
}

/**
 * Classifies an error thrown by `sign` with the precedence of spec §2.4 (first match
 * wins): an {@linkcode IssuerError} anywhere in the chain; otherwise a
 * {@linkcode SetCertificateRequestConditionError} contributes its condition and the
 * classification continues with a {@linkcode PendingError} (which wins over a permanent
 * error in the same chain), a {@linkcode PermanentError} (or an error `isPermanent`
 * accepts), the retry window having passed, and finally retryable.
 *
 * @param error What `sign` threw.
 * @param options The time, the retry deadline and an optional extra permanence test.
 * @returns What to do with the request.
 *
 * @example An ordinary error after the retry window is permanent
 * ```ts
 * import { classifySignError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const err = new Error("connection reset");
 * assert.equal(classifySignError(err, { now: 10, retryDeadline: 20 }).kind, "retryable");
 * assert.equal(classifySignError(err, { now: 21, retryDeadline: 20 }).kind, "permanent");
 * ```
 */
export function classifySignError(
  error: unknown,
  options: ClassifySignErrorOptions,
): SignErrorClass {
  const issuerError = findErrorInChain(error, IssuerError);
  if (issuerError !== undefined) return { kind: "issuer", cause: issuerError.cause };
  const set = findErrorInChain(error, SetCertificateRequestConditionError);
  const condition: SignErrorCondition | undefined = set === undefined ? undefined : {
    type: set.conditionType,
    status: set.status,
    reason: set.reason,
    message: errorMessage(error),
  };
  const pending = findErrorInChain(error, PendingError);
  if (pending !== undefined) {
    return {
      kind: "pending",
      requeueAfterMs: pending.requeueAfterMs,
      annotations: pending.annotations,
      condition,
    };
  }
  const isPermanent = options.isPermanent;
  for (const e of errorChain(error)) {
    if (e instanceof PermanentError || (isPermanent !== undefined && isPermanent(e))) {
      return { kind: "permanent", retryWindowExceeded: false, condition };
    }
  }
  if (options.now > options.retryDeadline) {
    return { kind: "permanent", retryWindowExceeded: true, condition };
  }
  return { kind: "retryable", condition };
}
