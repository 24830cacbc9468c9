/**
 * The four error kinds a `check` or `sign` function throws to tell the library whether to
 * retry, wait or stop (spec §2.4), and the error-chain search that finds them (see
 * `classify_sign_error.ts` for how a `sign` error is classified).
 *
 * Each kind wraps an inner error: its `message` is exactly the inner error's message and
 * the inner error is its `cause`. Detection searches the whole cause chain (and the
 * members of an `AggregateError`), like Go's `errors.As`, so code may wrap them further.
 *
 * @module
 */

import type { ConditionStatus } from "./conditions.ts";

const CONDITION_STATUSES: readonly string[] = ["True", "False", "Unknown"];

function messageOf(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

/**
 * `check` or `sign` cannot succeed until the resource itself changes. A request is marked
 * failed and not retried; an issuer is marked `Failed` until its `metadata.generation`
 * changes.
 *
 * @example Failing a request for good
 * ```ts
 * import { PermanentError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const err = new PermanentError(new Error("the CA does not issue for example.org"));
 * assert.equal(err.message, "the CA does not issue for example.org");
 * assert.equal(err.name, "PermanentError");
 * ```
 */
export class PermanentError extends Error {
  /** The class name, `PermanentError`. */
  override name = "PermanentError";

  /**
   * Wraps an error as permanent.
   *
   * @param cause The inner error (or text); the message is its message.
   */
  constructor(cause: unknown) {
    super(messageOf(cause), { cause });
  }
}

/**
 * Options of a {@linkcode PendingError}.
 *
 * @example Remembering an order between polls
 * ```ts
 * import { PendingError, type PendingErrorOptions } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const options: PendingErrorOptions = { requeueAfterMs: 10_000, annotations: { "ca.example.com/order": "17" } };
 * const err = new PendingError("order 17 is processing", options);
 * assert.equal(err.annotations?.["ca.example.com/order"], "17");
 * ```
 */
export interface PendingErrorOptions {
  /** When to call `sign` again, in milliseconds; 0 or absent means 1 second. */
  requeueAfterMs?: number;
  /**
   * Annotations to persist on the request while it is pending, such as an external CA's
   * pickup ID, so the next `sign` call can find them.
   */
  annotations?: Record<string, string>;
}

/**
 * `sign` has started but is not finished: the request stays `Pending` and `sign` is called
 * again after {@linkcode PendingError.requeueAfterMs} (the library backs off from there
 * while the request stays pending). Pending requests never run out of retry time.
 *
 * @example Asking to be called again in 30 seconds
 * ```ts
 * import { PendingError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const err = new PendingError("order 17 is still processing", { requeueAfterMs: 30_000 });
 * assert.equal(err.requeueAfterMs, 30_000);
 * assert.equal(new PendingError("busy").requeueAfterMs, 1000);
 * ```
 */
export class PendingError extends Error {
  /** The class name, `PendingError`. */
  override name = "PendingError";
  /** When to call `sign` again, in milliseconds (1000 when none was given). */
  readonly requeueAfterMs: number;
  /** Annotations to persist on the request while it is pending. */
  readonly annotations: Readonly<Record<string, string>> | undefined;

  /**
   * Wraps an error as pending.
   *
   * @param cause The inner error (or text); the message is its message.
   * @param options When to retry, and annotations to persist.
   * @throws {RangeError} When `requeueAfterMs` is negative or not finite.
   */
  constructor(cause: unknown, options: PendingErrorOptions = {}) {
    super(messageOf(cause), { cause });
    const after = options.requeueAfterMs ?? 0;
    if (!Number.isFinite(after) || after < 0) {
      throw new RangeError(
        `PendingError: requeueAfterMs must be a finite number of milliseconds >= 0, got ${after}`,
      );
    }
    this.requeueAfterMs = after === 0 ? 1000 : after;
    this.annotations = options.annotations === undefined ? undefined : { ...options.annotations };
  }
}

/**
 * The problem is the issuer's, not the request's (something `check` should have caught).
 * The inner error is reported to the issuer, which goes not-ready with that message and
 * re-checks; the request waits for the issuer to be ready again.
 *
 * @example Reporting a CA outage from `sign`
 * ```ts
 * import { IssuerError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const err = new IssuerError(new Error("CA token expired"));
 * assert.equal(err.message, "CA token expired");
 * ```
 */
export class IssuerError extends Error {
  /** The class name, `IssuerError`. */
  override name = "IssuerError";

  /**
   * Wraps an error as the issuer's problem.
   *
   * @param cause The inner error (or text); the message is its message.
   */
  constructor(cause: unknown) {
    super(messageOf(cause), { cause });
  }
}

/**
 * The condition a {@linkcode SetCertificateRequestConditionError} persists.
 *
 * @example A condition to set
 * ```ts
 * import type { ConditionToSet } from "@certkit/issuer-lib";
 *
 * const placed: ConditionToSet = { conditionType: "ca.example.com/Placed", status: "True", reason: "Placed" };
 * if (placed.status !== "True") throw new Error("unexpected");
 * ```
 */
export interface ConditionToSet {
  /** The condition type, such as `example.com/OrderPlaced`. */
  conditionType: string;
  /** The condition status. */
  status: ConditionStatus;
  /** The condition reason (PascalCase). */
  reason: string;
}

/**
 * Persists an extra condition on the request (its message is this error's message), then
 * lets the inner error decide what happens: it may wrap a {@linkcode PendingError} or a
 * {@linkcode PermanentError}; otherwise the error is retryable.
 *
 * @example Recording that an order was placed, and waiting
 * ```ts
 * import { PendingError, SetCertificateRequestConditionError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const err = new SetCertificateRequestConditionError(new PendingError("order placed"), {
 *   conditionType: "example.com/OrderPlaced",
 *   status: "True",
 *   reason: "Placed",
 * });
 * assert.equal(err.message, "order placed");
 * assert.equal(err.conditionType, "example.com/OrderPlaced");
 * ```
 */
export class SetCertificateRequestConditionError extends Error {
  /** The class name, `SetCertificateRequestConditionError`. */
  override name = "SetCertificateRequestConditionError";
  /** The condition type to set. */
  readonly conditionType: string;
  /** The condition status to set. */
  readonly status: ConditionStatus;
  /** The condition reason to set. */
  readonly reason: string;

  /**
   * Wraps an error with a condition to persist.
   *
   * @param cause The inner error (or text); the message is its message.
   * @param condition The condition's type, status and reason.
   * @throws {TypeError} When the type or reason is empty or the status is not
   * `True`, `False` or `Unknown`.
   */
  constructor(cause: unknown, condition: ConditionToSet) {
    super(messageOf(cause), { cause });
    if (condition.conditionType === "") {
      throw new TypeError("SetCertificateRequestConditionError: conditionType must not be empty");
    }
    if (!CONDITION_STATUSES.includes(condition.status)) {
      throw new TypeError(
        `SetCertificateRequestConditionError: status must be "True", "False" or "Unknown", got ${
          JSON.stringify(condition.status)
        }`,
      );
    }
    if (condition.reason === "") {
      throw new TypeError("SetCertificateRequestConditionError: reason must not be empty");
    }
    this.conditionType = condition.conditionType;
    this.status = condition.status;
    this.reason = condition.reason;
  }
}

/**
 * Visits an error and everything it wraps, depth first: the error itself, the members of
 * an `AggregateError`, then its `cause`. Each error is visited once, even in a cycle.
 *
 * @param error The outermost error.
 * @returns The errors of the chain, outermost first.
 *
 * @example Walking a wrapped error
 * ```ts
 * import { errorChain, PermanentError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const inner = new Error("bad");
 * const chain = [...errorChain(new Error("outer", { cause: new PermanentError(inner) }))];
 * assert.equal(chain.length, 3);
 * assert.equal(chain[2], inner);
 * ```
 */
export function* errorChain(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current === undefined || seen.has(current)) continue;
    seen.add(current);
    yield current;
    if (!(current instanceof Error)) continue;
    const next: unknown[] = [];
    if (current instanceof AggregateError) next.push(...current.errors);
    if (current.cause !== undefined) next.push(current.cause);
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]);
  }
}

/**
 * Finds the first error of a class in an error's chain, like Go's `errors.As`.
 *
 * @param error The outermost error.
 * @param type The class to look for.
 * @returns The first error of that class, or `undefined`.
 *
 * @example Finding a pending error someone wrapped
 * ```ts
 * import { findErrorInChain, PendingError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const err = new Error("CA said", { cause: new PendingError("wait", { requeueAfterMs: 5000 }) });
 * assert.equal(findErrorInChain(err, PendingError)?.requeueAfterMs, 5000);
 * ```
 */
export function findErrorInChain<T>(
  error: unknown,
  type: abstract new (...args: never[]) => T,
): T | undefined {
  for (const e of errorChain(error)) if (e instanceof type) return e;
  return undefined;
}

/**
 * The message of anything thrown: an `Error`'s message, or the value as text. The library
 * quotes `sign` and `check` errors with it (the spec's `<err>`).
 *
 * @param error What was thrown.
 * @returns Its message.
 *
 * @example Messages of errors and other values
 * ```ts
 * import { errorMessage } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(errorMessage(new Error("boom")), "boom");
 * assert.equal(errorMessage("plain text"), "plain text");
 * ```
 */
export function errorMessage(error: unknown): string {
  return messageOf(error);
}
