/**
 * JSON merge patch (RFC 7386), the `application/merge-patch+json` patch type.
 *
 * @module
 */

import { cloneJson, isJsonObject, type JsonObject, type JsonValue } from "../../../core/json.ts";

/**
 * Applies a JSON merge patch without changing the document or the patch: `null`
 * members delete, objects merge recursively, arrays and scalars replace, and a patch
 * that is not an object replaces the whole document.
 *
 * The real server answers 400 for a merge patch that is not a JSON object (`error
 * decoding patch: json: cannot unmarshal array into Go value of type
 * map[string]interface {}`); that check is the caller's, this function follows the RFC.
 *
 * @param doc The document (the stored object).
 * @param patch The merge patch.
 * @returns The patched document, sharing nothing with `doc` or `patch`.
 *
 * @example Arrays are replaced wholesale
 * ```ts
 * import { applyMergePatch } from "./merge_patch.ts";
 * import { strict as assert } from "node:assert";
 *
 * const doc = { metadata: { labels: { a: "1", b: "2" } }, status: { conditions: [{ type: "Approved" }] } };
 * const out = applyMergePatch(doc, {
 *   metadata: { labels: { b: null, c: "3" } },
 *   status: { conditions: [{ type: "Ready" }] },
 * });
 * assert.deepEqual(out, {
 *   metadata: { labels: { a: "1", c: "3" } },
 *   status: { conditions: [{ type: "Ready" }] },
 * });
 * ```
 */
export function applyMergePatch(doc: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const base: JsonObject = isJsonObject(doc) ? doc : {};
  const out: JsonObject = {};
  // Members keep the document's order; new members follow in the patch's order.
  for (const [key, value] of Object.entries(base)) {
    if (!Object.hasOwn(patch, key)) setMember(out, key, cloneJson(value));
    else if (patch[key] !== null) setMember(out, key, applyMergePatch(value, patch[key] ?? null));
  }
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null && !Object.hasOwn(base, key)) {
      setMember(out, key, applyMergePatch(null, value));
    }
  }
  return out;
}

/** Sets an own member, even one named `__proto__`. */
function setMember(object: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(object, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
