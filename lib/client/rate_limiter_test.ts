import { strict as assert } from "node:assert";
import { FakeClock } from "../testing/fake_clock.ts";
import { TokenBucketRateLimiter } from "./rate_limiter.ts";

Deno.test("TokenBucketRateLimiter lets a burst through, then spaces requests at qps", async () => {
  const clock = new FakeClock(0);
  const limiter = new TokenBucketRateLimiter({ qps: 10, burst: 3, clock });
  const times: number[] = [];
  const all = Array.from(
    { length: 6 },
    () => limiter.acquire().then(() => times.push(clock.now())),
  );
  await clock.advance(1000);
  await Promise.all(all);
  assert.deepEqual(times, [0, 0, 0, 100, 200, 300]);
});

Deno.test("TokenBucketRateLimiter refills while idle, up to burst", async () => {
  const clock = new FakeClock(0);
  const limiter = new TokenBucketRateLimiter({ qps: 2, burst: 2, clock });
  await limiter.acquire();
  await limiter.acquire();
  assert.equal(limiter.tokens, 0);
  await clock.advance(10_000);
  assert.equal(limiter.tokens, 2);
});

Deno.test("TokenBucketRateLimiter returns the token of an aborted wait", async () => {
  const clock = new FakeClock(0);
  const limiter = new TokenBucketRateLimiter({ qps: 1, burst: 1, clock });
  await limiter.acquire();
  const stop = new AbortController();
  const waiting = limiter.acquire(stop.signal);
  await clock.whenSleeping();
  assert.equal(limiter.tokens, -1);
  stop.abort(new Error("stopped"));
  await assert.rejects(waiting, /stopped/);
  assert.equal(limiter.tokens, 0);
  await assert.rejects(limiter.acquire(stop.signal), /stopped/);
});

Deno.test("TokenBucketRateLimiter rejects bad settings with the value", () => {
  assert.throws(() => new TokenBucketRateLimiter({ qps: 0, burst: 1 }), /qps must be > 0, got 0/);
  assert.throws(
    () => new TokenBucketRateLimiter({ qps: 1, burst: 0.5 }),
    /burst must be >= 1, got 0.5/,
  );
  assert.throws(() => new TokenBucketRateLimiter({ qps: NaN, burst: 1 }), RangeError);
});
