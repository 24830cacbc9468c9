/**
 * Merging an applied configuration into a live object, and removing fields from an
 * object by path (structured-merge-diff `TypedValue.Merge` and `RemoveItems`).
 *
 * @module
 */
import { cloneJson, isJsonObject, type JsonObject, type JsonValue } from "../../../core/json.ts";
import type { SchemaNode } from "../_types.ts";
import { serializeElement } from "./field_path.ts";
import type { FieldSet } from "./field_set.ts";
import {
  fieldSchema,
  isGranularList,
  isGranularMap,
  isListMapKeyField,
  listElement,
  objectSchema,
} from "./schema_shape.ts";

/**
 * Merges an applied configuration into a live object: applied values win; structs and
 * granular maps merge field by field; list-map elements are matched by key and merged,
 * set elements by value, with the live and applied orders interleaved the way the
 * real server does (new elements go after the applied elements they follow); atomic
 * lists, atomic maps and scalars are replaced.
 *
 * @param live The stored object (use `{}` when there is none).
 * @param applied The applied configuration.
 * @param schema The resource's schema for the whole object.
 * @returns A new merged object; the inputs are not changed.
 *
 * @example Another manager's condition survives
 * ```ts
 * import { mergeApplied } from "./merge.ts";
 * import { strict as assert } from "node:assert";
 *
 * const conditions = {
 *   type: "array",
 *   items: { type: "object" },
 *   "x-kubernetes-list-type": "map" as const,
 *   "x-kubernetes-list-map-keys": ["type"],
 * };
 * const schema = { type: "object", properties: { status: { type: "object", properties: { conditions } } } };
 * const merged = mergeApplied(
 *   { status: { conditions: [{ type: "Approved", status: "True" }] } },
 *   { status: { conditions: [{ type: "Ready", status: "True" }] } },
 *   schema,
 * );
 * assert.deepEqual(merged, {
 *   status: { conditions: [{ type: "Approved", status: "True" }, { type: "Ready", status: "True" }] },
 * });
 * ```
 */
export function mergeApplied(
  live: JsonObject,
  applied: JsonObject,
  schema: SchemaNode | undefined,
): JsonObject {
  return mergeValue(live, applied, objectSchema(schema)) as JsonObject;
}

function mergeValue(
  lhs: JsonValue | undefined,
  rhs: JsonValue | undefined,
  node: SchemaNode | undefined,
) {
  if (rhs === undefined) return lhs === undefined ? undefined : cloneJson(lhs);
  if (lhs === undefined) return cloneJson(rhs);
  if (isJsonObject(lhs) && isJsonObject(rhs) && isGranularMap(rhs, node)) {
    const out: JsonObject = {};
    for (const name of new Set([...Object.keys(lhs), ...Object.keys(rhs)])) {
      out[name] = mergeValue(lhs[name], rhs[name], fieldSchema(node, name)) as JsonValue;
    }
    return out;
  }
  if (Array.isArray(lhs) && Array.isArray(rhs) && isGranularList(rhs, node)) {
    return mergeList(lhs, rhs, node);
  }
  return cloneJson(rhs);
}

interface IndexedList {
  /** Serialised path elements in list order, first occurrence of each only. */
  order: string[];
  items: Map<string, JsonValue>;
}

function indexList(list: JsonValue[], node: SchemaNode | undefined): IndexedList {
  const order: string[] = [];
  const items = new Map<string, JsonValue>();
  list.forEach((item, index) => {
    const pe = serializeElement(listElement(node, item, index));
    if (items.has(pe)) return; // repeated elements: the first one counts
    order.push(pe);
    items.set(pe, item);
  });
  return { order, items };
}

/**
 * The element order of structured-merge-diff's `mergingWalker.visitListItems`: walk
 * both lists; live-only elements keep their place, applied elements come in applied
 * order, and an element present in both is emitted where the applied order wants it.
 */
function mergeList(lhs: JsonValue[], rhs: JsonValue[], node: SchemaNode | undefined): JsonValue[] {
  const l = indexList(lhs, node);
  const r = indexList(rhs, node);
  const shared = r.order.filter((pe) => l.items.has(pe));
  let nextShared = 0; // index into `shared` of the next shared element to emit
  const out: JsonValue[] = [];
  const emit = (pe: string) =>
    out.push(mergeValue(l.items.get(pe), r.items.get(pe), node?.items) as JsonValue);

  let li = 0;
  let ri = 0;
  while (li < l.order.length || ri < r.order.length) {
    const lpe = l.order[li];
    const rpe = r.order[ri];
    if (lpe !== undefined && rpe !== undefined) {
      if (lpe === rpe) {
        emit(lpe);
        li++;
        ri++;
        nextShared++;
        continue;
      }
      if (r.items.has(lpe) && nextShared < shared.length && shared[nextShared] !== lpe) {
        li++; // a shared element, but not the one to emit now: the applied side will emit it
        continue;
      }
    }
    if (lpe !== undefined && !r.items.has(lpe)) {
      emit(lpe); // live-only element keeps its place
      li++;
      continue;
    }
    if (rpe !== undefined) {
      emit(rpe);
      ri++;
      if (shared[nextShared] === rpe) nextShared++;
      continue;
    }
    li++; // a shared element already emitted from the applied side
  }
  return out;
}

/**
 * Removes paths from an object (structured-merge-diff `RemoveItems`): a member field is
 * deleted, a member list element dropped, and removal continues beneath non-member
 * nodes. Objects and lists left empty stay (as `{}` and `[]`), except that a list-map
 * element losing one of its key fields is dropped, since it could no longer be
 * addressed.
 *
 * @param obj The object.
 * @param paths The paths to remove.
 * @param schema The resource's schema for the whole object.
 * @returns A new object; the input is not changed.
 *
 * @example Removing a condition
 * ```ts
 * import { removePaths } from "./merge.ts";
 * import { FieldSet } from "./field_set.ts";
 * import { keyElement } from "./field_path.ts";
 * import { strict as assert } from "node:assert";
 *
 * const schema = {
 *   type: "object",
 *   properties: {
 *     status: {
 *       type: "object",
 *       properties: {
 *         conditions: {
 *           type: "array",
 *           items: { type: "object" },
 *           "x-kubernetes-list-type": "map" as const,
 *           "x-kubernetes-list-map-keys": ["type"],
 *         },
 *       },
 *     },
 *   },
 * };
 * const obj = { status: { conditions: [{ type: "Ready" }, { type: "Issuing" }] } };
 * const gone = FieldSet.of([{ field: "status" }, { field: "conditions" }, keyElement({ type: "Issuing" })]);
 * assert.deepEqual(removePaths(obj, gone, schema), { status: { conditions: [{ type: "Ready" }] } });
 * ```
 */
export function removePaths(
  obj: JsonObject,
  paths: FieldSet,
  schema: SchemaNode | undefined,
): JsonObject {
  return removeFrom(cloneJson(obj), paths, objectSchema(schema)) as JsonObject;
}

function removeFrom(value: JsonValue, toRemove: FieldSet, node: SchemaNode | undefined): JsonValue {
  if (isJsonObject(value) && isGranularMap(value, node)) {
    const out: JsonObject = {};
    for (const [name, child] of Object.entries(value)) {
      const element = { field: name };
      if (toRemove.hasMember(element)) continue;
      const beneath = toRemove.child(element);
      out[name] = beneath ? removeFrom(child, beneath, fieldSchema(node, name)) : child;
    }
    return out;
  }
  if (Array.isArray(value) && isGranularList(value, node)) {
    const out: JsonValue[] = [];
    value.forEach((item, index) => {
      const element = listElement(node, item, index);
      if (toRemove.hasMember(element)) return;
      const beneath = toRemove.child(element);
      if (beneath === undefined) out.push(item);
      else if (!beneath.entries().some((e) => e.member && isListMapKeyField(node, e.element))) {
        out.push(removeFrom(item, beneath, node?.items));
      }
    });
    return out;
  }
  return value; // scalars and atomic values have nothing beneath them to remove
}
