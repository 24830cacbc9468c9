import { strict as assert } from "node:assert";
import type { SchemaNode } from "./_types.ts";
import { dropNonNullableNulls, pruneUnknownFields } from "./_prune.ts";

// `nullable` is read although SchemaNode does not declare it yet.
const schema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        color: { type: "string" },
        note: { type: "string", nullable: true },
        items: { type: "array", items: { type: "string" } },
        labels: { type: "object", additionalProperties: { type: "string" } },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      },
    },
  },
} as SchemaNode;

Deno.test("pruneUnknownFields drops and reports what the schema does not declare", () => {
  const obj = {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name: "w", foo: 1 },
    spec: { color: "red", bogus: 1, free: { any: 1 } },
    extra: true,
  };
  assert.deepEqual(pruneUnknownFields(obj, schema), ["metadata.foo", "spec.bogus", "extra"]);
  assert.deepEqual(obj, {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name: "w" },
    spec: { color: "red", free: { any: 1 } },
  });
});

Deno.test("dropNonNullableNulls drops nulls unless nullable, and keeps nulls in lists", () => {
  const obj = {
    metadata: { name: "w" },
    spec: {
      color: null,
      note: null,
      items: ["a", null],
      labels: { a: null, b: "x" },
      free: { keep: null },
    },
  };
  dropNonNullableNulls(obj, schema);
  assert.deepEqual(obj.spec, {
    note: null,
    items: ["a", null],
    labels: { b: "x" },
    free: { keep: null },
  });
  const top = { spec: null };
  dropNonNullableNulls(top, schema);
  assert.deepEqual(top, {});
});
