/**
 * How long ordinary `sign` errors are retried, and how often a pending request is polled
 * (the spec's difference 4).
 *
 * **The retry window.** An ordinary (not pending, not permanent) `sign` error is retried
 * with back-off until the window has passed, then the request fails permanently. The
 * window is, first match wins:
 * 1. the issuer object's {@linkcode MAX_RETRY_DURATION_ANNOTATION} annotation (Go duration
 *    syntax, such as `30m` or `2h`; `0` fails on the first ordinary error);
 * 2. the issuer type's `maxRetryDurationMs`;
 * 3. the controller's `maxRetryDurationMs` option;
 * 4. {@linkcode DEFAULT_MAX_RETRY_DURATION_MS}, one hour.
 *
 * An annotation that does not parse, or is negative, is ignored (the next rule applies)
 * and the issuer reconciler records a `Warning InvalidMaxRetryDuration` event on the
 * issuer. It is not an error: a typo in an annotation should not stop an issuer that
 * otherwise works, and the event says what was ignored and which window applies.
 *
 * The window starts at the later of the request's creation and its approval (the
 * `Approved` condition's `lastTransitionTime`), so time spent waiting for an approver does
 * not use it up. A request with neither time (never the case on a real server) has no
 * window left, as in the Go library.
 *
 * **Pending polls.** A `PendingError` never runs out of time. Its `requeueAfterMs` is the
 * first delay; while the request stays pending the delay grows to the time the request
 * has been pending so far (so it roughly doubles per poll), capped at
 * {@linkcode DEFAULT_PENDING_POLL_CAP_MS} (five minutes) unless the signer asked for more.
 *
 * @module
 */

import type { KubeObject } from "../client/object.ts";
import { formatGoDuration } from "./_go_duration.ts";
import { parseGoDuration } from "./certificate/go_duration.ts";
import { goQuote } from "./_go_quote.ts";
import { errorMessage } from "./errors.ts";
import type { IssuerType } from "./issuer_type.ts";
import type { DecisionEvent } from "./outcome.ts";
import { approvalTime, creationTime, type SigningRequest } from "./request.ts";

/**
 * The issuer annotation that overrides the retry window for requests it signs, in Go
 * duration syntax (`30m`, `2h`, `0`).
 *
 * @example Giving one issuer a longer retry window
 * ```ts
 * import { MAX_RETRY_DURATION_ANNOTATION } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const metadata = { name: "slow-ca", annotations: { [MAX_RETRY_DURATION_ANNOTATION]: "6h" } };
 * assert.equal(MAX_RETRY_DURATION_ANNOTATION, "issuer-lib.certkit.dev/max-retry-duration");
 * assert.equal(metadata.annotations[MAX_RETRY_DURATION_ANNOTATION], "6h");
 * ```
 */
export const MAX_RETRY_DURATION_ANNOTATION = "issuer-lib.certkit.dev/max-retry-duration";

/**
 * The default retry window: one hour (the Go library's default is 0, which fails a
 * request on its first transient error).
 *
 * Why an hour: failing sooner does not bring the certificate sooner — after a failed
 * request cert-manager waits an hour before it creates the next one for the same
 * Certificate — while it turns a short CA or network outage into an hour-long one. With
 * controller-runtime's per-key back-off (capped at 1000 s) an hour still gives a request
 * more than a dozen attempts. Issuers whose errors are mostly final can set a shorter
 * window per type or per issuer.
 *
 * @example The default in minutes
 * ```ts
 * import { DEFAULT_MAX_RETRY_DURATION_MS } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(DEFAULT_MAX_RETRY_DURATION_MS / 60_000, 60);
 * ```
 */
export const DEFAULT_MAX_RETRY_DURATION_MS = 60 * 60_000;

/**
 * The longest delay between two polls of a pending request, unless the signer's
 * `PendingError` asked for a longer one: five minutes. A signer waiting on something slow
 * (a human approval at an external CA) is polled at most twelve times an hour; one that
 * is nearly done is polled again after the delay it asked for.
 *
 * @example The cap in minutes
 * ```ts
 * import { DEFAULT_PENDING_POLL_CAP_MS } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(DEFAULT_PENDING_POLL_CAP_MS / 60_000, 5);
 * ```
 */
export const DEFAULT_PENDING_POLL_CAP_MS = 5 * 60_000;

/** Where the retry window of a request comes from; see {@linkcode resolveMaxRetryDuration}. */
export interface MaxRetryDuration {
  /** The window in milliseconds. */
  ms: number;
  /** Which rule gave it. */
  source: "annotation" | "issuerType" | "options" | "default";
  /** Why the annotation was ignored, when it was present but invalid. */
  invalidAnnotation: string | undefined;
}

/**
 * Resolves the retry window for requests signed by an issuer (see the module doc).
 *
 * @param issuer The issuer object (its annotations are read).
 * @param type The issuer's type.
 * @param optionMs The controller-wide option, if set.
 * @returns The window, where it came from, and why an annotation was ignored.
 */
export function resolveMaxRetryDuration(
  issuer: KubeObject | undefined,
  type: IssuerType,
  optionMs: number | undefined,
): MaxRetryDuration {
  const fallback: Omit<MaxRetryDuration, "invalidAnnotation"> =
    type.maxRetryDurationMs !== undefined
      ? { ms: type.maxRetryDurationMs, source: "issuerType" }
      : optionMs !== undefined
      ? { ms: optionMs, source: "options" }
      : { ms: DEFAULT_MAX_RETRY_DURATION_MS, source: "default" };
  const text = issuer?.metadata.annotations?.[MAX_RETRY_DURATION_ANNOTATION];
  if (text === undefined) return { ...fallback, invalidAnnotation: undefined };
  let problem: string;
  try {
    const ms = parseGoDuration(text.trim());
    if (ms >= 0) return { ms, source: "annotation", invalidAnnotation: undefined };
    problem = `the duration must not be negative, got ${goQuote(text)}`;
  } catch (e) {
    problem = errorMessage(e);
  }
  return {
    ...fallback,
    invalidAnnotation: `The annotation ${MAX_RETRY_DURATION_ANNOTATION} is ignored: ${problem}. ` +
      `Requests use a retry window of ${formatGoDuration(fallback.ms)}.`,
  };
}

/**
 * The event that tells an operator an issuer's retry-window annotation was ignored.
 *
 * @param resolved The resolved window.
 * @returns A `Warning InvalidMaxRetryDuration` event, or `undefined` when the annotation
 * is absent or valid.
 */
export function invalidAnnotationEvent(resolved: MaxRetryDuration): DecisionEvent | undefined {
  if (resolved.invalidAnnotation === undefined) return undefined;
  return {
    type: "Warning",
    reason: "InvalidMaxRetryDuration",
    action: "Synced",
    note: resolved.invalidAnnotation,
  };
}

/**
 * When the retry window of a request starts: the later of its creation and its approval.
 *
 * @param request The request.
 * @returns Milliseconds since the epoch, or `-Infinity` when neither time is known.
 */
export function retryWindowStart(request: SigningRequest): number {
  return Math.max(creationTime(request) ?? -Infinity, approvalTime(request) ?? -Infinity);
}

/**
 * The delay before polling a pending request again (see the module doc).
 *
 * @param requestedMs The delay the `PendingError` asked for.
 * @param pendingSince Since when the request has been pending, or `undefined` when this is
 * its first pending answer.
 * @param now The current time.
 * @param capMs The longest delay the library chooses by itself.
 * @returns The delay in milliseconds.
 */
export function pendingRequeueAfterMs(
  requestedMs: number,
  pendingSince: number | undefined,
  now: number,
  capMs: number,
): number {
  if (pendingSince === undefined || !Number.isFinite(pendingSince)) return requestedMs;
  return Math.max(requestedMs, Math.min(capMs, now - pendingSince));
}
