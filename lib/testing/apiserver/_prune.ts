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
