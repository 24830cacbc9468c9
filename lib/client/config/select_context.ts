/**
 * Choosing the context of a kubeconfig and the cluster and user it names.
 *
 * @module
 */
import { ConfigError } from "./errors.ts";
import type {
  Kubeconfig,
  KubeconfigCluster,
  KubeconfigContext,
  KubeconfigUser,
} from "./kubeconfig.ts";

/** A context with the cluster and user entries it refers to. */
export interface SelectedContext {
  /** The context's name. */
  readonly name: string;
  /** The context entry. */
  readonly context: KubeconfigContext;
  /** The cluster it uses; its `server` is set. */
  readonly cluster: KubeconfigCluster & { readonly server: string };
  /** The user it uses, or `undefined` for anonymous access. */
  readonly user: KubeconfigUser | undefined;
}

/**
 * Selects a context: `name` when given (kubectl's `--context`), else `current-context`.
 *
 * @param config A parsed (possibly merged) kubeconfig.
 * @param name The context to use instead of `current-context`.
 * @returns The context and the cluster and user entries it names.
 * @throws {ConfigError} When no context is chosen, the context does not exist, or it names
 * a cluster or user that does not exist or a cluster without a server, such as
 * `kubeconfig /k: context "x" not found; defined contexts: prod`.
 *
 * @example Overriding current-context
 * ```ts
 * import { parseKubeconfig, selectContext } from "./mod.ts";
 * import { strict as assert } from "node:assert";
 *
 * const config = parseKubeconfig(`
 * clusters:
 * - { name: a, cluster: { server: "https://a:6443" } }
 * - { name: b, cluster: { server: "https://b:6443" } }
 * contexts:
 * - { name: a, context: { cluster: a } }
 * - { name: b, context: { cluster: b, namespace: issuers } }
 * current-context: a
 * `, "/k");
 * assert.equal(selectContext(config).cluster.server, "https://a:6443");
 * assert.equal(selectContext(config, "b").context.namespace, "issuers");
 * assert.throws(() => selectContext(config, "c"), /kubeconfig \/k: context "c" not found/);
 * ```
 */
export function selectContext(config: Kubeconfig, name?: string): SelectedContext {
  const files = config.files.length ? config.files.join(", ") : "(none)";
  const contextName = name || config.currentContext;
  if (!contextName) {
    throw new ConfigError(
      `kubeconfig ${files}: current-context is not set and no context was given`,
    );
  }
  const context = config.contexts.get(contextName);
  if (!context) {
    const known = [...config.contexts.keys()];
    throw new ConfigError(
      `kubeconfig ${files}: context ${JSON.stringify(contextName)} not found; ` +
        (known.length ? `defined contexts: ${known.join(", ")}` : "no contexts are defined"),
    );
  }
  const at = `kubeconfig ${context.file}: context ${JSON.stringify(contextName)}`;
  if (!context.cluster) throw new ConfigError(`${at} has no cluster (${context.field}.cluster)`);
  const cluster = config.clusters.get(context.cluster);
  if (!cluster) {
    throw new ConfigError(
      `${at} refers to cluster ${JSON.stringify(context.cluster)}, which is not defined`,
    );
  }
  if (!cluster.server) {
    throw new ConfigError(
      `kubeconfig ${cluster.file}: cluster ${JSON.stringify(cluster.name)} has no server ` +
        `(${cluster.field}.server)`,
    );
  }
  let user: KubeconfigUser | undefined;
  if (context.user) {
    user = config.users.get(context.user);
    if (!user) {
      throw new ConfigError(
        `${at} refers to user ${JSON.stringify(context.user)}, which is not defined`,
      );
    }
  }
  return { name: contextName, context, cluster: { ...cluster, server: cluster.server }, user };
}
