/**
 * Pruning of unknown fields in custom resources, as the API server does with a CRD's
 * structural schema: fields the schema does not declare are dropped, and reported so
 * `fieldValidation=Strict` can refuse them and `Warn` can warn.
 *
 * @module
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.ts";
import type { SchemaNode } from "./_types.ts";

const OBJECT_META_FIELDS = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
]);

/**
 * Drops the fields of a custom resource its schema does not declare.
 *
 * @param obj The object, changed in place.
 * @param schema The CRD version's `openAPIV3Schema`.
 * @returns The dotted paths of the dropped fields, such as `spec.foo`.
 */
export function pruneUnknownFields(obj: JsonObject, schema: SchemaNode): string[] {
  const dropped: string[] = [];
  for (const key of Object.keys(obj)) {
    if (key === "apiVersion" || key === "kind") continue;
    if (key === "metadata") {
      const meta = obj.metadata;
      if (isJsonObject(meta)) {
        for (const k of Object.keys(meta)) {
          if (!OBJECT_META_FIELDS.has(k)) {
            delete meta[k];
            dropped.push(`metadata.${k}`);
          }
        }
      }
      continue;
    }
    const child = schema.properties?.[key];
    if (!child && !allowsUnknown(schema)) {
      delete obj[key];
      dropped.push(key);
    } else if (child) {
      pruneValue(obj[key] ?? null, child, key, dropped);
    }
  }
  return dropped;
}

function allowsUnknown(schema: SchemaNode): boolean {
  return schema["x-kubernetes-preserve-unknown-fields"] === true;
}

function pruneValue(value: JsonValue, schema: SchemaNode, path: string, dropped: string[]): void {
  if (Array.isArray(value)) {
    if (schema.items) {
      value.forEach((v, i) => pruneValue(v, schema.items as SchemaNode, `${path}[${i}]`, dropped));
    }
    return;
  }
  if (!isJsonObject(value)) return;
  if (schema["x-kubernetes-embedded-resource"]) return;
  const additional = schema.additionalProperties;
  if (additional !== undefined && additional !== false) {
    if (typeof additional === "object") {
      for (const [k, v] of Object.entries(value)) {
        pruneValue(v, additional, `${path}.${k}`, dropped);
      }
    }
    return;
  }
  if (!schema.properties) {
    if (allowsUnknown(schema) || schema.type !== "object") return;
    for (const k of Object.keys(value)) {
      delete value[k];
      dropped.push(`${path}.${k}`);
    }
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const child = schema.properties[k];
    if (child) pruneValue(v, child, `${path}.${k}`, dropped);
    else if (!allowsUnknown(schema)) {
      delete value[k];
      dropped.push(`${path}.${k}`);
    }
  }
}

/** `nullable` is not part of {@linkcode SchemaNode} yet; read it when a schema keeps it. */
function nullable(schema: SchemaNode): boolean {
  return (schema as SchemaNode & { nullable?: boolean }).nullable === true;
}

function dropNullsIn(value: JsonValue, schema: SchemaNode): void {
  if (Array.isArray(value)) {
    const items = schema.items;
    if (items) { for (const item of value) dropNullsIn(item, items); }
    return;
  }
  if (!isJsonObject(value) || schema["x-kubernetes-embedded-resource"]) return;
  const additional = typeof schema.additionalProperties === "object"
    ? schema.additionalProperties
    : undefined;
  for (const [key, child] of Object.entries(value)) {
    const sub = schema.properties?.[key] ?? additional;
    if (!sub) continue;
    if (child === null) {
      if (!nullable(sub)) delete value[key];
    } else {
      dropNullsIn(child, sub);
    }
  }
}

/**
 * Drops `null` values of fields the schema does not declare `nullable`, as the API
 * server does when it decodes a custom resource (a `null` in a list stays, and fails
 * validation).
 *
 * @param obj The object, changed in place.
 * @param schema The CRD version's `openAPIV3Schema`.
 *
 * @example
 * ```ts
 * import { dropNonNullableNulls } from "./_prune.ts";
 * import { strict as assert } from "node:assert";
 *
 * const schema = {
 *   type: "object",
 *   properties: { spec: { type: "object", properties: { color: { type: "string" } } } },
 * };
 * const obj = { spec: { color: null } };
 * dropNonNullableNulls(obj, schema);
 * assert.deepEqual(obj, { spec: {} });
 * ```
 */
export function dropNonNullableNulls(obj: JsonObject, schema: SchemaNode): void {
  for (const [key, value] of Object.entries(obj)) {
    if (key === "apiVersion" || key === "kind" || key === "metadata") continue;
    const sub = schema.properties?.[key];
    if (!sub) continue;
    if (value === null) {
      if (!nullable(sub)) delete obj[key];
    } else {
      dropNullsIn(value, sub);
    }
  }
}
