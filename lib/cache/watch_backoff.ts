/**
 * The delay a watcher waits after a failed list or watch: client-go's reflector
 * schedule (800 ms doubling to 30 s, full jitter on top, reset after 2 minutes without
 * a failure), as a pure function of the previous state, the time and a random number.
 *
 * @module
 */

/** The shape of the schedule. Every field has client-go's reflector default. */
export interface WatchBackoffOptions {
  /** The first delay before jitter (default 800 ms). */
  initialMs?: number;
  /** The largest delay before jitter (default 30 s). */
  maxMs?: number;
  /** How much each failure multiplies the delay (default 2). */
  factor?: number;
  /**
   * How much jitter is added: a delay `d` becomes `d + random · jitter · d`
   * (default 1, so a delay lies in `[d, 2d)`, as client-go's `wait.Jitter`).
   */
  jitter?: number;
  /** A failure this long after the previous one starts again from `initialMs` (default 2 min). */
  resetAfterMs?: number;
}

/** Where the schedule stands: the next delay before jitter, and when the last one was handed out. */
export interface WatchBackoffState {
  /** The next delay before jitter, in milliseconds. */
  readonly nextMs: number;
  /** When the previous delay was handed out (the caller's clock), in milliseconds. */
  readonly lastAt: number;
}

/** The delay to wait now, and the state to pass next time. */
export interface WatchBackoffStep {
  /** How long to wait, in milliseconds (jitter included, rounded). */
  readonly delayMs: number;
  /** The state for the next failure. */
  readonly state: WatchBackoffState;
}

/**
 * client-go's reflector schedule (`NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0)`)
 * and kube-rs' `DefaultBackoff`.
 */
export const DEFAULT_WATCH_BACKOFF: Readonly<Required<WatchBackoffOptions>> = Object.freeze({
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 1,
  resetAfterMs: 120_000,
});

/**
 * Computes the delay after a failure. Without a previous state, or when more than
 * `resetAfterMs` passed since the previous delay was handed out (the watch was healthy
 * that long), the schedule starts again from `initialMs`.
 *
 * @param previous The state the previous call returned, or `undefined` for the first failure.
 * @param now The current time in milliseconds (from the injected clock).
 * @param random A number in `[0, 1)`: `0` gives the delay without jitter.
 * @param options The schedule (defaults: {@linkcode DEFAULT_WATCH_BACKOFF}).
 * @returns The delay and the next state.
 * @throws {RangeError} When `random` is outside `[0, 1)` or an option is out of range.
 *
 * @example The schedule without jitter, and its reset after two quiet minutes
 * ```ts
 * import { nextWatchBackoff, type WatchBackoffState } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * let state: WatchBackoffState | undefined;
 * const delays: number[] = [];
 * for (let i = 0; i < 8; i++) {
 *   const step = nextWatchBackoff(state, 1_000 * i, 0);
 *   delays.push(step.delayMs);
 *   state = step.state;
 * }
 * assert.deepEqual(delays, [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
 * assert.equal(nextWatchBackoff(state, 7_000 + 120_001, 0).delayMs, 800);
 * ```
 */
export function nextWatchBackoff(
  previous: WatchBackoffState | undefined,
  now: number,
  random: number,
  options: WatchBackoffOptions = {},
): WatchBackoffStep {
  const { initialMs, maxMs, factor, jitter, resetAfterMs } = checkOptions(options);
  if (!(random >= 0 && random < 1)) {
    throw new RangeError(`nextWatchBackoff: random must be in [0, 1), got ${random}`);
  }
  const fresh = previous === undefined || now - previous.lastAt > resetAfterMs;
  const base = Math.min(fresh ? initialMs : previous.nextMs, maxMs);
  const delayMs = Math.round(base + random * jitter * base);
  return { delayMs, state: { nextMs: Math.min(base * factor, maxMs), lastAt: now } };
}

function checkOptions(options: WatchBackoffOptions): Required<WatchBackoffOptions> {
  const merged = { ...DEFAULT_WATCH_BACKOFF, ...options };
  for (const key of ["initialMs", "maxMs", "jitter", "resetAfterMs"] as const) {
    if (!(merged[key] >= 0) || merged[key] === Infinity) {
      throw new RangeError(
        `nextWatchBackoff: ${key} must be a finite number >= 0, got ${merged[key]}`,
      );
    }
  }
  if (!(merged.factor >= 1) || merged.factor === Infinity) {
    throw new RangeError(`nextWatchBackoff: factor must be >= 1, got ${merged.factor}`);
  }
  return merged;
}
