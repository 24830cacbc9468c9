/**
 * Shared by the reconcilers: reading a cache by key, and a decision's result in the
 * controller's terms.
 *
 * @module
 */

import { type ReconcileResult, TerminalError } from "../runtime/reconciler.ts";
import type { DecisionResult } from "./outcome.ts";

/** Reads objects from a cache by key. */
export interface CacheReader<T> {
  /** The object cached under `key` (`namespace/name`, or `name`), or `undefined`. */
  get(key: string): T | undefined;
}

/**
 * A decision's result in the controller's terms: return a delay (or nothing), or throw —
 * a {@linkcode TerminalError} for a terminal result.
 *
 * @param result The decision's result after the writes.
 * @returns What the reconcile returns.
 * @throws The result's error, wrapped in a `TerminalError` when terminal.
 */
export function toReconcileResult(result: DecisionResult): ReconcileResult {
  if ("error" in result) throw result.terminal ? new TerminalError(result.error) : result.error;
  return result.requeueAfterMs !== undefined && result.requeueAfterMs > 0
    ? { requeueAfterMs: result.requeueAfterMs }
    : {};
}
