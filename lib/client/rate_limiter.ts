/**
 * A client-side rate limit: a token bucket of `burst` tokens refilled at `qps` per
 * second, like client-go's `flowcontrol.NewTokenBucketRateLimiter`. Off by default in
 * {@linkcode KubeClient}, as in controller-runtime.
 *
 * @module
 */
import { type Clock, systemClock } from "../core/clock.ts";

/** Something that makes requests wait their turn. */
export interface RateLimiter {
  /**
   * Waits until one more request may be sent.
   *
   * @param signal Gives up waiting: the promise rejects with `signal.reason`.
   */
  acquire(signal?: AbortSignal): Promise<void>;
}

/** Options of {@linkcode TokenBucketRateLimiter}. */
export interface TokenBucketOptions {
  /** Requests per second on average; must be > 0. */
  qps: number;
  /** How many requests may go at once after a quiet period; must be >= 1. */
  burst: number;
  /** The clock to wait on (default: the real clock). */
  clock?: Clock;
}

/**
 * A token bucket: starts full with `burst` tokens, refills `qps` tokens a second, and
 * each request takes one. Waiters are served in arrival order: each reserves its token
 * ahead of time, so a burst of callers is spread out evenly.
 *
 * @example Two requests a second, no burst
 * ```ts
 * import { TokenBucketRateLimiter } from "@certkit/issuer-lib";
 * import { FakeClock } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const clock = new FakeClock(0);
 * const limiter = new TokenBucketRateLimiter({ qps: 2, burst: 1, clock });
 * await limiter.acquire(); // the first token is there
 * let second = false;
 * const waiting = limiter.acquire().then(() => second = true);
 * await clock.advance(499);
 * assert.equal(second, false);
 * await clock.advance(1);
 * await waiting;
 * assert.equal(second, true);
 * ```
 */
export class TokenBucketRateLimiter implements RateLimiter {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  /**
   * Creates a full bucket.
   *
   * @param options Rate, burst and clock.
   * @throws {RangeError} When `qps` is not > 0 or `burst` is not >= 1.
   */
  constructor(options: TokenBucketOptions) {
    if (!(options.qps > 0) || !Number.isFinite(options.qps)) {
      throw new RangeError(`TokenBucketRateLimiter: qps must be > 0, got ${options.qps}`);
    }
    if (!(options.burst >= 1) || !Number.isFinite(options.burst)) {
      throw new RangeError(`TokenBucketRateLimiter: burst must be >= 1, got ${options.burst}`);
    }
    this.#qps = options.qps;
    this.#burst = Math.floor(options.burst);
    this.#clock = options.clock ?? systemClock;
    this.#tokens = this.#burst;
    this.#last = this.#clock.now();
  }

  /** Tokens available now (negative while waiters hold reservations). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /**
   * Takes a token, waiting for it when the bucket is empty.
   *
   * @param signal Gives up waiting; the reserved token is returned to the bucket.
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.#refill();
    this.#tokens -= 1;
    if (this.#tokens >= 0) return;
    const waitMs = Math.ceil((-this.#tokens / this.#qps) * 1000);
    try {
      await this.#clock.sleep(waitMs, signal);
    } catch (e) {
      this.#tokens += 1;
      throw e;
    }
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#last);
    this.#last = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed / 1000) * this.#qps);
  }
}
