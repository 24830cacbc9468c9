import { strict as assert } from "node:assert";
import { fieldErrorBody } from "./_errors.ts";
import {
  openApiTypeName,
  validateAgainstSchema,
  type ValidatingSchema,
} from "./_schema_validation.ts";
import type { JsonObject } from "../../core/json.ts";

const spec = (
  properties: Record<string, ValidatingSchema>,
  required?: string[],
): ValidatingSchema => ({
  type: "object",
  properties: {
    spec: { type: "object", properties, ...(required ? { required } : {}) },
  },
});

/** `field: body` lines, as the 422 message shows them. */
function lines(obj: JsonObject, schema: ValidatingSchema): string[] {
  return validateAgainstSchema(obj, schema).map((e) => `${e.field}: ${fieldErrorBody(e)}`);
}

Deno.test("openApiTypeName names values as kube-openapi does", () => {
  assert.deepEqual(
    [null, [], 1, 1.5, true, "s", {}].map(openApiTypeName),
    ["null", "array", "integer", "number", "boolean", "string", "object"],
  );
});

Deno.test("validateAgainstSchema: type errors name the value's type", () => {
  const schema = spec({
    size: { type: "integer" },
    ratio: { type: "number" },
    on: { type: "boolean" },
    items: { type: "array", items: { type: "string" } },
    labels: { type: "object", additionalProperties: { type: "string" } },
  });
  assert.deepEqual(
    lines(
      { spec: { size: "big", ratio: 2, on: "yes", items: ["a", 1, null], labels: { a: 1 } } },
      schema,
    ),
    [
      'spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"',
      'spec.on: Invalid value: "string": spec.on in body must be of type boolean: "string"',
      'spec.items[1]: Invalid value: "integer": spec.items[1] in body must be of type string: "integer"',
      'spec.items[2]: Invalid value: "null": spec.items[2] in body must be of type string: "null"',
      'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
    ],
  );
  assert.deepEqual(
    lines({ spec: { size: 1.5 } }, schema),
    ['spec.size: Invalid value: "number": spec.size in body must be of type integer: "number"'],
  );
  assert.deepEqual(validateAgainstSchema({ spec: { size: 3, ratio: 0.5 } }, schema), []);
});

Deno.test("validateAgainstSchema: enum, required and formats", () => {
  const schema = spec({
    status: { type: "string", enum: ["True", "False", "Unknown"] },
    n: { type: "integer", enum: [1, 2] },
    at: { type: "string", format: "date-time" },
    data: { type: "string", format: "byte" },
  }, ["status"]);
  assert.deepEqual(lines({ spec: { n: 3, at: "2024-01-01", data: "YQ" } }, schema), [
    "spec.status: Required value",
    'spec.n: Unsupported value: 3: supported values: "1", "2"',
    'spec.at: Invalid value: "2024-01-01": spec.at in body must be of type date-time: "2024-01-01"',
    'spec.data: Invalid value: "YQ": spec.data in body must be of type byte: "YQ"',
  ]);
  assert.deepEqual(lines({ spec: { status: "Maybe" } }, schema), [
    'spec.status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
  ]);
  assert.deepEqual(
    validateAgainstSchema({
      spec: { status: "True", at: "2024-01-01T00:00:00.123+02:00", data: "YQ==" },
    }, schema),
    [],
  );
});

Deno.test("validateAgainstSchema: bounds and patterns when the schema keeps them", () => {
  const schema = spec({
    s: { type: "string", minLength: 2, maxLength: 4, pattern: "^[a-z]+$" },
    n: { type: "integer", minimum: 1, maximum: 10 },
  });
  assert.deepEqual(lines({ spec: { s: "a", n: 0 } }, schema), [
    'spec.s: Invalid value: "a": spec.s in body should be at least 2 chars long',
    "spec.n: Invalid value: 0: spec.n in body should be greater than or equal to 1",
  ]);
  assert.deepEqual(lines({ spec: { s: "abcdef", n: 11 } }, schema), [
    "spec.s: Too long: may not be more than 4 bytes",
    "spec.n: Invalid value: 11: spec.n in body should be less than or equal to 10",
  ]);
  assert.deepEqual(lines({ spec: { s: "AB" } }, schema), [
    `spec.s: Invalid value: "AB": spec.s in body should match '^[a-z]+$'`,
  ]);
});

Deno.test("validateAgainstSchema: list-map keys and set items must be unique", () => {
  const schema = spec({
    conditions: {
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
      items: {
        type: "object",
        required: ["type", "status"],
        properties: { type: { type: "string" }, status: { type: "string" } },
      },
    },
    tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
  });
  assert.deepEqual(
    lines({
      spec: {
        conditions: [{ type: "Ready", status: "True" }, { type: "Ready", status: "False" }, {
          type: "X",
        }],
        tags: ["a", "a"],
      },
    }, schema),
    [
      "spec.conditions[2].status: Required value",
      'spec.conditions[1]: Duplicate value: {"type":"Ready"}',
      'spec.tags[1]: Duplicate value: "a"',
    ],
  );
});

Deno.test("validateAgainstSchema: metadata, apiVersion and kind are left to other checks", () => {
  const schema: ValidatingSchema = {
    type: "object",
    required: ["spec"],
    properties: { metadata: { type: "object" }, spec: { type: "object" } },
  };
  assert.deepEqual(lines({ metadata: "x", kind: 1 }, schema), ["spec: Required value"]);
});

Deno.test("validateAgainstSchema: int-or-string and nullable", () => {
  const schema = spec({
    port: { "x-kubernetes-int-or-string": true },
    note: { type: "string", nullable: true },
  });
  assert.deepEqual(validateAgainstSchema({ spec: { port: "http", note: null } }, schema), []);
  assert.deepEqual(lines({ spec: { port: true } }, schema), [
    'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
  ]);
});
