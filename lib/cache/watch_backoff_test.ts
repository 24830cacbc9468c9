import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  DEFAULT_WATCH_BACKOFF,
  nextWatchBackoff,
  type WatchBackoffOptions,
  type WatchBackoffState,
} from "./watch_backoff.ts";

/** Runs the schedule over failures at the given times and random numbers. */
function schedule(
  failures: readonly { at: number; random: number }[],
  options: WatchBackoffOptions = {},
): number[] {
  let state: WatchBackoffState | undefined;
  return failures.map(({ at, random }) => {
    const step = nextWatchBackoff(state, at, random, options);
    state = step.state;
    return step.delayMs;
  });
}

const every = (ms: number, n: number, random = 0) =>
  Array.from({ length: n }, (_, i) => ({ at: i * ms, random }));

Deno.test("nextWatchBackoff follows client-go's reflector schedule", async (t) => {
  const rows: {
    name: string;
    failures: { at: number; random: number }[];
    options?: WatchBackoffOptions;
    want: number[];
  }[] = [
    {
      name: "no jitter: 800 ms doubling, capped at 30 s",
      failures: every(1_000, 9),
      want: [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000],
    },
    {
      name: "full jitter doubles at most (random just below 1)",
      failures: every(1_000, 3, 0.999),
      want: [1599, 3198, 6397],
    },
    {
      name: "half jitter adds half",
      failures: every(1_000, 3, 0.5),
      want: [1200, 2400, 4800],
    },
    {
      name: "jitter applies on top of the cap",
      failures: [...every(1_000, 7), { at: 7_000, random: 0.5 }],
      want: [800, 1600, 3200, 6400, 12800, 25600, 30000, 45000],
    },
    {
      name: "exactly 2 minutes after the previous failure does not reset",
      failures: [{ at: 0, random: 0 }, { at: 120_000, random: 0 }],
      want: [800, 1600],
    },
    {
      name: "more than 2 minutes healthy resets to 800 ms",
      failures: [
        { at: 0, random: 0 },
        { at: 1_000, random: 0 },
        { at: 2_000, random: 0 },
        { at: 122_001, random: 0 },
        { at: 123_000, random: 0 },
      ],
      want: [800, 1600, 3200, 800, 1600],
    },
    {
      name: "custom schedule",
      failures: every(10, 4),
      options: { initialMs: 100, maxMs: 250, factor: 3, jitter: 0 },
      want: [100, 250, 250, 250],
    },
    {
      name: "factor 1 is a constant delay",
      failures: every(10, 3, 0.25),
      options: { initialMs: 1_000, factor: 1 },
      want: [1250, 1250, 1250],
    },
  ];
  for (const row of rows) {
    await t.step(row.name, () => {
      assert.deepEqual(schedule(row.failures, row.options), row.want);
    });
  }
});

Deno.test("nextWatchBackoff: delays stay within [base, (1 + jitter) · max]", () => {
  fc.assert(fc.property(
    fc.array(
      fc.record({
        gap: fc.nat({ max: 200_000 }),
        random: fc.double({ min: 0, max: 0.9999, noNaN: true }),
      }),
      { maxLength: 40 },
    ),
    (steps) => {
      let state: WatchBackoffState | undefined;
      let now = 0;
      for (const { gap, random } of steps) {
        now += gap;
        const step = nextWatchBackoff(state, now, random);
        assert(step.delayMs >= DEFAULT_WATCH_BACKOFF.initialMs);
        assert(step.delayMs <= 2 * DEFAULT_WATCH_BACKOFF.maxMs);
        state = step.state;
      }
    },
  ));
});

Deno.test("nextWatchBackoff rejects out-of-range arguments, naming them", () => {
  assert.throws(() => nextWatchBackoff(undefined, 0, 1), /random must be in \[0, 1\), got 1/);
  assert.throws(() => nextWatchBackoff(undefined, 0, -0.1), /random/);
  assert.throws(() => nextWatchBackoff(undefined, 0, NaN), /got NaN/);
  assert.throws(
    () => nextWatchBackoff(undefined, 0, 0, { initialMs: -1 }),
    /initialMs must be a finite number >= 0, got -1/,
  );
  assert.throws(() => nextWatchBackoff(undefined, 0, 0, { factor: 0.5 }), /factor must be >= 1/);
  assert.throws(() => nextWatchBackoff(undefined, 0, 0, { maxMs: Infinity }), RangeError);
});
