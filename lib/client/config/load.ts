/**
 * Finding the cluster configuration the way client-go and controller-runtime do.
 *
 * ## Deno permissions
 *
 * Configuration loading asks only for what the chosen source needs; a missing flag
 * fails with a {@linkcode ConfigError} whose message names the flag to add.
 *
 * - **Environment**, by name only: `--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT`.
 *   `KUBECONFIG` is read first unless an explicit kubeconfig path is given; the
 *   `KUBERNETES_SERVICE_*` pair only when `KUBECONFIG` is unset; `HOME` only when falling
 *   back to `~/.kube/config`. With an explicit path, no variable is read.
 * - **A kubeconfig**: `--allow-read=` each kubeconfig file and the files it names
 *   (`certificate-authority`, `client-certificate`, `client-key`, `tokenFile`).
 * - **In a pod**: `--allow-read=/var/run/secrets/kubernetes.io/serviceaccount`.
 * - **An exec credential plugin**: `--allow-run=<command>` (the plugin inherits the
 *   environment; that needs no `--allow-env`).
 * - **Requests** (the transport, not this module): `--allow-net=<host>:<port>` of the API
 *   server only.
 *
 * For example, with a kubeconfig in `KUBECONFIG`:
 *
 * ```sh
 * deno run --allow-env=KUBECONFIG,HOME --allow-read=$KUBECONFIG --allow-net=10.0.0.1:6443 main.ts
 * ```
 *
 * and in a pod:
 *
 * ```sh
 * deno run --allow-env=KUBECONFIG,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT \
 *   --allow-read=/var/run/secrets/kubernetes.io/serviceaccount --allow-net=10.96.0.1:443 main.ts
 * ```
 *
 * @module
 */
import type { Clock } from "../../core/clock.ts";
import type { ClusterConnection } from "../connection.ts";
import { ConfigError } from "./errors.ts";
import type { CommandRunner } from "./exec_credentials.ts";
import { inClusterServer, serviceAccountConnection } from "./in_cluster.ts";
import { type Kubeconfig, parseKubeconfig } from "./kubeconfig.ts";
import { kubeconfigConnection } from "./kubeconfig_connection.ts";
import { mergeKubeconfigs } from "./merge_kubeconfigs.ts";
import {
  denoEnv,
  denoReadTextFile,
  isNotFound,
  type ReadEnv,
  readEnv,
  readFile,
  type ReadTextFile,
} from "./_deno.ts";

/** Options of {@linkcode loadConnection}. */
export interface LoadConnectionOptions {
  /** A kubeconfig file to use instead of auto-detection (kubectl's `--kubeconfig`). */
  kubeconfig?: string | undefined;
  /** The kubeconfig context to use instead of `current-context` (kubectl's `--context`). */
  context?: string | undefined;
  /** The namespace to use instead of the context's or the service account's. */
  namespace?: string | undefined;
  /** Reads environment variables by name (default `Deno.env.get`). */
  env?: ReadEnv | undefined;
  /** The clock for token rotation and exec credential expiry (default: the real clock). */
  clock?: Clock | undefined;
  /** Reads files (default `Deno.readTextFile`). */
  readTextFile?: ReadTextFile | undefined;
  /** Runs exec credential plugins (default `Deno.Command`). */
  runCommand?: CommandRunner | undefined;
  /** The service account directory in a pod (default `/var/run/secrets/kubernetes.io/serviceaccount`). */
  serviceAccountDir?: string | undefined;
}

/**
 * Finds and loads the cluster configuration, in controller-runtime's order:
 *
 * 1. `options.kubeconfig`, when given (it must exist);
 * 2. else, when `KUBECONFIG` is set, its files (`:`-separated, `;` on Windows) merged as
 *    client-go merges them; missing files are skipped, but one must exist;
 * 3. else the in-cluster configuration, when `KUBERNETES_SERVICE_HOST` and
 *    `KUBERNETES_SERVICE_PORT` are set and the service account token is readable;
 * 4. else `~/.kube/config`.
 *
 * `options.context` picks a kubeconfig context (it does not apply in a pod);
 * `options.namespace` overrides the namespace of either.
 *
 * @param options Overrides, and the environment, file, clock and command seams.
 * @returns The connection for the transport.
 * @throws {ConfigError} When nothing is found (the message lists what was tried), a file
 * is malformed (naming the file and field), or a Deno permission is missing (naming
 * the flag, also in {@linkcode ConfigError.permissionFlag}).
 *
 * @example Loading `KUBECONFIG` from an injected environment
 * ```ts
 * import { loadConnection } from "./mod.ts";
 * import { strict as assert } from "node:assert";
 *
 * const files: Record<string, string> = {
 *   "/home/me/kube.yaml": `
 * clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443" } }]
 * users: [{ name: u, user: { token: abc } }]
 * contexts: [{ name: x, context: { cluster: c, user: u } }]
 * current-context: x
 * `,
 * };
 * const connection = await loadConnection({
 *   env: (name) => name === "KUBECONFIG" ? "/home/me/missing:/home/me/kube.yaml" : undefined,
 *   readTextFile: (path) =>
 *     path in files ? Promise.resolve(files[path]!) : Promise.reject(new Deno.errors.NotFound(path)),
 *   namespace: "issuers",
 * });
 * assert.equal(connection.server, "https://127.0.0.1:6443");
 * assert.equal(connection.namespace, "issuers");
 * assert.equal(await connection.credentials?.authorization(), "Bearer abc");
 * ```
 */
export async function loadConnection(
  options: LoadConnectionOptions = {},
): Promise<ClusterConnection> {
  const read = options.readTextFile ?? denoReadTextFile;
  const env = options.env ?? denoEnv;
  const useKubeconfig = (config: Kubeconfig) =>
    kubeconfigConnection(config, {
      context: options.context,
      namespace: options.namespace,
      clock: options.clock,
      readTextFile: read,
      runCommand: options.runCommand,
    });

  if (options.kubeconfig) {
    return await useKubeconfig(await loadKubeconfigFile(read, options.kubeconfig));
  }

  const tried: string[] = [];
  const kubeconfigVar = readEnv(env, "KUBECONFIG");
  let paths: string[];
  if (kubeconfigVar !== undefined) {
    paths = [...new Set(kubeconfigVar.split(Deno.build.os === "windows" ? ";" : ":"))]
      .filter((p) => p !== "");
  } else {
    tried.push("KUBECONFIG: not set");
    const server = inClusterServer(env);
    if (server !== undefined) {
      try {
        return await serviceAccountConnection(server, {
          readTextFile: read,
          ...(options.clock ? { clock: options.clock } : {}),
          ...(options.namespace ? { namespace: options.namespace } : {}),
          ...(options.serviceAccountDir ? { serviceAccountDir: options.serviceAccountDir } : {}),
        });
      } catch (err) {
        if (!(err instanceof ConfigError) || err.permissionFlag !== undefined) throw err;
        tried.push(`in-cluster: ${err.message}`);
      }
    } else {
      tried.push("in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
    }
    const home = readEnv(env, "HOME") ??
      (Deno.build.os === "windows" ? readEnv(env, "USERPROFILE") : undefined);
    if (home === undefined) tried.push("~/.kube/config: HOME is not set");
    paths = home === undefined ? [] : [`${home.replace(/[\\/]+$/, "")}/.kube/config`];
  }

  const configs: Kubeconfig[] = [];
  for (const path of paths) {
    try {
      configs.push(await loadKubeconfigFile(read, path));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      tried.push(`${kubeconfigVar !== undefined ? "KUBECONFIG " : ""}${path}: no such file`);
    }
  }
  if (configs.length === 0) {
    throw new ConfigError(
      `no Kubernetes configuration found; tried ${tried.join("; ")}. Pass a kubeconfig ` +
        "path, set KUBECONFIG, or run in a pod",
    );
  }
  return await useKubeconfig(mergeKubeconfigs(configs));
}

/**
 * Reads and parses one kubeconfig file.
 *
 * @param read Reads the file.
 * @param path The file.
 * @returns The parsed kubeconfig.
 * @throws {ConfigError} When it cannot be read (naming the permission flag when that is
 * why) or is malformed.
 */
async function loadKubeconfigFile(read: ReadTextFile, path: string): Promise<Kubeconfig> {
  return parseKubeconfig(await readFile(read, "kubeconfig", path), path);
}
