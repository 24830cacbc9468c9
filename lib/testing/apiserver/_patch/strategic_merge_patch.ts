/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) for built-in types:
 * the subset of apimachinery's `strategicpatch` that the fake API server's built-ins
 * need. Maps merge like a merge patch; a list merges only when the strategy names its
 * field path (a primitive list as an ordered union, a list of objects by its merge
 * key); every other list is replaced. Directives: `$patch: replace|delete` on maps and
 * on list elements, `$retainKeys`, `$deleteFromPrimitiveList/<field>`;
 * `$setElementOrder/<field>` is validated and ignored. No `$` key reaches the result.
 *
 * Merged lists are ordered the way apimachinery orders them without
 * `$setElementOrder`: new elements go before the server-only elements they are not
 * known to follow, so adding finalizer `b` to `["a"]` gives `["b", "a"]`.
 *
 * @module
 */

import {
  cloneJson,
  isJsonObject,
  jsonEqual,
  type JsonObject,
  type JsonValue,
} from "../../../core/json.ts";
import { PatchError } from "./patch_error.ts";

/** How one list field merges. */
export interface SmpListStrategy {
  /** The member that identifies an element of a list of objects; absent for a list of primitives. */
  mergeKey?: string;
}

/**
 * Which lists of a type merge instead of being replaced, by dotted field path from the
 * object root (`metadata.ownerReferences`). Elements of a list add no path segment: the
 * `ports` list inside `spec.containers` elements is `spec.containers.ports`.
 */
export interface SmpStrategy {
  /** The list fields whose Go type says `patchStrategy: merge`, with their merge keys. */
  listMerge: Record<string, SmpListStrategy>;
}

/**
 * The merging lists of the built-in types the fake serves: `metadata.finalizers`
 * (primitive union), `metadata.ownerReferences` (by `uid`) and `status.conditions`
 * (by `type`, as for CertificateSigningRequest and Namespace conditions).
 *
 * @example Looking up a list's merge key
 * ```ts
 * import { BUILTIN_SMP_STRATEGY } from "./strategic_merge_patch.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(BUILTIN_SMP_STRATEGY.listMerge["metadata.ownerReferences"]?.mergeKey, "uid");
 * ```
 */
export const BUILTIN_SMP_STRATEGY: SmpStrategy = Object.freeze({
  listMerge: Object.freeze({
    "metadata.finalizers": Object.freeze({}),
    "metadata.ownerReferences": Object.freeze({ mergeKey: "uid" }),
    "status.conditions": Object.freeze({ mergeKey: "type" }),
  }),
});

const PATCH = "$patch";
const RETAIN_KEYS = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER = "$setElementOrder";

/**
 * Applies a strategic merge patch without changing the document or the patch.
 *
 * @param doc The document (the stored object).
 * @param patch The strategic merge patch.
 * @param strategy Which lists merge and by which key; defaults to {@linkcode BUILTIN_SMP_STRATEGY}.
 * @returns The patched document, free of `$` directives.
 * @throws {PatchError} `"decode"` for a malformed directive or list (the real server
 * answers 400, or 500 for a few of these), `"apply"` for a list of lists (422).
 *
 * @example Adding a finalizer and an owner reference
 * ```ts
 * import { applyStrategicMergePatch, BUILTIN_SMP_STRATEGY } from "./strategic_merge_patch.ts";
 * import { strict as assert } from "node:assert";
 *
 * const doc = { metadata: { finalizers: ["a"], ownerReferences: [{ uid: "1", name: "x" }] } };
 * const out = applyStrategicMergePatch(doc, {
 *   metadata: { finalizers: ["b"], ownerReferences: [{ uid: "2", name: "y" }] },
 * }, BUILTIN_SMP_STRATEGY);
 * assert.deepEqual(out.metadata, {
 *   finalizers: ["b", "a"],
 *   ownerReferences: [{ uid: "2", name: "y" }, { uid: "1", name: "x" }],
 * });
 * ```
 */
export function applyStrategicMergePatch(
  doc: JsonObject,
  patch: JsonObject,
  strategy: SmpStrategy = BUILTIN_SMP_STRATEGY,
): JsonObject {
  if (!isJsonObject(patch)) {
    const kind = Array.isArray(patch)
      ? "array"
      : typeof patch === "boolean"
      ? "bool"
      : typeof patch;
    throw new PatchError(
      "decode",
      `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`,
    );
  }
  return mergeMap(cloneJson(doc), cloneJson(patch), "", strategy);
}

/** Merges `patch` into `original`; both are owned copies and may be changed. */
function mergeMap(
  original: JsonObject,
  patch: JsonObject,
  path: string,
  strategy: SmpStrategy,
): JsonObject {
  if (Object.hasOwn(patch, PATCH)) {
    const directive = patch[PATCH];
    if (directive === "replace") return cleanObject(patch);
    if (directive === "delete") return {};
    throw decodeError(
      `unknown patch type: ${goFormat(directive ?? null)} in map: ${goFormat(patch)}`,
    );
  }
  applyRetainKeys(original, patch);
  for (const [patchKey, value] of Object.entries(patch)) {
    if (patchKey.startsWith(SET_ELEMENT_ORDER)) {
      directiveTarget(patchKey, SET_ELEMENT_ORDER, "invalid patch format of setElementOrder list");
      if (!Array.isArray(value)) throw decodeError("invalid patch format of setElementOrder list");
      continue;
    }
    const deleteList = patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    if (patchKey.startsWith("$") && !deleteList) continue; // $retainKeys (done) and unknown directives
    const key = deleteList
      ? directiveTarget(
        patchKey,
        DELETE_FROM_PRIMITIVE_LIST,
        "invalid patch format of primitive list",
      )
      : patchKey;
    const fieldPath = path === "" ? key : `${path}.${key}`;
    const current = Object.hasOwn(original, key) ? original[key] : undefined;
    if (value === null) {
      delete original[key];
    } else if (deleteList) {
      deleteFromPrimitiveList(original, key, value);
    } else if (current === undefined || goType(current) !== goType(value)) {
      const fresh = cleanValue(value, false);
      if (fresh === undefined) delete original[key];
      else setMember(original, key, fresh);
    } else if (isJsonObject(current) && isJsonObject(value)) {
      setMember(original, key, mergeMap(current, value, fieldPath, strategy));
    } else if (Array.isArray(current) && Array.isArray(value)) {
      setMember(original, key, mergeList(current, value, fieldPath, strategy));
    } else {
      setMember(original, key, value);
    }
  }
  return original;
}

/** `$retainKeys`: every patched member must be listed; unlisted members of `original` go. */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw decodeError("invalid patch format of retainKeys");
  const retained = new Set(list.filter((k) => typeof k === "string"));
  for (const [key, value] of Object.entries(patch)) {
    if (key === RETAIN_KEYS || value === null) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!retained.has(key)) throw decodeError("invalid patch format of retainKeys");
  }
  for (const key of Object.keys(original)) {
    if (!retained.has(key)) delete original[key];
  }
}

function deleteFromPrimitiveList(original: JsonObject, key: string, value: JsonValue): void {
  if (!Array.isArray(value) || value.some((v) => isJsonObject(v) || Array.isArray(v))) {
    throw decodeError("invalid patch format of primitive list");
  }
  const current = Object.hasOwn(original, key) ? original[key] : undefined;
  if (Array.isArray(current)) setMember(original, key, current.filter((v) => !value.includes(v)));
}

function mergeList(
  current: JsonValue[],
  patch: JsonValue[],
  path: string,
  strategy: SmpStrategy,
): JsonValue[] {
  const rule = Object.hasOwn(strategy.listMerge, path) ? strategy.listMerge[path] : undefined;
  if (rule === undefined) return cleanList(patch);
  if (current.length === 0 && patch.length === 0) return current;
  const kinds = new Set([...current, ...patch].map(goType));
  if (kinds.has("slice")) throw new PatchError("apply", "lists of lists are not supported");
  if (kinds.size > 1) {
    throw decodeError(`list element types are not identical: ${goFormat([current, patch])}`);
  }
  if (!kinds.has("map")) return mergePrimitiveList(current, patch);
  if (rule.mergeKey === undefined) {
    throw decodeError(`cannot merge lists without merge key for ${path}`);
  }
  return mergeObjectList(
    current as JsonObject[],
    patch as JsonObject[],
    rule.mergeKey,
    path,
    strategy,
  );
}

function mergePrimitiveList(current: JsonValue[], patch: JsonValue[]): JsonValue[] {
  const merged = [...new Set([...current, ...patch])];
  const patchItems = sortByOrder(merged.filter((v) => patch.includes(v)), patch, (v) => v);
  const serverOnly = merged.filter((v) => !patch.includes(v));
  return mergeSorted(serverOnly, patchItems, current, (v) => v);
}

function mergeObjectList(
  current: JsonObject[],
  patch: JsonObject[],
  mergeKey: string,
  path: string,
  strategy: SmpStrategy,
): JsonValue[] {
  const id = (o: JsonObject) => (Object.hasOwn(o, mergeKey) ? o[mergeKey] : undefined);
  const matches = (o: JsonObject, value: JsonValue | undefined) =>
    Object.hasOwn(o, mergeKey) && sameId(o[mergeKey], value);
  let original = current;
  let plain: JsonObject[] = [];
  let replace = false;
  for (const element of patch) {
    if (!Object.hasOwn(element, PATCH)) {
      plain.push(element);
      continue;
    }
    const directive = element[PATCH];
    if (directive === "delete") {
      if (!Object.hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
      original = original.filter((o) => !matches(o, element[mergeKey]));
    } else if (directive === "replace") {
      replace = true;
    } else if (directive === "merge") {
      throw decodeError("merging lists cannot yet be specified in the patch");
    } else {
      throw decodeError(
        `unknown patch type: ${goFormat(directive ?? null)} in map: ${goFormat(element)}`,
      );
    }
  }
  if (replace) [original, plain] = [plain, []];

  const merged = [...original];
  const added = new Set<JsonObject>();
  for (const element of plain) {
    if (!Object.hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
    const at = merged.findIndex((o) => matches(o, element[mergeKey]));
    const existing = merged[at];
    if (existing === undefined) {
      merged.push(element);
      added.add(element);
    } else {
      merged[at] = mergeMap(existing, element, path, strategy);
    }
  }
  for (const element of merged) {
    if (!Object.hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
  }
  const inPatch = (o: JsonObject) => plain.some((p) => sameId(id(p), id(o)));
  const patchItems = sortByOrder(merged.filter(inPatch), plain, id);
  const serverOnly = merged.filter((o) => !inPatch(o));
  const ordered = mergeSorted(serverOnly, patchItems, original, id);
  return ordered.map((o) => (replace || added.has(o) ? cleanObject(o) : o));
}

/**
 * Interleaves server-only items (`left`, in server order) with patch items (`right`):
 * a server-only item goes first only when the server list has it before the patch item
 * (apimachinery `mergeSortedSlice`).
 */
function mergeSorted<T>(
  left: T[],
  right: T[],
  serverOrder: T[],
  id: (v: T) => JsonValue | undefined,
): T[] {
  const indexOf = (v: T) => serverOrder.findIndex((o) => sameId(id(o), id(v)));
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    const l = left[i];
    const r = right[j];
    if (l === undefined || r === undefined) {
      out.push(...left.slice(i), ...right.slice(j));
      break;
    }
    const li = indexOf(l);
    const ri = indexOf(r);
    if (li >= 0 && ri >= 0 && li < ri) {
      out.push(l);
      i++;
    } else {
      out.push(r);
      j++;
    }
  }
  return out;
}

function sortByOrder<T>(items: T[], order: T[], id: (v: T) => JsonValue | undefined): T[] {
  const rank = (v: T) => {
    const at = order.findIndex((o) => sameId(id(o), id(v)));
    return at < 0 ? Number.MAX_SAFE_INTEGER : at;
  };
  return items.map((v) => ({ v, r: rank(v) })).sort((a, b) => a.r - b.r).map(({ v }) => v);
}

/** Go's `==` on merge-key values (`nil == nil`), with JSON equality for composite values. */
function sameId(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a === b || jsonEqual(a, b);
}

/**
 * A patch value taken as is: `$` members, `null` members and list elements carrying
 * `$patch` are dropped; a map carrying `$patch` keeps its members only for `replace`.
 * Returns `undefined` when the value should not be kept at all.
 */
function cleanValue(value: JsonValue, inList: boolean): JsonValue | undefined {
  if (Array.isArray(value)) return cleanList(value);
  if (!isJsonObject(value)) return value;
  if (Object.hasOwn(value, PATCH) && (inList || value[PATCH] !== "replace")) return undefined;
  return cleanObject(value);
}

function cleanList(list: JsonValue[]): JsonValue[] {
  return list.flatMap((v) => {
    const clean = cleanValue(v, true);
    return clean === undefined ? [] : [clean];
  });
}

function cleanObject(object: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (key.startsWith("$") || value === null) continue;
    const clean = cleanValue(value, false);
    if (clean !== undefined) setMember(out, key, clean);
  }
  return out;
}

/** The field a `$prefix/<field>` directive names (apimachinery `extractKey`). */
function directiveTarget(key: string, prefix: string, message: string): string {
  const slash = key.indexOf("/");
  if (slash < 0 || key.slice(0, slash) !== prefix) throw decodeError(message);
  return key.slice(slash + 1);
}

type GoType = "nil" | "map" | "slice" | "string" | "float64" | "bool";

/** The Go type `encoding/json` decodes a value into. */
function goType(value: JsonValue): GoType {
  if (value === null) return "nil";
  if (Array.isArray(value)) return "slice";
  if (typeof value === "object") return "map";
  return typeof value === "string" ? "string" : typeof value === "number" ? "float64" : "bool";
}

/** Renders a decoded JSON value like Go's `%v`, for error messages. */
function goFormat(value: JsonValue): string {
  if (value === null) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goFormat).join(" ")}]`;
  if (isJsonObject(value)) {
    const members = Object.keys(value).sort().map((k) => `${k}:${goFormat(value[k] ?? null)}`);
    return `map[${members.join(" ")}]`;
  }
  if (typeof value !== "number" || value === 0) return String(value);
  const [mantissa = "", exponent = "0"] = value.toExponential().split("e");
  const exp = Number(exponent);
  if (exp >= -4 && exp < 6) return String(value); // strconv 'g', shortest: %e from 1e+06 on
  return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

function noMergeKey(element: JsonObject, mergeKey: string): PatchError {
  return decodeError(`map: ${goFormat(element)} does not contain declared merge key: ${mergeKey}`);
}

function decodeError(message: string): PatchError {
  return new PatchError("decode", message);
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
