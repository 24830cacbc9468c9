/**
 * What kube-apiserver's JSON decoding of a built-in type refuses with 400 BadRequest,
 * reproduced with Go's exact texts: base64 of `[]byte` fields (`encoding/base64`),
 * `metav1.Time` and `metav1.MicroTime` (`time.Parse`), and values of the wrong JSON type
 * (`json: cannot unmarshal … into Go struct field …`). Valid times are normalised to UTC,
 * as the server's round trip through the Go type does.
 *
 * @module
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.ts";
import { badRequest } from "./_errors.ts";

/** The Go type of a field, as far as decoding goes. */
export type GoType =
  | { kind: "string"; name?: string }
  | { kind: "int32" }
  | { kind: "int64" }
  | { kind: "bool" }
  | { kind: "bytes" }
  | { kind: "time" }
  | { kind: "microTime" }
  | { kind: "struct"; name: string; fields: Record<string, GoType> }
  | { kind: "map"; name: string; value: GoType }
  | { kind: "slice"; name: string; item: GoType };

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE_MAP = new Map([...BASE64].map((c, i) => [c.charCodeAt(0), i]));
const PAD = 0x3d; // '='
const isNewline = (b: number | undefined) => b === 0x0a || b === 0x0d;

/**
 * Decodes standard base64 (with padding) exactly as Go's `base64.StdEncoding` does,
 * including where it reports the first bad byte (`CorruptInputError`).
 *
 * @param text The base64 text.
 * @returns The bytes, or the byte offset Go names in `illegal base64 data at input byte N`.
 *
 * @example A truncated quantum
 * ```ts
 * import { goBase64Decode } from "./_go_decode.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(goBase64Decode("eA="), 3);
 * assert.deepEqual(goBase64Decode("eA=="), new Uint8Array([0x78]));
 * ```
 */
export function goBase64Decode(text: string): Uint8Array | number {
  const src = new TextEncoder().encode(text);
  const out: number[] = [];
  let si = 0;
  while (si < src.length) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return new Uint8Array(out);
        return si - j;
      }
      const c = src[si++] ?? 0;
      const v = DECODE_MAP.get(c);
      if (v !== undefined) {
        dbuf[j] = v;
        continue;
      }
      if (isNewline(c)) {
        j--;
        continue;
      }
      if (c !== PAD) return si - 1;
      if (j < 2) return si - 1;
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) return src.length;
        if (src[si] !== PAD) return si - 1;
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      if (si < src.length) return si;
      dlen = j;
      break;
    }
    const val = ((dbuf[0] ?? 0) << 18) | ((dbuf[1] ?? 0) << 12) | ((dbuf[2] ?? 0) << 6) |
      (dbuf[3] ?? 0);
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    out.push(...bytes.slice(0, dlen - 1));
  }
  return new Uint8Array(out);
}

/** Go's `time.quote`: double quotes, with `"` and `\` escaped and other bytes as `\x`. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x80 || cp < 0x20) {
      for (const b of new TextEncoder().encode(ch)) {
        out += `\\x${"0123456789abcdef"[b >> 4]}${"0123456789abcdef"[b & 15]}`;
      }
    } else {
      if (ch === '"' || ch === "\\") out += "\\";
      out += ch;
    }
  }
  return `${out}"`;
}

const isDigit = (s: string, i: number) => i < s.length && s[i]! >= "0" && s[i]! <= "9";

/** Go's `getnum`: one or two digits (exactly two when `fixed`). */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

/** Go's `atoi` (an optional sign, then only digits). */
function atoi(s: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A parsed time: milliseconds since the epoch (UTC) plus the microseconds below them. */
interface ParsedTime {
  epochMs: number;
  micros: number;
}

/**
 * Parses `value` with Go's `time.Parse` for the layouts of `metav1.MicroTime`
 * (`2006-01-02T15:04:05.000000Z07:00`) and `metav1.Time` (`time.RFC3339`).
 *
 * @returns The time, or Go's error text.
 */
function goParseTime(value: string, micro: boolean): ParsedTime | string {
  const layout = micro ? "2006-01-02T15:04:05.000000Z07:00" : "2006-01-02T15:04:05Z07:00";
  const bad = (valueElem: string, layoutElem: string) =>
    `parsing time ${goQuote(value)} as ${goQuote(layout)}: cannot parse ${goQuote(valueElem)} as ${
      goQuote(layoutElem)
    }`;
  const range = (what: string) => `parsing time ${goQuote(value)}: ${what} out of range`;
  let v = value;
  const literal = (text: string): string | undefined => {
    for (const c of text) {
      if (v[0] !== c) return bad(v, text);
      v = v.slice(1);
    }
    return undefined;
  };
  // 2006
  if (v.length < 4 || !isDigit(v, 0) || atoi(v.slice(0, 4)) === undefined) return bad(v, "2006");
  const year = Number(v.slice(0, 4));
  v = v.slice(4);
  const fields: number[] = [];
  const steps: [string, string, boolean, number][] = [
    ["-", "01", true, 13],
    ["-", "02", true, 32],
    ["T", "15", false, 24],
    [":", "04", true, 60],
    [":", "05", true, 60],
  ];
  const names = ["month", "day", "hour", "minute", "second"];
  for (const [i, [sep, elem, fixed, limit]] of steps.entries()) {
    const err = literal(sep);
    if (err) return err;
    const got = getnum(v, fixed);
    if (!got) return bad(v, elem);
    const [n, rest] = got;
    if (elem === "01" ? n <= 0 || n >= limit : elem !== "02" && n >= limit) {
      return range(names[i] ?? "");
    }
    fields.push(n);
    v = rest;
  }
  let micros = 0;
  if (micro) {
    if (v.length < 7 || (v[0] !== "." && v[0] !== ",")) return bad(v, ".000000");
    const ns = atoi(v.slice(1, 7));
    if (ns === undefined) return bad(v, ".000000");
    if (ns < 0) return range("fractional second");
    micros = ns;
    v = v.slice(7);
  } else if (v.length >= 2 && (v[0] === "." || v[0] === ",") && isDigit(v, 1)) {
    let n = 2;
    while (isDigit(v, n)) n++;
    const digits = v.slice(1, Math.min(n, 10));
    micros = Math.floor(Number(digits.padEnd(9, "0")) / 1000);
    v = v.slice(n);
  }
  let offsetMinutes = 0;
  if (v[0] === "Z") v = v.slice(1);
  else {
    if (v.length < 6 || v[3] !== ":") return bad(v, "Z07:00");
    const hh = getnum(v.slice(1, 3), true);
    const mm = getnum(v.slice(4, 6), true);
    if (!hh || !mm) return bad(v, "Z07:00");
    if (mm[0] > 60) return range("time zone offset minute");
    if (hh[0] > 24) return range("time zone offset hour");
    if (v[0] !== "+" && v[0] !== "-") return bad(v, "Z07:00");
    offsetMinutes = (hh[0] * 60 + mm[0]) * (v[0] === "-" ? -1 : 1);
    v = v.slice(6);
  }
  if (v.length > 0) return `parsing time ${goQuote(value)}: extra text: ${goQuote(v)}`;
  const [month = 1, day = 1, hour = 0, minute = 0, second = 0] = fields;
  if (day < 1 || day > daysIn(month, year)) return range("day");
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return {
    epochMs: date.getTime() - offsetMinutes * 60_000 + Math.floor(micros / 1000),
    micros: micros % 1000,
  };
}

function formatGoTime(t: ParsedTime, micro: boolean): string {
  const ms = ((t.epochMs % 1000) + 1000) % 1000;
  const d = new Date(t.epochMs - ms);
  const two = (n: number) => String(n).padStart(2, "0");
  const base = `${String(d.getUTCFullYear()).padStart(4, "0")}-${two(d.getUTCMonth() + 1)}-${
    two(d.getUTCDate())
  }T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  if (!micro) return `${base}Z`;
  return `${base}.${String(ms * 1000 + t.micros).padStart(6, "0")}Z`;
}

/**
 * Checks a `metav1.MicroTime` text as the server decodes it.
 *
 * @param text The time text.
 * @returns The normalised text (UTC, six fractional digits), or Go's parse error.
 *
 * @example Three fractional digits are refused
 * ```ts
 * import { parseGoMicroTime } from "./_go_decode.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(
 *   parseGoMicroTime("2024-01-01T00:00:00.123Z"),
 *   'parsing time "2024-01-01T00:00:00.123Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".123Z" as ".000000"',
 * );
 * assert.deepEqual(parseGoMicroTime("2024-01-01T02:00:00.000001+02:00"), {
 *   value: "2024-01-01T00:00:00.000001Z",
 * });
 * ```
 */
export function parseGoMicroTime(text: string): { value: string } | string {
  const t = goParseTime(text, true);
  return typeof t === "string" ? t : { value: formatGoTime(t, true) };
}

/**
 * Checks a `metav1.Time` text (RFC 3339) as the server decodes it.
 *
 * @param text The time text.
 * @returns The normalised text (UTC, whole seconds), or Go's parse error.
 */
export function parseGoTime(text: string): { value: string } | string {
  const t = goParseTime(text, false);
  return typeof t === "string" ? t : { value: formatGoTime(t, false) };
}

function typeName(t: GoType): string {
  switch (t.kind) {
    case "string":
      return t.name ?? "string";
    case "bytes":
      return "[]uint8";
    case "time":
    case "microTime":
      return "string";
    case "struct":
    case "map":
    case "slice":
      return t.name;
    default:
      return t.kind;
  }
}

function jsonKind(value: JsonValue): string {
  if (Array.isArray(value)) return "array";
  if (isJsonObject(value)) return "object";
  return typeof value === "number" ? "number" : typeof value;
}

class Walk {
  saved: string | undefined;

  typeError(value: JsonValue, literal: boolean, struct: string, path: string[], t: GoType) {
    const what = literal && typeof value === "number" ? `number ${value}` : jsonKind(value);
    this.saved ??= `json: cannot unmarshal ${what} into Go struct field ${struct}.${
      path.join(".")
    } of type ${typeName(t)}`;
  }

  /** Checks one value; `replace` stores a normalised value. Throws Go's fatal errors as strings. */
  visit(
    value: JsonValue | undefined,
    t: GoType,
    struct: string,
    path: string[],
    replace: (v: JsonValue) => void,
  ): void {
    if (value === undefined || value === null) return;
    switch (t.kind) {
      case "string":
        if (typeof value !== "string") this.typeError(value, false, struct, path, t);
        return;
      case "bool":
        if (typeof value !== "boolean") this.typeError(value, false, struct, path, t);
        return;
      case "int32":
      case "int64": {
        if (typeof value !== "number") return this.typeError(value, false, struct, path, t);
        const max = t.kind === "int32" ? 2 ** 31 : 2 ** 63;
        if (!Number.isInteger(value) || value >= max || value < -max) {
          this.typeError(value, true, struct, path, t);
        }
        return;
      }
      case "bytes": {
        if (typeof value !== "string") return this.typeError(value, false, struct, path, t);
        const decoded = goBase64Decode(value);
        if (typeof decoded === "number") {
          this.saved ??= `illegal base64 data at input byte ${decoded}`;
        }
        return;
      }
      case "time":
      case "microTime": {
        if (typeof value !== "string") {
          throw `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${struct}.${
            path.join(".")
          } of type string`;
        }
        const parsed = t.kind === "time" ? parseGoTime(value) : parseGoMicroTime(value);
        if (typeof parsed === "string") throw parsed;
        replace(parsed.value);
        return;
      }
      case "struct":
        if (!isJsonObject(value)) return this.typeError(value, false, struct, path, t);
        this.struct(value, t, path);
        return;
      case "map":
        if (!isJsonObject(value)) return this.typeError(value, false, struct, path, t);
        for (const k of Object.keys(value)) {
          this.visit(value[k], t.value, struct, path, (v) => value[k] = v);
        }
        return;
      case "slice":
        if (!Array.isArray(value)) return this.typeError(value, false, struct, path, t);
        value.forEach((item, i) => this.visit(item, t.item, struct, path, (v) => value[i] = v));
        return;
    }
  }

  struct(obj: JsonObject, t: { name: string; fields: Record<string, GoType> }, path: string[]) {
    const short = t.name.slice(t.name.indexOf(".") + 1);
    for (const key of Object.keys(obj)) {
      const ft = t.fields[key];
      if (ft) this.visit(obj[key], ft, short, [...path, key], (v) => obj[key] = v);
    }
  }
}

/**
 * Decodes an object of a built-in type the way the server's JSON decoder does: refuses
 * what Go would (400 `<Kind> in version "<v>" cannot be handled as a <Kind>: …`) and
 * normalises `Time`/`MicroTime` fields to UTC in place.
 *
 * @param obj The object (changed in place).
 * @param type The Go struct of the type (fields not listed are not checked).
 * @param kind The kind, for the message.
 * @param version The version, for the message.
 * @throws {StatusError} 400 BadRequest with Go's message.
 *
 * @example A number where a string belongs
 * ```ts
 * import { goDecode } from "./_go_decode.ts";
 * import { strict as assert } from "node:assert";
 *
 * const lease = { kind: "struct", name: "v1.Lease", fields: {
 *   spec: { kind: "struct", name: "v1.LeaseSpec", fields: { holderIdentity: { kind: "string" } } },
 * } } as const;
 * assert.throws(
 *   () => goDecode({ spec: { holderIdentity: 5 } }, lease, "Lease", "v1"),
 *   /cannot unmarshal number into Go struct field LeaseSpec.spec.holderIdentity of type string/,
 * );
 * ```
 */
export function goDecode(
  obj: JsonObject,
  type: { name: string; fields: Record<string, GoType> },
  kind: string,
  version: string,
): void {
  const walk = new Walk();
  try {
    walk.struct(obj, type, []);
  } catch (e) {
    if (typeof e !== "string") throw e;
    walk.saved = e;
  }
  if (walk.saved !== undefined) {
    throw badRequest(
      `${kind} in version "${version}" cannot be handled as a ${kind}: ${walk.saved}`,
    );
  }
}
