/**
 * The issuer conformance kit on a real kube-apiserver: the example issuer (examples/simple)
 * runs through every case with `target: { kubeconfig }`, its `check` and `sign` in-process
 * behind the library's controllers connected through the admin kubeconfig. The cluster has
 * no controller-manager, so the kit's namespace stays Terminating after the run (it does
 * not wait for it). Also: without `installCrds` the kit names the CRDs the cluster lacks.
 *
 * Runs under `CONFORMANCE_TARGET=real` (`deno task test:real`); ignored otherwise. Without
 * binaries in tests/real/bin it is ignored too, unless REAL_APISERVER_REQUIRED=1 (then it
 * fails and says to run tests/real/build.sh).
 */
import assert from "node:assert/strict";
import { type ConformanceOptions, runConformanceCases } from "../../lib/testing/mod.ts";
import {
  SimpleClusterIssuer,
  SimpleIssuer,
  type SimpleIssuerSpec,
} from "../../examples/simple/api.ts";
import {
  CONFORMANCE_CLUSTER_RESOURCE_NAMESPACE as CLUSTER_RESOURCE_NAMESPACE,
  simpleConformanceOptions,
} from "../../examples/simple/conformance_issuer.ts";
import { adminRequest, startRealCluster } from "./real_cluster.ts";
import { realTest } from "./_real_test.ts";

function options(kubeconfig: string, installCrds: boolean): ConformanceOptions<SimpleIssuerSpec> {
  return simpleConformanceOptions({ kubeconfig, installCrds });
}

realTest(
  "the example issuer passes the conformance kit on a real kube-apiserver",
  async (t) => {
    await using cluster = await startRealCluster();

    await t.step("without the CRDs and without installCrds, the kit names them", async () => {
      const results = await runConformanceCases(options(cluster.kubeconfigPath, false));
      assert.equal(results.length, 1);
      assert.equal(results[0]?.status, "fail");
      assert.equal(
        results[0]?.message,
        `the cluster ${cluster.url} (kubeconfig ${cluster.kubeconfigPath}) does not serve ` +
          "certificaterequests.cert-manager.io/v1 (cert-manager's CertificateRequest CRD), " +
          `simpleissuers.simple.certkit.dev/${SimpleIssuer.version} (the SimpleIssuer CRD), ` +
          `simpleclusterissuers.simple.certkit.dev/${SimpleClusterIssuer.version} ` +
          "(the SimpleClusterIssuer CRD): install " +
          "those CRDs first, or set target.installCrds to let the kit install them for the run",
      );
    });

    // Another tenant's object the kit must tolerate (and leave alone).
    await adminRequest(cluster, "POST", "/api/v1/namespaces", { metadata: { name: "bystander" } });

    await t.step("every case passes, with the CRDs installed by the kit", async () => {
      const started = performance.now();
      const results = await runConformanceCases(options(cluster.kubeconfigPath, true));
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `conformance kit on the real kube-apiserver: ${results.length} cases in ${seconds} s`,
      );
      assert.deepEqual(results.filter((r) => r.status !== "pass"), []);
      assert.equal(results[0]?.name.startsWith("Target: "), true);
      assert.equal(results.length, 43);
    });

    await t.step("the kit deleted what it made and left the rest", async () => {
      const csrs = await adminRequest(
        cluster,
        "GET",
        "/apis/certificates.k8s.io/v1/certificatesigningrequests",
      );
      assert.deepEqual((csrs.body as { items: unknown[] }).items, []);
      const crds = await adminRequest(
        cluster,
        "GET",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      );
      const left =
        (crds.body as { items: { metadata: { name: string; deletionTimestamp?: string } }[] })
          .items.filter((c) => c.metadata.deletionTimestamp === undefined);
      assert.deepEqual(left.map((c) => c.metadata.name), []);
      const roles = await adminRequest(
        cluster,
        "GET",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
      );
      const kitRoles = (roles.body as { items: { metadata: { name: string } }[] }).items
        .filter((r) => r.metadata.name.startsWith("conformance-"));
      assert.deepEqual(kitRoles, []);
      const namespaces = await adminRequest(cluster, "GET", "/api/v1/namespaces");
      const items = (namespaces.body as {
        items: { metadata: { name: string }; status?: { phase?: string } }[];
      }).items;
      const phase = (name: string) => items.find((n) => n.metadata.name === name)?.status?.phase;
      assert.equal(phase("bystander"), "Active");
      for (const ns of items.filter((n) => n.metadata.name.startsWith("conformance-"))) {
        assert.equal(ns.status?.phase, "Terminating", `${ns.metadata.name} was not deleted`);
      }
      assert.equal(phase(CLUSTER_RESOURCE_NAMESPACE), "Terminating");
    });
  },
);
