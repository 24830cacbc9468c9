import { strict as assert } from "node:assert";
import fc from "fast-check";
import { canonicalJson, type JsonValue } from "../../../core/json.ts";
import { applyJsonPatch } from "./json_patch.ts";
import { PatchError, type PatchErrorKind } from "./patch_error.ts";

/** Changes every object and array inside `value`. */
function scribble(value: JsonValue): void {
  if (Array.isArray(value)) {
    value.forEach(scribble);
    value.push("scribbled");
  } else if (typeof value === "object" && value !== null) {
    Object.values(value).forEach(scribble);
    value["scribbled"] = true;
  }
}

function fails(doc: JsonValue, patch: unknown, kind: PatchErrorKind, message?: string): void {
  assert.throws(() => applyJsonPatch(doc, patch), (e: unknown) => {
    assert(e instanceof PatchError, `expected a PatchError, got ${e}`);
    assert.equal(e.name, "PatchError");
    assert.equal(e.kind, kind);
    if (message !== undefined) assert.equal(e.message, message);
    return true;
  });
}

// RFC 6902 appendix A, one row per example.
const APPENDIX_A: { name: string; doc: JsonValue; patch: JsonValue; result?: JsonValue }[] = [
  {
    name: "A.1 adding an object member",
    doc: { foo: "bar" },
    patch: [{ op: "add", path: "/baz", value: "qux" }],
    result: { baz: "qux", foo: "bar" },
  },
  {
    name: "A.2 adding an array element",
    doc: { foo: ["bar", "baz"] },
    patch: [{ op: "add", path: "/foo/1", value: "qux" }],
    result: { foo: ["bar", "qux", "baz"] },
  },
  {
    name: "A.3 removing an object member",
    doc: { baz: "qux", foo: "bar" },
    patch: [{ op: "remove", path: "/baz" }],
    result: { foo: "bar" },
  },
  {
    name: "A.4 removing an array element",
    doc: { foo: ["bar", "qux", "baz"] },
    patch: [{ op: "remove", path: "/foo/1" }],
    result: { foo: ["bar", "baz"] },
  },
  {
    name: "A.5 replacing a value",
    doc: { baz: "qux", foo: "bar" },
    patch: [{ op: "replace", path: "/baz", value: "boo" }],
    result: { baz: "boo", foo: "bar" },
  },
  {
    name: "A.6 moving a value",
    doc: { foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } },
    patch: [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }],
    result: { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } },
  },
  {
    name: "A.7 moving an array element",
    doc: { foo: ["all", "grass", "cows", "eat"] },
    patch: [{ op: "move", from: "/foo/1", path: "/foo/3" }],
    result: { foo: ["all", "cows", "eat", "grass"] },
  },
  {
    name: "A.8 testing a value: success",
    doc: { baz: "qux", foo: ["a", 2, "c"] },
    patch: [{ op: "test", path: "/baz", value: "qux" }, { op: "test", path: "/foo/1", value: 2 }],
    result: { baz: "qux", foo: ["a", 2, "c"] },
  },
  {
    name: "A.9 testing a value: error",
    doc: { baz: "qux" },
    patch: [{ op: "test", path: "/baz", value: "bar" }],
  },
  {
    name: "A.10 adding a nested member object",
    doc: { foo: "bar" },
    patch: [{ op: "add", path: "/child", value: { grandchild: {} } }],
    result: { foo: "bar", child: { grandchild: {} } },
  },
  {
    name: "A.11 ignoring unrecognized elements",
    doc: { foo: "bar" },
    patch: [{ op: "add", path: "/baz", value: "qux", xyz: 123 }],
    result: { foo: "bar", baz: "qux" },
  },
  {
    name: "A.12 adding to a nonexistent target",
    doc: { foo: "bar" },
    patch: [{ op: "add", path: "/baz/bat", value: "qux" }],
  },
  {
    name: "A.13 invalid JSON patch document (the last `op` wins when decoded, and fails)",
    doc: { foo: "bar" },
    patch: JSON.parse('[{ "op": "add", "path": "/baz", "value": "qux", "op": "remove" }]'),
  },
  {
    name: "A.14 ~ escape ordering",
    doc: { "/": 9, "~1": 10 },
    patch: [{ op: "test", path: "/~01", value: 10 }],
    result: { "/": 9, "~1": 10 },
  },
  {
    name: "A.15 comparing strings and numbers",
    doc: { "/": 9, "~1": 10 },
    patch: [{ op: "test", path: "/~01", value: "10" }],
  },
  {
    name: "A.16 adding an array value",
    doc: { foo: ["bar"] },
    patch: [{ op: "add", path: "/foo/-", value: ["abc", "def"] }],
    result: { foo: ["bar", ["abc", "def"]] },
  },
];

for (const example of APPENDIX_A) {
  Deno.test(`applyJsonPatch follows RFC 6902 ${example.name}`, () => {
    if (example.result === undefined) fails(example.doc, example.patch, "apply");
    else assert.deepEqual(applyJsonPatch(example.doc, example.patch), example.result);
  });
}

Deno.test("applyJsonPatch resolves RFC 6901 pointers with escapes", () => {
  const doc = { "a/b": 1, "m~n": 2, "": 3, " ": 4, "c%d": 5 };
  const read = (path: string) => applyJsonPatch(doc, [{ op: "copy", from: path, path: "/out" }]);
  assert.equal((read("/a~1b") as { out: number }).out, 1);
  assert.equal((read("/m~0n") as { out: number }).out, 2);
  assert.equal((read("/") as { out: number }).out, 3);
  assert.equal((read("/ ") as { out: number }).out, 4);
  assert.equal((read("/c%d") as { out: number }).out, 5);
});

Deno.test("applyJsonPatch reports what failed in json-patch's words", () => {
  const doc = { spec: { size: 1, list: ["a"] } };
  fails(
    doc,
    [{ op: "test", path: "/spec/size", value: 999 }],
    "apply",
    "testing value /spec/size failed: test failed",
  );
  fails(
    doc,
    [{ op: "replace", path: "/spec/list/3", value: "x" }],
    "apply",
    "replace operation does not apply: doc is missing key: /spec/list/3: missing value",
  );
  fails(
    doc,
    [{ op: "replace", path: "/spec/x/y", value: 1 }],
    "apply",
    "replace operation does not apply: doc is missing path: /spec/x/y: missing value",
  );
  fails(
    doc,
    [{ op: "remove", path: "/spec/x" }],
    "apply",
    "error in remove for path: '/spec/x': Unable to remove nonexistent key: x: missing value",
  );
  fails(
    doc,
    [{ op: "add", path: "/spec/list/5", value: "x" }],
    "apply",
    "error in add for path: '/spec/list/5': Unable to access invalid index: 5: invalid index referenced",
  );
  fails(
    doc,
    [{ op: "add", path: "/spec/list/x", value: "x" }],
    "apply",
    `error in add for path: '/spec/list/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`,
  );
  fails(
    doc,
    [{ op: "add", path: "/nope/a", value: 1 }],
    "apply",
    `add operation does not apply: doc is missing path: "/nope/a": missing value`,
  );
  fails(
    doc,
    [{ op: "move", from: "/spec/x", path: "/y" }],
    "apply",
    "error in move for path: 'x': Unable to remove nonexistent key: x: missing value",
  );
  fails(doc, [{ op: "frobnicate", path: "/a" }], "apply", "Unexpected kind: frobnicate");
  fails(doc, [{ path: "/a" }], "apply", "Unexpected kind: unknown");
  fails(doc, [null], "apply", "Unexpected kind: unknown");
  fails(
    doc,
    [{ op: "add", value: 1 }],
    "apply",
    "add operation failed to decode path: missing value",
  );
  fails(
    doc,
    [{ op: "copy", path: "/a" }],
    "apply",
    "copy operation failed to decode from: operation, missing from field: missing value",
  );
});

Deno.test("applyJsonPatch rejects bodies that do not decode as operations", () => {
  const prefix = "error decoding patch: json: cannot unmarshal";
  fails(
    {},
    { op: "add" },
    "decode",
    `${prefix} object into Go value of type []handlers.jsonPatchOp`,
  );
  fails({}, "x", "decode", `${prefix} string into Go value of type []handlers.jsonPatchOp`);
  fails({}, [1], "decode", `${prefix} number into Go value of type handlers.jsonPatchOp`);
  fails({}, [[]], "decode", `${prefix} array into Go value of type handlers.jsonPatchOp`);
  fails(
    {},
    [{ op: "add", path: 5, value: 1 }],
    "decode",
    `${prefix} number into Go struct field jsonPatchOp.path of type string`,
  );
  fails(
    {},
    [{ op: true }],
    "decode",
    `${prefix} bool into Go struct field jsonPatchOp.op of type string`,
  );
  fails({}, [{ op: "move", from: {}, path: "/a" }], "decode");
});

Deno.test("applyJsonPatch refuses more than 10000 operations", () => {
  const op = { op: "test", path: "/a", value: 1 };
  assert.deepEqual(applyJsonPatch({ a: 1 }, Array(10000).fill(op)), { a: 1 });
  fails(
    { a: 1 },
    Array(10001).fill(op),
    "tooLarge",
    "The allowed maximum operations in a JSON patch is 10000, got 10001",
  );
});

Deno.test("applyJsonPatch keeps json-patch v4's departures from the RFC", () => {
  // replace of a missing member adds it
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: "replace", path: "/b", value: 2 }]), {
    a: 1,
    b: 2,
  });
  // Go's strconv.Atoi indices: leading zeros, '+', negative from the end
  assert.deepEqual(applyJsonPatch({ l: [1, 2, 3] }, [{ op: "remove", path: "/l/01" }]), {
    l: [1, 3],
  });
  assert.deepEqual(applyJsonPatch({ l: [1, 2, 3] }, [{ op: "remove", path: "/l/-1" }]), {
    l: [1, 2],
  });
  assert.deepEqual(applyJsonPatch({ l: [1, 2] }, [{ op: "add", path: "/l/-1", value: 9 }]), {
    l: [1, 2, 9],
  });
  assert.deepEqual(applyJsonPatch({ l: [1, 2] }, [{ op: "replace", path: "/l/+0", value: 9 }]), {
    l: [9, 2],
  });
  fails({ l: [1, 2] }, [{ op: "remove", path: "/l/-3" }], "apply");
  // null and missing read alike
  assert.deepEqual(applyJsonPatch({ a: null }, [{ op: "test", path: "/a", value: null }]), {
    a: null,
  });
  assert.deepEqual(applyJsonPatch({}, [{ op: "test", path: "/a", value: null }]), {});
  fails({}, [{ op: "test", path: "/a", value: 1 }], "apply");
  assert.deepEqual(applyJsonPatch({}, [{ op: "copy", from: "/a", path: "/b" }]), { b: null });
  // a missing value is null; the root can be replaced and tested but not added to
  assert.deepEqual(applyJsonPatch({}, [{ op: "add", path: "/a" }]), { a: null });
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: "replace", path: "", value: { b: 2 } }]), {
    b: 2,
  });
  fails({ a: 1 }, [{ op: "replace", path: "", value: 3 }], "apply");
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: "test", path: "", value: { a: 1 } }]), { a: 1 });
  fails({ a: 1 }, [{ op: "add", path: "", value: {} }], "apply");
  // a null body is an empty patch
  assert.deepEqual(applyJsonPatch({ a: 1 }, null), { a: 1 });
});

Deno.test("applyJsonPatch tests JSON equality whatever the key order", () => {
  const doc = { spec: { b: [1, { y: 2, x: 1 }], a: "s" } };
  assert.deepEqual(
    applyJsonPatch(doc, [{ op: "test", path: "/spec", value: { a: "s", b: [1, { x: 1, y: 2 }] } }]),
    doc,
  );
  fails(doc, [{ op: "test", path: "/spec/b", value: [{ x: 1, y: 2 }, 1] }], "apply");
});

Deno.test("applyJsonPatch keeps the resourceVersion precondition trick working", () => {
  const doc = { metadata: { name: "w1", resourceVersion: "42" } };
  const out = applyJsonPatch(doc, [{
    op: "replace",
    path: "/metadata/resourceVersion",
    value: "41",
  }]);
  assert.deepEqual(out, { metadata: { name: "w1", resourceVersion: "41" } });
});

Deno.test("applyJsonPatch applies operations in order and fails atomically", () => {
  const doc = { a: { b: 1 } };
  const patch = [
    { op: "add", path: "/a/c", value: { d: [] } },
    { op: "add", path: "/a/c/d/-", value: 1 },
    { op: "copy", from: "/a/c", path: "/e" },
    { op: "add", path: "/e/d/0", value: 0 },
    { op: "move", from: "/a/b", path: "/b" },
  ];
  assert.deepEqual(applyJsonPatch(doc, patch), { a: { c: { d: [1] } }, e: { d: [0, 1] }, b: 1 });
  assert.deepEqual(doc, { a: { b: 1 } });
  fails(doc, [...patch, { op: "test", path: "/b", value: 2 }], "apply");
  assert.deepEqual(doc, { a: { b: 1 } });
});

Deno.test("applyJsonPatch handles a member named __proto__ as data", () => {
  const doc = JSON.parse('{"__proto__": {"a": 1}}');
  const out = applyJsonPatch(doc, [{ op: "add", path: "/__proto__/b", value: 2 }, {
    op: "add",
    path: "/x",
    value: 1,
  }]);
  assert.equal(canonicalJson(out), '{"__proto__":{"a":1,"b":2},"x":1}');
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
});

Deno.test("applyJsonPatch never mutates its inputs (property)", () => {
  const op = fc.oneof(
    fc.record({
      op: fc.constantFrom("add", "replace", "test"),
      path: fc.constantFrom("/a", "/b/0", "/a/x"),
      value: fc.jsonValue(),
    }),
    fc.record({ op: fc.constant("remove"), path: fc.constantFrom("/a", "/b/0", "/b/-1") }),
    fc.record({
      op: fc.constantFrom("move", "copy"),
      from: fc.constantFrom("/a", "/b/0"),
      path: fc.constantFrom("/c", "/b/-", "/a/y"),
    }),
  );
  fc.assert(
    fc.property(
      fc.record({ a: fc.jsonValue(), b: fc.array(fc.jsonValue()) }),
      fc.array(op),
      (doc, patch) => {
        const before = [canonicalJson(doc as JsonValue), JSON.stringify(patch)];
        try {
          scribble(applyJsonPatch(doc as JsonValue, patch)); // the result shares nothing with the inputs
        } catch (e) {
          if (!(e instanceof PatchError) || e.kind !== "apply") throw e;
        }
        assert.deepEqual([canonicalJson(doc as JsonValue), JSON.stringify(patch)], before);
      },
    ),
  );
});

Deno.test("applyJsonPatch add then remove of a new member is the identity (property)", () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.string(),
      fc.jsonValue(),
      (doc, key, value) => {
        fc.pre(!Object.hasOwn(doc, key));
        const pointer = "/" + key.replaceAll("~", "~0").replaceAll("/", "~1");
        const out = applyJsonPatch(doc as JsonValue, [{ op: "add", path: pointer, value }, {
          op: "remove",
          path: pointer,
        }]);
        assert.equal(canonicalJson(out), canonicalJson(doc as JsonValue));
      },
    ),
  );
});
