import { strict as assert } from "node:assert";
import fc from "fast-check";
import { StatusError } from "../_errors.ts";
import { checkFieldLabels, fieldsOf, parseFieldSelector } from "./field_selector.ts";

function assertBadRequest(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof StatusError, `not a StatusError: ${e}`);
    assert.equal(e.code, 400);
    assert.equal(e.status.reason, "BadRequest");
    assert.equal(e.status.message, message);
    return true;
  });
}

Deno.test("empty selectors select everything", () => {
  for (const text of ["", ",", ",,"]) {
    const s = parseFieldSelector(text);
    assert.deepEqual(s.requirements, []);
    assert.equal(s.matches({}), true);
    assert.equal(s.nameEquals(), undefined);
  }
});

Deno.test("=, == and != terms", () => {
  assert.deepEqual(parseFieldSelector("metadata.name=w1").requirements, [
    { field: "metadata.name", op: "=", value: "w1" },
  ]);
  assert.deepEqual(parseFieldSelector("metadata.name==w1").requirements, [
    { field: "metadata.name", op: "=", value: "w1" },
  ]);
  assert.deepEqual(parseFieldSelector("type!=Opaque").requirements, [
    { field: "type", op: "!=", value: "Opaque" },
  ]);
  const s = parseFieldSelector("metadata.name=w1,type!=Opaque");
  assert.equal(s.matches({ "metadata.name": "w1", type: "x" }), true);
  assert.equal(s.matches({ "metadata.name": "w1", type: "Opaque" }), false);
  assert.equal(s.matches({ "metadata.name": "w2", type: "x" }), false);
});

Deno.test("missing fields count as empty", () => {
  assert.equal(parseFieldSelector("spec.color=").matches({}), true);
  assert.equal(parseFieldSelector("spec.color!=").matches({}), false);
  assert.equal(parseFieldSelector("spec.color!=red").matches({}), true);
  assert.equal(parseFieldSelector("constructor=").matches({}), true);
});

Deno.test("terms are kept sorted by their text, as Go sorts them", () => {
  const s = parseFieldSelector("z=1,a=2,m!=3");
  assert.deepEqual(s.requirements.map((r) => r.field), ["a", "m", "z"]);
});

Deno.test("backslash escapes in values", () => {
  assert.equal(parseFieldSelector("a=x\\,y").requirements[0]?.value, "x,y");
  assert.equal(parseFieldSelector("a=x\\=y").requirements[0]?.value, "x=y");
  assert.equal(parseFieldSelector("a=x\\\\y").requirements[0]?.value, "x\\y");
  const s = parseFieldSelector("a=1\\,2,b=3");
  assert.deepEqual(s.requirements, [
    { field: "a", op: "=", value: "1,2" },
    { field: "b", op: "=", value: "3" },
  ]);
});

Deno.test("parse errors answer with Go's texts", () => {
  assertBadRequest(
    () => parseFieldSelector("metadata.name"),
    "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
  );
  assertBadRequest(
    () => parseFieldSelector("a=b,c"),
    "invalid selector: 'a=b,c'; can't understand 'c'",
  );
  assertBadRequest(
    () => parseFieldSelector("a=b=c"),
    "invalid field selector: unescaped character in value: 61",
  );
  assertBadRequest(
    () => parseFieldSelector("a=b\\n"),
    "invalid field selector: invalid escape sequence: \\n",
  );
  assertBadRequest(
    () => parseFieldSelector("a=b\\"),
    "invalid field selector: invalid escape sequence: \\",
  );
});

Deno.test("nameEquals finds a metadata.name= term", () => {
  assert.equal(parseFieldSelector("metadata.name=w1").nameEquals(), "w1");
  assert.equal(parseFieldSelector("metadata.namespace=t,metadata.name==w1").nameEquals(), "w1");
  assert.equal(parseFieldSelector("metadata.name!=w1").nameEquals(), undefined);
  assert.equal(parseFieldSelector("spec.name=w1").nameEquals(), undefined);
});

Deno.test("checkFieldLabels: custom style (CRs, Secrets, Events, CSRs)", () => {
  const supported = ["metadata.name", "metadata.namespace", ".spec.color"];
  checkFieldLabels(parseFieldSelector("metadata.name=a,spec.color=blue"), supported, "custom");
  assertBadRequest(
    () => checkFieldLabels(parseFieldSelector("spec.size=3"), supported, "custom"),
    "field label not supported: spec.size",
  );
  assertBadRequest(
    () => checkFieldLabels(parseFieldSelector("z=1,b=2"), ["metadata.name"], "custom"),
    "field label not supported: b",
  );
});

Deno.test("checkFieldLabels: default style (Leases, ConfigMaps)", () => {
  const supported = ["metadata.name", "metadata.namespace"];
  checkFieldLabels(parseFieldSelector("metadata.namespace=t"), supported, "default");
  assertBadRequest(
    () => checkFieldLabels(parseFieldSelector("foo=bar"), supported, "default"),
    `"foo" is not a known field selector: only "metadata.name", "metadata.namespace"`,
  );
});

Deno.test("fieldsOf extracts dotted paths as text", () => {
  const event = {
    metadata: { name: "e1", namespace: "t" },
    involvedObject: { kind: "Widget", name: "w1", uid: "u" },
    count: 3,
    spec: { enabled: true, nested: { a: 1 }, list: ["x"], none: null },
  };
  assert.deepEqual(
    fieldsOf(event, [
      "metadata.name",
      "metadata.namespace",
      "involvedObject.name",
      "involvedObject.apiVersion",
      "count",
      ".spec.enabled",
      "spec.nested",
      "spec.list",
      "spec.none",
      "spec.nested.a.b",
    ]),
    {
      "metadata.name": "e1",
      "metadata.namespace": "t",
      "involvedObject.name": "w1",
      "involvedObject.apiVersion": "",
      "count": "3",
      "spec.enabled": "true",
      "spec.nested": "",
      "spec.list": "",
      "spec.none": "",
      "spec.nested.a.b": "",
    },
  );
});

Deno.test("fieldsOf and a selector work together", () => {
  const obj = { metadata: { name: "w1" }, spec: { color: "blue" } };
  const selector = parseFieldSelector("spec.color=blue,metadata.name=w1");
  assert.equal(selector.matches(fieldsOf(obj, ["metadata.name", ".spec.color"])), true);
});

const fieldValue = fc.string({ maxLength: 6 });
const escape = (s: string) => s.replace(/[\\,=]/g, (c) => `\\${c}`);

Deno.test("property: escaped values round-trip, = and != are complements", () => {
  fc.assert(
    fc.property(fieldValue, fieldValue, (wanted, actual) => {
      const eq = parseFieldSelector(`spec.x=${escape(wanted)}`);
      const ne = parseFieldSelector(`spec.x!=${escape(wanted)}`);
      assert.equal(eq.requirements[0]?.value, wanted);
      assert.equal(eq.matches({ "spec.x": actual }), actual === wanted);
      assert.equal(ne.matches({ "spec.x": actual }), actual !== wanted);
    }),
  );
});
