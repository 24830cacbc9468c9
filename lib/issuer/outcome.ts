/**
 * What a decision asks the reconciler to do besides the status patch: the Kubernetes
 * events to record and the reconcile result; and how a failed status write changes that
 * result (spec §5.4, with the spec's difference 6).
 *
 * @module
 */

import { errorMessage } from "./errors.ts";

/**
 * A Kubernetes event to record on the reconciled object (`events.k8s.io/v1`; related
 * object none). The note is plain text, never a format string (the spec's difference 12).
 */
export interface DecisionEvent {
  /** `Normal` or `Warning`. */
  type: "Normal" | "Warning";
  /** A PascalCase reason, such as `Issued`. */
  reason: string;
  /** `Synced` or `SyncFailed`. */
  action: "Synced" | "SyncFailed";
  /** A sentence for a human. */
  note: string;
}

/**
 * How a reconcile ends, in controller-runtime's terms:
 * - `{}` — done; forget the key's back-off;
 * - `{ requeueAfterMs }` — done; run again after that delay;
 * - `{ error, terminal: false }` — failed; retry with per-key back-off;
 * - `{ error, terminal: true }` — failed; record it (`terminal error: <message>`) and do
 *   not retry.
 */
export type DecisionResult =
  | { requeueAfterMs?: number }
  | { error: Error; terminal: boolean };

/** How the status write of a decision went. */
export type WriteResult =
  | { ok: true }
  | {
    ok: false;
    /** The write error. */
    error: unknown;
    /** `true` when the server said the object is gone (404). */
    notFound: boolean;
  };

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(errorMessage(error));
}

/**
 * The result of a reconcile after its status write (spec §5.4): a successful write, or a
 * write that found the object gone, keeps the decision's result; any other write failure
 * becomes a retryable error that aggregates the write error and the decision's error —
 * **even when the decision was terminal**, so a permanent failure is retried until it is
 * persisted (the spec's difference 6; the Go library lost it).
 *
 * @param result The decision's result.
 * @param write How the write went.
 * @returns The result the controller should act on.
 */
export function resultAfterWrite(result: DecisionResult, write: WriteResult): DecisionResult {
  if (write.ok || write.notFound) return result;
  const errors = [asError(write.error), ...("error" in result ? [result.error] : [])];
  const message = errors.map((e) => e.message).join("; ");
  return { error: new AggregateError(errors, message), terminal: false };
}

/**
 * The result when reporting an issuer error failed (spec §6 step 15): back off with
 * `unexpected ReportError error: <err>`, and write nothing.
 *
 * @param error What the reported-error channel threw.
 * @returns A retryable error result.
 */
export function resultAfterReportFailure(error: unknown): DecisionResult {
  return {
    error: new Error(`unexpected ReportError error: ${errorMessage(error)}`, { cause: error }),
    terminal: false,
  };
}

/** A retryable result for `cause`, with a message prefix. */
export function backoff(prefix: string, cause: unknown): DecisionResult {
  return { error: new Error(`${prefix}${errorMessage(cause)}`, { cause }), terminal: false };
}

/** The error result for a `sign` or `check` error: the error itself (or one with its message). */
export function errorResult(error: unknown, terminal: boolean): DecisionResult {
  return { error: asError(error), terminal };
}
