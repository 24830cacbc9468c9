/**
 * The patch engines of the fake API server: JSON patch (RFC 6902), JSON merge patch
 * (RFC 7386), strategic merge patch for built-in types, and the Go JSON texts their
 * errors quote.
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
export { goJsonMarshal, goJsonSyntaxError, goJsonTypeName } from "./go_json.ts";
