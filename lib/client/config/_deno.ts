/**
 * Reading files and environment variables with errors that name the Deno flag to add.
 *
 * @module
 */
import { ConfigError } from "./errors.ts";

/** Reads a text file, like `Deno.readTextFile`. */
export type ReadTextFile = (path: string) => Promise<string>;

/** Reads an environment variable by name, like `Deno.env.get`. */
export type ReadEnv = (name: string) => string | undefined;

/** The environment variables configuration loading reads, as one `--allow-env` flag. */
export const ENV_FLAG =
  "--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT";

/** `Deno.readTextFile`. */
export const denoReadTextFile: ReadTextFile = (path) => Deno.readTextFile(path);

/** `Deno.env.get`. */
export const denoEnv: ReadEnv = (name) => Deno.env.get(name);

/** Whether an error (or the cause of a {@linkcode ConfigError}) is a missing file. */
export function isNotFound(err: unknown): boolean {
  if (err instanceof ConfigError) return isNotFound(err.cause);
  return err instanceof Deno.errors.NotFound;
}

/** Whether an error is Deno refusing an operation for lack of a permission flag. */
export function isNotCapable(err: unknown): boolean {
  return err instanceof Deno.errors.NotCapable;
}

/**
 * Reads a file, turning failures into a {@linkcode ConfigError} such as
 * `cannot read kubeconfig /k: Deno's read permission is missing (run with --allow-read=/k)`.
 *
 * @param read The reader.
 * @param what What the file is, for the message (`kubeconfig`, `service account token`).
 * @param path The file.
 */
export async function readFile(read: ReadTextFile, what: string, path: string): Promise<string> {
  try {
    return await read(path);
  } catch (err) {
    throw fileError(err, what, path);
  }
}

/** Describes a failure to read `path` as a {@linkcode ConfigError}. */
export function fileError(err: unknown, what: string, path: string): ConfigError {
  if (err instanceof ConfigError) return err;
  const prefix = `cannot read ${what} ${path}`;
  if (isNotCapable(err)) {
    const flag = `--allow-read=${path}`;
    return new ConfigError(`${prefix}: Deno's read permission is missing (run with ${flag})`, {
      cause: err,
      permissionFlag: flag,
    });
  }
  if (err instanceof Deno.errors.NotFound) {
    return new ConfigError(`${prefix}: no such file`, { cause: err });
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return new ConfigError(`${prefix}: the operating system denied access`, { cause: err });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new ConfigError(`${prefix}: ${detail}`, { cause: err });
}

/**
 * Reads an environment variable; a missing `--allow-env` becomes a {@linkcode ConfigError}
 * that names the variable and the flag. Empty values count as unset.
 *
 * @param env The reader.
 * @param name The variable.
 */
export function readEnv(env: ReadEnv, name: string): string | undefined {
  let value: string | undefined;
  try {
    value = env(name);
  } catch (err) {
    if (!isNotCapable(err)) throw err;
    throw new ConfigError(
      `cannot read the environment variable ${name}: Deno's env permission is missing ` +
        `(run with ${ENV_FLAG})`,
      { cause: err, permissionFlag: ENV_FLAG },
    );
  }
  return value === "" ? undefined : value;
}
