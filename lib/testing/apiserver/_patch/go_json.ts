/**
 * Go's `encoding/json` as kube-apiserver's handlers use it, for the texts clients see:
 * the syntax errors of `json.Unmarshal` (`unexpected end of JSON input`, `invalid
 * character 'x' looking for beginning of value`, ...), the `cannot unmarshal <type>`
 * wording, and `json.Marshal`'s rendering of a decoded object (map keys sorted).
 *
 * @module
 */

import { isJsonObject, type JsonValue } from "../../../core/json.ts";

/** How Go's scanner names what it was reading when a byte did not fit. */
type Context =
  | "looking for beginning of value"
  | "looking for beginning of object key string"
  | "after object key"
  | "after object key:value pair"
  | "after array element"
  | "after top-level value"
  | "in string literal"
  | "in string escape code"
  | "in \\u hexadecimal character escape"
  | "in numeric literal"
  | "after decimal point in numeric literal"
  | "in exponent of numeric literal"
  | string;

class SyntaxFailure {
  constructor(readonly message: string) {}
}

/** `quoteChar` of encoding/json: the byte in single quotes, escaped like strconv.Quote. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  const quoted = JSON.stringify(String.fromCharCode(c));
  let inner = quoted.slice(1, -1);
  if (/^\\u00[0-9a-f]{2}$/.test(inner)) inner = `\\x${inner.slice(4)}`;
  if (c === 0x7f) inner = "\\x7f";
  return `'${inner}'`;
}

function fail(c: number, context: Context): never {
  throw new SyntaxFailure(`invalid character ${quoteChar(c)} ${context}`);
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** A recursive-descent port of encoding/json's `checkValid` error reporting. */
class Scanner {
  #pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  #peek(): number | undefined {
    return this.bytes[this.#pos];
  }

  #next(): number {
    const c = this.bytes[this.#pos];
    if (c === undefined) throw new SyntaxFailure("unexpected end of JSON input");
    this.#pos++;
    return c;
  }

  #skipSpace(): void {
    while (this.#pos < this.bytes.length && isSpace(this.bytes[this.#pos] ?? 0)) this.#pos++;
  }

  run(): void {
    this.#value();
    this.#skipSpace();
    const c = this.#peek();
    if (c !== undefined) fail(c, "after top-level value");
  }

  #value(): void {
    this.#skipSpace();
    const c = this.#next();
    switch (c) {
      case 0x7b: // {
        return this.#object();
      case 0x5b: // [
        return this.#array();
      case 0x22: // "
        return this.#string();
      case 0x74: // t
        return this.#literal("true");
      case 0x66: // f
        return this.#literal("false");
      case 0x6e: // n
        return this.#literal("null");
      default:
        if (c === 0x2d || isDigit(c)) return this.#number(c);
        fail(c, "looking for beginning of value");
    }
  }

  #object(): void {
    this.#skipSpace();
    if (this.#peek() === 0x7d) {
      this.#pos++;
      return;
    }
    for (;;) {
      this.#skipSpace();
      const q = this.#next();
      if (q !== 0x22) fail(q, "looking for beginning of object key string");
      this.#string();
      this.#skipSpace();
      const colon = this.#next();
      if (colon !== 0x3a) fail(colon, "after object key");
      this.#value();
      this.#skipSpace();
      const sep = this.#next();
      if (sep === 0x7d) return;
      if (sep !== 0x2c) fail(sep, "after object key:value pair");
    }
  }

  #array(): void {
    this.#skipSpace();
    if (this.#peek() === 0x5d) {
      this.#pos++;
      return;
    }
    for (;;) {
      this.#value();
      this.#skipSpace();
      const sep = this.#next();
      if (sep === 0x5d) return;
      if (sep !== 0x2c) fail(sep, "after array element");
    }
  }

  #string(): void {
    for (;;) {
      const c = this.#next();
      if (c === 0x22) return;
      if (c < 0x20) fail(c, "in string literal");
      if (c !== 0x5c) continue;
      const e = this.#next();
      if (e === 0x75) {
        for (let i = 0; i < 4; i++) {
          const h = this.#next();
          if (!isHex(h)) fail(h, "in \\u hexadecimal character escape");
        }
      } else if (!'bfnrt\\/"'.includes(String.fromCharCode(e))) {
        fail(e, "in string escape code");
      }
    }
  }

  #literal(word: string): void {
    for (let i = 1; i < word.length; i++) {
      const c = this.#next();
      if (c !== word.charCodeAt(i)) fail(c, `in literal ${word} (expecting '${word[i]}')`);
    }
  }

  #number(first: number): void {
    let c: number | undefined = first;
    if (c === 0x2d) {
      c = this.#next();
      if (!isDigit(c)) fail(c, "in numeric literal");
    }
    if (c !== 0x30) {
      while (isDigit(this.#peek() ?? -1)) this.#pos++;
    }
    if (this.#peek() === 0x2e) {
      this.#pos++;
      const d = this.#next();
      if (!isDigit(d)) fail(d, "after decimal point in numeric literal");
      while (isDigit(this.#peek() ?? -1)) this.#pos++;
    }
    const e = this.#peek();
    if (e === 0x65 || e === 0x45) {
      this.#pos++;
      let s = this.#next();
      if (s === 0x2b || s === 0x2d) s = this.#next();
      if (!isDigit(s)) fail(s, "in exponent of numeric literal");
      while (isDigit(this.#peek() ?? -1)) this.#pos++;
    }
  }
}

/**
 * The syntax error Go's `json.Unmarshal` reports for a text, or `undefined` when the
 * text is valid JSON.
 *
 * @param text The JSON text.
 * @returns Go's message, such as `unexpected end of JSON input`.
 *
 * @example
 * ```ts
 * import { goJsonSyntaxError } from "./go_json.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(goJsonSyntaxError("{"), "unexpected end of JSON input");
 * assert.equal(goJsonSyntaxError("[x]"), "invalid character 'x' looking for beginning of value");
 * assert.equal(goJsonSyntaxError('{"a":1}'), undefined);
 * ```
 */
export function goJsonSyntaxError(text: string): string | undefined {
  try {
    new Scanner(new TextEncoder().encode(text)).run();
    return undefined;
  } catch (e) {
    if (e instanceof SyntaxFailure) return e.message;
    throw e;
  }
}

/**
 * The JSON type name in Go's `json: cannot unmarshal <type> into Go value of type …`.
 *
 * @param value A decoded JSON value.
 * @returns `object`, `array`, `string`, `number`, `bool` or `null`.
 *
 * @example
 * ```ts
 * import { goJsonTypeName } from "./go_json.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(goJsonTypeName([1]), "array");
 * assert.equal(goJsonTypeName(true), "bool");
 * ```
 */
export function goJsonTypeName(value: JsonValue): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "boolean") return "bool";
  return typeof value === "object" ? "object" : typeof value;
}

/**
 * Renders a value as Go's `json.Marshal` renders it after decoding into
 * `map[string]interface{}`: object keys sorted, no spaces.
 *
 * @param value A JSON value.
 * @returns The JSON text.
 *
 * @example
 * ```ts
 * import { goJsonMarshal } from "./go_json.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(goJsonMarshal({ b: 1, a: [true, null] }), '{"a":[true,null],"b":1}');
 * ```
 */
export function goJsonMarshal(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(goJsonMarshal).join(",")}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort(compareUtf8);
    return `{${keys.map((k) => `${goQuote(k)}:${goJsonMarshal(value[k] ?? null)}`).join(",")}}`;
  }
  if (typeof value === "string") return goQuote(value);
  return JSON.stringify(value);
}

/** Go sorts map keys by their bytes. */
function compareUtf8(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** A JSON string as Go writes it: `<`, `>` and `&` escaped for HTML safety. */
function goQuote(s: string): string {
  return JSON.stringify(s)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
