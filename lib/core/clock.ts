/**
 * The clock every part of the library reads time from. Logic never calls `Date.now()`
 * or `setTimeout` itself: it is handed a {@linkcode Clock}, so tests can drive time.
 *
 * @module
 */

/** A source of the current time and of delays. */
export interface Clock {
  /** The current time, in milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Waits `ms` milliseconds.
   *
   * @param ms How long to wait; zero or less resolves on the next turn.
   * @param signal Cancels the wait: the promise then rejects with `signal.reason`.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock: `Date.now()` and `setTimeout`.
 *
 * @example Waiting a little
 * ```ts
 * import { systemClock } from "@certkit/issuer-lib";
 *
 * const before = systemClock.now();
 * await systemClock.sleep(1);
 * if (systemClock.now() < before) throw new Error("time went backwards");
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};
