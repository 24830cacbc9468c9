/**
 * The reconcile contract: a function of a key that re-reads the state and either returns
 * `{ requeueAfterMs? }` or throws — a {@linkcode TerminalError} to stop retrying, any
 * other error to retry with backoff.
 *
 * @module
 */
import type { Logger } from "./logging.ts";
import type { Clock } from "../core/clock.ts";

/** What a reconcile is handed besides its key. */
export interface ReconcileContext {
  /**
   * Aborts when the reconcile timeout passes (reason: a `TimeoutError` `DOMException`) or
   * when shutdown runs out of grace; pass it to every request the reconcile makes.
   */
  signal: AbortSignal;
  /** A logger whose every line carries the controller, the key and a reconcile ID. */
  log: Logger;
  /** The controller's clock: read time only from it. */
  clock: Clock;
}

/**
 * How a successful reconcile ends: `{}` (or nothing) when the object is done, or
 * `{ requeueAfterMs }` to run again after that delay. A delay of zero or less means done.
 */
export interface ReconcileResult {
  /** Reconcile the key again after this many milliseconds (its backoff is reset). */
  requeueAfterMs?: number;
}

/**
 * Brings the object named by `key` to its desired state (controller-runtime's
 * `reconcile.Reconciler`). It is level-based: read everything it needs, act, return.
 * 1. Return `{}` (or nothing): done; the key's backoff is reset.
 * 2. Return `{ requeueAfterMs }`: done for now; the key is queued again after the delay.
 * 3. Throw: the key is retried with per-key exponential backoff.
 * 4. Throw a {@linkcode TerminalError} (or an error whose `cause` chain or
 *    `AggregateError` holds one): recorded and not retried; the backoff is not reset.
 *
 * @typeParam K The key type, usually `namespace/name`.
 *
 * @example A reconciler that waits for a field to be set
 * ```ts
 * import { libraryLogger, type Reconciler, TerminalError } from "@certkit/issuer-lib";
 * import { FakeClock } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const state = new Map([["default/a", "pending"], ["default/b", "broken"]]);
 * const reconcile: Reconciler<string> = async (key, ctx) => {
 *   const value = state.get(key);
 *   if (value === undefined) return {};
 *   if (value === "broken") throw new TerminalError(new Error(`${key} can never be issued`));
 *   ctx.log.debug("Waiting for {key}.", { key });
 *   return { requeueAfterMs: 30_000 };
 * };
 * const ctx = { signal: new AbortController().signal, log: libraryLogger("example"), clock: new FakeClock() };
 * assert.deepEqual(await reconcile("default/a", ctx), { requeueAfterMs: 30_000 });
 * await assert.rejects(reconcile("default/b", ctx), TerminalError);
 * ```
 */
export type Reconciler<K> = (
  key: K,
  ctx: ReconcileContext,
) => Promise<ReconcileResult | void>;

/**
 * An error that retrying cannot fix (controller-runtime's `reconcile.TerminalError`): the
 * controller counts and logs it and does not queue the key again. Its message is
 * `terminal error: <message of the wrapped error>`, as controller-runtime's.
 *
 * @example Wrapping a permanent failure
 * ```ts
 * import { isTerminalError, TerminalError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const error = new TerminalError(new Error("the CSR is not valid PEM"));
 * assert.equal(error.message, "terminal error: the CSR is not valid PEM");
 * assert.equal(error.name, "TerminalError");
 * assert.ok(isTerminalError(error));
 * ```
 */
export class TerminalError extends Error {
  /**
   * Wraps an error.
   *
   * @param error The error to stop retrying on; it becomes `cause`. A non-`Error`
   *   value is described with `String(value)`.
   */
  constructor(error: unknown) {
    super(`terminal error: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
    this.name = "TerminalError";
  }
}

/**
 * Whether `error` is terminal: a {@linkcode TerminalError}, or an error whose `cause`
 * chain or `AggregateError.errors` (at any depth) holds one — JavaScript's equivalents of
 * Go's wrapped and joined errors, which `errors.Is` searches.
 *
 * @param error Anything thrown.
 * @returns `true` when the key must not be retried.
 *
 * @example A failed status write aggregated with a terminal error is terminal
 * ```ts
 * import { isTerminalError, TerminalError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const write = new Error("the status write failed");
 * const terminal = new TerminalError(new Error("the request was denied"));
 * assert.ok(isTerminalError(new AggregateError([write, terminal], "two errors")));
 * assert.ok(isTerminalError(new Error("wrapped", { cause: terminal })));
 * assert.ok(!isTerminalError(write));
 * ```
 */
export function isTerminalError(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === null || typeof next !== "object" || seen.has(next)) continue;
    seen.add(next);
    if (next instanceof TerminalError) return true;
    if (next instanceof AggregateError && Array.isArray(next.errors)) pending.push(...next.errors);
    if (next instanceof Error && next.cause !== undefined) pending.push(next.cause);
  }
  return false;
}

const PANIC_CLASSES = [TypeError, ReferenceError, RangeError, SyntaxError, EvalError, URIError];

/**
 * Whether a thrown value is JavaScript's equivalent of a Go panic: a programming error
 * rather than a failure the reconciler reports. Those are values that are not `Error`
 * objects (`throw "text"`), and the engine's own error classes (`TypeError`,
 * `ReferenceError`, `RangeError`, `SyntaxError`, `EvalError`, `URIError`), which
 * JavaScript throws where Go would panic (a property of `undefined`, a call of a
 * non-function, a stack overflow) and which this library throws on API misuse. The
 * controller counts them in `controller_runtime_reconcile_panics_total` and retries them
 * with backoff like any other error. A terminal error is never a panic.
 *
 * @param error Anything thrown.
 * @returns `true` for a programming error.
 *
 * @example Reading a property of undefined
 * ```ts
 * import { isReconcilePanic } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const missing = undefined as unknown as { spec: { name: string } };
 * let thrown: unknown;
 * try {
 *   missing.spec.name;
 * } catch (e) {
 *   thrown = e;
 * }
 * assert.ok(isReconcilePanic(thrown));
 * assert.ok(!isReconcilePanic(new Error("the API server answered 500")));
 * ```
 */
export function isReconcilePanic(error: unknown): boolean {
  if (!(error instanceof Error)) return true;
  if (isTerminalError(error)) return false;
  return PANIC_CLASSES.some((c) => error instanceof c);
}
