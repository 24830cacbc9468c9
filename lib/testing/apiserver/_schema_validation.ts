/**
 * Validation of a custom resource against its CRD's `openAPIV3Schema`, as
 * apiextensions-apiserver reports it: `type`, `format` (`date-time`, `byte`), `enum`,
 * `required`, string and number bounds, `pattern`, and the uniqueness of list-map keys
 * and set items — with kube-openapi's messages (`spec.size in body must be of type
 * integer: "string"`) turned into field errors the way the server does.
 *
 * @module
 */
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../../core/json.ts";
import type { FieldError, SchemaNode } from "./_types.ts";

/** A schema node with the value validations a CRD may declare. */
export interface ValidatingSchema extends SchemaNode {
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
}

/**
 * kube-openapi's name for the type of a JSON value, as type errors quote it.
 *
 * @param value A JSON value.
 * @returns `integer` for whole numbers, `number` for others, `boolean`, `string`, …
 *
 * @example
 * ```ts
 * import { openApiTypeName } from "./_schema_validation.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(openApiTypeName(3), "integer");
 * assert.equal(openApiTypeName(1.5), "number");
 * ```
 */
export function openApiTypeName(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  if (typeof value === "boolean") return "boolean";
  return typeof value === "string" ? "string" : "object";
}

function typeMatches(type: string, value: JsonValue): boolean {
  switch (type) {
    case "object":
      return isJsonObject(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    default:
      return true;
  }
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function formatMatches(format: string, value: string): boolean {
  switch (format) {
    case "date-time":
      return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value.replace(" ", "T")));
    case "byte":
      return BASE64.test(value.replace(/[\r\n]/g, ""));
    default:
      return true;
  }
}

/** The text of an `enum` value in `supported values`: strings as they are, others as JSON. */
function enumText(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function validateValue(
  value: JsonValue,
  schema: ValidatingSchema,
  path: string,
  errs: FieldError[],
): void {
  if (value === null && schema.nullable) return;
  if (schema["x-kubernetes-int-or-string"]) {
    const ok = typeof value === "string" || (typeof value === "number" && Number.isInteger(value));
    if (!ok) {
      const t = openApiTypeName(value);
      errs.push({
        type: "FieldValueTypeInvalid",
        field: path,
        value: t,
        detail: `${path} in body must be of type integer,string: ${JSON.stringify(t)}`,
      });
    }
    return;
  }
  const type = schema.type;
  if (type && !typeMatches(type, value)) {
    const t = openApiTypeName(value);
    errs.push({
      type: "FieldValueTypeInvalid",
      field: path,
      value: t,
      detail: `${path} in body must be of type ${type}: ${JSON.stringify(t)}`,
    });
    return;
  }
  if (typeof value === "string") validateString(value, schema, path, errs);
  if (typeof value === "number") validateNumber(value, schema, path, errs);
  if (schema.enum && !schema.enum.some((e) => jsonEqual(e, value))) {
    errs.push({
      type: "FieldValueNotSupported",
      field: path,
      value,
      detail: "",
      supported: schema.enum.map(enumText),
    });
  }
  if (Array.isArray(value)) validateArray(value, schema, path, errs);
  else if (isJsonObject(value)) validateObject(value, schema, path, errs);
}

function validateString(
  value: string,
  schema: ValidatingSchema,
  path: string,
  errs: FieldError[],
): void {
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    errs.push({
      type: "FieldValueTooLong",
      field: path,
      detail: `may not be more than ${schema.maxLength} bytes`,
    });
  } else if (schema.minLength !== undefined && length < schema.minLength) {
    errs.push({
      type: "FieldValueInvalid",
      field: path,
      value,
      detail: `${path} in body should be at least ${schema.minLength} chars long`,
    });
  } else if (schema.pattern !== undefined && !safeRegExp(schema.pattern)?.test(value)) {
    errs.push({
      type: "FieldValueInvalid",
      field: path,
      value,
      detail: `${path} in body should match '${schema.pattern}'`,
    });
  }
  if (schema.format && !formatMatches(schema.format, value)) {
    errs.push({
      type: "FieldValueTypeInvalid",
      field: path,
      value,
      detail: `${path} in body must be of type ${schema.format}: ${JSON.stringify(value)}`,
    });
  }
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, "u");
  } catch {
    return undefined;
  }
}

function validateNumber(
  value: number,
  schema: ValidatingSchema,
  path: string,
  errs: FieldError[],
): void {
  const invalid = (detail: string): void => {
    errs.push({
      type: "FieldValueInvalid",
      field: path,
      value,
      detail: `${path} in body ${detail}`,
    });
  };
  if (schema.multipleOf !== undefined && schema.multipleOf > 0) {
    const q = value / schema.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) {
      return invalid(`should be a multiple of ${schema.multipleOf}`);
    }
  }
  if (schema.maximum !== undefined) {
    if (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum) {
      return invalid(
        `should be less than ${schema.exclusiveMaximum ? "" : "or equal to "}${schema.maximum}`,
      );
    }
  }
  if (schema.minimum !== undefined) {
    if (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum) {
      invalid(
        `should be greater than ${schema.exclusiveMinimum ? "" : "or equal to "}${schema.minimum}`,
      );
    }
  }
}

function validateArray(
  value: JsonValue[],
  schema: ValidatingSchema,
  path: string,
  errs: FieldError[],
): void {
  const items = schema.items as ValidatingSchema | undefined;
  if (items) value.forEach((v, i) => validateValue(v, items, `${path}[${i}]`, errs));
  const listType = schema["x-kubernetes-list-type"];
  if (listType === "map") {
    const keys = schema["x-kubernetes-list-map-keys"] ?? [];
    const seen: JsonObject[] = [];
    value.forEach((item, i) => {
      if (!isJsonObject(item)) return;
      const key: JsonObject = {};
      for (const k of keys) if (item[k] !== undefined) key[k] = item[k] ?? null;
      if (seen.some((s) => jsonEqual(s, key))) {
        errs.push({ type: "FieldValueDuplicate", field: `${path}[${i}]`, value: key, detail: "" });
      } else {
        seen.push(key);
      }
    });
  } else if (listType === "set") {
    value.forEach((item, i) => {
      if (value.slice(0, i).some((prev) => jsonEqual(prev, item))) {
        errs.push({ type: "FieldValueDuplicate", field: `${path}[${i}]`, value: item, detail: "" });
      }
    });
  }
}

function validateObject(
  value: JsonObject,
  schema: ValidatingSchema,
  path: string,
  errs: FieldError[],
): void {
  for (const name of schema.required ?? []) {
    if (value[name] === undefined) {
      errs.push({ type: "FieldValueRequired", field: `${path}.${name}`, detail: "" });
    }
  }
  const properties = schema.properties as Record<string, ValidatingSchema> | undefined;
  const additional = schema.additionalProperties;
  for (const [key, child] of Object.entries(value)) {
    const sub = properties?.[key] ??
      (typeof additional === "object" ? additional as ValidatingSchema : undefined);
    if (sub) validateValue(child, sub, `${path}.${key}`, errs);
  }
}

/**
 * Validates a custom resource against its version's schema. `apiVersion`, `kind` and
 * `metadata` are checked elsewhere (object metadata rules), so only the other top-level
 * fields are walked.
 *
 * @param obj The object after pruning.
 * @param schema The CRD version's `openAPIV3Schema`.
 * @returns The field errors; empty when valid.
 *
 * @example A string where an integer belongs
 * ```ts
 * import { validateAgainstSchema } from "./_schema_validation.ts";
 * import { strict as assert } from "node:assert";
 *
 * const schema = {
 *   type: "object",
 *   properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
 * };
 * const [err] = validateAgainstSchema({ spec: { size: "big" } }, schema);
 * assert.equal(err?.field, "spec.size");
 * assert.equal(err?.detail, 'spec.size in body must be of type integer: "string"');
 * ```
 */
export function validateAgainstSchema(obj: JsonObject, schema: SchemaNode): FieldError[] {
  const errs: FieldError[] = [];
  const root = schema as ValidatingSchema;
  for (const name of root.required ?? []) {
    if (["apiVersion", "kind", "metadata"].includes(name)) continue;
    if (obj[name] === undefined) errs.push({ type: "FieldValueRequired", field: name, detail: "" });
  }
  const properties = (root.properties ?? {}) as Record<string, ValidatingSchema>;
  for (const [key, value] of Object.entries(obj)) {
    if (key === "apiVersion" || key === "kind" || key === "metadata") continue;
    const sub = properties[key];
    if (sub) validateValue(value, sub, key, errs);
  }
  return errs;
}
