import { strict as assert } from "node:assert";
import type { SchemaNode } from "../_types.ts";
import { compareObjects } from "./compare.ts";
import { pathToString } from "./field_path.ts";
import type { FieldSet } from "./field_set.ts";

const SCHEMA: SchemaNode = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: { size: { type: "integer" }, args: { type: "array", items: { type: "string" } } },
    },
    status: {
      type: "object",
      properties: {
        conditions: {
          type: "array",
          items: {
            type: "object",
            properties: { type: { type: "string" }, status: { type: "string" } },
          },
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["type"],
        },
      },
    },
  },
};

const rendered = (set: FieldSet) => set.paths().map(pathToString);

Deno.test("a create adds every leaf and every container", () => {
  const c = compareObjects({}, { metadata: { name: "w" }, spec: { size: 1 } }, SCHEMA);
  assert.deepEqual(rendered(c.added), [".metadata", ".spec", ".metadata.name", ".spec.size"]);
  assert(c.modified.isEmpty() && c.removed.isEmpty());
});

Deno.test("changed leaves are modified; a changed atomic list is one modified leaf", () => {
  const c = compareObjects({ spec: { size: 1, args: ["a"] } }, {
    spec: { size: 2, args: ["a", "b"] },
  }, SCHEMA);
  assert.deepEqual(rendered(c.modified), [".spec.args", ".spec.size"]);
  assert(c.added.isEmpty() && c.removed.isEmpty());
});

Deno.test("list-map elements are added and removed by key, with their fields", () => {
  const c = compareObjects(
    {
      status: {
        conditions: [{ type: "Ready", status: "False" }, { type: "Issuing", status: "True" }],
      },
    },
    {
      status: {
        conditions: [{ type: "Ready", status: "True" }, { type: "Approved", status: "True" }],
      },
    },
    SCHEMA,
  );
  assert.deepEqual(rendered(c.modified), ['.status.conditions[type="Ready"].status']);
  assert.deepEqual(rendered(c.added), [
    '.status.conditions[type="Approved"]',
    '.status.conditions[type="Approved"].status',
    '.status.conditions[type="Approved"].type',
  ]);
  assert.deepEqual(rendered(c.removed), [
    '.status.conditions[type="Issuing"]',
    '.status.conditions[type="Issuing"].status',
    '.status.conditions[type="Issuing"].type',
  ]);
});

Deno.test("a removed struct is removed with everything in it", () => {
  const c = compareObjects({ spec: { size: 1 }, status: { conditions: [] } }, {}, SCHEMA);
  assert.deepEqual(rendered(c.removed), [".spec", ".status", ".spec.size", ".status.conditions"]);
});

Deno.test("empty and null containers are leaves, so {} → null → absent are all changes", () => {
  assert.deepEqual(rendered(compareObjects({ spec: {} }, { spec: null }, SCHEMA).modified), [
    ".spec",
  ]);
  assert.deepEqual(rendered(compareObjects({ spec: {} }, {}, SCHEMA).removed), [".spec"]);
  assert.deepEqual(rendered(compareObjects({}, { spec: {} }, SCHEMA).added), [".spec"]);
  // null → filled: the fields are added, the container was already there.
  assert.deepEqual(rendered(compareObjects({ spec: null }, { spec: { size: 1 } }, SCHEMA).added), [
    ".spec.size",
  ]);
});

Deno.test("identical objects compare equal whatever the key order", () => {
  const c = compareObjects({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }, undefined);
  assert(c.added.isEmpty() && c.modified.isEmpty() && c.removed.isEmpty());
});
