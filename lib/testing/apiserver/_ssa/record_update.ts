/**
 * Ownership for non-apply writes (create, update, every patch but apply):
 * structured-merge-diff `merge.Updater.Update` as the 1.32 API server's
 * `managedFieldsUpdater` drives it. Pure: no clock, no I/O.
 *
 * @module
 */
import type { JsonObject } from "../../../core/json.ts";
import type { SchemaNode } from "../_types.ts";
import { compareObjects } from "./compare.ts";
import { FieldSet } from "./field_set.ts";
import { stripNeverOwned } from "./field_set_of.ts";
import {
  encodeManagers,
  type ManagedFieldsEntry,
  managerIdentifier,
  type ManagerIdentity,
  managersOf,
  withoutManagedFields,
} from "./managed_fields.ts";

/** What a non-apply write brings. */
export interface UpdateInput {
  /** The stored object, or `undefined` for a create. */
  old: JsonObject | undefined;
  /** The object about to be stored (after patching and the server's own changes). */
  updated: JsonObject;
  /** The managers to start from: normally `takeClientManagedFields(…)`. */
  managedFields: ManagedFieldsEntry[];
  /** The `fieldManager` query parameter, or the name derived from the User-Agent. */
  manager: string;
  /** `""` for the main resource, `status` for `/status`. */
  subresource: string;
  /** The request's group-version, such as `v1` or `cert-manager.io/v1`. */
  apiVersion: string;
  /** Now, RFC 3339 with whole seconds. */
  now: string;
  /** The resource's schema for the whole object. */
  schema: SchemaNode | undefined;
  /**
   * Top-level paths whose changes are not recorded (the strategy resets them):
   * `[["status"]]` on the main resource of a status-enabled custom resource,
   * `[["spec"]]` on `/status`. Optional; with the strategy already applied to
   * `updated` they make no difference.
   */
  resetFields?: string[][];
}

/**
 * Records a non-apply write: every field whose value was added or changed now belongs
 * to this manager's `Update` entry (and to no other manager); fields removed from the
 * object leave every manager. Managers left with nothing are dropped. The writer's
 * entry gets `time: now` only when it took fields; a write that changes nothing leaves
 * managedFields as they were. Never conflicts.
 *
 * @param input The write.
 * @returns The new `metadata.managedFields`.
 *
 * @example A create records the containers it made
 * ```ts
 * import { recordUpdate } from "./record_update.ts";
 * import { strict as assert } from "node:assert";
 *
 * const [entry] = recordUpdate({
 *   old: undefined,
 *   updated: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels: { app: "x" } }, data: { k: "v" } },
 *   managedFields: [],
 *   manager: "kubectl-create",
 *   subresource: "",
 *   apiVersion: "v1",
 *   now: "2024-05-01T10:00:00Z",
 *   schema: undefined,
 * });
 * assert.deepEqual(entry?.fieldsV1, {
 *   "f:data": { ".": {}, "f:k": {} },
 *   "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
 * });
 * ```
 */
export function recordUpdate(input: UpdateInput): ManagedFieldsEntry[] {
  const before = withoutManagedFields(input.old ?? {});
  const after = withoutManagedFields(input.updated);
  const reset = FieldSet.of(...(input.resetFields ?? []).map((p) => p.map((field) => ({ field }))));
  const comparison = compareObjects(before, after, input.schema);
  const changed = comparison.added.union(comparison.modified).recursiveDifference(reset);
  const removed = comparison.removed.recursiveDifference(reset);

  const managers = managersOf(input.managedFields);
  for (const [id, state] of managers) {
    const set = state.set.difference(changed).difference(removed);
    if (set.isEmpty()) managers.delete(id);
    else managers.set(id, { ...state, set });
  }

  const taken = stripNeverOwned(changed.difference(removed));
  if (!taken.isEmpty()) {
    const self: ManagerIdentity = {
      manager: input.manager,
      operation: "Update",
      apiVersion: input.apiVersion,
    };
    if (input.subresource) self.subresource = input.subresource;
    const id = managerIdentifier(self);
    const previous = managers.get(id)?.set ?? new FieldSet();
    managers.set(id, { identity: self, set: previous.union(taken), time: input.now });
  }
  return encodeManagers(managers);
}
