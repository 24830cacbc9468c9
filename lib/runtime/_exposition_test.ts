import { strict as assert } from "node:assert";
import { escapeHelp, escapeLabelValue, formatFloat } from "./_exposition.ts";

Deno.test("formatFloat writes numbers as Go's %g shortest form, as client_golang does", () => {
  const cases: [number, string][] = [
    [0, "0"],
    [-0, "0"],
    [1, "1"],
    [-1, "-1"],
    [0.005, "0.005"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1e-8, "1e-08"],
    [0.000009999999999999999, "9.999999999999999e-06"],
    [123456, "123456"],
    [1_000_000, "1e+06"],
    [1234567, "1.234567e+06"],
    [3.05, "3.05"],
    [1e21, "1e+21"],
    [1e100, "1e+100"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [NaN, "NaN"],
  ];
  for (const [value, text] of cases) {
    assert.equal(formatFloat(value), text, `formatFloat(${value})`);
  }
});

Deno.test("escapeLabelValue escapes backslash, double quote and newline only", () => {
  assert.equal(escapeLabelValue('a\\b"c\nd\te'), 'a\\\\b\\"c\\nd\te');
});

Deno.test("escapeHelp escapes backslash and newline but not double quotes", () => {
  assert.equal(escapeHelp('say "hi"\\\nbye'), 'say "hi"\\\\\\nbye');
});
