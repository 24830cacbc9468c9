/**
 * The in-cluster configuration: the API server from `KUBERNETES_SERVICE_HOST` and
 * `KUBERNETES_SERVICE_PORT`, and the pod's service account token, CA and namespace.
 *
 * @module
 */
import { join } from "node:path";
import type { Clock } from "../../core/clock.ts";
import type { ClusterConnection } from "../connection.ts";
import { TokenFileCredentials } from "./credentials.ts";
import { ConfigError } from "./errors.ts";
import {
  denoEnv,
  denoReadTextFile,
  isNotFound,
  type ReadEnv,
  readEnv,
  readFile,
  type ReadTextFile,
} from "./_deno.ts";

/** Where Kubernetes mounts a pod's service account token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Options of {@linkcode inClusterConnection}. */
export interface InClusterOptions {
  /** Reads environment variables (default `Deno.env.get`). */
  env?: ReadEnv;
  /** Reads files (default `Deno.readTextFile`). */
  readTextFile?: ReadTextFile;
  /** The clock for token rotation (default: the real clock). */
  clock?: Clock;
  /** The directory holding `token`, `ca.crt` and `namespace` (default {@linkcode SERVICE_ACCOUNT_DIR}). */
  serviceAccountDir?: string;
  /** The namespace to use instead of the service account's. */
  namespace?: string;
}

/**
 * The API server URL of the in-cluster configuration, or `undefined` outside a pod.
 * An IPv6 host is bracketed, as Go's `net.JoinHostPort` does.
 *
 * @param env Reads environment variables (default `Deno.env.get`).
 * @returns `https://<KUBERNETES_SERVICE_HOST>:<KUBERNETES_SERVICE_PORT>`, or `undefined`
 * when either variable is unset.
 * @throws {ConfigError} When `--allow-env` lacks one of the two variables.
 *
 * @example Detecting a pod
 * ```ts
 * import { inClusterServer } from "./mod.ts";
 * import { strict as assert } from "node:assert";
 *
 * const env = new Map([["KUBERNETES_SERVICE_HOST", "fd00::1"], ["KUBERNETES_SERVICE_PORT", "443"]]);
 * assert.equal(inClusterServer((name) => env.get(name)), "https://[fd00::1]:443");
 * assert.equal(inClusterServer(() => undefined), undefined);
 * ```
 */
export function inClusterServer(env: ReadEnv = denoEnv): string | undefined {
  const host = readEnv(env, "KUBERNETES_SERVICE_HOST");
  const port = readEnv(env, "KUBERNETES_SERVICE_PORT");
  if (host === undefined || port === undefined) return undefined;
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  try {
    new URL(server);
  } catch {
    throw new ConfigError(
      `KUBERNETES_SERVICE_HOST=${JSON.stringify(host)} and KUBERNETES_SERVICE_PORT=` +
        `${JSON.stringify(port)} do not form a URL`,
    );
  }
  return server;
}

/**
 * Loads the in-cluster configuration, as client-go's `rest.InClusterConfig`: the server
 * from the environment, a bearer token from the service account's `token` file (re-read
 * every minute and after a 401, since bound tokens rotate), the cluster CA from `ca.crt`
 * (system roots when it is absent, as client-go) and the namespace from `namespace`
 * (`default` when absent).
 *
 * Deno permissions: `--allow-env=KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT` and
 * `--allow-read=/var/run/secrets/kubernetes.io/serviceaccount`.
 *
 * @param options Environment and file readers, clock, service account directory and a
 * namespace override.
 * @returns The connection.
 * @throws {ConfigError} Outside a pod, when the token cannot be read, or when a
 * permission is missing (the message names the flag).
 *
 * @example A pod's configuration, from test files
 * ```ts
 * import { inClusterConnection } from "./mod.ts";
 * import { strict as assert } from "node:assert";
 *
 * const env = new Map([["KUBERNETES_SERVICE_HOST", "10.96.0.1"], ["KUBERNETES_SERVICE_PORT", "443"]]);
 * const files = new Map([
 *   ["/sa/token", "eyJhbGciOi...\n"],
 *   ["/sa/namespace", "cert-manager"],
 * ]);
 * const connection = await inClusterConnection({
 *   env: (name) => env.get(name),
 *   readTextFile: (path) => {
 *     const text = files.get(path);
 *     return text === undefined ? Promise.reject(new Deno.errors.NotFound(path)) : Promise.resolve(text);
 *   },
 *   serviceAccountDir: "/sa",
 * });
 * assert.equal(connection.server, "https://10.96.0.1:443");
 * assert.equal(connection.namespace, "cert-manager");
 * assert.equal(await connection.credentials?.authorization(), "Bearer eyJhbGciOi...");
 * ```
 */
export async function inClusterConnection(
  options: InClusterOptions = {},
): Promise<ClusterConnection> {
  const server = inClusterServer(options.env ?? denoEnv);
  if (server === undefined) {
    throw new ConfigError(
      "not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set",
    );
  }
  return await serviceAccountConnection(server, options);
}

/**
 * The in-cluster connection for a server already found by {@linkcode inClusterServer}.
 *
 * @param server The API server URL.
 * @param options File reader, clock, service account directory and namespace override.
 */
export async function serviceAccountConnection(
  server: string,
  options: InClusterOptions,
): Promise<ClusterConnection> {
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const read = options.readTextFile ?? denoReadTextFile;
  const credentials = new TokenFileCredentials(join(dir, "token"), {
    readTextFile: (path) => readFile(read, "service account token", path),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  // Read the token now, as client-go does, so a pod without one fails at start-up.
  await credentials.authorization();
  const ca = await readOptional(read, "service account CA", join(dir, "ca.crt"));
  const namespace = options.namespace ||
    (await readOptional(read, "service account namespace", join(dir, "namespace")))?.trim() ||
    "default";
  return { server, ...(ca?.trim() ? { caCertsPem: [ca] } : {}), credentials, namespace };
}

async function readOptional(
  read: ReadTextFile,
  what: string,
  path: string,
): Promise<string | undefined> {
  try {
    return await readFile(read, what, path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
