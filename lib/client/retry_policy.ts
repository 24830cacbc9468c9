/**
 * When the client sends a request again, and after how long: a pure decision from the
 * method, the attempt number and what came back, so every branch is a table test.
 *
 * @module
 */

/** How the client retries. */
export interface RetryOptions {
  /** How many times a request is sent again at most (default 10, as client-go). */
  maxRetries?: number;
  /** The first backoff delay when the server gave no `Retry-After` (default 500 ms). */
  initialDelayMs?: number;
  /** The largest backoff delay (default 10 s); a server's `Retry-After` is honoured in full. */
  maxDelayMs?: number;
}

/** What happened to one attempt. */
export type AttemptOutcome =
  | { kind: "response"; code: number; retryAfterSeconds?: number }
  | { kind: "network-error" };

/** The decision: retry after `delayMs`, or give up. */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Decides whether to send a request again:
 * 1. `429 TooManyRequests`: always (the server did not process it), after `Retry-After`
 *    or the backoff.
 * 2. `5xx` with `Retry-After`: always, as client-go does (the server asks for it).
 * 3. `5xx` without it: only idempotent methods (`GET`, `HEAD`, `OPTIONS`, `PUT`, `DELETE`).
 * 4. A network error (`fetch` rejected with a `TypeError`: reset, refused): only safe methods (`GET`, `HEAD`,
 *    `OPTIONS`), as client-go retries only `GET` on connection resets.
 * 5. Anything else, or once `maxRetries` retries were made: give up.
 *
 * The backoff doubles from `initialDelayMs` up to `maxDelayMs`, with up to 20 % jitter
 * drawn from `random`.
 *
 * @param method The HTTP method.
 * @param retriesSoFar How many retries were already made (0 after the first attempt).
 * @param outcome What the last attempt got.
 * @param options Limits and delays.
 * @param random A number in [0, 1) for jitter.
 * @returns Whether to retry, and after how long.
 *
 * @example A 503 with Retry-After on a POST
 * ```ts
 * import { decideRetry } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const decision = decideRetry("POST", 0, { kind: "response", code: 503, retryAfterSeconds: 2 }, {}, () => 0);
 * assert.deepEqual(decision, { retry: true, delayMs: 2000 });
 * assert.deepEqual(decideRetry("POST", 0, { kind: "response", code: 500 }, {}, () => 0), { retry: false });
 * ```
 */
export function decideRetry(
  method: string,
  retriesSoFar: number,
  outcome: AttemptOutcome,
  options: RetryOptions,
  random: () => number,
): RetryDecision {
  const maxRetries = options.maxRetries ?? 10;
  if (retriesSoFar >= maxRetries) return { retry: false };
  const upper = method.toUpperCase();
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const backoff = () => {
    const base = (options.initialDelayMs ?? 500) * 2 ** retriesSoFar;
    const capped = Math.min(base, maxDelayMs);
    return { retry: true as const, delayMs: Math.round(capped * (1 + 0.2 * random())) };
  };
  if (outcome.kind === "network-error") return SAFE.has(upper) ? backoff() : { retry: false };
  const { code, retryAfterSeconds } = outcome;
  const serverAsked = retryAfterSeconds !== undefined;
  if (code === 429 || (code >= 500 && serverAsked)) {
    if (!serverAsked) return backoff();
    return { retry: true, delayMs: Math.max(0, retryAfterSeconds) * 1000 };
  }
  if (code >= 500 && IDEMPOTENT.has(upper)) return backoff();
  return { retry: false };
}

/**
 * Reads a `Retry-After` header: whole seconds, or an HTTP date relative to `now`.
 *
 * @param value The header value, or `null` when absent.
 * @param now The current time in milliseconds since the epoch.
 * @returns Seconds to wait (never negative), or `undefined` when absent or unreadable.
 *
 * @example Seconds and dates
 * ```ts
 * import { parseRetryAfter } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(parseRetryAfter("3", 0), 3);
 * assert.equal(parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 4_000), 6);
 * assert.equal(parseRetryAfter("soon", 0), undefined);
 * ```
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
