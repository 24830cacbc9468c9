/**
 * The error configuration loading throws.
 *
 * @module
 */

/** Options of {@linkcode ConfigError}. */
export interface ConfigErrorOptions {
  /** The underlying error (a YAML syntax error, `Deno.errors.NotCapable`, …). */
  cause?: unknown;
  /**
   * The Deno permission flag that would have avoided the error, such as
   * `--allow-read=/home/me/.kube/config`, when a permission was missing.
   */
  permissionFlag?: string;
}

/**
 * The cluster configuration cannot be used: a kubeconfig is missing or malformed, a
 * referenced file or context does not exist, a credential plugin failed, or a Deno
 * permission is missing. The message names the file, the field and the value at fault,
 * and, for a missing permission, the flag to add ({@linkcode ConfigError.permissionFlag}).
 *
 * @example Telling a missing permission from a broken file
 * ```ts
 * import { ConfigError } from "./mod.ts";
 * import { strict as assert } from "node:assert";
 *
 * const err = new ConfigError("cannot read kubeconfig /k: Deno's read permission is missing", {
 *   permissionFlag: "--allow-read=/k",
 * });
 * assert.equal(err.name, "ConfigError");
 * assert.equal(err.permissionFlag, "--allow-read=/k");
 * ```
 */
export class ConfigError extends Error {
  /** Always `"ConfigError"`. */
  override name = "ConfigError";
  /** The Deno permission flag to add, when the error is a missing permission. */
  readonly permissionFlag: string | undefined;

  /**
   * Creates the error.
   *
   * @param message What failed and which value caused it.
   * @param options The cause and the missing permission flag.
   */
  constructor(message: string, options: ConfigErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.permissionFlag = options.permissionFlag;
  }
}
