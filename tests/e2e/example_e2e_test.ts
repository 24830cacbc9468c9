/**
 * The example issuer end to end (issue 8) on the standalone fake API server: the fake
 * (`deno task apiserver`) and the example issuer (`deno task example`'s permission flags)
 * run as separate processes, and the test drives them only with the machine's `kubectl`
 * and `openssl`. The scenario itself is `_scenario.ts`, shared with the real-apiserver run
 * in `tests/real/example_e2e_real_test.ts`.
 *
 * Every kubectl invocation gets a fresh `HOME` and `KUBECACHEDIR`. Ignored (with the reason)
 * when kubectl or openssl is not installed.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { type Proc, spawnDeno, taskArgs, terminate } from "../_support/deno_process.ts";
import { runExampleScenario } from "./_scenario.ts";
import {
  checkedKubectl,
  kubeconfigKubectl,
  missingTools,
  REPO,
} from "../_support/kubectl_tools.ts";

const CLUSTER_RESOURCE_NAMESPACE = "e2e-issuer";
const CRD_FILES = [
  "testdata/cert-manager-crds/cert-manager.io_certificaterequests.yaml",
  "examples/simple/deploy/crds/simpleissuers.yaml",
  "examples/simple/deploy/crds/simpleclusterissuers.yaml",
].map((path) => `${REPO}${path}`);

const UNAVAILABLE: string | undefined = await missingTools();

Deno.test({
  name: `the example issuer end to end on the fake API server, driven by kubectl and openssl${
    UNAVAILABLE ? ` — ignored: ${UNAVAILABLE}` : ""
  }`,
  ignore: UNAVAILABLE !== undefined,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "example-e2e-" });
    const kubeconfig = `${dir}/fake.kubeconfig`;
    const admin = checkedKubectl(kubeconfigKubectl(kubeconfig, dir));
    let fake: Proc | undefined;
    try {
      await t.step("start the standalone fake API server (deno task apiserver)", async () => {
        fake = spawnDeno([
          ...await taskArgs("apiserver", "lib/testing/apiserver/main.ts"),
          "--kubeconfig",
          kubeconfig,
          "--quiet",
        ]);
        await fake.out.next((l) => l.includes("listening on https://127.0.0.1:"), '"listening"');
      });

      await t.step("kubectl: the CRDs and the cluster resource namespace", async () => {
        const created = await admin.ok(["create", ...CRD_FILES.flatMap((f) => ["-f", f])]);
        assert.match(created, /certificaterequests\.cert-manager\.io created/);
        assert.match(created, /simpleissuers\.simple\.certkit\.dev created/);
        assert.match(created, /simpleclusterissuers\.simple\.certkit\.dev created/);
        await admin.ok(["wait", "--for=condition=Established", "--timeout=20s", "crd", "--all"]);
        await admin.ok(["create", "namespace", CLUSTER_RESOURCE_NAMESPACE]);
      });

      await runExampleScenario(t, {
        dir,
        admin,
        clusterResourceNamespace: CLUSTER_RESOURCE_NAMESPACE,
        exampleArgs: [
          "--kubeconfig",
          kubeconfig,
          "--cluster-resource-namespace",
          CLUSTER_RESOURCE_NAMESPACE,
          "--health-probe-bind-address",
          "0",
          "--log-format=json",
        ],
      });

      await t.step("SIGTERM stops the fake with exit code 0", async () => {
        const fakeProc = fake!;
        fake = undefined;
        assert.equal(await terminate(fakeProc), 0, fakeProc.err.all.join("\n"));
      });
    } finally {
      if (fake) await terminate(fake);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
