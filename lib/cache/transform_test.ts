import { strict as assert } from "node:assert";
import { dropManagedFields } from "./transform.ts";

Deno.test("dropManagedFields copies the object without managedFields", () => {
  const object = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "a", namespace: "ns", managedFields: [{ manager: "m" }], labels: { x: "1" } },
    data: { k: "v" },
  };
  const out = dropManagedFields(object);
  assert.deepEqual(out, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "a", namespace: "ns", labels: { x: "1" } },
    data: { k: "v" },
  });
  assert.notEqual(out, object);
  assert.equal(out.data, object.data, "a shallow copy");
  assert.deepEqual(object.metadata.managedFields, [{ manager: "m" }], "the argument is unchanged");
});

Deno.test("dropManagedFields returns an object without managedFields as is", () => {
  const object = { metadata: { name: "a" } };
  assert.equal(dropManagedFields(object), object);
});
