import { strict as assert } from "node:assert";
import { ConfigError, mergeKubeconfigs, parseKubeconfig, selectContext } from "./mod.ts";

const config = parseKubeconfig(
  `
clusters:
- { name: c, cluster: { server: "https://c" } }
- { name: serverless, cluster: { tls-server-name: x } }
users:
- { name: u, user: { token: t } }
contexts:
- { name: main, context: { cluster: c, user: u, namespace: ns } }
- { name: anonymous, context: { cluster: c } }
- { name: no-cluster, context: { user: u } }
- { name: lost-cluster, context: { cluster: gone, user: u } }
- { name: lost-user, context: { cluster: c, user: gone } }
- { name: no-server, context: { cluster: serverless } }
current-context: main
`,
  "/k",
);

function fails(name: string | undefined, message: string, from = config): void {
  assert.throws(() => selectContext(from, name), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, message);
    return true;
  });
}

Deno.test("selectContext uses current-context unless a context is given", () => {
  const current = selectContext(config);
  assert.equal(current.name, "main");
  assert.equal(current.cluster.server, "https://c");
  assert.equal(current.user?.name, "u");
  assert.equal(current.context.namespace, "ns");
  const anonymous = selectContext(config, "anonymous");
  assert.equal(anonymous.name, "anonymous");
  assert.equal(anonymous.user, undefined);
});

Deno.test("selectContext errors name the file, the entry and the field", () => {
  fails(
    "nope",
    'kubeconfig /k: context "nope" not found; defined contexts: main, anonymous, no-cluster, ' +
      "lost-cluster, lost-user, no-server",
  );
  fails(
    "no-cluster",
    'kubeconfig /k: context "no-cluster" has no cluster (contexts[2].context.cluster)',
  );
  fails(
    "lost-cluster",
    'kubeconfig /k: context "lost-cluster" refers to cluster "gone", which is not defined',
  );
  fails(
    "lost-user",
    'kubeconfig /k: context "lost-user" refers to user "gone", which is not defined',
  );
  fails(
    "no-server",
    'kubeconfig /k: cluster "serverless" has no server (clusters[1].cluster.server)',
  );
});

Deno.test("selectContext without a context to use", () => {
  const empty = parseKubeconfig("clusters: []\n", "/e");
  fails(undefined, "kubeconfig /e: current-context is not set and no context was given", empty);
  fails("x", 'kubeconfig /e: context "x" not found; no contexts are defined', empty);
  const merged = mergeKubeconfigs([empty, parseKubeconfig("", "/f")]);
  fails("x", 'kubeconfig /e, /f: context "x" not found; no contexts are defined', merged);
});
