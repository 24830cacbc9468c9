/**
 * The error every patch engine of the fake API server throws, and what it tells the
 * caller about the answer the real kube-apiserver gives.
 *
 * @module
 */

/**
 * Why a patch failed:
 * - `"decode"`: the patch body is not what the patch type requires (the real server
 *   answers 400 BadRequest with the message);
 * - `"apply"`: an operation failed on the document (the real server answers 422 with
 *   the generic message `the server rejected our request due to an error in our request`);
 * - `"tooLarge"`: more operations than the server accepts (413 RequestEntityTooLarge).
 */
export type PatchErrorKind = "decode" | "apply" | "tooLarge";

/**
 * A patch that could not be decoded or applied.
 *
 * @example Telling the kinds apart
 * ```ts
 * import { PatchError } from "./patch_error.ts";
 * import { strict as assert } from "node:assert";
 *
 * const e = new PatchError("apply", "testing value /spec/size failed: test failed");
 * assert.equal(e.name, "PatchError");
 * assert.equal(e.kind, "apply");
 * assert(e instanceof Error);
 * ```
 */
export class PatchError extends Error {
  override name = "PatchError";
  /** Why the patch failed; selects the HTTP status the caller answers with. */
  readonly kind: PatchErrorKind;

  /**
   * Creates a patch error.
   *
   * @param kind Why the patch failed.
   * @param message What failed, in the words of the Go library the real server uses.
   * @param options Standard error options (`cause`).
   */
  constructor(kind: PatchErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
  }
}
