/**
 * Server-side apply: merge an applied configuration into the live object, detect
 * conflicts with other managers, prune what the applier stopped applying, and update
 * `metadata.managedFields` (structured-merge-diff `merge.Updater.Apply` as the 1.32
 * API server drives it). Pure: no clock, no I/O.
 *
 * @module
 */
import { isJsonObject, jsonEqual, type JsonObject } from "../../../core/json.ts";
import type { SchemaNode } from "../_types.ts";
import { compareObjects } from "./compare.ts";
import { type Conflict, sortConflicts } from "./conflict.ts";
import { FieldSet } from "./field_set.ts";
import {
  ensureNamedFieldsAreMembers,
  stripNeverOwned,
  unstrippedFieldSetOf,
} from "./field_set_of.ts";
import {
  decodeManagers,
  encodeManagers,
  type ManagedFieldsEntry,
  managerIdentifier,
  type ManagerIdentity,
  type Managers,
  withManagedFields,
  withoutManagedFields,
} from "./managed_fields.ts";
import { mergeApplied, removePaths } from "./merge.ts";

/** What an apply request brings. */
export interface ApplyInput {
  /** The stored object, or `undefined` when the apply creates it. */
  live: JsonObject | undefined;
  /** The applied configuration (already validated: right apiVersion/kind, no managedFields). */
  applied: JsonObject;
  /** The resource's schema for the whole object. */
  schema: SchemaNode | undefined;
  /** The `fieldManager` query parameter. */
  manager: string;
  /** `""` for the main resource, `status` for `/status`. */
  subresource: string;
  /** The `force` query parameter. */
  force: boolean;
  /** The request's group-version, such as `cert-manager.io/v1`. */
  apiVersion: string;
  /** Now, RFC 3339 with whole seconds. */
  now: string;
  /**
   * Top-level paths stripped from the applied configuration before anything else:
   * `[["status"]]` for the main resource of a status-enabled custom resource,
   * `[["spec"], ["metadata"]]` for `/status`. Stripping `["metadata"]` keeps
   * `metadata.name`, `namespace`, `uid` and `resourceVersion` (identity and
   * preconditions; never owned anyway).
   */
  resetFields: string[][];
}

/** The result of a successful apply. */
export interface ApplyResult {
  /** The new object, `metadata.managedFields` included. */
  object: JsonObject;
  /** The new `metadata.managedFields`. */
  managedFields: ManagedFieldsEntry[];
}

/** An apply refused because it would change fields other managers own (and `force` was not set). */
export interface ApplyConflicts {
  /** The conflicts, sorted as the 409 message lists them. */
  conflicts: Conflict[];
}

const KEPT_METADATA = ["name", "namespace", "uid", "resourceVersion"];

/**
 * Applies a configuration (server-side apply, spec §7.5.2):
 * 1. strip the reset fields from the applied configuration;
 * 2. A := the fields it sets;
 * 3. merged := live ⊕ applied;
 * 4. prune what this manager applied last time but not now, unless another manager
 *    owns it (structured-merge-diff `prune`, which also removes a struct that nobody
 *    owns anything in any more);
 * 5. every other manager owning a field whose value this apply adds or changes is in
 *    conflict; without `force` nothing changes and the conflicts are returned, with
 *    `force` they lose those fields; removed fields leave every owner;
 * 6. the applier owns exactly A (minus the never-owned fields); managers left with
 *    nothing are dropped; the applier's `time` becomes `now` when the object or its
 *    set changed (or the entry is new), and its `apiVersion` the request's.
 *
 * @param input The request.
 * @returns The new object and managedFields, or the conflicts.
 *
 * @example An issuer applies a condition; re-applying it changes nothing
 * ```ts
 * import { applyPatch } from "./apply_patch.ts";
 * import { strict as assert } from "node:assert";
 *
 * const request = {
 *   schema: undefined,
 *   manager: "issuer",
 *   subresource: "status",
 *   force: true,
 *   apiVersion: "example.com/v1",
 *   now: "2024-05-01T10:00:00Z",
 *   resetFields: [["spec"], ["metadata"]],
 *   applied: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1" }, status: { phase: "Ready" } },
 * };
 * const first = applyPatch({ ...request, live: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1" } } });
 * assert(!("conflicts" in first));
 * assert.deepEqual(first.object.status, { phase: "Ready" });
 * const again = applyPatch({ ...request, live: first.object, now: "2024-05-01T11:00:00Z" });
 * assert(!("conflicts" in again));
 * assert.deepEqual(again.object, first.object);
 * ```
 */
export function applyPatch(input: ApplyInput): ApplyResult | ApplyConflicts {
  const { schema } = input;
  // Step 1: reset fields. Their values are merged (the strategy decides what is kept),
  // but nobody owns them and they never conflict; only metadata is stripped outright.
  const metadataReset = input.resetFields.filter((p) => p.length === 1 && p[0] === "metadata");
  const resetSet = FieldSet.of(
    ...input.resetFields
      .filter((p) => !(p.length === 1 && p[0] === "metadata"))
      .map((p) => p.map((field) => ({ field }))),
  );
  const applied = stripResetFields(withoutManagedFields(input.applied), metadataReset);
  const live = withoutManagedFields(input.live ?? {});
  const managers: Managers = decodeManagers(metadataOf(input.live).managedFields) ?? new Map();

  const self: ManagerIdentity = {
    manager: input.manager,
    operation: "Apply",
    apiVersion: input.apiVersion,
  };
  if (input.subresource) self.subresource = input.subresource;
  const selfId = managerIdentifier(self);
  const previous = managers.get(selfId);

  // Step 2: A. Structured-merge-diff works on the unstripped set; the API server strips afterwards.
  const appliedSet = unstrippedFieldSetOf(applied, schema).recursiveDifference(resetSet);
  const working: Managers = new Map(managers);
  working.set(selfId, { identity: self, set: appliedSet });

  // Steps 3 and 6: merge, then prune (structured-merge-diff prunes before it checks conflicts).
  const merged = prune(mergeApplied(live, applied, schema), working, previous?.set, schema);

  // Step 4: conflicts are other managers' fields whose value this apply adds or changes.
  const comparison = compareObjects(live, merged, schema);
  const changed = comparison.added.union(comparison.modified).recursiveDifference(resetSet);
  const removed = comparison.removed.recursiveDifference(resetSet);
  const conflicts: Conflict[] = [];
  for (const [id, other] of working) {
    if (id === selfId) continue;
    for (const path of other.set.intersection(changed).paths()) {
      conflicts.push({ manager: other.identity, path });
    }
  }
  if (conflicts.length > 0 && !input.force) return { conflicts: sortConflicts(conflicts) };

  // Step 5 (force) and 7: others lose what changed or went away; the applier owns A.
  const result: Managers = new Map();
  for (const [id, other] of working) {
    if (id === selfId) continue;
    const set = other.set.difference(changed).difference(removed);
    if (!set.isEmpty()) result.set(id, { ...other, set });
  }
  const ownSet = stripNeverOwned(appliedSet);
  if (!ownSet.isEmpty()) {
    const touched = previous === undefined || !previous.set.equals(ownSet) ||
      !jsonEqual(live, merged);
    const time = touched ? input.now : previous?.time;
    result.set(selfId, { identity: self, set: ownSet, ...(time === undefined ? {} : { time }) });
  }

  const managedFields = encodeManagers(result);
  return { object: withManagedFields(merged, managedFields), managedFields };
}

/**
 * Structured-merge-diff `Updater.prune`: remove what the applier owned last time
 * (`lastSet`), then add back everything some manager (the applier's new set included)
 * still owns, and only ever remove fields from `lastSet`. Sets are widened with
 * {@link ensureNamedFieldsAreMembers} so a struct nobody owns anything in goes away
 * whole.
 */
function prune(
  merged: JsonObject,
  managers: Managers,
  lastSet: FieldSet | undefined,
  schema: SchemaNode | undefined,
): JsonObject {
  if (lastSet === undefined || lastSet.isEmpty()) return merged;
  const named = (set: FieldSet) => ensureNamedFieldsAreMembers(set, schema);
  const fieldsOf = (obj: JsonObject) => named(unstrippedFieldSetOf(obj, schema));

  const last = named(lastSet);
  const mergedSet = fieldsOf(merged);
  let owned = new FieldSet();
  for (const { set } of managers.values()) owned = owned.union(set);
  owned = named(owned);

  const removedAll = removePaths(merged, last, schema);
  const addedBack = removePaths(
    merged,
    mergedSet.difference(fieldsOf(removedAll).union(owned)),
    schema,
  );
  return removePaths(merged, mergedSet.difference(fieldsOf(addedBack)).intersection(last), schema);
}

/** Strips reset fields from an applied configuration (see {@link ApplyInput.resetFields}). */
function stripResetFields(applied: JsonObject, resetFields: string[][]): JsonObject {
  let out = applied;
  for (const path of resetFields) {
    if (path.length === 1 && path[0] === "metadata") {
      const metadata = metadataOf(out);
      const kept = Object.fromEntries(
        Object.entries(metadata).filter(([k]) => KEPT_METADATA.includes(k)),
      );
      out = { ...out, metadata: kept };
    } else {
      out = withoutPath(out, path);
    }
  }
  return out;
}

function withoutPath(obj: JsonObject, path: string[]): JsonObject {
  const [head, ...rest] = path;
  if (head === undefined || !(head in obj)) return obj;
  const copy = { ...obj };
  const child = copy[head];
  if (rest.length === 0) delete copy[head];
  else if (isJsonObject(child)) copy[head] = withoutPath(child, rest);
  return copy;
}

function metadataOf(obj: JsonObject | undefined): JsonObject {
  return obj !== undefined && isJsonObject(obj.metadata) ? obj.metadata : {};
}
