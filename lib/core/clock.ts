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

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

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
      // setTimeout fires at once for delays past 2^31-1 ms (about 24.8 days), so long
      // sleeps are taken in chunks.
      const deadline = Date.now() + Math.max(0, ms);
      let timer: ReturnType<typeof setTimeout>;
      const arm = () => {
        const left = deadline - Date.now();
        timer = setTimeout(() => {
          if (deadline - Date.now() > 0) return arm();
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, Math.min(Math.max(0, left), MAX_TIMEOUT_MS));
      };
      arm();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};
