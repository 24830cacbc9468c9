/**
 * The work queue's rate limiters, after client-go's `workqueue` package: how long a key
 * waits before it is handed out again after a failure.
 *
 * @module
 */
import type { Clock } from "../core/clock.ts";

/**
 * Decides how long a key waits before it is retried (client-go's `workqueue.RateLimiter`).
 *
 * @typeParam K The key type.
 */
export interface ItemRateLimiter<K> {
  /** Records one more failure of `key` and returns how many milliseconds to wait. */
  when(key: K): number;
  /** Forgets `key`'s failures: its next delay starts from scratch. */
  forget(key: K): void;
  /** How many failures of `key` are being tracked. */
  retries(key: K): number;
}

/**
 * Per-key exponential backoff: the n-th failure of a key (counting from 0) waits
 * `baseDelayMs * 2^n`, capped at `maxDelayMs`. Defaults are controller-runtime's:
 * 5 ms doubling to 1000 s.
 *
 * @typeParam K The key type.
 *
 * @example Doubling delays
 * ```ts
 * import { ExponentialFailureRateLimiter } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const limiter = new ExponentialFailureRateLimiter<string>();
 * assert.deepEqual([1, 2, 3].map(() => limiter.when("a")), [5, 10, 20]);
 * limiter.forget("a");
 * assert.equal(limiter.when("a"), 5);
 * ```
 */
export class ExponentialFailureRateLimiter<K> implements ItemRateLimiter<K> {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #failures = new Map<K, number>();

  /**
   * Creates the limiter.
   *
   * @param baseDelayMs The first delay (default 5 ms); must be >= 0.
   * @param maxDelayMs The largest delay (default 1 000 000 ms); must be >= `baseDelayMs`.
   */
  constructor(baseDelayMs = 5, maxDelayMs = 1_000_000) {
    if (!(baseDelayMs >= 0)) {
      throw new RangeError(
        `ExponentialFailureRateLimiter: baseDelayMs must be >= 0, got ${baseDelayMs}`,
      );
    }
    if (!(maxDelayMs >= baseDelayMs)) {
      throw new RangeError(
        `ExponentialFailureRateLimiter: maxDelayMs must be >= baseDelayMs (${baseDelayMs}), got ${maxDelayMs}`,
      );
    }
    this.#baseDelayMs = baseDelayMs;
    this.#maxDelayMs = maxDelayMs;
  }

  /** Records a failure and returns `base * 2^(failures before it)`, capped. */
  when(key: K): number {
    const exp = this.#failures.get(key) ?? 0;
    this.#failures.set(key, exp + 1);
    const delay = this.#baseDelayMs * 2 ** exp;
    // 0 * 2^1024 is NaN: a zero base stays zero, an overflow is the cap.
    if (this.#baseDelayMs === 0) return 0;
    return Number.isFinite(delay) ? Math.min(delay, this.#maxDelayMs) : this.#maxDelayMs;
  }

  /** Drops the key's failure count. */
  forget(key: K): void {
    this.#failures.delete(key);
  }

  /** The key's failure count. */
  retries(key: K): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * An overall token bucket shared by all keys (client-go's `BucketRateLimiter` over
 * `golang.org/x/time/rate`): `burst` retries pass at once, then one every `1000 / qps` ms.
 * It keeps no per-key state: `retries` is always 0 and `forget` does nothing.
 *
 * @typeParam K The key type.
 *
 * @example Ten per second after a burst of two
 * ```ts
 * import { BucketRateLimiter } from "@certkit/issuer-lib";
 * import { FakeClock } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const limiter = new BucketRateLimiter<string>({ qps: 10, burst: 2, clock: new FakeClock() });
 * assert.deepEqual(["a", "b", "c", "d"].map((k) => limiter.when(k)), [0, 0, 100, 200]);
 * ```
 */
export class BucketRateLimiter<K> implements ItemRateLimiter<K> {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  /**
   * Creates the bucket, full.
   *
   * @param options `qps` (default 10) tokens per second, `burst` (default 100) bucket
   *   size, and the `clock` that refills it.
   */
  constructor(options: { qps?: number; burst?: number; clock: Clock }) {
    const { qps = 10, burst = 100, clock } = options;
    if (!(qps > 0) || !Number.isFinite(qps)) {
      throw new RangeError(`BucketRateLimiter: qps must be a finite number > 0, got ${qps}`);
    }
    if (!Number.isInteger(burst) || burst < 1) {
      throw new RangeError(`BucketRateLimiter: burst must be an integer >= 1, got ${burst}`);
    }
    this.#qps = qps;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  /** Takes a token and returns how long until it would have been available. */
  when(_key: K): number {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#last);
    const tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#qps) / 1000) - 1;
    this.#tokens = tokens;
    this.#last = Math.max(now, this.#last);
    return tokens >= 0 ? 0 : (-tokens * 1000) / this.#qps;
  }

  /** Does nothing: the bucket is shared. */
  forget(_key: K): void {}

  /** Always 0: the bucket does not count per key. */
  retries(_key: K): number {
    return 0;
  }
}

/**
 * Combines limiters: the delay is the largest of theirs, `retries` the largest count,
 * and `forget` forgets in all of them.
 *
 * @typeParam K The key type.
 *
 * @example The slower one wins
 * ```ts
 * import { ExponentialFailureRateLimiter, MaxOfRateLimiter } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const limiter = new MaxOfRateLimiter(
 *   new ExponentialFailureRateLimiter<string>(5, 1000),
 *   new ExponentialFailureRateLimiter<string>(50, 60),
 * );
 * assert.deepEqual([1, 2, 3].map(() => limiter.when("a")), [50, 60, 60]);
 * ```
 */
export class MaxOfRateLimiter<K> implements ItemRateLimiter<K> {
  readonly #limiters: readonly ItemRateLimiter<K>[];

  /**
   * Creates the combination.
   *
   * @param limiters At least one limiter.
   */
  constructor(...limiters: ItemRateLimiter<K>[]) {
    if (limiters.length === 0) {
      throw new RangeError("MaxOfRateLimiter: at least one limiter is required, got 0");
    }
    this.#limiters = limiters;
  }

  /** Asks every limiter (each records the failure) and returns the longest delay. */
  when(key: K): number {
    let delay = 0;
    for (const limiter of this.#limiters) delay = Math.max(delay, limiter.when(key));
    return delay;
  }

  /** Forgets the key in every limiter. */
  forget(key: K): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  /** The largest count any limiter keeps for the key. */
  retries(key: K): number {
    let count = 0;
    for (const limiter of this.#limiters) count = Math.max(count, limiter.retries(key));
    return count;
  }
}

/**
 * controller-runtime's default: the larger of a per-key exponential backoff (5 ms doubling
 * to 1000 s) and an overall bucket of 10 retries per second with a burst of 100.
 *
 * @typeParam K The key type.
 * @param clock The clock that refills the bucket.
 * @returns A fresh limiter.
 *
 * @example The first retries
 * ```ts
 * import { defaultControllerRateLimiter } from "@certkit/issuer-lib";
 * import { FakeClock } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const limiter = defaultControllerRateLimiter<string>(new FakeClock());
 * assert.deepEqual([limiter.when("a"), limiter.when("a"), limiter.when("b")], [5, 10, 5]);
 * assert.equal(limiter.retries("a"), 2);
 * ```
 */
export function defaultControllerRateLimiter<K>(clock: Clock): ItemRateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ExponentialFailureRateLimiter<K>(5, 1_000_000),
    new BucketRateLimiter<K>({ qps: 10, burst: 100, clock }),
  );
}
