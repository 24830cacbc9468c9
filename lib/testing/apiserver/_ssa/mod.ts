/**
 * Server-side apply and `metadata.managedFields` for the fake API server, as pure
 * functions: field paths and sets, the field set of an object under its schema,
 * merging and pruning, conflicts and their 409, and the bookkeeping of apply and
 * non-apply writes.
 *
 * @module
 */
export {
  compareElements,
  type FieldPath,
  goQuote,
  keyElement,
  parseElement,
  type PathElement,
  pathToString,
  serializeElement,
} from "./field_path.ts";
export { FieldSet, type FieldSetEntry } from "./field_set.ts";
export { OBJECT_META_SCHEMA, objectSchema } from "./schema_shape.ts";
export {
  ensureNamedFieldsAreMembers,
  fieldSetOf,
  NEVER_OWNED,
  stripNeverOwned,
  unstrippedFieldSetOf,
} from "./field_set_of.ts";
export { mergeApplied, removePaths } from "./merge.ts";
export { compareObjects, type Comparison } from "./compare.ts";
export {
  decodeManagers,
  encodeManagers,
  entryToJson,
  type ManagedFieldsEntry,
  managerIdentifier,
  type ManagerIdentity,
  type Managers,
  managersOf,
  type ManagerState,
  takeClientManagedFields,
  withManagedFields,
  withoutManagedFields,
} from "./managed_fields.ts";
export {
  type Conflict,
  conflictError,
  conflictMessage,
  printManager,
  sortConflicts,
} from "./conflict.ts";
export {
  type ApplyConflicts,
  type ApplyInput,
  applyPatch,
  type ApplyResult,
} from "./apply_patch.ts";
export { recordUpdate, type UpdateInput } from "./record_update.ts";
