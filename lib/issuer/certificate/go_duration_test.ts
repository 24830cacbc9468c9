import { strict as assert } from "node:assert";
import { parseGoDuration } from "./go_duration.ts";

Deno.test("parseGoDuration() parses what Go's time.ParseDuration parses", () => {
  const S = 1_000_000_000n;
  const M = 60n * S;
  const H = 60n * M;
  const cases: [string, bigint][] = [
    ["0", 0n],
    ["+0", 0n],
    ["-0", 0n],
    ["5s", 5n * S],
    ["30s", 30n * S],
    ["1478s", 1478n * S],
    ["-5s", -5n * S],
    ["+5s", 5n * S],
    ["5.0s", 5n * S],
    ["5.6s", 5_600_000_000n],
    ["5.s", 5n * S],
    [".5s", 500_000_000n],
    ["1.004s", 1_004_000_000n],
    ["100.00100s", 100_001_000_000n],
    ["10ns", 10n],
    ["11us", 11_000n],
    ["12\u00b5s", 12_000n],
    ["12\u03bcs", 12_000n],
    ["13ms", 13_000_000n],
    ["15m", 15n * M],
    ["16h", 16n * H],
    ["1h30m", 90n * M],
    ["90m", 90n * M],
    ["10.5s4m", 4n * M + 10_500_000_000n],
    ["-2m3.4s", -(2n * M + 3_400_000_000n)],
    ["2160h0m0s", 2160n * H],
    ["1h2m3s4ms5us6ns", 3_723_004_005_006n],
    ["39h9m14.425s", 140_954_425_000_000n],
    ["52763797000ns", 52_763_797_000n],
    ["0.3333333333333333333h", 20n * M],
    ["0.100000000000000000000h", 6n * M],
    ["0.830103483285477580700h", 49n * M + 48_372_539_827n],
    ["9223372036854775807ns", 2n ** 63n - 1n],
    ["9223372036854775.807us", 2n ** 63n - 1n],
    ["-9223372036854775808ns", -(2n ** 63n)],
  ];
  for (const [text, nanos] of cases) {
    assert.equal(parseGoDuration(text), Number(nanos) / 1e6, text);
  }
});

Deno.test("parseGoDuration() rejects what Go rejects, with Go's message", () => {
  const cases: [string, string][] = [
    ["", 'time: invalid duration ""'],
    ["3", 'time: missing unit in duration "3"'],
    ["-", 'time: invalid duration "-"'],
    ["s", 'time: invalid duration "s"'],
    [".", 'time: invalid duration "."'],
    ["-.", 'time: invalid duration "-."'],
    [".s", 'time: invalid duration ".s"'],
    ["+.s", 'time: invalid duration "+.s"'],
    ["abc", 'time: invalid duration "abc"'],
    ["1d", 'time: unknown unit "d" in duration "1d"'],
    ["1h 30m", 'time: unknown unit "h " in duration "1h 30m"'],
    ["12\u00b5", 'time: unknown unit "\\xc2\\xb5" in duration "12\\xc2\\xb5"'],
    ['1"x', 'time: unknown unit "\\"x" in duration "1\\"x"'],
    ["9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'],
    ["9223372036854ms775us808ns", 'time: invalid duration "9223372036854ms775us808ns"'],
    ["-9223372036854775809ns", 'time: invalid duration "-9223372036854775809ns"'],
    ["99999999999999999999h", 'time: invalid duration "99999999999999999999h"'],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseGoDuration(text), { name: "SyntaxError", message }, text);
  }
});
