/**
 * The patch engines of the fake API server: JSON patch (RFC 6902), JSON merge patch
 * (RFC 7386) and strategic merge patch for built-in types.
 *
 * @module
 */

export { applyJsonPatch } from "./json_patch.ts";
export { applyMergePatch } from "./merge_patch.ts";
export {
  applyStrategicMergePatch,
  BUILTIN_SMP_STRATEGY,
  type SmpStrategy,
} from "./strategic_merge_patch.ts";
export { PatchError } from "./patch_error.ts";
