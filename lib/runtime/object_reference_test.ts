import { strict as assert } from "node:assert";
import { objectReference } from "./object_reference.ts";

Deno.test("objectReference fills a missing apiVersion and kind from the resource", () => {
  const secret = { metadata: { name: "ca", namespace: "default", uid: "u", resourceVersion: "3" } };
  assert.deepEqual(
    objectReference(secret, {
      group: "",
      version: "v1",
      plural: "secrets",
      kind: "Secret",
      namespaced: true,
    }),
    {
      apiVersion: "v1",
      kind: "Secret",
      namespace: "default",
      name: "ca",
      uid: "u",
      resourceVersion: "3",
    },
  );
  assert.deepEqual(objectReference(secret), {
    namespace: "default",
    name: "ca",
    uid: "u",
    resourceVersion: "3",
  });
});

Deno.test("objectReference passes a reference through without its empty fields", () => {
  assert.deepEqual(
    objectReference({ name: "x", namespace: "", kind: "Lease", fieldPath: "spec" }),
    { name: "x", kind: "Lease", fieldPath: "spec" },
  );
});

Deno.test("objectReference needs a name", () => {
  assert.throws(() => objectReference({ metadata: { namespace: "default" } }), {
    name: "TypeError",
    message: "objectReference: the object needs a name, got undefined",
  });
  assert.throws(() => objectReference({ name: "" }), {
    name: "TypeError",
    message: 'objectReference: the object needs a name, got ""',
  });
});
