/**
 * The example issuer end to end (issue 8) on a real kube-apiserver, as it is deployed: the
 * cert-manager CertificateRequest CRD and `examples/simple/deploy/` (its CRDs, namespace,
 * ServiceAccount and RBAC — the real files) are applied with kubectl, and the example runs
 * as a separate process with the `example` task's permission flags, leader election on, and
 * a kubeconfig holding only a TokenRequest token of the `simple-issuer` ServiceAccount. So
 * nothing of the example runs as admin, and the scenario passing proves that the deployed
 * RBAC is sufficient. The scenario is the one the fake API server passes
 * (`tests/e2e/_scenario.ts`); the test, as admin, plays the user and cert-manager's approver.
 *
 * Skipped when tests/real/bin has no binaries (or kubectl/openssl is missing), unless
 * REAL_APISERVER_REQUIRED=1 (then it fails and says to run tests/real/build.sh).
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { runExampleScenario } from "../e2e/_scenario.ts";
import { checkedKubectl } from "../_support/kubectl_tools.ts";
import {
  adminKubectl,
  DEPLOY_NAMESPACE,
  exampleArgs,
  IGNORE_NOTE,
  installExample,
  ISSUER_SA,
  issuerKubeconfig,
  LEASE,
  requireTools,
} from "./_example_cluster.ts";
import { kubectl, startRealCluster } from "./real_cluster.ts";

Deno.test({
  name: "the example issuer end to end on a real kube-apiserver, as its ServiceAccount " +
    `under deploy/rbac.yaml${IGNORE_NOTE}`,
  ignore: IGNORE_NOTE !== "",
  async fn(t) {
    requireTools();
    await using cluster = await startRealCluster();
    const admin = adminKubectl(cluster);
    const dir = await Deno.makeTempDir({ dir: cluster.dir, prefix: "example-e2e-" });
    let kubeconfig = "";

    await t.step(
      "kubectl apply: the CertificateRequest CRD and examples/simple/deploy/",
      async () => {
        const out = await installExample(admin);
        for (
          const made of [
            "customresourcedefinition.apiextensions.k8s.io/certificaterequests.cert-manager.io",
            "customresourcedefinition.apiextensions.k8s.io/simpleissuers.simple.certkit.dev",
            "namespace/simple-issuer",
            "serviceaccount/simple-issuer",
            "clusterrole.rbac.authorization.k8s.io/simple-issuer",
            "role.rbac.authorization.k8s.io/simple-issuer-leader-election",
          ]
        ) {
          assert.match(out, new RegExp(`^${made.replaceAll(".", "\\.")} created$`, "m"), out);
        }
      },
    );

    await t.step(
      "the example's kubeconfig: a TokenRequest token of its ServiceAccount",
      async () => {
        kubeconfig = await issuerKubeconfig(cluster, dir);
        const asIssuer = checkedKubectl((args) =>
          kubectl({ kubeconfigPath: kubeconfig, dir: cluster.dir }, args)
        );
        assert.equal(
          await asIssuer.ok(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]),
          ISSUER_SA,
        );
        // Not an admin: it may not even list Secrets.
        const secrets = await asIssuer.run(["auth", "can-i", "list", "secrets", "-A"]);
        assert.equal(secrets.stdout.trim(), "no", secrets.stderr);
      },
    );

    const lines = await runExampleScenario(t, {
      dir,
      admin,
      clusterResourceNamespace: DEPLOY_NAMESPACE,
      exampleArgs: exampleArgs(kubeconfig),
    });

    await t.step("it led through its Lease, released on stop, and was never refused", async () => {
      const lease = JSON.parse(
        await admin.ok(["get", "lease", LEASE, "-n", DEPLOY_NAMESPACE, "-o", "json"]),
      );
      assert.ok(lease.spec.acquireTime, JSON.stringify(lease));
      assert.equal(lease.spec.holderIdentity ?? "", "", JSON.stringify(lease));
      const refused = lines.filter((l) => /forbidden|Forbidden|403/.test(l));
      assert.deepEqual(refused, []);
    });
  },
});
