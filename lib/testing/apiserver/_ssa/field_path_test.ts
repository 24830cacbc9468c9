import { strict as assert } from "node:assert";
import {
  compareElements,
  goJson,
  goQuote,
  keyElement,
  parseElement,
  type PathElement,
  pathToString,
  serializeElement,
} from "./field_path.ts";

const READY = keyElement({ type: "Ready" });

Deno.test("serializeElement writes the fieldsV1 key of each element kind", () => {
  assert.equal(serializeElement({ field: "spec" }), "f:spec");
  assert.equal(serializeElement(READY), 'k:{"type":"Ready"}');
  assert.equal(serializeElement({ value: "example.com/finalizer" }), 'v:"example.com/finalizer"');
  assert.equal(serializeElement({ value: 80 }), "v:80");
  assert.equal(serializeElement({ index: 3 }), "i:3");
});

Deno.test("keyElement sorts key fields by name, as the k: encoding needs", () => {
  assert.equal(
    serializeElement(keyElement({ protocol: "TCP", port: 80 })),
    'k:{"port":80,"protocol":"TCP"}',
  );
});

Deno.test("values are encoded like Go's encoding/json (HTML characters escaped)", () => {
  assert.equal(serializeElement({ value: "a<b>&c" }), 'v:"a\\u003cb\\u003e\\u0026c"');
  assert.equal(goJson({ b: [1, true, null], a: "x" }), '{"a":"x","b":[1,true,null]}');
});

Deno.test("parseElement reads back what serializeElement writes", () => {
  const elements: PathElement[] = [
    { field: "metadata" },
    { field: "with:colon" },
    keyElement({ port: 80, protocol: "TCP" }),
    { value: "x<y" },
    { value: { nested: [1, 2] } },
    { index: 0 },
    { index: 12 },
  ];
  for (const e of elements) assert.deepEqual(parseElement(serializeElement(e)), e);
});

Deno.test("parseElement sorts the fields of an unsorted key", () => {
  assert.deepEqual(
    parseElement('k:{"protocol":"TCP","port":80}'),
    keyElement({ port: 80, protocol: "TCP" }),
  );
});

Deno.test("parseElement rejects malformed keys with a message naming them", () => {
  assert.throws(() => parseElement("x:spec"), /"x:spec" has an unknown path element type/);
  assert.throws(() => parseElement("k:[1]"), /is not an object/);
  assert.throws(() => parseElement("v:{"), /holds invalid JSON/);
  assert.throws(() => parseElement("i:01"), /invalid index/);
  assert.throws(() => parseElement("f"), /unknown path element type/);
});

Deno.test("pathToString renders paths the way conflict messages do", () => {
  assert.equal(pathToString([{ field: "spec" }, { field: "size" }]), ".spec.size");
  assert.equal(
    pathToString([{ field: "status" }, { field: "conditions" }, READY]),
    '.status.conditions[type="Ready"]',
  );
  assert.equal(
    pathToString([{ field: "status" }, { field: "conditions" }, READY, { field: "status" }]),
    '.status.conditions[type="Ready"].status',
  );
  assert.equal(
    pathToString([{ field: "metadata" }, { field: "finalizers" }, { value: "x" }]),
    '.metadata.finalizers[="x"]',
  );
  assert.equal(pathToString([{ field: "spec" }, { field: "args" }, { index: 3 }]), ".spec.args[3]");
  assert.equal(pathToString([{ index: 3 }]), "[3]");
  assert.equal(pathToString([]), "");
});

Deno.test("pathToString renders key values like structured-merge-diff's value.ToString", () => {
  assert.equal(
    pathToString([keyElement({ protocol: "TCP", port: 80 })]),
    '[port=80,protocol="TCP"]',
  );
  assert.equal(pathToString([{ value: true }]), "[=true]");
  assert.equal(pathToString([{ value: null }]), "[=null]");
  assert.equal(pathToString([{ value: 1.5 }]), "[=1.5]");
  assert.equal(pathToString([{ value: 1234567.5 }]), "[=1.2345675e+06]");
  assert.equal(pathToString([{ value: 0.000011 }]), "[=1.1e-05]");
  assert.equal(pathToString([{ value: [1, "a"] }]), '[=[1,"a"]]');
});

Deno.test("goQuote escapes like Go's %q for the characters names can hold", () => {
  assert.equal(goQuote("kubectl-patch"), '"kubectl-patch"');
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote("a\nb\tc\u0001"), '"a\\nb\\tc\\x01"');
  assert.equal(goQuote("zürich"), '"zürich"');
});

Deno.test("compareElements orders fields, then keys, then values, then indexes", () => {
  const sorted: PathElement[] = [
    { field: "a" },
    { field: "b" },
    keyElement({ type: "Approved" }),
    keyElement({ type: "Ready" }),
    keyElement({ type: "Ready", x: 1 }),
    { value: 2 },
    { value: 10 },
    { value: "a" },
    { value: false },
    { value: true },
    { value: [1] },
    { value: { a: 1 } },
    { value: null },
    { index: 0 },
    { index: 2 },
  ];
  const shuffled = [...sorted].reverse();
  shuffled.sort(compareElements);
  assert.deepEqual(shuffled, sorted);
});
