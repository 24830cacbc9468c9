import { strict as assert } from "node:assert";
import fc from "fast-check";
import { canonicalJson, isJsonObject, type JsonValue } from "../../../core/json.ts";
import { applyMergePatch } from "./merge_patch.ts";

// RFC 7386 appendix A: [original, patch, result].
const APPENDIX_A: [JsonValue, JsonValue, JsonValue][] = [
  [{ a: "b" }, { a: "c" }, { a: "c" }],
  [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
  [{ a: "b" }, { a: null }, {}],
  [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
  [{ a: ["b"] }, { a: "c" }, { a: "c" }],
  [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
  [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
  [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
  [["a", "b"], ["c", "d"], ["c", "d"]],
  [{ a: "b" }, ["c"], ["c"]],
  [{ a: "foo" }, null, null],
  [{ a: "foo" }, "bar", "bar"],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: "b", c: null }, { a: "b" }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

for (const [i, [doc, patch, result]] of APPENDIX_A.entries()) {
  Deno.test(`applyMergePatch follows RFC 7386 appendix A example ${i + 1}`, () => {
    assert.deepEqual(applyMergePatch(doc, patch), result);
  });
}

Deno.test("applyMergePatch follows the RFC 7386 section 3 example", () => {
  const doc = {
    title: "Goodbye!",
    author: { givenName: "John", familyName: "Doe" },
    tags: ["example", "sample"],
    content: "This will be unchanged",
  };
  const patch = {
    title: "Hello!",
    phoneNumber: "+01-123-456-7890",
    author: { familyName: null },
    tags: ["example"],
  };
  assert.deepEqual(applyMergePatch(doc, patch), {
    title: "Hello!",
    author: { givenName: "John" },
    tags: ["example"],
    content: "This will be unchanged",
    phoneNumber: "+01-123-456-7890",
  });
});

Deno.test("applyMergePatch replaces status.conditions wholesale, as the real server does", () => {
  const doc = { status: { conditions: [{ type: "Approved", status: "True" }] } };
  const out = applyMergePatch(doc, { status: { conditions: [{ type: "Ready", status: "True" }] } });
  assert.deepEqual(out, { status: { conditions: [{ type: "Ready", status: "True" }] } });
});

Deno.test("applyMergePatch keeps the document's member order and appends new members", () => {
  const out = applyMergePatch({ a: 1, b: { x: 1 }, c: 3 }, { d: 4, b: { y: 2 }, a: 0 });
  assert.deepEqual(Object.keys(out as object), ["a", "b", "c", "d"]);
});

Deno.test("applyMergePatch does not mutate its inputs and shares nothing with them", () => {
  const doc = { spec: { list: [1, 2], keep: { deep: true } }, gone: "x" };
  const patch = { spec: { list: [3], extra: { nested: [1] } }, gone: null };
  const before = [canonicalJson(doc), canonicalJson(patch)];
  const out = applyMergePatch(doc, patch) as {
    spec: { list: number[]; keep: { deep: boolean }; extra: { nested: number[] } };
  };
  assert.deepEqual(out, { spec: { list: [3], keep: { deep: true }, extra: { nested: [1] } } });
  out.spec.list.push(9);
  out.spec.keep.deep = false;
  out.spec.extra.nested.push(9);
  assert.deepEqual([canonicalJson(doc), canonicalJson(patch)], before);
});

Deno.test("applyMergePatch treats a member named __proto__ as data", () => {
  const out = applyMergePatch({ a: 1 }, JSON.parse('{"__proto__": {"x": 1}}'));
  assert.equal(canonicalJson(out), '{"__proto__":{"x":1},"a":1}');
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
});

const jsonObject = fc.dictionary(fc.string(), fc.jsonValue()) as fc.Arbitrary<
  { [key: string]: JsonValue }
>;
const jsonValue = fc.jsonValue() as fc.Arbitrary<JsonValue>;

Deno.test("applyMergePatch is idempotent (property)", () => {
  fc.assert(
    fc.property(jsonValue, jsonValue, (doc, patch) => {
      const once = applyMergePatch(doc, patch);
      assert.equal(canonicalJson(applyMergePatch(once, patch)), canonicalJson(once));
    }),
  );
});

Deno.test("applyMergePatch with {} is the identity on objects (property)", () => {
  fc.assert(
    fc.property(jsonObject, (doc) => {
      assert.equal(canonicalJson(applyMergePatch(doc, {})), canonicalJson(doc));
    }),
  );
});

Deno.test("applyMergePatch sets every non-null patch member and drops every null one (property)", () => {
  fc.assert(
    fc.property(jsonObject, jsonObject, (doc, patch) => {
      const out = applyMergePatch(doc, patch);
      assert(isJsonObject(out));
      for (const [key, value] of Object.entries(patch)) {
        if (value === null) assert(!Object.hasOwn(out, key));
        else if (!isJsonObject(value)) {
          assert.equal(canonicalJson(out[key] ?? null), canonicalJson(value));
        } else assert(isJsonObject(out[key]));
      }
      for (const key of Object.keys(doc)) {
        if (!Object.hasOwn(patch, key)) {
          assert.equal(canonicalJson(out[key] ?? null), canonicalJson(doc[key] ?? null));
        }
      }
    }),
  );
});

Deno.test("applyMergePatch never mutates its inputs (property)", () => {
  fc.assert(
    fc.property(jsonValue, jsonValue, (doc, patch) => {
      const before = [canonicalJson(doc), canonicalJson(patch)];
      applyMergePatch(doc, patch);
      assert.deepEqual([canonicalJson(doc), canonicalJson(patch)], before);
    }),
  );
});
