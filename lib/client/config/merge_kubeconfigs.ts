/**
 * Merging kubeconfig files the way client-go does for `KUBECONFIG=a:b`.
 *
 * @module
 */
import type {
  Kubeconfig,
  KubeconfigCluster,
  KubeconfigContext,
  KubeconfigUser,
} from "./kubeconfig.ts";

/**
 * Merges kubeconfigs in precedence order, as client-go merges the files of
 * `KUBECONFIG=a:b`: for each cluster, user and context name the first file that defines
 * it wins (entries are not merged field by field), and `current-context` comes from the
 * first file that sets it. Relative paths stay resolved against the file that named them.
 *
 * @param configs Parsed files, highest precedence first.
 * @returns One kubeconfig whose `files` lists every input's files in order.
 *
 * @example Two files, the first one winning
 * ```ts
 * import { mergeKubeconfigs, parseKubeconfig } from "./mod.ts";
 * import { strict as assert } from "node:assert";
 *
 * const mine = parseKubeconfig(`
 * users: [{ name: admin, user: { token: mine } }]
 * `, "/home/me/.kube/mine");
 * const team = parseKubeconfig(`
 * clusters: [{ name: prod, cluster: { server: "https://prod:6443" } }]
 * users: [{ name: admin, user: { token: team } }]
 * contexts: [{ name: prod, context: { cluster: prod, user: admin } }]
 * current-context: prod
 * `, "/home/me/.kube/team");
 * const merged = mergeKubeconfigs([mine, team]);
 * assert.equal(merged.users.get("admin")?.token, "mine");
 * assert.equal(merged.currentContext, "prod");
 * assert.deepEqual(merged.files, ["/home/me/.kube/mine", "/home/me/.kube/team"]);
 * ```
 */
export function mergeKubeconfigs(configs: readonly Kubeconfig[]): Kubeconfig {
  const clusters = new Map<string, KubeconfigCluster>();
  const users = new Map<string, KubeconfigUser>();
  const contexts = new Map<string, KubeconfigContext>();
  let currentContext: string | undefined;
  for (const config of configs) {
    for (const [name, entry] of config.clusters) if (!clusters.has(name)) clusters.set(name, entry);
    for (const [name, entry] of config.users) if (!users.has(name)) users.set(name, entry);
    for (const [name, entry] of config.contexts) if (!contexts.has(name)) contexts.set(name, entry);
    currentContext ??= config.currentContext;
  }
  return {
    files: configs.flatMap((c) => c.files),
    clusters,
    users,
    contexts,
    currentContext,
  };
}
