/**
 * Go's `time.ParseDuration`, which cert-manager uses for `spec.duration` and the
 * `experimental.cert-manager.io/request-duration` annotation.
 *
 * @module
 */

const NANOS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ["ns", 1n],
  ["us", 1_000n],
  ["\u00b5s", 1_000n], // U+00B5 micro sign
  ["\u03bcs", 1_000n], // U+03BC Greek small letter mu
  ["ms", 1_000_000n],
  ["s", 1_000_000_000n],
  ["m", 60_000_000_000n],
  ["h", 3_600_000_000_000n],
]);

const MAX_NANOS = 1n << 63n;

/**
 * Parses a Go duration: an optional sign, then one or more decimal numbers (fractions
 * allowed), each followed by a unit `ns`, `us` (or `µs`), `ms`, `s`, `m` or `h`, such as
 * `1h30m`, `90s`, `2160h0m0s` or `1.5h`. `0` needs no unit.
 *
 * Like Go, the value is computed in whole nanoseconds and must fit in a signed 64-bit
 * integer (about 292 years).
 *
 * @param text The duration text.
 * @returns The duration in milliseconds (fractional below one millisecond).
 * @throws {SyntaxError} With Go's message, such as `time: invalid duration "abc"`,
 *   `time: missing unit in duration "1"` or `time: unknown unit "d" in duration "1d"`.
 *
 * @example Parsing request durations
 * ```ts
 * import { parseGoDuration } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(parseGoDuration("1h30m"), 90 * 60 * 1000);
 * assert.equal(parseGoDuration("2160h0m0s"), 90 * 24 * 60 * 60 * 1000);
 * assert.throws(() => parseGoDuration("1d"), {
 *   name: "SyntaxError",
 *   message: 'time: unknown unit "d" in duration "1d"',
 * });
 * ```
 */
export function parseGoDuration(text: string): number {
  const invalid = () => new SyntaxError(`time: invalid duration ${goQuote(text)}`);
  let rest = text;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest.startsWith("-");
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid();
  let total = 0n;
  while (rest !== "") {
    if (!/^[0-9.]/.test(rest)) throw invalid();
    const whole = /^[0-9]*/.exec(rest)?.[0] ?? "";
    rest = rest.slice(whole.length);
    let fraction = "";
    if (rest.startsWith(".")) {
      fraction = /^\.([0-9]*)/.exec(rest)?.[1] ?? "";
      rest = rest.slice(1 + fraction.length);
    }
    if (whole === "" && fraction === "") throw invalid();
    const unitText = /^[^0-9.]*/.exec(rest)?.[0] ?? "";
    if (unitText === "") throw new SyntaxError(`time: missing unit in duration ${goQuote(text)}`);
    rest = rest.slice(unitText.length);
    const unit = NANOS_PER_UNIT.get(unitText);
    if (unit === undefined) {
      throw new SyntaxError(
        `time: unknown unit ${goQuote(unitText)} in duration ${goQuote(text)}`,
      );
    }
    const integer = whole === "" ? 0n : BigInt(whole);
    if (integer > MAX_NANOS / unit) throw invalid();
    let value = integer * unit;
    const [f, scale] = leadingFraction(fraction);
    if (f > 0n) {
      value += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (value > MAX_NANOS) throw invalid();
    }
    total += value;
    if (total > MAX_NANOS) throw invalid();
  }
  if (!negative && total > MAX_NANOS - 1n) throw invalid();
  const millis = Number(total) / 1e6;
  return negative ? -millis : millis;
}

/**
 * Go's `leadingFraction`: the fraction digits as an integer, and 10 to the number of
 * digits taken; digits that would overflow 63 bits are dropped.
 */
function leadingFraction(digits: string): [bigint, number] {
  let x = 0n;
  let scale = 1;
  for (const digit of digits) {
    if (x > (MAX_NANOS - 1n) / 10n) break;
    const y = x * 10n + BigInt(digit);
    if (y > MAX_NANOS) break;
    x = y;
    scale *= 10;
  }
  return [x, scale];
}

/** Go's `time.quote`: double quotes, `"` and `\` escaped, non-ASCII and control bytes as `\xNN`. */
function goQuote(text: string): string {
  let out = '"';
  const encoder = new TextEncoder();
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x80 || code < 0x20) {
      for (const byte of encoder.encode(char)) out += `\\x${byte.toString(16).padStart(2, "0")}`;
    } else {
      if (char === '"' || char === "\\") out += "\\";
      out += char;
    }
  }
  return `${out}"`;
}
