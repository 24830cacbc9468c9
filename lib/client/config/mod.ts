/**
 * Cluster configuration the way kubectl and client-go find it: kubeconfig files (merged
 * like `KUBECONFIG=a:b`, with contexts, tokens, token files, basic auth, client
 * certificates and `exec` credential plugins) and the in-cluster service account. The
 * result is a {@linkcode ClusterConnection} for the client's transport.
 *
 * @example What a user sees when there is no configuration at all
 * ```ts
 * import { ConfigError, loadConnection } from "./mod.ts";
 * import { strict as assert } from "node:assert";
 *
 * // `loadConnection()` reads the real environment; here it is empty.
 * await assert.rejects(loadConnection({ env: () => undefined }), (err) => {
 *   assert.ok(err instanceof ConfigError);
 *   assert.match(err.message, /^no Kubernetes configuration found; tried KUBECONFIG: not set; /);
 *   return true;
 * });
 * ```
 *
 * @module
 */
export type { ClusterConnection, CredentialSource } from "../connection.ts";
export { ConfigError, type ConfigErrorOptions } from "./errors.ts";
export type { ReadEnv, ReadTextFile } from "./_deno.ts";
export {
  type ExecApiVersion,
  type ExecConfig,
  type Kubeconfig,
  type KubeconfigCluster,
  type KubeconfigContext,
  type KubeconfigOrigin,
  type KubeconfigUser,
  parseKubeconfig,
} from "./kubeconfig.ts";
export { mergeKubeconfigs } from "./merge_kubeconfigs.ts";
export { selectContext, type SelectedContext } from "./select_context.ts";
export {
  basicAuthCredentials,
  bearerTokenCredentials,
  TokenFileCredentials,
  type TokenFileOptions,
} from "./credentials.ts";
export {
  type CommandOutput,
  type CommandRunner,
  type ExecClusterInfo,
  type ExecCredential,
  ExecCredentials,
  type ExecCredentialsOptions,
} from "./exec_credentials.ts";
export {
  inClusterConnection,
  type InClusterOptions,
  inClusterServer,
  SERVICE_ACCOUNT_DIR,
} from "./in_cluster.ts";
export { kubeconfigConnection, type KubeconfigConnectionOptions } from "./kubeconfig_connection.ts";
export { loadConnection, type LoadConnectionOptions } from "./load.ts";
