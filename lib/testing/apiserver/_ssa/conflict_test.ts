import { strict as assert } from "node:assert";
import { type Conflict, conflictError, printManager, sortConflicts } from "./conflict.ts";
import { keyElement } from "./field_path.ts";

const SIZE = [{ field: "spec" }, { field: "size" }];
const COLOR = [{ field: "spec" }, { field: "color" }];
const READY = [{ field: "status" }, { field: "conditions" }, keyElement({ type: "Ready" })];

Deno.test("A2: one conflict with an Update manager is the exact 409 of the real server", () => {
  const err = conflictError([{
    manager: { manager: "m2", operation: "Update", apiVersion: "example.com/v1" },
    path: SIZE,
  }]);
  assert.equal(err.code, 409);
  assert.deepEqual(err.status, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: 'Apply failed with 1 conflict: conflict with "m2" using example.com/v1: .spec.size',
    reason: "Conflict",
    details: {
      causes: [{
        reason: "FieldManagerConflict",
        message: 'conflict with "m2" using example.com/v1',
        field: ".spec.size",
      }],
    },
    code: 409,
  });
  // Key order of the body as the real server writes it.
  assert.deepEqual(Object.keys(err.status), [
    "kind",
    "apiVersion",
    "metadata",
    "status",
    "message",
    "reason",
    "details",
    "code",
  ]);
});

Deno.test("several conflicts are grouped under each manager, managers sorted", () => {
  const conflicts: Conflict[] = [
    {
      manager: { manager: "kubectl-patch", operation: "Update", apiVersion: "example.com/v1" },
      path: SIZE,
    },
    {
      manager: { manager: "approver", operation: "Apply", apiVersion: "example.com/v1" },
      path: READY,
    },
    {
      manager: { manager: "kubectl-patch", operation: "Update", apiVersion: "example.com/v1" },
      path: COLOR,
    },
  ];
  const err = conflictError(conflicts);
  assert.equal(
    err.status.message,
    "Apply failed with 3 conflicts: " +
      'conflicts with "approver":\n' +
      '- .status.conditions[type="Ready"]\n' +
      'conflicts with "kubectl-patch" using example.com/v1:\n' +
      "- .spec.size\n" +
      "- .spec.color",
  );
  assert.deepEqual(err.status.details?.causes, [
    {
      reason: "FieldManagerConflict",
      message: 'conflict with "kubectl-patch" using example.com/v1',
      field: ".spec.size",
    },
    {
      reason: "FieldManagerConflict",
      message: 'conflict with "approver"',
      field: '.status.conditions[type="Ready"]',
    },
    {
      reason: "FieldManagerConflict",
      message: 'conflict with "kubectl-patch" using example.com/v1',
      field: ".spec.color",
    },
  ]);
  assert.equal(err.status.details?.name, undefined);
  assert.equal(err.status.details?.kind, undefined);
});

Deno.test("managers render with their subresource, and Update managers with their apiVersion", () => {
  assert.equal(
    printManager({ manager: "issuer", operation: "Apply", apiVersion: "cert-manager.io/v1" }),
    '"issuer"',
  );
  assert.equal(
    printManager({
      manager: "issuer",
      operation: "Apply",
      apiVersion: "cert-manager.io/v1",
      subresource: "status",
    }),
    '"issuer" with subresource "status"',
  );
  assert.equal(
    printManager({
      manager: "kubectl-edit",
      operation: "Update",
      apiVersion: "v1",
      subresource: "status",
    }),
    '"kubectl-edit" with subresource "status" using v1',
  );
});

Deno.test("sortConflicts orders by manager identifier and keeps each manager's path order", () => {
  const b = { manager: "b", operation: "Apply" as const, apiVersion: "v1" };
  const a = { manager: "a", operation: "Update" as const, apiVersion: "v1" };
  const sorted = sortConflicts([{ manager: b, path: SIZE }, { manager: a, path: COLOR }, {
    manager: b,
    path: COLOR,
  }]);
  assert.deepEqual(sorted.map((c) => [c.manager.manager, c.path]), [["a", COLOR], ["b", SIZE], [
    "b",
    COLOR,
  ]]);
});

Deno.test("conflictError refuses an empty list", () => {
  assert.throws(() => conflictError([]), RangeError);
});
