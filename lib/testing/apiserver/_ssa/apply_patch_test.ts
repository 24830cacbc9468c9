import { strict as assert } from "node:assert";
import fc from "fast-check";
import { parse } from "yaml";
import { isJsonObject, type JsonObject } from "../../../core/json.ts";
import type { SchemaNode } from "../_types.ts";
import { type ApplyConflicts, applyPatch, type ApplyResult } from "./apply_patch.ts";
import { conflictError } from "./conflict.ts";
import type { ManagedFieldsEntry } from "./managed_fields.ts";
import { recordUpdate } from "./record_update.ts";

/** The real cert-manager CertificateRequest v1 schema (shared test data, beside the repository). */
const CRD = parse(
  Deno.readTextFileSync(
    new URL(
      "../../../../testdata/cert-manager-crds/cert-manager.io_certificaterequests.yaml",
      import.meta.url,
    ),
  ),
);
const SCHEMA: SchemaNode = CRD.spec.versions[0].schema.openAPIV3Schema;
const GV = "cert-manager.io/v1";
const MAIN_RESET = [["status"]];
const STATUS_RESET = [["spec"], ["metadata"]];
const at = (hour: number) => `2024-05-01T${String(hour).padStart(2, "0")}:00:00Z`;

const META = { name: "cr", namespace: "t" };
const HEAD = { apiVersion: GV, kind: "CertificateRequest" };

/** A stored CertificateRequest, created by `kubectl-create` (an Update manager) at 09:00. */
function created(): JsonObject {
  const obj: JsonObject = {
    ...HEAD,
    metadata: { ...META, uid: "u1", resourceVersion: "1", generation: 1, creationTimestamp: at(9) },
    spec: { issuerRef: { name: "ca", kind: "Issuer" }, request: "LS0t", duration: "1h" },
  };
  const managedFields = recordUpdate({
    old: undefined,
    updated: obj,
    managedFields: [],
    manager: "kubectl-create",
    subresource: "",
    apiVersion: GV,
    now: at(9),
    schema: SCHEMA,
  });
  return withEntries(obj, managedFields);
}

function withEntries(obj: JsonObject, entries: ManagedFieldsEntry[]): JsonObject {
  return {
    ...obj,
    metadata: {
      ...(obj.metadata as JsonObject),
      managedFields: entries as unknown as JsonObject[],
    },
  };
}

interface Options {
  subresource?: string;
  force?: boolean;
  now?: string;
}

function apply(
  live: JsonObject | undefined,
  manager: string,
  applied: JsonObject,
  o: Options = {},
) {
  const subresource = o.subresource ?? "status";
  return applyPatch({
    live,
    applied: { ...HEAD, metadata: META, ...applied },
    schema: SCHEMA,
    manager,
    subresource,
    force: o.force ?? true,
    apiVersion: GV,
    now: o.now ?? at(10),
    resetFields: subresource === "status" ? STATUS_RESET : MAIN_RESET,
  });
}

function ok(result: ApplyResult | ApplyConflicts): ApplyResult {
  if ("conflicts" in result) throw new Error(conflictError(result.conflicts).message);
  return result;
}

const condition = (type: string, status = "True", reason = type) => ({
  type,
  status,
  reason,
  message: `${type} is ${status}`,
  lastTransitionTime: at(8),
});

/** Applies conditions to `/status` as an issuer does (force=true). */
function applyConditions(
  live: JsonObject,
  manager: string,
  conditions: JsonObject[],
  o: Options = {},
): JsonObject {
  return ok(apply(live, manager, { status: { conditions } }, o)).object;
}

/** cert-manager's approver sets `Approved` with UpdateStatus: a non-apply write on `/status`. */
function approveByUpdate(live: JsonObject): JsonObject {
  const status = isJsonObject(live.status) ? live.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const updated = {
    ...live,
    status: { ...status, conditions: [...conditions, condition("Approved")] },
  };
  const managedFields = recordUpdate({
    old: live,
    updated,
    managedFields: (live.metadata as JsonObject).managedFields as unknown as ManagedFieldsEntry[],
    manager: "cert-manager-approver",
    subresource: "status",
    apiVersion: GV,
    now: at(9),
    schema: SCHEMA,
  });
  return withEntries(updated, managedFields);
}

const conditionsOf = (obj: JsonObject) =>
  ((obj.status as JsonObject | undefined)?.conditions ?? []) as JsonObject[];
const typesOf = (obj: JsonObject) => conditionsOf(obj).map((c) => c.type).sort();
const entriesOf = (obj: JsonObject) =>
  ((obj.metadata as JsonObject).managedFields ?? []) as unknown as ManagedFieldsEntry[];
const entryOf = (obj: JsonObject, manager: string, subresource = "status") =>
  entriesOf(obj).find((e) => e.manager === manager && (e.subresource ?? "") === subresource);

Deno.test("A1: an apply to a missing object creates it, owned by the applier", () => {
  const result = ok(
    apply(undefined, "m1", { spec: { issuerRef: { name: "ca" }, request: "LS0t" } }, {
      subresource: "",
    }),
  );
  assert.deepEqual(result.object.spec, { issuerRef: { name: "ca" }, request: "LS0t" });
  assert.deepEqual(result.managedFields, [{
    manager: "m1",
    operation: "Apply",
    apiVersion: GV,
    time: at(10),
    fieldsType: "FieldsV1",
    fieldsV1: { "f:spec": { "f:issuerRef": { "f:name": {} }, "f:request": {} } },
  }]);
  assert.deepEqual((result.object.metadata as JsonObject).managedFields, result.managedFields);
});

Deno.test("A1: a status in an apply to the main resource is not owned (the strategy drops its value)", () => {
  const result = ok(
    apply(created(), "m1", { spec: { duration: "2h" }, status: { certificate: "x" } }, {
      subresource: "",
    }),
  );
  assert.deepEqual(entryOf(result.object, "m1", "")?.fieldsV1, { "f:spec": { "f:duration": {} } });
});

Deno.test("A2/A3 on example.com/v1: the exact conflict, then force takes the field", () => {
  const widget: SchemaNode = {
    type: "object",
    properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
  };
  const live: JsonObject = {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name: "w1" },
    spec: { size: 3 },
  };
  const patched = { ...live, spec: { size: 5 } };
  const managedFields = recordUpdate({
    old: live,
    updated: patched,
    managedFields: [],
    manager: "m2",
    subresource: "",
    apiVersion: "example.com/v1",
    now: at(9),
    schema: widget,
  });
  const request = {
    live: withEntries(patched, managedFields),
    applied: {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w1" },
      spec: { size: 7 },
    },
    schema: widget,
    manager: "m1",
    subresource: "",
    apiVersion: "example.com/v1",
    now: at(10),
    resetFields: MAIN_RESET,
  };
  const refused = applyPatch({ ...request, force: false });
  assert("conflicts" in refused);
  assert.equal(
    conflictError(refused.conflicts).message,
    'Apply failed with 1 conflict: conflict with "m2" using example.com/v1: .spec.size',
  );
  const forced = ok(applyPatch({ ...request, force: true }));
  assert.deepEqual(forced.object.spec, { size: 7 });
  assert.deepEqual(forced.managedFields.map((e) => [e.manager, e.operation, e.fieldsV1]), [
    ["m1", "Apply", { "f:spec": { "f:size": {} } }],
  ]);
});

Deno.test("A2: a conflict without force changes nothing and names the Update manager", () => {
  const live = created();
  const result = apply(live, "m1", { spec: { duration: "2h" } }, { subresource: "", force: false });
  assert.deepEqual(result, {
    conflicts: [{
      manager: { manager: "kubectl-create", operation: "Update", apiVersion: GV },
      path: [{ field: "spec" }, { field: "duration" }],
    }],
  });
});

Deno.test("A3: force moves the field to the applier; the old owner keeps the rest", () => {
  const result = ok(apply(created(), "m1", { spec: { duration: "2h" } }, { subresource: "" }));
  assert.equal((result.object.spec as JsonObject).duration, "2h");
  assert.deepEqual(entryOf(result.object, "kubectl-create", "")?.fieldsV1, {
    "f:spec": { ".": {}, "f:issuerRef": { ".": {}, "f:kind": {}, "f:name": {} }, "f:request": {} },
  });
  assert.deepEqual(entryOf(result.object, "m1", "")?.fieldsV1, { "f:spec": { "f:duration": {} } });
});

Deno.test("equal values are shared, not conflicts", () => {
  const result = ok(
    apply(created(), "m1", { spec: { duration: "1h" } }, { subresource: "", force: false }),
  );
  assert.deepEqual(entryOf(result.object, "m1", "")?.fieldsV1, { "f:spec": { "f:duration": {} } });
  assert.ok(entryOf(result.object, "kubectl-create", "")?.fieldsV1);
  assert.equal(
    JSON.stringify(entryOf(result.object, "kubectl-create", "")).includes("f:duration"),
    true,
  );
});

Deno.test("several conflicts come back sorted by manager, as the 409 lists them", () => {
  const live =
    ok(apply(created(), "a-applier", { spec: { isCA: true } }, { subresource: "" })).object;
  const result = apply(live, "m1", { spec: { isCA: false, duration: "2h", request: "eA==" } }, {
    subresource: "",
    force: false,
  });
  assert("conflicts" in result);
  assert.equal(
    conflictError(result.conflicts).message,
    "Apply failed with 3 conflicts: " +
      'conflicts with "a-applier":\n- .spec.isCA\n' +
      `conflicts with "kubectl-create" using ${GV}:\n- .spec.duration\n- .spec.request`,
  );
});

Deno.test("the issuer's status apply renders as fieldsV1 like the real server's", () => {
  const result = ok(apply(created(), "issuer", { status: { conditions: [condition("Ready")] } }));
  assert.deepEqual(entryOf(result.object, "issuer"), {
    manager: "issuer",
    operation: "Apply",
    apiVersion: GV,
    time: at(10),
    fieldsType: "FieldsV1",
    fieldsV1: {
      "f:status": {
        "f:conditions": {
          'k:{"type":"Ready"}': {
            ".": {},
            "f:lastTransitionTime": {},
            "f:message": {},
            "f:reason": {},
            "f:status": {},
            "f:type": {},
          },
        },
      },
    },
    subresource: "status",
  });
});

Deno.test("a /status apply owns neither spec nor labels and keeps the object's identity", () => {
  const result = ok(apply(created(), "issuer", {
    metadata: { ...META, labels: { sneaky: "yes" } },
    spec: { duration: "9h" },
    status: { certificate: "Y2VydA==" },
  }));
  assert.equal((result.object.metadata as JsonObject).labels, undefined);
  assert.equal((result.object.metadata as JsonObject).name, "cr");
  assert.deepEqual(entryOf(result.object, "issuer")?.fieldsV1, {
    "f:status": { "f:certificate": {} },
  });
});

Deno.test("one field manager on the main resource and on /status is two managers", () => {
  const main = ok(
    apply(created(), "issuer", { metadata: { ...META, labels: { a: "b" } } }, {
      subresource: "",
    }),
  ).object;
  const both = ok(apply(main, "issuer", { status: { certificate: "Y2VydA==" } })).object;
  assert.deepEqual(
    entriesOf(both).filter((e) => e.manager === "issuer").map((e) => e.subresource ?? ""),
    ["", "status"],
  );
});

for (
  const [how, approve] of [["Apply", applyApproved], ["UpdateStatus", approveByUpdate]] as const
) {
  Deno.test(`A6 (approver by ${how}): the issuer's Ready joins Approved`, () => {
    const issued = applyConditions(approve(created()), "issuer", [condition("Ready")]);
    assert.deepEqual(typesOf(issued), ["Approved", "Ready"]);
    assert.deepEqual(
      conditionsOf(issued).find((c) => c.type === "Approved"),
      condition("Approved"),
    );
  });

  Deno.test(`A7 (approver by ${how}): [Ready, Issuing] then [Ready] drops Issuing, keeps Approved`, () => {
    const first = applyConditions(approve(created()), "issuer", [
      condition("Ready", "False"),
      condition("Issuing"),
    ]);
    assert.deepEqual(typesOf(first), ["Approved", "Issuing", "Ready"]);
    const second = applyConditions(first, "issuer", [condition("Ready")], { now: at(11) });
    assert.deepEqual(typesOf(second), ["Approved", "Ready"]);
    assert.equal(conditionsOf(second).find((c) => c.type === "Ready")?.status, "True");
    const approver = entriesOf(second).find((e) =>
      e.manager !== "issuer" && e.manager !== "kubectl-create"
    );
    assert.ok(JSON.stringify(approver?.fieldsV1).includes('k:{\\"type\\":\\"Approved\\"}'));
  });
}

function applyApproved(live: JsonObject): JsonObject {
  return applyConditions(live, "cert-manager-approver", [condition("Approved")], { now: at(9) });
}

Deno.test("A8: re-applying an identical configuration changes nothing, not even the time", () => {
  const once = applyConditions(created(), "issuer", [condition("Ready")]);
  const twice = ok(
    apply(once, "issuer", { status: { conditions: [condition("Ready")] } }, { now: at(12) }),
  );
  assert.deepEqual(twice.object, once);
  assert.equal(entryOf(twice.object, "issuer")?.time, at(10));
});

Deno.test("a changing apply moves the applier's time to now", () => {
  const once = applyConditions(created(), "issuer", [condition("Ready", "False")]);
  const changed = applyConditions(once, "issuer", [condition("Ready")], { now: at(12) });
  assert.equal(entryOf(changed, "issuer")?.time, at(12));
  assert.equal(entryOf(changed, "kubectl-create", "")?.time, at(9));
});

Deno.test("pruning: a status field the issuer stops applying is removed", () => {
  const once = ok(
    apply(created(), "issuer", {
      status: { certificate: "Y2VydA==", conditions: [condition("Ready")] },
    }),
  )
    .object;
  const twice = applyConditions(once, "issuer", [condition("Ready")]);
  assert.deepEqual(Object.keys(twice.status as JsonObject), ["conditions"]);
});

Deno.test("pruning: a struct nobody owns anything in any more goes away whole", () => {
  const once = applyConditions(created(), "issuer", [condition("Ready")]);
  const emptied = ok(apply(once, "issuer", {})).object;
  assert.equal(emptied.status, undefined);
  assert.equal(entryOf(emptied, "issuer"), undefined);
  // With another manager's condition in it, only the issuer's part goes.
  const shared = applyConditions(applyApproved(created()), "issuer", [condition("Ready")]);
  assert.deepEqual(typesOf(ok(apply(shared, "issuer", {})).object), ["Approved"]);
});

Deno.test("pruning: a field another manager also owns stays", () => {
  const both = ok(apply(created(), "other", { status: { certificate: "Y2VydA==" } })).object;
  const issued = ok(apply(both, "issuer", { status: { certificate: "Y2VydA==" } })).object;
  const stopped =
    ok(apply(issued, "issuer", { status: { conditions: [condition("Ready")] } })).object;
  assert.equal((stopped.status as JsonObject).certificate, "Y2VydA==");
  assert.deepEqual(entryOf(stopped, "other")?.fieldsV1, { "f:status": { "f:certificate": {} } });
});

Deno.test("finalizers are a set: appliers own their own values", () => {
  const a = ok(
    apply(created(), "a", { metadata: { ...META, finalizers: ["example.com/a"] } }, {
      subresource: "",
    }),
  )
    .object;
  const b =
    ok(apply(a, "b", { metadata: { ...META, finalizers: ["example.com/b"] } }, { subresource: "" }))
      .object;
  assert.deepEqual((b.metadata as JsonObject).finalizers, ["example.com/a", "example.com/b"]);
  const aGone = ok(apply(b, "a", {}, { subresource: "" })).object;
  assert.deepEqual((aGone.metadata as JsonObject).finalizers, ["example.com/b"]);
});

const TYPES = ["Ready", "Issuing", "InvalidRequest", "Failed"];
// Issuers always apply at least one condition. (An applied `conditions: []` owns nothing, so
// structured-merge-diff prunes the list away and the next apply merges `[]` back in: not a
// fixed point after one apply, on the real server either.)
const issuerConfig = fc.record({
  conditions: fc.uniqueArray(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 4 }).chain((
    types,
  ) =>
    fc.tuple(
      ...types.map((t) => fc.constantFrom("True", "False", "Unknown").map((s) => condition(t, s))),
    )
  ),
  certificate: fc.option(fc.constantFrom("Y2VydA==", "b3RoZXI="), { nil: undefined }),
});
const statusOf = (c: { conditions: JsonObject[]; certificate: string | undefined }) => ({
  status: {
    conditions: c.conditions,
    ...(c.certificate === undefined ? {} : { certificate: c.certificate }),
  },
});

Deno.test("property: applying the same configuration twice is a no-op", () => {
  fc.assert(fc.property(fc.boolean(), issuerConfig, issuerConfig, (approved, before, config) => {
    const base = approved ? approveByUpdate(created()) : created();
    const live = ok(apply(base, "issuer", statusOf(before))).object;
    const once = ok(apply(live, "issuer", statusOf(config), { now: at(11) })).object;
    const twice = ok(apply(once, "issuer", statusOf(config), { now: at(12) })).object;
    assert.deepEqual(twice, once);
  }));
});

Deno.test("property: another manager's Approved survives any sequence of issuer applies", () => {
  fc.assert(fc.property(
    fc.boolean(),
    fc.array(issuerConfig, { minLength: 1, maxLength: 6 }),
    (byApply, configs) => {
      let obj = byApply ? applyApproved(created()) : approveByUpdate(created());
      configs.forEach((config, i) => {
        obj = ok(apply(obj, "issuer", statusOf(config), { now: at(10 + i) })).object;
        assert.deepEqual(
          conditionsOf(obj).find((c) => c.type === "Approved"),
          condition("Approved"),
        );
        const issuerTypes = conditionsOf(obj).map((c) => c.type).filter((t) => t !== "Approved");
        assert.deepEqual(issuerTypes.sort(), config.conditions.map((c) => c.type).sort());
        assert.equal((obj.status as JsonObject | undefined)?.certificate, config.certificate);
      });
    },
  ));
});
