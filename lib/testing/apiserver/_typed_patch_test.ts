import { strict as assert } from "node:assert";
import type { SchemaNode } from "./_types.ts";
import { typedPatchErrors, typedPatchMessage } from "./_typed_patch.ts";

const schema: SchemaNode = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        size: { type: "integer" },
        name: { type: "string" },
        on: { type: "boolean" },
        items: { type: "array", items: { type: "string" } },
        extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        port: { "x-kubernetes-int-or-string": true },
      },
    },
    status: {
      type: "object",
      properties: {
        conditions: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["type"],
          items: {
            type: "object",
            properties: { type: { type: "string" }, status: { type: "string" } },
          },
        },
      },
    },
  },
};

Deno.test("typedPatchErrors: a valid configuration has none", () => {
  assert.deepEqual(
    typedPatchErrors({
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w", labels: { a: "b" }, finalizers: ["f"] },
      spec: { size: 1, name: "x", on: true, items: ["a"], extra: { any: [1] }, port: "http" },
      status: { conditions: [{ type: "Ready", status: "True" }] },
    }, schema),
    [],
  );
});

Deno.test("typedPatchErrors: undeclared fields, one per map, list-map elements by key", () => {
  assert.deepEqual(typedPatchErrors({ spec: { zz: 1, yy: 2 }, extra: 1 }, schema), [
    ".extra: field not declared in schema",
  ]);
  assert.deepEqual(typedPatchErrors({ spec: { zz: 1, yy: 2 } }, schema), [
    ".spec.yy: field not declared in schema",
  ]);
  assert.deepEqual(typedPatchErrors({ metadata: { foo: 1 } }, schema), [
    ".metadata.foo: field not declared in schema",
  ]);
  assert.deepEqual(
    typedPatchErrors({
      status: { conditions: [{ type: "Ready", at: 1 }, { type: "Issuing", at: 2 }] },
    }, schema),
    [
      '.status.conditions[type="Ready"].at: field not declared in schema',
      '.status.conditions[type="Issuing"].at: field not declared in schema',
    ],
  );
});

Deno.test("typedPatchErrors: values of the wrong kind, in Go's words", () => {
  assert.deepEqual(
    typedPatchErrors({
      metadata: { labels: { a: 1 } },
      spec: { size: "big", name: 5, on: "s", items: "s" },
    }, schema),
    [
      ".metadata.labels.a: expected string, got &value.valueUnstructured{Value:1}",
      ".spec.items: expected list, got &{s}",
      ".spec.name: expected string, got &value.valueUnstructured{Value:5}",
      ".spec.on: expected boolean, got &{s}",
      ".spec.size: expected numeric (int or float), got string",
    ],
  );
  assert.deepEqual(typedPatchErrors({ spec: "x" }, schema), [".spec: expected map, got &{x}"]);
});

Deno.test("typedPatchMessage: one error inline, several as a list", () => {
  const applied = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w2" } };
  assert.equal(
    typedPatchMessage(applied, [".spec.bogus: field not declared in schema"]),
    "failed to create typed patch object (/w2; example.com/v1, Kind=Widget): .spec.bogus: field not declared in schema",
  );
  assert.equal(
    typedPatchMessage({
      ...applied,
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s", namespace: "t" },
    }, [
      ".a: x",
      ".b: y",
    ]),
    "failed to create typed patch object (t/s; /v1, Kind=Secret): errors:\n  .a: x\n  .b: y",
  );
});
