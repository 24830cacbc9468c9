import { strict as assert } from "node:assert";
import type { JsonObject } from "../../../core/json.ts";
import type { SchemaNode } from "../_types.ts";
import { applyPatch } from "./apply_patch.ts";
import { type ManagedFieldsEntry, takeClientManagedFields } from "./managed_fields.ts";
import { recordUpdate, type UpdateInput } from "./record_update.ts";

const SCHEMA: SchemaNode = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: { size: { type: "integer" }, color: { type: "string" } },
    },
    status: { type: "object", properties: { phase: { type: "string" } } },
  },
};
const GV = "example.com/v1";
const at = (hour: number) => `2024-05-01T${String(hour).padStart(2, "0")}:00:00Z`;
const BASE: JsonObject = {
  apiVersion: GV,
  kind: "Widget",
  metadata: { name: "w1", namespace: "t", uid: "u", resourceVersion: "1", generation: 1 },
  spec: { size: 3 },
};

function update(over: Partial<UpdateInput> & Pick<UpdateInput, "updated">): ManagedFieldsEntry[] {
  return recordUpdate({
    old: BASE,
    managedFields: [],
    manager: "m2",
    subresource: "",
    apiVersion: GV,
    now: at(10),
    schema: SCHEMA,
    ...over,
  });
}

const fieldsOf = (entries: ManagedFieldsEntry[], manager: string) =>
  entries.find((e) => e.manager === manager)?.fieldsV1;

Deno.test("C1: a create gives the creator an Update entry owning what it set, containers included", () => {
  const entries = update({
    old: undefined,
    updated: { ...BASE, metadata: { ...(BASE.metadata as JsonObject), labels: { app: "web" } } },
    manager: "kubectl-create",
  });
  assert.deepEqual(entries, [{
    manager: "kubectl-create",
    operation: "Update",
    apiVersion: GV,
    time: at(10),
    fieldsType: "FieldsV1",
    fieldsV1: {
      "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
      "f:spec": { ".": {}, "f:size": {} },
    },
  }]);
});

Deno.test("a changed field moves to the writer, away from its applier", () => {
  const applied = applyPatch({
    live: BASE,
    applied: {
      apiVersion: GV,
      kind: "Widget",
      metadata: { name: "w1" },
      spec: { size: 3, color: "red" },
    },
    schema: SCHEMA,
    manager: "m1",
    subresource: "",
    force: false,
    apiVersion: GV,
    now: at(9),
    resetFields: [["status"]],
  });
  assert(!("conflicts" in applied));
  const entries = update({
    old: applied.object,
    updated: { ...applied.object, spec: { size: 5, color: "red" } },
    managedFields: applied.managedFields,
  });
  assert.deepEqual(fieldsOf(entries, "m1"), { "f:spec": { "f:color": {} } });
  assert.deepEqual(fieldsOf(entries, "m2"), { "f:spec": { "f:size": {} } });
  assert.equal(entries.find((e) => e.manager === "m1")?.time, at(9));
});

Deno.test("a removed field leaves every manager; a manager left with nothing is dropped", () => {
  const created = update({ old: undefined, updated: BASE, manager: "creator", now: at(9) });
  const entries = update({ updated: { ...BASE, spec: {} }, managedFields: created });
  // The creator owned `.spec` itself too, which is still there.
  assert.deepEqual(fieldsOf(entries, "creator"), { "f:spec": {} });
  const { spec: _, ...withoutSpec } = BASE;
  const gone = update({ updated: withoutSpec, managedFields: created });
  assert.deepEqual(gone, []);
});

Deno.test("a write that changes nothing leaves managedFields (and their times) alone", () => {
  const created = update({ old: undefined, updated: BASE, manager: "creator", now: at(9) });
  assert.deepEqual(
    update({ updated: structuredClone(BASE), managedFields: created, now: at(11) }),
    created,
  );
});

Deno.test("changes to never-owned fields (resourceVersion, generation) record nothing", () => {
  const created = update({ old: undefined, updated: BASE, manager: "creator", now: at(9) });
  const bumped = {
    ...BASE,
    metadata: { ...(BASE.metadata as JsonObject), resourceVersion: "2", generation: 2 },
  };
  assert.deepEqual(update({ updated: bumped, managedFields: created }), created);
});

Deno.test("the same manager writing again merges into its entry and moves its time", () => {
  const first = update({ updated: { ...BASE, spec: { size: 4 } }, now: at(9) });
  const second = update({
    old: { ...BASE, spec: { size: 4 } },
    updated: { ...BASE, spec: { size: 4, color: "b" } },
    managedFields: first,
  });
  assert.deepEqual(second, [{
    ...first[0],
    time: at(10),
    fieldsV1: { "f:spec": { "f:color": {}, "f:size": {} } },
  }]);
});

Deno.test("Update identities differ by apiVersion and by subresource", () => {
  const v1 = update({ updated: { ...BASE, spec: { size: 4 } } });
  const v2 = update({
    old: { ...BASE, spec: { size: 4 } },
    updated: { ...BASE, spec: { size: 4, color: "b" } },
    managedFields: v1,
    apiVersion: "example.com/v2",
  });
  assert.deepEqual(v2.map((e) => e.apiVersion), [GV, "example.com/v2"]);
  const status = update({
    old: BASE,
    updated: { ...BASE, status: { phase: "Ready" } },
    managedFields: v1,
    subresource: "status",
  });
  assert.deepEqual(status.map((e) => [e.manager, e.subresource ?? ""]), [["m2", ""], [
    "m2",
    "status",
  ]]);
});

Deno.test("reset fields are not recorded (a main-resource write cannot own status)", () => {
  const entries = update({
    updated: { ...BASE, spec: { size: 4 }, status: { phase: "Ready" } },
    resetFields: [["status"]],
  });
  assert.deepEqual(fieldsOf(entries, "m2"), { "f:spec": { "f:size": {} } });
});

Deno.test("after a client reset ([{}]) only this write's changes are owned", () => {
  const created = update({ old: undefined, updated: BASE, manager: "creator", now: at(9) });
  const base = takeClientManagedFields({
    requested: [{}],
    live: created as unknown as JsonObject[],
    subresource: "",
  });
  const entries = update({
    updated: { ...BASE, spec: { size: 3, color: "red" } },
    managedFields: base,
  });
  assert.deepEqual(entries.map((e) => [e.manager, e.fieldsV1]), [["m2", {
    "f:spec": { "f:color": {} },
  }]]);
});
