/**
 * How a schema shapes an object for server-side apply: which objects are structs
 * (declared fields), which are granular maps, which lists are keyed maps, sets or
 * atomic, and how a list element is addressed. This is the part of
 * structured-merge-diff's schema that a CRD's `openAPIV3Schema` and the built-in
 * `ObjectMeta` determine.
 *
 * @module
 */
import { isJsonObject, type JsonValue } from "../../../core/json.ts";
import type { SchemaNode } from "../_types.ts";
import { keyElement, type PathElement } from "./field_path.ts";

const STRING: SchemaNode = { type: "string" };
const INTEGER: SchemaNode = { type: "integer" };
const STRING_MAP: SchemaNode = { type: "object", additionalProperties: STRING };

/**
 * The schema of `metadata` (meta/v1 `ObjectMeta`) as the real server's type has it:
 * labels and annotations are granular string maps, finalizers a set, ownerReferences
 * a list-map keyed by `uid`, managedFields an atomic list.
 */
export const OBJECT_META_SCHEMA: SchemaNode = {
  type: "object",
  properties: {
    name: STRING,
    generateName: STRING,
    namespace: STRING,
    selfLink: STRING,
    uid: STRING,
    resourceVersion: STRING,
    generation: INTEGER,
    creationTimestamp: { type: "string", format: "date-time" },
    deletionTimestamp: { type: "string", format: "date-time" },
    deletionGracePeriodSeconds: INTEGER,
    labels: STRING_MAP,
    annotations: STRING_MAP,
    ownerReferences: {
      type: "array",
      items: {
        type: "object",
        properties: {
          apiVersion: STRING,
          kind: STRING,
          name: STRING,
          uid: STRING,
          controller: { type: "boolean" },
          blockOwnerDeletion: { type: "boolean" },
        },
      },
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["uid"],
    },
    finalizers: { type: "array", items: STRING, "x-kubernetes-list-type": "set" },
    managedFields: {
      type: "array",
      items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
  },
};

/**
 * The schema of a whole object: the resource's schema (or, without one, "anything
 * goes": granular maps and atomic lists) with `apiVersion`, `kind` and the built-in
 * `metadata` schema in place of whatever it says about them.
 *
 * @param schema The resource's schema, such as a CRD version's `openAPIV3Schema`.
 * @returns The schema to walk objects with.
 */
export function objectSchema(schema: SchemaNode | undefined): SchemaNode {
  const base: SchemaNode = schema ??
    { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  return {
    ...base,
    properties: {
      ...base.properties,
      apiVersion: STRING,
      kind: STRING,
      metadata: OBJECT_META_SCHEMA,
    },
  };
}

/**
 * Tells whether `name` is a declared field (an entry of `properties`) of the struct
 * `node`. Keys of granular maps and unknown fields are not declared.
 *
 * @param node The object's schema.
 * @param name The field name.
 * @returns `true` for a declared field.
 */
export function isDeclaredField(node: SchemaNode | undefined, name: string): boolean {
  return node?.properties !== undefined && Object.hasOwn(node.properties, name);
}

/**
 * The schema of field `name` of an object: its declared schema, else the
 * `additionalProperties` schema, else `undefined` ("deduced": anything goes).
 *
 * @param node The object's schema.
 * @param name The field name.
 * @returns The field's schema.
 */
export function fieldSchema(node: SchemaNode | undefined, name: string): SchemaNode | undefined {
  if (node?.properties !== undefined && Object.hasOwn(node.properties, name)) {
    return node.properties[name];
  }
  const extra = node?.additionalProperties;
  return typeof extra === "object" ? extra : undefined;
}

/** Tells whether the object at `node` is merged field by field (not `x-kubernetes-map-type: atomic`). */
export function isGranularMap(value: JsonValue | undefined, node: SchemaNode | undefined): boolean {
  return isJsonObject(value) && node?.["x-kubernetes-map-type"] !== "atomic";
}

/**
 * The list type at `node`: `map`, `set`, or `atomic` (the default, and the only type
 * a list without a schema can have).
 *
 * @param node The list's schema.
 * @returns The list type.
 */
export function listType(node: SchemaNode | undefined): "atomic" | "set" | "map" {
  return node?.["x-kubernetes-list-type"] ?? "atomic";
}

/** Tells whether the array at `node` is merged element by element (a list-map or a set). */
export function isGranularList(
  value: JsonValue | undefined,
  node: SchemaNode | undefined,
): boolean {
  return Array.isArray(value) && listType(node) !== "atomic";
}

/**
 * The path element addressing one element of a granular list: its key fields for a
 * list-map (`[type="Ready"]`), its value for a set (`[="x"]`). Elements that cannot
 * be keyed (not objects in a list-map) fall back to their index.
 *
 * @param node The list's schema.
 * @param item The element.
 * @param index The element's position.
 * @returns The path element.
 */
export function listElement(
  node: SchemaNode | undefined,
  item: JsonValue,
  index: number,
): PathElement {
  if (listType(node) === "set") return { value: item };
  if (!isJsonObject(item)) return { index };
  const key: Record<string, JsonValue> = {};
  for (const name of node?.["x-kubernetes-list-map-keys"] ?? []) {
    if (item[name] !== undefined) key[name] = item[name];
  }
  return keyElement(key);
}

/**
 * Tells whether a path element selects one of a list-map element's key fields.
 *
 * @param node The list's schema.
 * @param element A path element beneath a list element.
 * @returns `true` when it is a key field.
 */
export function isListMapKeyField(node: SchemaNode | undefined, element: PathElement): boolean {
  return listType(node) === "map" && "field" in element &&
    (node?.["x-kubernetes-list-map-keys"] ?? []).includes(element.field);
}
