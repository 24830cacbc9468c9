import { strict as assert } from "node:assert";
import { formatGoDuration } from "./_go_duration.ts";

Deno.test("formatGoDuration prints like Go's Duration.String", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [3_600_000, "1h0m0s"],
    [90_000, "1m30s"],
    [1500, "1.5s"],
    [500, "500ms"],
    [0.0015, "1.5µs"],
    [0.0000005, "0.5ns"],
    [-2000, "-2s"],
  ];
  for (const [ms, text] of cases) assert.equal(formatGoDuration(ms), text, String(ms));
});
