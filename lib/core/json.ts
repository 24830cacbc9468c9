/**
 * JSON value types shared by every layer: what goes over the wire to and from the
 * Kubernetes API.
 *
 * @module
 */

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Tells whether a value is a JSON object (not `null`, not an array).
 *
 * @param value The value to test.
 * @returns `true` when `value` is a plain JSON object.
 *
 * @example Telling objects from arrays
 * ```ts
 * import { isJsonObject } from "@certkit/issuer-lib";
 * import { ok as assert } from "node:assert";
 *
 * assert(isJsonObject({ a: 1 }));
 * assert(!isJsonObject([1]));
 * assert(!isJsonObject(null));
 * ```
 */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Deep-copies a JSON value.
 *
 * @param value The value to copy.
 * @returns A copy that shares nothing with `value`.
 *
 * @example Copying an object
 * ```ts
 * import { cloneJson } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const a = { spec: { size: 1 } };
 * const b = cloneJson(a);
 * b.spec.size = 2;
 * assert.equal(a.spec.size, 1);
 * ```
 */
export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/**
 * Serialises a JSON value with object keys sorted, so that two equal values give the
 * same text whatever order their keys were set in.
 *
 * @param value The value to serialise.
 * @returns Canonical JSON text.
 *
 * @example Key order does not matter
 * ```ts
 * import { canonicalJson } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(canonicalJson({ b: 1, a: [2] }), canonicalJson({ a: [2], b: 1 }));
 * ```
 */
export function canonicalJson(value: JsonValue): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key] as JsonValue);
  return out;
}

/**
 * Tells whether two JSON values are equal, ignoring object key order.
 *
 * @param a The first value.
 * @param b The second value.
 * @returns `true` when both serialise to the same canonical JSON.
 *
 * @example Comparing objects
 * ```ts
 * import { jsonEqual } from "@certkit/issuer-lib";
 * import { ok as assert } from "node:assert";
 *
 * assert(jsonEqual({ a: 1, b: 2 }, { b: 2, a: 1 }));
 * ```
 */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  return canonicalJson(a) === canonicalJson(b);
}
