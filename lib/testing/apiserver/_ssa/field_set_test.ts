import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { JsonObject } from "../../../core/json.ts";
import { type FieldPath, keyElement, type PathElement, pathToString } from "./field_path.ts";
import { FieldSet } from "./field_set.ts";

const CONDITIONS: PathElement[] = [{ field: "status" }, { field: "conditions" }];
const ready = (
  ...rest: PathElement[]
): FieldPath => [...CONDITIONS, keyElement({ type: "Ready" }), ...rest];

/** The issuer's status apply of spec §7.5.4, as managedFields renders it. */
const ISSUER_FIELDS_V1: JsonObject = {
  "f:status": {
    "f:conditions": {
      'k:{"type":"Ready"}': {
        ".": {},
        "f:lastTransitionTime": {},
        "f:message": {},
        "f:observedGeneration": {},
        "f:reason": {},
        "f:status": {},
        "f:type": {},
      },
    },
  },
};

Deno.test("toFieldsV1 renders a list-map element as a member with its fields", () => {
  const set = FieldSet.of(
    ready(),
    ready({ field: "type" }),
    ready({ field: "status" }),
    ready({ field: "reason" }),
    ready({ field: "message" }),
    ready({ field: "lastTransitionTime" }),
    ready({ field: "observedGeneration" }),
  );
  assert.deepEqual(set.toFieldsV1(), ISSUER_FIELDS_V1);
  // Key order matters to byte-level readers: "." first, then elements in sorted order.
  assert.equal(
    JSON.stringify(set.toFieldsV1()),
    '{"f:status":{"f:conditions":{"k:{\\"type\\":\\"Ready\\"}":{".":{},"f:lastTransitionTime":{},' +
      '"f:message":{},"f:observedGeneration":{},"f:reason":{},"f:status":{},"f:type":{}}}}}',
  );
});

Deno.test("fieldsV1 → FieldSet → fieldsV1 is the identity", () => {
  const fieldsV1: JsonObject = {
    "f:metadata": {
      "f:finalizers": { ".": {}, 'v:"example.com/a"': {} },
      "f:labels": { ".": {}, "f:app": {} },
      "f:ownerReferences": { 'k:{"uid":"1234"}': {} },
    },
    "f:spec": {
      ".": {},
      "f:args": {},
      "f:ports": { 'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:name": {} } },
    },
    ...ISSUER_FIELDS_V1,
  };
  const set = FieldSet.fromFieldsV1(fieldsV1);
  assert.deepEqual(set.toFieldsV1(), fieldsV1);
  assert(set.has([{ field: "spec" }]));
  assert(!set.has([{ field: "metadata" }]));
  assert(set.has([{ field: "metadata" }, { field: "finalizers" }, { value: "example.com/a" }]));
  assert(set.has(ready({ field: "status" })));
});

Deno.test("fromFieldsV1 treats {} as a member and {'.':{}} as a member without children", () => {
  const set = FieldSet.fromFieldsV1({ "f:a": {}, "f:b": { ".": {} }, "f:c": { "f:d": {} } });
  assert.deepEqual(set.paths().map(pathToString), [".a", ".b", ".c.d"]);
  assert.deepEqual(set.toFieldsV1(), { "f:a": {}, "f:b": {}, "f:c": { "f:d": {} } });
});

Deno.test("fromFieldsV1 rejects values that are not fieldsV1", () => {
  assert.throws(() => FieldSet.fromFieldsV1([]), /fieldsV1 must be an object/);
  assert.throws(
    () => FieldSet.fromFieldsV1({ "f:a": 1 }),
    /fieldsV1 entry "f:a" must be an object/,
  );
  assert.throws(() => FieldSet.fromFieldsV1({ "q:a": {} }), /unknown path element type/);
});

Deno.test("paths() lists members before the paths beneath children, each level sorted", () => {
  const set = FieldSet.of(
    [{ field: "spec" }, { field: "b" }, { field: "x" }],
    [{ field: "spec" }, { field: "a" }],
    [{ field: "metadata" }, { field: "labels" }, { field: "z" }],
    [{ field: "spec" }, { field: "c" }],
  );
  assert.deepEqual(set.paths().map(pathToString), [
    ".metadata.labels.z",
    ".spec.a",
    ".spec.c",
    ".spec.b.x",
  ]);
  assert.equal(set.size, 4);
});

Deno.test("set algebra: union, intersection, difference and recursiveDifference", () => {
  const a = FieldSet.of(ready(), ready({ field: "status" }), [{ field: "spec" }, {
    field: "size",
  }]);
  const b = FieldSet.of(ready({ field: "status" }), [{ field: "spec" }, { field: "color" }]);
  assert.deepEqual(a.union(b).paths().map(pathToString), [
    ".spec.color",
    ".spec.size",
    '.status.conditions[type="Ready"]',
    '.status.conditions[type="Ready"].status',
  ]);
  assert.deepEqual(a.intersection(b).paths().map(pathToString), [
    '.status.conditions[type="Ready"].status',
  ]);
  // difference removes exact members only: the element's field stays when only the element goes.
  assert.deepEqual(a.difference(FieldSet.of(ready())).paths().map(pathToString), [
    ".spec.size",
    '.status.conditions[type="Ready"].status',
  ]);
  // recursiveDifference removes whole subtrees.
  assert.deepEqual(
    a.recursiveDifference(FieldSet.of([{ field: "status" }])).paths().map(pathToString),
    [
      ".spec.size",
    ],
  );
  assert(a.difference(a).isEmpty());
  assert(a.equals(a.clone()));
  assert(!a.equals(b));
});

Deno.test("child() and hasMember() look one level down", () => {
  const set = FieldSet.of(ready(), ready({ field: "type" }));
  const conditions = set.child({ field: "status" })?.child({ field: "conditions" });
  assert(conditions?.hasMember(keyElement({ type: "Ready" })));
  assert.equal(set.child({ field: "spec" }), undefined);
  assert(!set.hasMember({ field: "status" }));
});

Deno.test("inserting the root path is a no-op", () => {
  assert(FieldSet.of([]).isEmpty());
  assert(!FieldSet.of([]).has([]));
});

const element: fc.Arbitrary<PathElement> = fc.oneof(
  fc.constantFrom("a", "b", "spec", "x.y", "f:z").map((field) => ({ field })),
  fc.constantFrom("Ready", "Approved").map((type) => keyElement({ type })),
  fc.oneof(fc.constantFrom("v", "<&>"), fc.integer({ min: -3, max: 3 }), fc.boolean()).map((
    value,
  ) => ({ value })),
  fc.nat({ max: 4 }).map((index) => ({ index })),
);
const paths = fc.array(fc.array(element, { minLength: 1, maxLength: 4 }), { maxLength: 12 });

Deno.test("property: fieldsV1 round trip keeps exactly the member paths", () => {
  fc.assert(fc.property(paths, (ps) => {
    const set = FieldSet.of(...ps);
    const back = FieldSet.fromFieldsV1(JSON.parse(JSON.stringify(set.toFieldsV1())));
    assert(back.equals(set));
    for (const p of ps) assert(back.has(p));
    assert.equal(back.size, new Set(ps.map((p) => JSON.stringify(p))).size);
  }));
});

Deno.test("property: (a ∪ b) − b ⊆ a and a ∩ b ⊆ a, b", () => {
  fc.assert(fc.property(paths, paths, (pa, pb) => {
    const a = FieldSet.of(...pa);
    const b = FieldSet.of(...pb);
    assert(a.union(b).difference(b).difference(a).isEmpty());
    const both = a.intersection(b);
    assert(both.difference(a).isEmpty() && both.difference(b).isEmpty());
    for (const p of both.paths()) assert(a.has(p) && b.has(p));
  }));
});
