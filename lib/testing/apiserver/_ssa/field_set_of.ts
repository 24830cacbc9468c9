/**
 * The set of fields an object sets, under its schema (structured-merge-diff
 * `TypedValue.ToFieldSet`), and the fields the API server never records as owned
 * (apimachinery `stripmeta.go`).
 *
 * @module
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../../../core/json.ts";
import type { SchemaNode } from "../_types.ts";
import type { FieldPath, PathElement } from "./field_path.ts";
import { FieldSet } from "./field_set.ts";
import {
  fieldSchema,
  isDeclaredField,
  isGranularList,
  isGranularMap,
  listElement,
  objectSchema,
} from "./schema_shape.ts";

export { OBJECT_META_SCHEMA } from "./schema_shape.ts";

const meta = (name: string): FieldPath => [{ field: "metadata" }, { field: name }];

/**
 * The paths no manager ever owns: the server strips them from every manager's set.
 * Paths beneath them (labels under `metadata`) are not affected.
 */
export const NEVER_OWNED: FieldSet = FieldSet.of(
  [{ field: "apiVersion" }],
  [{ field: "kind" }],
  [{ field: "metadata" }],
  meta("name"),
  meta("namespace"),
  meta("creationTimestamp"),
  meta("selfLink"),
  meta("uid"),
  meta("clusterName"),
  meta("generation"),
  meta("managedFields"),
  meta("resourceVersion"),
  meta("deletionTimestamp"),
  meta("deletionGracePeriodSeconds"),
);

/**
 * The fields an object sets, as a manager would own them: every leaf; each element
 * of a list-map or set (plus, for list-maps, the element's own fields); atomic lists
 * and atomic maps as one leaf; keys of granular maps (labels, or anything without a
 * schema) as members too. Declared struct fields are not members themselves, only
 * what they contain. The never-owned fields ({@link NEVER_OWNED}) are left out.
 *
 * @param obj The object (or applied configuration).
 * @param schema The resource's schema for the whole object; `metadata` always uses the
 *   built-in ObjectMeta schema.
 * @returns The field set.
 *
 * @example The field set of a status apply
 * ```ts
 * import { fieldSetOf } from "./field_set_of.ts";
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
 *           items: { type: "object", properties: { type: { type: "string" }, status: { type: "string" } } },
 *           "x-kubernetes-list-type": "map" as const,
 *           "x-kubernetes-list-map-keys": ["type"],
 *         },
 *       },
 *     },
 *   },
 * };
 * const set = fieldSetOf({
 *   apiVersion: "example.com/v1",
 *   kind: "Widget",
 *   metadata: { name: "w1" },
 *   status: { conditions: [{ type: "Ready", status: "True" }] },
 * }, schema);
 * assert.deepEqual(set.toFieldsV1(), {
 *   "f:status": { "f:conditions": { 'k:{"type":"Ready"}': { ".": {}, "f:status": {}, "f:type": {} } } },
 * });
 * ```
 */
export function fieldSetOf(obj: JsonObject, schema: SchemaNode | undefined): FieldSet {
  return stripNeverOwned(unstrippedFieldSetOf(obj, schema));
}

/**
 * Like {@link fieldSetOf} but keeping the never-owned fields, as structured-merge-diff
 * sees an object before the API server strips its result. Pruning needs this.
 *
 * @param obj The object.
 * @param schema The resource's schema for the whole object.
 * @returns The field set.
 */
export function unstrippedFieldSetOf(obj: JsonObject, schema: SchemaNode | undefined): FieldSet {
  const out = new FieldSet();
  collect(obj, objectSchema(schema), [], out);
  return out;
}

function collect(
  value: JsonValue,
  node: SchemaNode | undefined,
  path: PathElement[],
  out: FieldSet,
) {
  if (isJsonObject(value) && isGranularMap(value, node)) {
    for (const [name, child] of Object.entries(value)) {
      const childPath = [...path, { field: name }];
      collect(child, fieldSchema(node, name), childPath, out);
      if (!isDeclaredField(node, name)) out.insert(childPath);
    }
  } else if (Array.isArray(value) && isGranularList(value, node)) {
    value.forEach((item, index) => {
      const childPath = [...path, listElement(node, item, index)];
      collect(item, node?.items, childPath, out);
      out.insert(childPath);
    });
  } else {
    out.insert(path); // scalars, null, atomic lists and atomic maps are leaves
  }
}

/**
 * Removes the never-owned fields ({@link NEVER_OWNED}) from a set; only those exact
 * paths, not what lies beneath them.
 *
 * @param set The set.
 * @returns A new set.
 */
export function stripNeverOwned(set: FieldSet): FieldSet {
  return set.difference(NEVER_OWNED);
}

/**
 * Adds as members the declared struct fields that have members beneath them
 * (structured-merge-diff `EnsureNamedFieldsAreMembers`): `.status` and
 * `.status.conditions` for a set holding `.status.conditions[type="Ready"]`, but not
 * `.metadata.labels.app`'s granular-map parent key. Pruning works on such sets so
 * that a struct nobody owns anything in any more is removed as a whole.
 *
 * @param set The set.
 * @param schema The resource's schema for the whole object.
 * @returns A new set.
 */
export function ensureNamedFieldsAreMembers(
  set: FieldSet,
  schema: SchemaNode | undefined,
): FieldSet {
  return ensureNamed(set, objectSchema(schema));
}

function ensureNamed(set: FieldSet, node: SchemaNode | undefined): FieldSet {
  const out = new FieldSet();
  for (const { element, member, children } of set.entries()) {
    const named = "field" in element && isDeclaredField(node, element.field);
    if (member || named) out.insert([element]);
    const childNode = "field" in element ? fieldSchema(node, element.field) : node?.items;
    for (const path of ensureNamed(children, childNode).paths()) out.insert([element, ...path]);
  }
  return out;
}
