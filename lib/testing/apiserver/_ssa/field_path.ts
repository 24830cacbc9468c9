/**
 * Field paths and field sets, as server-side apply tracks ownership: the model of
 * structured-merge-diff's `fieldpath` package (`PathElement`, `Path`, `Set`) and its
 * `FieldsV1` serialisation used in `metadata.managedFields`.
 *
 * @module
 */
import { isJsonObject, type JsonValue } from "../../../core/json.ts";

/**
 * One step of a field path:
 * - `{ field }` selects a field of an object (`.spec`);
 * - `{ key }` selects the element of a list-map whose key fields have these values
 *   (`[type="Ready"]`);
 * - `{ value }` selects the element of a set-list with this value (`[="x"]`);
 * - `{ index }` selects a list element by position (`[3]`).
 */
export type PathElement =
  | { readonly field: string }
  | { readonly key: Readonly<Record<string, JsonValue>> }
  | { readonly value: JsonValue }
  | { readonly index: number };

/** A path from the root of an object to one of its fields or list elements. */
export type FieldPath = readonly PathElement[];

/**
 * Builds a list-map key element with its fields sorted by name, as the real server does.
 *
 * @param fields The key fields and their values, such as `{ type: "Ready" }`.
 * @returns The path element.
 */
export function keyElement(fields: Record<string, JsonValue>): PathElement {
  const key: Record<string, JsonValue> = {};
  for (const name of Object.keys(fields).sort()) key[name] = fields[name] as JsonValue;
  return { key };
}

/**
 * Serialises a path element as a `fieldsV1` object key: `f:<name>`, `k:<json>`,
 * `v:<json>` or `i:<n>` (structured-merge-diff `SerializePathElement`).
 *
 * @param element The path element.
 * @returns The key text, such as `k:{"type":"Ready"}`.
 *
 * @example Serialising a list-map key
 * ```ts
 * import { keyElement, serializeElement } from "./field_path.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(serializeElement(keyElement({ type: "Ready" })), 'k:{"type":"Ready"}');
 * ```
 */
export function serializeElement(element: PathElement): string {
  if ("field" in element) return `f:${element.field}`;
  if ("key" in element) return `k:${goJson(element.key)}`;
  if ("value" in element) return `v:${goJson(element.value)}`;
  return `i:${element.index}`;
}

/**
 * Parses a `fieldsV1` object key back into a path element.
 *
 * @param text The key text, such as `f:spec` or `k:{"type":"Ready"}`.
 * @returns The path element.
 * @throws {TypeError} When the text is not a valid serialised path element.
 */
export function parseElement(text: string): PathElement {
  const kind = text.slice(0, 2);
  const rest = text.slice(2);
  switch (kind) {
    case "f:":
      return { field: rest };
    case "k:": {
      const key = parseJson(text, rest);
      if (!isJsonObject(key)) {
        throw new TypeError(`fieldsV1 key ${JSON.stringify(text)} is not an object`);
      }
      return keyElement(key);
    }
    case "v:":
      return { value: parseJson(text, rest) };
    case "i:":
      if (!/^(0|-?[1-9][0-9]*)$/.test(rest)) {
        throw new TypeError(`fieldsV1 key ${JSON.stringify(text)} has an invalid index`);
      }
      return { index: Number(rest) };
    default:
      throw new TypeError(`fieldsV1 key ${JSON.stringify(text)} has an unknown path element type`);
  }
}

function parseJson(text: string, json: string): JsonValue {
  try {
    return JSON.parse(json) as JsonValue;
  } catch {
    throw new TypeError(`fieldsV1 key ${JSON.stringify(text)} holds invalid JSON`);
  }
}

/**
 * Orders path elements the way structured-merge-diff does: field names, then keys,
 * then values, then indexes; within a kind by name, key, value or number.
 *
 * @param a The first element.
 * @param b The second element.
 * @returns A negative number, zero or a positive number.
 */
export function compareElements(a: PathElement, b: PathElement): number {
  const rank = elementRank(a) - elementRank(b);
  if (rank !== 0) return rank;
  if ("field" in a && "field" in b) return compareStrings(a.field, b.field);
  if ("key" in a && "key" in b) return compareMaps(a.key, b.key);
  if ("value" in a && "value" in b) return compareValues(a.value, b.value);
  if ("index" in a && "index" in b) return a.index - b.index;
  return 0;
}

function elementRank(e: PathElement): number {
  return "field" in e ? 0 : "key" in e ? 1 : "value" in e ? 2 : 3;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** structured-merge-diff `value.Compare`: numbers < strings < booleans < lists < maps < null. */
function compareValues(a: JsonValue, b: JsonValue): number {
  const rank = valueRank(a) - valueRank(b);
  if (rank !== 0) return rank;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b);
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i] as JsonValue, b[i] as JsonValue);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (isJsonObject(a) && isJsonObject(b)) return compareMaps(a, b);
  return 0;
}

function valueRank(v: JsonValue): number {
  if (typeof v === "number") return 0;
  if (typeof v === "string") return 1;
  if (typeof v === "boolean") return 2;
  if (Array.isArray(v)) return 3;
  if (v !== null) return 4;
  return 5;
}

function compareMaps(
  a: Readonly<Record<string, JsonValue>>,
  b: Readonly<Record<string, JsonValue>>,
) {
  const ak = Object.keys(a).sort();
  const bk = Object.keys(b).sort();
  for (let i = 0; i < Math.min(ak.length, bk.length); i++) {
    const c = compareStrings(ak[i] as string, bk[i] as string) ||
      compareValues(a[ak[i] as string] as JsonValue, b[bk[i] as string] as JsonValue);
    if (c !== 0) return c;
  }
  return ak.length - bk.length;
}

/**
 * Renders a path element as conflict messages do (structured-merge-diff
 * `PathElement.String`): `.name`, `[type="Ready"]`, `[="x"]`, `[3]`.
 *
 * @param element The path element.
 * @returns The text.
 */
export function elementToString(element: PathElement): string {
  if ("field" in element) return `.${element.field}`;
  if ("key" in element) {
    const parts = Object.keys(element.key).map((name) =>
      `${name}=${goValueString(element.key[name] as JsonValue)}`
    );
    return `[${parts.join(",")}]`;
  }
  if ("value" in element) return `[=${goValueString(element.value)}]`;
  return `[${element.index}]`;
}

/**
 * Renders a path as conflict messages do, such as `.status.conditions[type="Ready"]`.
 *
 * @param path The path.
 * @returns The text; empty for the root.
 *
 * @example Rendering paths
 * ```ts
 * import { keyElement, pathToString } from "./field_path.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(pathToString([{ field: "spec" }, { field: "size" }]), ".spec.size");
 * assert.equal(
 *   pathToString([{ field: "status" }, { field: "conditions" }, keyElement({ type: "Ready" })]),
 *   '.status.conditions[type="Ready"]',
 * );
 * assert.equal(pathToString([{ field: "metadata" }, { field: "finalizers" }, { value: "x" }]), '.metadata.finalizers[="x"]');
 * ```
 */
export function pathToString(path: FieldPath): string {
  return path.map(elementToString).join("");
}

/** structured-merge-diff `value.ToString`: strings Go-quoted, numbers and booleans bare. */
function goValueString(v: JsonValue): string {
  if (v === null) return "null";
  if (typeof v === "string") return goQuote(v);
  if (typeof v === "number") return goNumber(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(goValueString).join(",")}]`;
  return Object.keys(v).sort().map((k) => `${k}=${goValueString(v[k] as JsonValue)}`).join("");
}

/**
 * Go's `%v` of a decoded JSON number: integers (int64 in Go) as such, other floats in
 * shortest `%g` form, which switches to an exponent below 1e-4 and from 1e6 on.
 */
function goNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const [mantissa, exponent] = n.toExponential().split("e") as [string, string];
  const exp = Number(exponent);
  if (exp < -4 || exp >= 6) {
    const digits = String(Math.abs(exp)).padStart(2, "0");
    return `${mantissa}e${exp < 0 ? "-" : "+"}${digits}`;
  }
  return String(n);
}

/**
 * Quotes a string the way Go's `%q` does for printable text (used for manager names
 * and values in conflict messages).
 *
 * @param s The string.
 * @returns The quoted string, such as `"kubectl"`.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Encodes a value as Go's `encoding/json` does: object keys sorted, and `<`, `>`, `&`,
 * U+2028, U+2029 escaped.
 *
 * @param value The value.
 * @returns JSON text.
 */
export function goJson(value: JsonValue | Readonly<Record<string, JsonValue>>): string {
  if (value === null || typeof value === "number" || typeof value === "boolean") {
    return JSON.stringify(value);
  }
  if (typeof value === "string") {
    return JSON.stringify(value).replace(
      /[<>&\u2028\u2029]/g,
      (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, "0")}`,
    );
  }
  if (Array.isArray(value)) return `[${value.map((v) => goJson(v as JsonValue)).join(",")}]`;
  const entries = Object.keys(value).sort().map((k) =>
    `${goJson(k)}:${goJson(value[k] as JsonValue)}`
  );
  return `{${entries.join(",")}}`;
}
