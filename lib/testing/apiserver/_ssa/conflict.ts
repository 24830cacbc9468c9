/**
 * Apply conflicts and the 409 the server answers with when `force` is not set
 * (apimachinery `managedfields/internal/conflict.go`).
 *
 * @module
 */
import { failure, StatusError } from "../_errors.ts";
import { type FieldPath, goQuote, pathToString } from "./field_path.ts";
import { managerIdentifier, type ManagerIdentity } from "./managed_fields.ts";

/** A field an apply would change that another manager owns. */
export interface Conflict {
  /** The manager owning the field. */
  manager: ManagerIdentity;
  /** The field. */
  path: FieldPath;
}

/**
 * Renders a manager as conflict messages do: `"<name>"`, then
 * ` with subresource "<sub>"` for a subresource, then ` using <apiVersion>` for an
 * `Update` manager.
 *
 * @param id The manager.
 * @returns The text, such as `"kubectl-patch" using example.com/v1`.
 */
export function printManager(id: ManagerIdentity): string {
  let text = goQuote(id.manager);
  if (id.subresource) text += ` with subresource ${goQuote(id.subresource)}`;
  if (id.operation === "Update") text += ` using ${id.apiVersion}`;
  return text;
}

/**
 * The conflict message: `Apply failed with 1 conflict: conflict with <m>: <path>`, or
 * for several, the paths grouped under each manager (managers sorted by identifier):
 * `Apply failed with N conflicts: conflicts with <m1>:\n- <path>\n…`.
 *
 * @param conflicts The conflicts, at least one.
 * @returns The message.
 */
export function conflictMessage(conflicts: readonly Conflict[]): string {
  const [only] = conflicts;
  if (conflicts.length === 1 && only) {
    return `Apply failed with 1 conflict: conflict with ${printManager(only.manager)}: ${
      pathToString(only.path)
    }`;
  }
  const byManager = new Map<string, { manager: ManagerIdentity; paths: FieldPath[] }>();
  for (const { manager, path } of conflicts) {
    const id = managerIdentifier(manager);
    const group = byManager.get(id) ?? { manager, paths: [] };
    group.paths.push(path);
    byManager.set(id, group);
  }
  const lines: string[] = [];
  for (const id of [...byManager.keys()].sort()) {
    const { manager, paths } = byManager.get(id) as {
      manager: ManagerIdentity;
      paths: FieldPath[];
    };
    lines.push(`conflicts with ${printManager(manager)}:`);
    for (const path of paths) lines.push(`- ${pathToString(path)}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
}

/**
 * The 409 for an apply with conflicts: reason `Conflict`, and details holding only
 * `causes`, one `FieldManagerConflict` per conflicting field.
 *
 * @param conflicts The conflicts, at least one.
 * @returns The error to answer with.
 *
 * @example One conflict
 * ```ts
 * import { conflictError } from "./conflict.ts";
 * import { strict as assert } from "node:assert";
 *
 * const err = conflictError([{
 *   manager: { manager: "kubectl-patch", operation: "Update", apiVersion: "example.com/v1" },
 *   path: [{ field: "spec" }, { field: "size" }],
 * }]);
 * assert.equal(err.code, 409);
 * assert.equal(
 *   err.status.message,
 *   'Apply failed with 1 conflict: conflict with "kubectl-patch" using example.com/v1: .spec.size',
 * );
 * assert.deepEqual(err.status.details, {
 *   causes: [{ reason: "FieldManagerConflict", message: 'conflict with "kubectl-patch" using example.com/v1', field: ".spec.size" }],
 * });
 * ```
 */
export function conflictError(conflicts: readonly Conflict[]): StatusError {
  if (conflicts.length === 0) {
    throw new RangeError("conflictError needs at least one conflict, got none");
  }
  const causes = conflicts.map(({ manager, path }) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${printManager(manager)}`,
    field: pathToString(path),
  }));
  return new StatusError(failure(409, "Conflict", conflictMessage(conflicts), { causes }));
}

/**
 * Orders conflicts as the message groups them: by manager identifier, then in the
 * order of the conflicting manager's field set.
 *
 * @param conflicts The conflicts.
 * @returns A sorted copy.
 */
export function sortConflicts(conflicts: readonly Conflict[]): Conflict[] {
  return conflicts
    .map((c, i) => ({ c, i, id: managerIdentifier(c.manager) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.i - b.i))
    .map(({ c }) => c);
}
