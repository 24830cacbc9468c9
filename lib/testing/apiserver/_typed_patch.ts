/**
 * The check server-side apply makes before merging: the applied configuration must be a
 * value of the resource's structured-merge-diff type. A field the schema does not
 * declare or a value of the wrong kind makes kube-apiserver answer 500 `failed to create
 * typed patch object (<ns>/<name>; <gvk>): <errors>` — whatever `fieldValidation` says,
 * because apply does not prune. The messages follow structured-merge-diff's
 * `typed/validate.go`.
 *
 * @module
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.ts";
import type { SchemaNode } from "./_types.ts";

const STRING: SchemaNode = { type: "string" };
const NUMBER: SchemaNode = { type: "integer" };
const BOOLEAN: SchemaNode = { type: "boolean" };
const STRING_MAP: SchemaNode = { type: "object", additionalProperties: STRING };

/** `metav1.ObjectMeta` as structured-merge-diff knows it. */
const OBJECT_META: SchemaNode = {
  type: "object",
  properties: {
    name: STRING,
    generateName: STRING,
    namespace: STRING,
    selfLink: STRING,
    uid: STRING,
    resourceVersion: STRING,
    generation: NUMBER,
    creationTimestamp: STRING,
    deletionTimestamp: STRING,
    deletionGracePeriodSeconds: NUMBER,
    labels: STRING_MAP,
    annotations: STRING_MAP,
    finalizers: { type: "array", "x-kubernetes-list-type": "set", items: STRING },
    ownerReferences: {
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["uid"],
      items: {
        type: "object",
        properties: {
          apiVersion: STRING,
          kind: STRING,
          name: STRING,
          uid: STRING,
          controller: BOOLEAN,
          blockOwnerDeletion: BOOLEAN,
        },
      },
    },
    managedFields: {
      type: "array",
      items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
  },
};

/** Go's `%v` of a decoded JSON value. */
function goV(value: JsonValue): string {
  if (value === null) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goV).join(" ")}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${goV(value[k] ?? null)}`).join(" ")}]`;
  }
  return String(value);
}

/** Go's `%#v` of a decoded JSON value held in an `interface{}`. */
function goSharpV(value: JsonValue): string {
  if (value === null) return "interface {}(nil)";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSharpV).join(", ")}}`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    const items = keys.map((k) => `${JSON.stringify(k)}:${goSharpV(value[k] ?? null)}`);
    return `map[string]interface {}{${items.join(", ")}}`;
  }
  return String(value);
}

/** Go's `%T` of a decoded JSON value. */
function goT(value: JsonValue): string {
  if (value === null) return "<nil>";
  if (Array.isArray(value)) return "[]interface {}";
  if (isJsonObject(value)) return "map[string]interface {}";
  if (typeof value === "number") return Number.isInteger(value) ? "int64" : "float64";
  return typeof value === "boolean" ? "bool" : "string";
}

/** A list element's path element: `[k="v"]` for list-maps, `[="v"]` for sets, else `[i]`. */
function elementPath(schema: SchemaNode, item: JsonValue, index: number): string {
  const listType = schema["x-kubernetes-list-type"];
  if (listType === "map" && isJsonObject(item)) {
    const keys = schema["x-kubernetes-list-map-keys"] ?? [];
    return `[${keys.map((k) => `${k}=${JSON.stringify(item[k] ?? null)}`).join(",")}]`;
  }
  if (listType === "set") return `[=${JSON.stringify(item)}]`;
  return `[${index}]`;
}

function untyped(schema: SchemaNode): boolean {
  return schema["x-kubernetes-int-or-string"] === true ||
    schema["x-kubernetes-embedded-resource"] === true ||
    (schema["x-kubernetes-preserve-unknown-fields"] === true && !schema.properties &&
      !schema.type);
}

function walk(value: JsonValue, schema: SchemaNode, path: string, errs: string[]): void {
  if (value === null || untyped(schema)) return;
  switch (schema.type) {
    case "object":
      return walkObject(value, schema, path, errs);
    case "array": {
      if (!Array.isArray(value)) {
        errs.push(`${path}: expected list, got &{${goV(value)}}`);
        return;
      }
      const items = schema.items;
      if (!items) return;
      value.forEach((item, i) => walk(item, items, `${path}${elementPath(schema, item, i)}`, errs));
      return;
    }
    case "string":
      if (typeof value !== "string") {
        errs.push(
          `${path}: expected string, got &value.valueUnstructured{Value:${goSharpV(value)}}`,
        );
      }
      return;
    case "integer":
    case "number":
      if (typeof value !== "number") {
        errs.push(`${path}: expected numeric (int or float), got ${goT(value)}`);
      }
      return;
    case "boolean":
      if (typeof value !== "boolean") errs.push(`${path}: expected boolean, got &{${goV(value)}}`);
      return;
  }
}

function walkObject(value: JsonValue, schema: SchemaNode, path: string, errs: string[]): void {
  if (!isJsonObject(value)) {
    errs.push(`${path}: expected map, got &{${goV(value)}}`);
    return;
  }
  const additional = typeof schema.additionalProperties === "object"
    ? schema.additionalProperties
    : undefined;
  const open = schema["x-kubernetes-preserve-unknown-fields"] === true ||
    schema.additionalProperties === true;
  // structured-merge-diff stops at the first undeclared field of a map (Go's map order is
  // random; sorted keys make the fake deterministic).
  for (const key of Object.keys(value).sort()) {
    const child = schema.properties?.[key] ?? additional;
    const childPath = `${path}.${key}`;
    if (!child) {
      if (open) continue;
      errs.push(`${childPath}: field not declared in schema`);
      return;
    }
    walk(value[key] ?? null, child, childPath, errs);
  }
}

/**
 * The errors of converting an applied configuration into the typed value of a custom
 * resource, each as `<path>: <problem>`.
 *
 * @param applied The applied configuration (as sent).
 * @param schema The CRD version's `openAPIV3Schema`.
 * @returns The errors; empty when the configuration fits the schema.
 *
 * @example An undeclared field
 * ```ts
 * import { typedPatchErrors } from "./_typed_patch.ts";
 * import { strict as assert } from "node:assert";
 *
 * const schema = {
 *   type: "object",
 *   properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
 * };
 * assert.deepEqual(typedPatchErrors({ spec: { size: 1, bogus: 2 } }, schema), [
 *   ".spec.bogus: field not declared in schema",
 * ]);
 * ```
 */
export function typedPatchErrors(applied: JsonObject, schema: SchemaNode): string[] {
  const root: SchemaNode = {
    ...schema,
    type: "object",
    properties: {
      ...(schema.properties ?? {}),
      apiVersion: STRING,
      kind: STRING,
      metadata: OBJECT_META,
    },
  };
  const errs: string[] = [];
  walkObject(applied, root, "", errs);
  return errs;
}

/**
 * The message of kube-apiserver's 500 for a configuration that does not fit the type.
 *
 * @param applied The applied configuration (for its namespace, name, apiVersion and kind).
 * @param errors What {@linkcode typedPatchErrors} found (at least one).
 * @returns `failed to create typed patch object (<ns>/<name>; <group>/<version>, Kind=<kind>): …`.
 *
 * @example
 * ```ts
 * import { typedPatchMessage } from "./_typed_patch.ts";
 * import { strict as assert } from "node:assert";
 *
 * const applied = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } };
 * assert.equal(
 *   typedPatchMessage(applied, [".spec.x: field not declared in schema"]),
 *   "failed to create typed patch object (/w; example.com/v1, Kind=Widget): .spec.x: field not declared in schema",
 * );
 * ```
 */
export function typedPatchMessage(applied: JsonObject, errors: string[]): string {
  const meta = isJsonObject(applied.metadata) ? applied.metadata : {};
  const str = (v: JsonValue | undefined) => (typeof v === "string" ? v : "");
  const apiVersion = str(applied.apiVersion);
  const gv = apiVersion.includes("/") ? apiVersion : `/${apiVersion}`;
  const detail = errors.length === 1
    ? errors[0]
    : `errors:\n${errors.map((e) => `  ${e}`).join("\n")}`;
  return `failed to create typed patch object (${str(meta.namespace)}/${
    str(meta.name)
  }; ${gv}, Kind=${str(applied.kind)}): ${detail}`;
}
