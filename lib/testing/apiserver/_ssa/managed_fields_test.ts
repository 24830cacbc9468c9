import { strict as assert } from "node:assert";
import type { JsonObject } from "../../../core/json.ts";
import { FieldSet } from "./field_set.ts";
import {
  decodeManagers,
  encodeManagers,
  entryToJson,
  type ManagedFieldsEntry,
  managerIdentifier,
  type Managers,
  managersOf,
  takeClientManagedFields,
  withManagedFields,
  withoutManagedFields,
} from "./managed_fields.ts";

const entry = (over: Partial<ManagedFieldsEntry> = {}): ManagedFieldsEntry => ({
  manager: "m",
  operation: "Update",
  apiVersion: "v1",
  time: "2024-05-01T10:00:00Z",
  fieldsType: "FieldsV1",
  fieldsV1: { "f:data": { "f:k": {} } },
  ...over,
});

Deno.test("the identity is manager, operation, subresource, and apiVersion for Update only", () => {
  assert.equal(
    managerIdentifier({ manager: "kubectl", operation: "Apply", apiVersion: "v1" }),
    '{"manager":"kubectl","operation":"Apply"}',
  );
  assert.equal(
    managerIdentifier({
      manager: "k",
      operation: "Update",
      apiVersion: "v1",
      subresource: "status",
    }),
    '{"manager":"k","operation":"Update","apiVersion":"v1","subresource":"status"}',
  );
  assert.equal(
    managerIdentifier({ manager: "a<b", operation: "Apply", apiVersion: "v1" }),
    '{"manager":"a\\u003cb","operation":"Apply"}',
  );
});

Deno.test("decodeManagers keeps the last entry of an identity and rejects invalid entries", () => {
  const managers = decodeManagers([
    entryToJson(entry({ fieldsV1: { "f:a": {} } })),
    entryToJson(entry({ fieldsV1: { "f:b": {} } })),
    entryToJson(entry({ operation: "Apply", apiVersion: "v2" })),
  ]);
  assert.equal(managers?.size, 2);
  assert.deepEqual(
    managers?.get('{"manager":"m","operation":"Update","apiVersion":"v1"}')?.set.toFieldsV1(),
    { "f:b": {} },
  );
  for (
    const bad of [
      { ...entryToJson(entry()), operation: "Patch" },
      { ...entryToJson(entry()), apiVersion: "" },
      { ...entryToJson(entry()), fieldsType: "FieldsV2" },
      { ...entryToJson(entry()), fieldsV1: { "x:y": {} } },
      { ...entryToJson(entry()), time: 5 },
      "nope",
    ]
  ) {
    assert.equal(decodeManagers([entryToJson(entry()), bad]), undefined, JSON.stringify(bad));
  }
  assert.equal(decodeManagers(undefined), undefined);
  assert.equal(decodeManagers(null), undefined);
});

Deno.test("encodeManagers sorts Apply first, then by time, manager, apiVersion and subresource", () => {
  const managers: Managers = managersOf([
    entry({ manager: "z", time: "2024-05-01T09:00:00Z" }),
    entry({ manager: "b", time: "2024-05-01T10:00:00Z", subresource: "status" }),
    entry({ manager: "b", time: "2024-05-01T10:00:00Z" }),
    entry({ manager: "a", time: "2024-05-01T10:00:00Z", apiVersion: "v2" }),
    entry({ manager: "a", time: "2024-05-01T10:00:00Z" }),
    entry({ manager: "y", operation: "Apply", time: "2024-05-01T11:00:00Z" }),
  ]);
  managers.set("empty", {
    identity: { manager: "e", operation: "Update", apiVersion: "v1" },
    set: new FieldSet(),
  });
  assert.deepEqual(
    encodeManagers(managers).map((e) => [e.manager, e.apiVersion, e.subresource ?? ""]),
    [
      ["y", "v1", ""],
      ["z", "v1", ""],
      ["a", "v1", ""],
      ["a", "v2", ""],
      ["b", "v1", ""],
      ["b", "v1", "status"],
    ],
  );
});

Deno.test("entryToJson writes the keys in the real server's order", () => {
  assert.deepEqual(Object.keys(entryToJson(entry({ subresource: "status" }))), [
    "manager",
    "operation",
    "apiVersion",
    "time",
    "fieldsType",
    "fieldsV1",
    "subresource",
  ]);
  assert(!("subresource" in entryToJson(entry())));
});

Deno.test("withManagedFields sets or removes metadata.managedFields; withoutManagedFields strips it", () => {
  const obj: JsonObject = { metadata: { name: "n" }, data: {} };
  const withEntries = withManagedFields(obj, [entry()]);
  assert.deepEqual((withEntries.metadata as JsonObject).managedFields, [entryToJson(entry())]);
  assert.deepEqual(withoutManagedFields(withEntries), obj);
  assert.deepEqual(withManagedFields(withEntries, []), obj);
  assert.deepEqual(obj, { metadata: { name: "n" }, data: {} });
});

const LIVE = [entryToJson(entry())];

Deno.test("takeClientManagedFields: absent or unreadable keeps the stored entries", () => {
  for (const requested of [undefined, null, "x", [{ manager: "m", operation: "Bad" }]]) {
    assert.deepEqual(takeClientManagedFields({ requested, live: LIVE, subresource: "" }), [
      entry(),
    ]);
  }
});

Deno.test("takeClientManagedFields: [{}] and [] reset, as the 1.32 code does", () => {
  assert.deepEqual(takeClientManagedFields({ requested: [{}], live: LIVE, subresource: "" }), []);
  assert.deepEqual(takeClientManagedFields({ requested: [], live: LIVE, subresource: "" }), []);
});

Deno.test("takeClientManagedFields: valid entries replace the stored ones", () => {
  const sent = [entryToJson(entry({ manager: "migrated", operation: "Apply" }))];
  assert.deepEqual(takeClientManagedFields({ requested: sent, live: LIVE, subresource: "" }), [
    entry({ manager: "migrated", operation: "Apply" }),
  ]);
  // On create there is nothing stored; the client's entries are taken as they are.
  assert.deepEqual(
    takeClientManagedFields({ requested: sent, live: undefined, subresource: "" }).length,
    1,
  );
});

Deno.test("takeClientManagedFields: writes through a subresource ignore what the client sent", () => {
  assert.deepEqual(
    takeClientManagedFields({ requested: [{}], live: LIVE, subresource: "status" }),
    [entry()],
  );
  const sent = [entryToJson(entry({ manager: "other" }))];
  assert.deepEqual(
    takeClientManagedFields({ requested: sent, live: LIVE, subresource: "status" }),
    [entry()],
  );
});
