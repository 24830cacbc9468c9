/**
 * The issuer reconcilers' decision (spec §7), in two pure phases the reconciler calls in
 * order:
 *
 * 1. Take the reported error for (type, key) from the reported-error channel — first, so
 *    the entry is always cleared. Read the issuer (not found → done; other error → back
 *    off with `unexpected get error: <err>`). Call the `ignoreIssuer` hook (error → back
 *    off with `failed to check if issuer should be ignored: <err>`; `true` → done).
 * 2. {@linkcode decideIssuerBeforeCheck}`(issuer, type, reported, options, now)` — on
 *    `"ignore"` stop; on `"done"` act on the outcome; on `"needCheck"` call `check`, then
 * 3. {@linkcode decideIssuerAfterCheck}`(issuer, type, checkOutcome, options, now)` and act
 *    on the outcome: write `patch` (status apply), record `events`, return
 *    `resultAfterWrite(outcome.result, write)`.
 *
 * Differences from the Go library: a Ready issuer is re-checked every
 * {@linkcode DEFAULT_ISSUER_RECHECK_INTERVAL_MS} (configurable per type and per
 * controller; 0 turns it off), so a CA that breaks is noticed before a request fails on
 * it (difference 11). A check whose result equals the current Ready condition writes
 * nothing and records no event: the `Checked` event is recorded only when Ready changes
 * (a transition to Ready, or a new generation checked) — the Go library re-emits it on
 * every reconcile. An invalid max-retry-duration annotation is reported with a
 * `Warning InvalidMaxRetryDuration` event on every check, so it stays visible.
 *
 * @module
 */

import { findCondition, setIssuerCondition } from "./conditions.ts";
import { errorMessage, findErrorInChain, PermanentError } from "./errors.ts";
import type { IssuerObject, IssuerType } from "./issuer_type.ts";
import { type DecisionEvent, type DecisionResult, errorResult } from "./outcome.ts";
import { invalidAnnotationEvent, resolveMaxRetryDuration } from "./retry_window.ts";
import { type IssuerStatusPatch, patchChangesStatus } from "./status_patch.ts";

/**
 * The default interval of the periodic re-check of Ready issuers: ten minutes. A check
 * usually costs one call to the CA, so a hundred issuers cost a call every six seconds;
 * a broken CA is noticed within ten minutes, well before most certificates are due for
 * renewal (at two thirds of their lifetime). Set `recheckIntervalMs` on the issuer type or
 * the controller to change it; 0 turns the re-check off.
 *
 * @example The default in minutes
 * ```ts
 * import { DEFAULT_ISSUER_RECHECK_INTERVAL_MS } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(DEFAULT_ISSUER_RECHECK_INTERVAL_MS / 60_000, 10);
 * ```
 */
export const DEFAULT_ISSUER_RECHECK_INTERVAL_MS = 10 * 60_000;

/** The options of the issuer decision. */
export interface IssuerDecisionOptions {
  /** The field manager: quoted in the Initializing message. */
  fieldManager: string;
  /** The controller-wide re-check interval (the type's `recheckIntervalMs` wins). */
  recheckIntervalMs?: number | undefined;
  /** The controller-wide retry window, named in the invalid-annotation warning. */
  maxRetryDurationMs?: number | undefined;
}

/** What the issuer reconciler does at the end of a reconcile. */
export interface IssuerOutcome {
  /** The status to apply, or `undefined` when nothing changes. */
  patch: IssuerStatusPatch | undefined;
  /** Events to record on the issuer. */
  events: DecisionEvent[];
  /** How the reconcile ends. */
  result: DecisionResult;
}

/** Phase 1's answer. */
export type IssuerBeforeCheckDecision =
  | { kind: "ignore"; reason: string }
  | { kind: "done"; outcome: IssuerOutcome }
  | { kind: "needCheck" };

/** What `check` did. */
export type CheckOutcome = { ok: true } | { ok: false; error: unknown };

/**
 * Phase 1 (spec §7 steps 4–7): stop on a permanent failure of this generation; write the
 * Initializing condition to an issuer without Ready; use a reported error instead of
 * `check` when the issuer is Ready.
 *
 * @param issuer The issuer, or `undefined` when it was not found.
 * @param type Its type.
 * @param reported The reported error taken from the channel, if any.
 * @param options The decision options.
 * @param now The current time, in milliseconds since the epoch.
 * @returns `ignore`, an outcome, or `needCheck`.
 */
export function decideIssuerBeforeCheck(
  issuer: IssuerObject | undefined,
  type: IssuerType,
  reported: { error: unknown } | undefined,
  options: IssuerDecisionOptions,
  now: number,
): IssuerBeforeCheckDecision {
  if (issuer === undefined) return { kind: "ignore", reason: "the issuer was not found" };
  const generation = issuer.metadata.generation ?? 0;
  const ready = findCondition(issuer.status?.conditions, "Ready");
  if (
    ready !== undefined && ready.status === "False" && ready.reason === "Failed" &&
    (ready.observedGeneration ?? 0) >= generation
  ) {
    return { kind: "ignore", reason: "the issuer failed permanently at this generation" };
  }
  if (ready === undefined) {
    const { conditions } = setIssuerCondition(
      [],
      [],
      {
        type: "Ready",
        status: "Unknown",
        reason: "Initializing",
        message: `${options.fieldManager} has started reconciling this Issuer`,
      },
      generation,
      now,
    );
    return { kind: "done", outcome: { patch: { conditions }, events: [], result: {} } };
  }
  if (ready.status === "True" && reported !== undefined) {
    return {
      kind: "done",
      outcome: decideIssuerAfterCheck(
        issuer,
        type,
        { ok: false, error: reported.error },
        options,
        now,
      ),
    };
  }
  return { kind: "needCheck" };
}

/**
 * Phase 2 (spec §7 steps 8–10, with the periodic re-check): Ready `True`/`Checked`,
 * `False`/`Failed` (permanent, terminal) or `False`/`Pending` (back-off).
 *
 * @param issuer The issuer.
 * @param type Its type.
 * @param check What `check` did (or the reported error).
 * @param options The decision options.
 * @param now The current time, in milliseconds since the epoch.
 * @returns The outcome.
 */
export function decideIssuerAfterCheck(
  issuer: IssuerObject,
  type: IssuerType,
  check: CheckOutcome,
  options: IssuerDecisionOptions,
  now: number,
): IssuerOutcome {
  const generation = issuer.metadata.generation ?? 0;
  const current = issuer.status?.conditions;
  let input;
  let event: DecisionEvent;
  let result: DecisionResult;
  if (check.ok) {
    const message = "Succeeded checking the issuer";
    input = { type: "Ready", status: "True" as const, reason: "Checked", message };
    event = { type: "Normal", reason: "Checked", action: "Synced", note: message };
    const interval = type.recheckIntervalMs ?? options.recheckIntervalMs ??
      DEFAULT_ISSUER_RECHECK_INTERVAL_MS;
    result = interval > 0 ? { requeueAfterMs: interval } : {};
  } else if (findErrorInChain(check.error, PermanentError) !== undefined) {
    const message = `Failed permanently: ${errorMessage(check.error)}`;
    input = { type: "Ready", status: "False" as const, reason: "Failed", message };
    event = { type: "Warning", reason: "PermanentError", action: "SyncFailed", note: message };
    result = errorResult(check.error, true);
  } else {
    const message = `Not ready yet: ${errorMessage(check.error)}`;
    input = { type: "Ready", status: "False" as const, reason: "Pending", message };
    event = { type: "Warning", reason: "RetryableError", action: "SyncFailed", note: message };
    result = errorResult(check.error, false);
  }
  const { conditions } = setIssuerCondition([], current, input, generation, now);
  const changed = patchChangesStatus(issuer.status, { conditions });
  const warning = invalidAnnotationEvent(
    resolveMaxRetryDuration(issuer, type, options.maxRetryDurationMs),
  );
  return {
    patch: changed ? { conditions } : undefined,
    events: [...(changed ? [event] : []), ...(warning !== undefined ? [warning] : [])],
    result,
  };
}
