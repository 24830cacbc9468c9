import { strict as assert } from "node:assert";
import { FakeClock } from "../testing/fake_clock.ts";
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
} from "./rate_limiter.ts";

Deno.test("ExponentialFailureRateLimiter doubles per key from 5 ms and caps at 1000 s", () => {
  const limiter = new ExponentialFailureRateLimiter<string>();
  const delays = Array.from({ length: 20 }, () => limiter.when("a"));
  assert.deepEqual(delays.slice(0, 5), [5, 10, 20, 40, 80]);
  assert.equal(delays[17], 5 * 2 ** 17); // 655.36 s
  assert.equal(delays[18], 1_000_000); // 1310.72 s capped
  assert.equal(limiter.retries("a"), 20);
  assert.equal(limiter.when("b"), 5, "keys back off independently");
});

Deno.test("ExponentialFailureRateLimiter.forget resets the key's backoff", () => {
  const limiter = new ExponentialFailureRateLimiter<string>(1, 100);
  limiter.when("a");
  limiter.when("a");
  limiter.forget("a");
  assert.equal(limiter.retries("a"), 0);
  assert.equal(limiter.when("a"), 1);
});

Deno.test("ExponentialFailureRateLimiter stays at the cap after very many failures", () => {
  const limiter = new ExponentialFailureRateLimiter<string>(5, 1000);
  for (let i = 0; i < 2000; i++) limiter.when("a");
  assert.equal(limiter.when("a"), 1000);
});

Deno.test("ExponentialFailureRateLimiter rejects bad delays, naming them", () => {
  assert.throws(() => new ExponentialFailureRateLimiter(-1), /baseDelayMs must be >= 0, got -1/);
  assert.throws(() => new ExponentialFailureRateLimiter(10, 5), /maxDelayMs .* got 5/);
});

Deno.test("BucketRateLimiter lets a burst through, then spaces retries by 1/qps", () => {
  const clock = new FakeClock();
  const limiter = new BucketRateLimiter<string>({ qps: 10, burst: 100, clock });
  for (let i = 0; i < 100; i++) assert.equal(limiter.when(`k${i}`), 0);
  assert.equal(limiter.when("x"), 100);
  assert.equal(limiter.when("y"), 200);
  assert.equal(limiter.retries("x"), 0);
});

Deno.test("BucketRateLimiter refills with time, up to the burst", async () => {
  const clock = new FakeClock();
  const limiter = new BucketRateLimiter<string>({ qps: 2, burst: 2, clock });
  assert.deepEqual([limiter.when("a"), limiter.when("a"), limiter.when("a")], [0, 0, 500]);
  await clock.advance(500); // pays back the borrowed token
  assert.equal(limiter.when("a"), 500);
  await clock.advance(60_000); // long idle refills only to the burst
  assert.deepEqual([limiter.when("a"), limiter.when("a"), limiter.when("a")], [0, 0, 500]);
});

Deno.test("BucketRateLimiter rejects bad qps and burst, naming them", () => {
  const clock = new FakeClock();
  assert.throws(() => new BucketRateLimiter({ qps: 0, clock }), /qps .* got 0/);
  assert.throws(() => new BucketRateLimiter({ burst: 0.5, clock }), /burst .* got 0.5/);
});

Deno.test("MaxOfRateLimiter takes the longest delay and forgets everywhere", () => {
  const a = new ExponentialFailureRateLimiter<string>(1, 1000);
  const b = new ExponentialFailureRateLimiter<string>(10, 15);
  const limiter = new MaxOfRateLimiter(a, b);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => limiter.when("k")), [10, 15, 15, 15, 16]);
  assert.equal(limiter.retries("k"), 5);
  limiter.forget("k");
  assert.equal(a.retries("k"), 0);
  assert.equal(b.retries("k"), 0);
  assert.throws(() => new MaxOfRateLimiter(), /at least one limiter/);
});

Deno.test("defaultControllerRateLimiter: per-key backoff, and the bucket once the burst is spent", () => {
  const limiter = defaultControllerRateLimiter<string>(new FakeClock());
  for (let i = 0; i < 100; i++) assert.equal(limiter.when(`k${i}`), 5);
  assert.equal(limiter.when("k0"), 100, "the bucket's 100 ms beats k0's 10 ms");
  assert.equal(limiter.when("fresh"), 200);
  limiter.forget("k0");
  assert.equal(limiter.retries("k0"), 0);
});

Deno.test("ExponentialFailureRateLimiter never returns NaN, even after 2000 failures", () => {
  const zero = new ExponentialFailureRateLimiter<string>(0, 0);
  const capped = new ExponentialFailureRateLimiter<string>(5, 1_000_000);
  for (let i = 0; i < 2000; i++) {
    assert.equal(zero.when("k"), 0);
    const d = capped.when("k");
    assert(Number.isFinite(d) && d <= 1_000_000);
  }
});
