import { strict as assert } from "node:assert";
import fc from "fast-check";
import { cloneJson, type JsonObject } from "../../../core/json.ts";
import type { SchemaNode } from "../_types.ts";
import { keyElement, type PathElement } from "./field_path.ts";
import { FieldSet } from "./field_set.ts";
import { mergeApplied, removePaths } from "./merge.ts";

const SCHEMA: SchemaNode = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        size: { type: "integer" },
        args: { type: "array", items: { type: "string" } },
        selector: { type: "object", "x-kubernetes-map-type": "atomic" },
        tags: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
        params: { type: "object", additionalProperties: { type: "string" } },
      },
    },
    status: {
      type: "object",
      properties: {
        certificate: { type: "string" },
        conditions: {
          type: "array",
          items: {
            type: "object",
            properties: {
              type: { type: "string" },
              status: { type: "string" },
              message: { type: "string" },
            },
          },
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["type"],
        },
      },
    },
  },
};

const cond = (type: string, status = "True", extra: JsonObject = {}) => ({
  type,
  status,
  ...extra,
});
const conditionsOf = (obj: JsonObject) => ((obj.status as JsonObject).conditions as JsonObject[]);

Deno.test("applied scalars win, structs and granular maps merge field by field", () => {
  const live = {
    metadata: { name: "w", labels: { a: "1", b: "2" } },
    spec: { size: 1, params: { x: "1" } },
  };
  const applied = {
    metadata: { name: "w", labels: { b: "3", c: "4" } },
    spec: { size: 2, params: { y: "2" } },
  };
  assert.deepEqual(mergeApplied(live, applied, SCHEMA), {
    metadata: { name: "w", labels: { a: "1", b: "3", c: "4" } },
    spec: { size: 2, params: { x: "1", y: "2" } },
  });
});

Deno.test("atomic lists and atomic maps are replaced whole", () => {
  const live = { spec: { args: ["a", "b"], selector: { a: "1", b: "2" } } };
  const applied = { spec: { args: ["c"], selector: { c: "3" } } };
  assert.deepEqual(mergeApplied(live, applied, SCHEMA), applied);
});

Deno.test("sets are unioned, in the same interleaved order as list-maps", () => {
  const merged = mergeApplied(
    { spec: { tags: ["a", "b"] } },
    { spec: { tags: ["c", "a"] } },
    SCHEMA,
  );
  assert.deepEqual(merged, { spec: { tags: ["c", "a", "b"] } });
  const finalizers = mergeApplied(
    { metadata: { finalizers: ["x"] } },
    { metadata: { finalizers: ["y"] } },
    undefined,
  );
  assert.deepEqual(finalizers, { metadata: { finalizers: ["x", "y"] } });
});

Deno.test("list-map elements merge by key; fields the applier does not set survive", () => {
  const live = {
    status: { conditions: [cond("Approved"), cond("Ready", "False", { message: "pending" })] },
  };
  const applied = { status: { conditions: [cond("Ready", "True")] } };
  assert.deepEqual(conditionsOf(mergeApplied(live, applied, SCHEMA)), [
    cond("Approved"),
    cond("Ready", "True", { message: "pending" }),
  ]);
});

Deno.test("list-map: new keys follow the applied element they come after (the real interleaving)", () => {
  const types = (live: string[], applied: string[]) =>
    conditionsOf(mergeApplied(
      { status: { conditions: live.map((t) => cond(t)) } },
      { status: { conditions: applied.map((t) => cond(t)) } },
      SCHEMA,
    )).map((c) => c.type);
  assert.deepEqual(types(["Approved"], ["Ready"]), ["Approved", "Ready"]);
  assert.deepEqual(types(["Approved", "Ready"], ["Ready", "Issuing"]), [
    "Approved",
    "Ready",
    "Issuing",
  ]);
  assert.deepEqual(types(["Ready", "Approved"], ["Issuing", "Ready"]), [
    "Issuing",
    "Ready",
    "Approved",
  ]);
  assert.deepEqual(types(["A", "B", "C"], ["C", "B"]), ["A", "C", "B"]);
  assert.deepEqual(types(["A", "B"], ["B", "A"]), ["B", "A"]);
});

Deno.test("property: a list-map merge keeps every key exactly once and takes applied values", () => {
  const typeList = fc.uniqueArray(fc.constantFrom<string>("A", "B", "C", "D", "E"), {
    maxLength: 5,
  });
  fc.assert(fc.property(typeList, typeList, (liveTypes, appliedTypes) => {
    const live = { status: { conditions: liveTypes.map((t) => cond(t, "False")) } };
    const applied = { status: { conditions: appliedTypes.map((t) => cond(t, "True")) } };
    const merged = conditionsOf(mergeApplied(live, applied, SCHEMA));
    const expected = new Set([...liveTypes, ...appliedTypes]);
    assert.equal(merged.length, expected.size);
    for (const c of merged) {
      assert(expected.has(c.type as string));
      assert.equal(c.status, appliedTypes.includes(c.type as string) ? "True" : "False");
    }
    // The applied elements keep their relative order.
    assert.deepEqual(
      merged.map((c) => c.type).filter((t) => appliedTypes.includes(t as string)),
      appliedTypes,
    );
  }));
});

Deno.test("mergeApplied does not change its inputs", () => {
  const live = { status: { conditions: [cond("Approved")] } };
  const applied = { status: { conditions: [cond("Ready")] } };
  const [liveCopy, appliedCopy] = [cloneJson(live), cloneJson(applied)];
  const merged = mergeApplied(live, applied, SCHEMA);
  conditionsOf(merged).push(cond("X"));
  assert.deepEqual(live, liveCopy);
  assert.deepEqual(applied, appliedCopy);
});

const STATUS: PathElement[] = [{ field: "status" }];
const CONDITIONS: PathElement[] = [...STATUS, { field: "conditions" }];

Deno.test("removePaths deletes member fields and list elements, keeping the rest", () => {
  const obj = {
    spec: { size: 1, tags: ["a", "b"], params: { x: "1", y: "2" } },
    status: { certificate: "c", conditions: [cond("Approved"), cond("Issuing")] },
  };
  const out = removePaths(
    obj,
    FieldSet.of(
      [...CONDITIONS, keyElement({ type: "Issuing" })],
      [{ field: "spec" }, { field: "tags" }, { value: "a" }],
      [{ field: "spec" }, { field: "params" }, { field: "x" }],
      [...STATUS, { field: "certificate" }],
    ),
    SCHEMA,
  );
  assert.deepEqual(out, {
    spec: { size: 1, tags: ["b"], params: { y: "2" } },
    status: { conditions: [cond("Approved")] },
  });
});

Deno.test("removePaths removes fields inside an element, and leaves emptied containers", () => {
  const obj = {
    spec: { params: { x: "1" } },
    status: { conditions: [cond("Ready", "True", { message: "m" })] },
  };
  const out = removePaths(
    obj,
    FieldSet.of(
      [...CONDITIONS, keyElement({ type: "Ready" }), { field: "message" }],
      [{ field: "spec" }, { field: "params" }, { field: "x" }],
    ),
    SCHEMA,
  );
  assert.deepEqual(out, { spec: { params: {} }, status: { conditions: [cond("Ready", "True")] } });
});

Deno.test("removePaths drops a list-map element whose key field is removed", () => {
  const obj = { status: { conditions: [cond("Approved"), cond("Ready")] } };
  const out = removePaths(
    obj,
    FieldSet.of([...CONDITIONS, keyElement({ type: "Ready" }), { field: "type" }]),
    SCHEMA,
  );
  assert.deepEqual(out, { status: { conditions: [cond("Approved")] } });
});

Deno.test("removePaths does not change its input", () => {
  const obj = { status: { conditions: [cond("Ready")] } };
  const copy = cloneJson(obj);
  removePaths(obj, FieldSet.of([...CONDITIONS, keyElement({ type: "Ready" })]), SCHEMA);
  assert.deepEqual(obj, copy);
});
