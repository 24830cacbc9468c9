/**
 * JSON Patch (RFC 6902) as kube-apiserver 1.32 applies it: the apiserver decodes the
 * body into `[]jsonPatchOp` (400 on a type mismatch), refuses more than 10000
 * operations (413) and applies the operations with `gopkg.in/evanphx/json-patch.v4`
 * (422 on any failure). This engine follows that library where it departs from the
 * RFC, because a real kubectl sees the library's behaviour:
 *
 * - `replace` of a missing object member adds it (only array indices must exist);
 * - array indices follow Go's `strconv.Atoi`: leading zeros and `+` are accepted, and
 *   negative indices count from the end;
 * - a member holding `null` reads like a missing one: `test` with value `null` passes
 *   for both, `copy` from a missing member copies `null`;
 * - an operation without `value` uses `null`; `add` to the root path `""` fails.
 *
 * Messages are the library's, e.g. `testing value /spec/size failed: test failed`.
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

/** The most operations one JSON patch may hold (apiserver `maxJSONPatchOperations`). */
const MAX_OPERATIONS = 10000;
const MISSING = "missing value";
const INVALID_INDEX = "invalid index referenced";

/** One decoded operation; absent and `null` members are both `undefined`/`null`. */
interface Operation {
  op: string | undefined;
  path: string | undefined;
  from: string | undefined;
  value: JsonValue;
}

type Container = JsonObject | JsonValue[];
type Got = { value: JsonValue | undefined } | { error: string };

/**
 * Applies a JSON patch to a document without changing either.
 *
 * @param doc The document (the stored object).
 * @param patch The decoded request body; it must be an array of operation objects.
 * @returns The patched document.
 * @throws {PatchError} `"decode"` when the body is not an array of operations or an
 * operation member has the wrong type, `"tooLarge"` beyond 10000 operations, `"apply"`
 * when an operation fails (unknown `op`, missing path, failed `test`, …).
 *
 * @example Replacing a field and testing another
 * ```ts
 * import { applyJsonPatch } from "./json_patch.ts";
 * import { strict as assert } from "node:assert";
 *
 * const doc = { spec: { size: 1, color: "red" } };
 * const out = applyJsonPatch(doc, [
 *   { op: "test", path: "/spec/color", value: "red" },
 *   { op: "replace", path: "/spec/size", value: 2 },
 * ]);
 * assert.deepEqual(out, { spec: { size: 2, color: "red" } });
 * assert.equal(doc.spec.size, 1);
 * ```
 */
export function applyJsonPatch(doc: JsonValue, patch: unknown): JsonValue {
  const ops = decodePatch(patch);
  if (ops.length > MAX_OPERATIONS) {
    throw new PatchError(
      "tooLarge",
      `The allowed maximum operations in a JSON patch is ${MAX_OPERATIONS}, got ${ops.length}`,
    );
  }
  const root = { doc: cloneJson(doc) };
  for (const op of ops) {
    const failure = applyOperation(root, op);
    if (failure !== undefined) throw new PatchError("apply", failure);
  }
  return root.doc;
}

function decodePatch(patch: unknown): Operation[] {
  if (patch === null) return []; // Go decodes `null` into an empty patch
  if (!Array.isArray(patch)) {
    throw decodeError(
      `json: cannot unmarshal ${goJsonKind(patch)} into Go value of type []handlers.jsonPatchOp`,
    );
  }
  return patch.map((element: unknown) => {
    if (element === null) return { op: undefined, path: undefined, from: undefined, value: null };
    if (!isJsonObject(element)) {
      throw decodeError(
        `json: cannot unmarshal ${goJsonKind(element)} into Go value of type handlers.jsonPatchOp`,
      );
    }
    for (const [key, value] of Object.entries(element)) {
      if (
        (key === "op" || key === "path" || key === "from") && value !== null &&
        typeof value !== "string"
      ) {
        throw decodeError(
          `json: cannot unmarshal ${
            goJsonKind(value)
          } into Go struct field jsonPatchOp.${key} of type string`,
        );
      }
    }
    return {
      op: stringMember(element, "op"),
      path: stringMember(element, "path"),
      from: stringMember(element, "from"),
      value: Object.hasOwn(element, "value") ? element.value ?? null : null,
    };
  });
}

function stringMember(element: JsonObject, key: string): string | undefined {
  const value = Object.hasOwn(element, key) ? element[key] : undefined;
  return typeof value === "string" ? value : undefined;
}

function decodeError(detail: string): PatchError {
  return new PatchError("decode", `error decoding patch: ${detail}`);
}

/** The JSON kind Go's `UnmarshalTypeError` names. */
function goJsonKind(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  return "object";
}

/** Applies one operation to `root.doc` in place; returns the failure message, if any. */
function applyOperation(root: { doc: JsonValue }, op: Operation): string | undefined {
  switch (op.op) {
    case "add":
      return add(root, op);
    case "remove":
      return remove(root, op);
    case "replace":
      return replace(root, op);
    case "move":
      return move(root, op);
    case "test":
      return test(root, op);
    case "copy":
      return copy(root, op);
    default:
      return `Unexpected kind: ${op.op ?? "unknown"}`;
  }
}

function add(root: { doc: JsonValue }, op: Operation): string | undefined {
  if (op.path === undefined) return `add operation failed to decode path: ${MISSING}`;
  const found = findObject(root.doc, op.path);
  if (!found) return `add operation does not apply: doc is missing path: "${op.path}": ${MISSING}`;
  const error = addTo(found[0], found[1], cloneJson(op.value));
  return error && `error in add for path: '${op.path}': ${error}`;
}

function remove(root: { doc: JsonValue }, op: Operation): string | undefined {
  if (op.path === undefined) return `remove operation failed to decode path: ${MISSING}`;
  const found = findObject(root.doc, op.path);
  if (!found) {
    return `remove operation does not apply: doc is missing path: "${op.path}": ${MISSING}`;
  }
  const error = removeFrom(found[0], found[1]);
  return error && `error in remove for path: '${op.path}': ${error}`;
}

function replace(root: { doc: JsonValue }, op: Operation): string | undefined {
  if (op.path === undefined) {
    return `replace operation failed to decode path: ${missingField("path")}`;
  }
  if (op.path === "") {
    if (!isJsonObject(op.value) && !Array.isArray(op.value)) {
      return "replace operation value must be object or array: %!w(<nil>)";
    }
    root.doc = cloneJson(op.value);
    return undefined;
  }
  const found = findObject(root.doc, op.path);
  if (!found) {
    return `replace operation does not apply: doc is missing path: ${op.path}: ${MISSING}`;
  }
  const [container, key] = found;
  if (Array.isArray(container)) {
    const index = arrayIndex(container, key);
    if (typeof index === "string") {
      return `replace operation does not apply: doc is missing key: ${op.path}: ${MISSING}`;
    }
    container[index] = cloneJson(op.value);
  } else {
    setMember(container, key, cloneJson(op.value)); // a missing member is added, as in json-patch v4
  }
  return undefined;
}

function move(root: { doc: JsonValue }, op: Operation): string | undefined {
  if (op.from === undefined) return `move operation failed to decode from: ${missingField("from")}`;
  const source = findObject(root.doc, op.from);
  if (!source) {
    return `move operation does not apply: doc is missing from path: ${op.from}: ${MISSING}`;
  }
  const [from, fromKey] = source;
  const got = getFrom(from, fromKey);
  if ("error" in got) return `error in move for path: '${fromKey}': ${got.error}`;
  const removed = removeFrom(from, fromKey);
  if (removed) return `error in move for path: '${fromKey}': ${removed}`;
  if (op.path === undefined) return `move operation failed to decode path: ${missingField("path")}`;
  const target = findObject(root.doc, op.path);
  if (!target) {
    return `move operation does not apply: doc is missing destination path: ${op.path}: ${MISSING}`;
  }
  const error = addTo(target[0], target[1], got.value ?? null);
  return error && `error in move for path: '${op.path}': ${error}`;
}

function test(root: { doc: JsonValue }, op: Operation): string | undefined {
  if (op.path === undefined) return `test operation failed to decode path: ${missingField("path")}`;
  const failed = `testing value ${op.path} failed: test failed`;
  if (op.path === "") return jsonEqual(root.doc, op.value) ? undefined : failed;
  const found = findObject(root.doc, op.path);
  if (!found) return `test operation does not apply: is missing path: ${op.path}: ${MISSING}`;
  const got = getFrom(found[0], found[1]);
  if ("error" in got) return `error in test for path: '${op.path}': ${got.error}`;
  return jsonEqual(got.value ?? null, op.value) ? undefined : failed;
}

function copy(root: { doc: JsonValue }, op: Operation): string | undefined {
  if (op.from === undefined) return `copy operation failed to decode from: ${missingField("from")}`;
  const source = findObject(root.doc, op.from);
  if (!source) {
    return `copy operation does not apply: doc is missing from path: ${op.from}: ${MISSING}`;
  }
  const got = getFrom(source[0], source[1]);
  if ("error" in got) return `error in copy for from: '${op.from}': ${got.error}`;
  if (op.path === undefined) return `copy operation failed to decode path: ${MISSING}`;
  const target = findObject(root.doc, op.path);
  if (!target) {
    return `copy operation does not apply: doc is missing destination path: ${op.path}: ${MISSING}`;
  }
  const error = addTo(target[0], target[1], cloneJson(got.value ?? null));
  return error && `error while adding value during copy: ${error}`;
}

function missingField(field: "path" | "from"): string {
  return field === "path"
    ? `operation missing path field: ${MISSING}`
    : `operation, missing from field: ${MISSING}`;
}

/**
 * Walks every pointer token but the last (json-patch v4 `findObject`): returns the
 * container of the target and the decoded last token, or `undefined` when a parent is
 * missing, `null` or not a container.
 */
function findObject(doc: JsonValue, path: string): [Container, string] | undefined {
  const tokens = path.split("/");
  if (tokens.length < 2 || !isContainer(doc)) return undefined;
  let container: Container = doc;
  for (const token of tokens.slice(1, -1)) {
    const got = getFrom(container, unescapeToken(token));
    if ("error" in got || !isContainer(got.value)) return undefined;
    container = got.value;
  }
  return [container, unescapeToken(tokens[tokens.length - 1] ?? "")];
}

function isContainer(value: JsonValue | undefined): value is Container {
  return Array.isArray(value) || isJsonObject(value);
}

/** RFC 6901 unescaping in one pass: `~1` → `/`, `~0` → `~`. */
function unescapeToken(token: string): string {
  return token.replace(/~[01]/g, (escape) => (escape === "~1" ? "/" : "~"));
}

function getFrom(container: Container, key: string): Got {
  if (!Array.isArray(container)) {
    return { value: Object.hasOwn(container, key) ? container[key] : undefined };
  }
  const index = arrayIndex(container, key);
  return typeof index === "string" ? { error: index } : { value: container[index] };
}

function addTo(container: Container, key: string, value: JsonValue): string | undefined {
  if (!Array.isArray(container)) {
    setMember(container, key, value);
    return undefined;
  }
  if (key === "-") {
    container.push(value);
    return undefined;
  }
  const parsed = atoi(key);
  if (typeof parsed === "string") return `value was not a proper array index: '${key}': ${parsed}`;
  const size = container.length + 1;
  if (parsed >= size || parsed < -size) {
    return `Unable to access invalid index: ${parsed}: ${INVALID_INDEX}`;
  }
  container.splice(parsed < 0 ? parsed + size : parsed, 0, value);
  return undefined;
}

function removeFrom(container: Container, key: string): string | undefined {
  if (!Array.isArray(container)) {
    if (!Object.hasOwn(container, key)) {
      return `Unable to remove nonexistent key: ${key}: ${MISSING}`;
    }
    delete container[key];
    return undefined;
  }
  const index = arrayIndex(container, key);
  if (typeof index === "string") return index;
  container.splice(index, 1);
  return undefined;
}

/** Resolves an index into an existing element, negative indices counting from the end. */
function arrayIndex(array: JsonValue[], key: string): number | string {
  const parsed = atoi(key);
  if (typeof parsed === "string") return parsed;
  if (parsed < -array.length) return `Unable to access invalid index: ${parsed}: ${INVALID_INDEX}`;
  const index = parsed < 0 ? parsed + array.length : parsed;
  if (index >= array.length) return `Unable to access invalid index: ${index}: ${INVALID_INDEX}`;
  return index;
}

/** Go's `strconv.Atoi`: an optional sign and decimal digits; returns the error text on failure. */
function atoi(key: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(key)) {
    return `strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`;
  }
  const n = Number(key);
  if (!Number.isSafeInteger(n)) {
    return `strconv.Atoi: parsing ${JSON.stringify(key)}: value out of range`;
  }
  return n;
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
