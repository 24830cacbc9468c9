/**
 * Which fields a write added, modified or removed (structured-merge-diff
 * `TypedValue.Compare`). Ownership moves along these sets.
 *
 * @module
 */
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../../../core/json.ts";
import type { SchemaNode } from "../_types.ts";
import { type PathElement, serializeElement } from "./field_path.ts";
import { FieldSet } from "./field_set.ts";
import {
  fieldSchema,
  isGranularList,
  isGranularMap,
  listElement,
  objectSchema,
} from "./schema_shape.ts";

/** The differences between two versions of an object, as field sets. */
export interface Comparison {
  /** Paths present only in the new object (leaves, and the containers that appeared). */
  added: FieldSet;
  /** Leaf paths present in both with different values. */
  modified: FieldSet;
  /** Paths present only in the old object (leaves, and the containers that went away). */
  removed: FieldSet;
}

/**
 * Compares two versions of an object under its schema. Leaves (scalars, `null`,
 * atomic lists and maps, and containers empty on both sides) are added, removed or
 * modified; a granular container (struct, map, list-map or set, or one of their
 * elements) is itself reported as added or removed when it exists on one side only,
 * besides everything beneath it.
 *
 * @param before The old object (`{}` for a create).
 * @param after The new object.
 * @param schema The resource's schema for the whole object.
 * @returns The added, modified and removed paths.
 *
 * @example A label added and a field changed
 * ```ts
 * import { compareObjects } from "./compare.ts";
 * import { strict as assert } from "node:assert";
 *
 * const c = compareObjects({ spec: { size: 1 } }, { metadata: { labels: { a: "b" } }, spec: { size: 2 } }, undefined);
 * assert.deepEqual(c.added.toFieldsV1(), { "f:metadata": { ".": {}, "f:labels": { ".": {}, "f:a": {} } } });
 * assert.deepEqual(c.modified.toFieldsV1(), { "f:spec": { "f:size": {} } });
 * assert(c.removed.isEmpty());
 * ```
 */
export function compareObjects(
  before: JsonObject,
  after: JsonObject,
  schema: SchemaNode | undefined,
): Comparison {
  const c: Comparison = {
    added: new FieldSet(),
    modified: new FieldSet(),
    removed: new FieldSet(),
  };
  visit(before, after, objectSchema(schema), [], c);
  return c;
}

type Side = JsonValue | undefined;

function visit(
  lhs: Side,
  rhs: Side,
  node: SchemaNode | undefined,
  path: PathElement[],
  c: Comparison,
) {
  const kind = containerKind(lhs, rhs, node);
  if (kind === "leaf") {
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
    else if (!jsonEqual(lhs, rhs)) c.modified.insert(path);
    return;
  }
  if (kind === "map") {
    const l = isJsonObject(lhs) ? lhs : {};
    const r = isJsonObject(rhs) ? rhs : {};
    for (const name of new Set([...Object.keys(l), ...Object.keys(r)])) {
      visit(l[name], r[name], fieldSchema(node, name), [...path, { field: name }], c);
    }
  } else {
    const l = indexed(lhs, node);
    const r = indexed(rhs, node);
    for (const [key, { element }] of new Map([...l, ...r])) {
      visit(l.get(key)?.item, r.get(key)?.item, node?.items, [...path, element], c);
    }
  }
  // The container itself (structured-merge-diff's post-item hook); a `null` side counts as present.
  if (path.length > 0 && lhs === undefined) c.added.insert(path);
  else if (path.length > 0 && rhs === undefined) c.removed.insert(path);
}

/**
 * A node is walked into when each side is absent, `null` or a granular container of
 * the same kind, and at least one side is a non-empty container; everything else is
 * compared as a leaf (which keeps `{}` vs `null` vs absent distinct).
 */
function containerKind(
  lhs: Side,
  rhs: Side,
  node: SchemaNode | undefined,
): "map" | "list" | "leaf" {
  const sides = [lhs, rhs].filter((v) => v !== undefined && v !== null);
  if (sides.length > 0 && sides.every((v) => isGranularMap(v, node))) {
    return sides.some((v) => Object.keys(v as JsonObject).length > 0) ? "map" : "leaf";
  }
  if (sides.length > 0 && sides.every((v) => isGranularList(v, node))) {
    return sides.some((v) => (v as JsonValue[]).length > 0) ? "list" : "leaf";
  }
  return "leaf";
}

function indexed(list: Side, node: SchemaNode | undefined) {
  const out = new Map<string, { element: PathElement; item: JsonValue }>();
  if (!Array.isArray(list)) return out;
  list.forEach((item, index) => {
    const element = listElement(node, item, index);
    const key = serializeElement(element);
    if (!out.has(key)) out.set(key, { element, item });
  });
  return out;
}
