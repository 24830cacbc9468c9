import { strict as assert } from "node:assert";
import type { KubeObject } from "../client/object.ts";
import { objectKey } from "./object_key.ts";

Deno.test("objectKey files namespaced objects as namespace/name and others by name", () => {
  assert.equal(objectKey({ metadata: { namespace: "ns", name: "a" } }), "ns/a");
  assert.equal(objectKey({ metadata: { namespace: "", name: "a" } }), "a");
  assert.equal(objectKey({ metadata: { name: "a" } }), "a");
});

Deno.test("objectKey rejects an object without a name, naming the value", () => {
  assert.throws(
    () => objectKey({ kind: "Secret", metadata: { namespace: "ns" } }),
    /objectKey: the object needs metadata.name, got undefined \(kind "Secret"\)/,
  );
  assert.throws(() => objectKey({ metadata: { name: "" } }), /got ""/);
  assert.throws(() => objectKey({} as KubeObject), TypeError);
});
