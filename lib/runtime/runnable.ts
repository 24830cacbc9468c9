/**
 * What a {@linkcode Manager} runs: something that starts with an abort signal and
 * settles once it has fully stopped.
 *
 * @module
 */

/** Options of {@linkcode Runnable.start}. */
export interface RunnableStartOptions {
  /** Aborting it cancels in-flight work at once instead of after the grace period. */
  forceSignal?: AbortSignal;
}

/**
 * Something a {@linkcode Manager} runs: it starts, and settles once fully stopped. A
 * {@linkcode Controller} is one; so is any long-running task given to
 * {@linkcode Manager.add}.
 *
 * @example A periodic task that runs on every replica
 * ```ts
 * import type { Runnable } from "@certkit/issuer-lib";
 * import { FakeClock } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const clock = new FakeClock();
 * let ticks = 0;
 * const ticker: Runnable = {
 *   async start(signal) {
 *     while (!signal.aborted) {
 *       ticks++;
 *       await clock.sleep(60_000, signal).catch(() => {});
 *     }
 *   },
 * };
 * const stop = new AbortController();
 * const running = ticker.start(stop.signal);
 * await clock.advance(60_000);
 * stop.abort();
 * await running;
 * assert.equal(ticks, 2);
 * ```
 */
export interface Runnable {
  /**
   * Runs until `signal` aborts.
   *
   * @param signal Asks for a graceful stop.
   * @param options A signal that asks to stop at once.
   * @returns A promise that settles once everything it started has stopped.
   */
  start(signal: AbortSignal, options?: RunnableStartOptions): Promise<void>;
}
