/**
 * A {@linkcode Clock} whose time moves only when a test says so.
 *
 * @module
 */
import type { Clock } from "../core/clock.ts";

interface Sleeper {
  deadline: number;
  seq: number;
  resolve: () => void;
}

/**
 * A clock for tests: `now()` stands still until {@linkcode FakeClock.advance} moves it,
 * and `sleep()` resolves only when time has been advanced past its deadline. Sleepers
 * wake in deadline order, and work they schedule while waking runs before the clock
 * moves on, so a chain of timers behaves as it would in real time.
 *
 * @example Driving a timer
 * ```ts
 * import { FakeClock } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const clock = new FakeClock(Date.UTC(2024, 0, 1));
 * let woke = false;
 * const sleeping = clock.sleep(5_000).then(() => woke = true);
 * await clock.advance(4_999);
 * assert.equal(woke, false);
 * await clock.advance(1);
 * await sleeping;
 * assert.equal(woke, true);
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #sleepers: Sleeper[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];

  /**
   * Creates a fake clock.
   *
   * @param start The starting time in milliseconds since the epoch (default 2024-01-01T00:00:00Z).
   */
  constructor(start: number = Date.UTC(2024, 0, 1)) {
    this.#now = start;
  }

  /** The current fake time, in milliseconds since the epoch. */
  now(): number {
    return this.#now;
  }

  /** How many sleeps are waiting for time to move. */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  /**
   * Waits `ms` of fake time.
   *
   * @param ms How long to wait.
   * @param signal Cancels the wait, rejecting with `signal.reason`.
   * @returns A promise that settles once the clock is advanced past the deadline.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = {
        deadline: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#sleepers.push(sleeper);
      this.#notifyWaiters();
    });
  }

  /**
   * Moves time forward by `ms`, waking every sleeper whose deadline passes, in order.
   *
   * @param ms How far to move; must not be negative.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: ms must be >= 0, got ${ms}`);
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#earliest();
      if (!next || next.deadline > target) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== next);
      this.#now = Math.max(this.#now, next.deadline);
      next.resolve();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /**
   * Moves time straight to the next sleeper's deadline and wakes it.
   *
   * @returns `false` when nothing is sleeping.
   */
  async runNext(): Promise<boolean> {
    await settle();
    const next = this.#earliest();
    if (!next) return false;
    await this.advance(Math.max(0, next.deadline - this.#now));
    return true;
  }

  /**
   * Resolves once at least `count` sleeps are pending: lets a test wait until the code
   * under test is parked on the clock before advancing it.
   *
   * @param count How many pending sleeps to wait for (default 1).
   */
  whenSleeping(count = 1): Promise<void> {
    if (this.#sleepers.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  #earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.#sleepers) {
      if (
        !best || s.deadline < best.deadline || (s.deadline === best.deadline && s.seq < best.seq)
      ) {
        best = s;
      }
    }
    return best;
  }

  #notifyWaiters(): void {
    const ready = this.#waiters.filter((w) => this.#sleepers.length >= w.count);
    this.#waiters = this.#waiters.filter((w) => this.#sleepers.length < w.count);
    for (const w of ready) w.resolve();
  }
}

/** Lets pending promise continuations and zero-delay tasks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setTimeout(r, 0));
}
