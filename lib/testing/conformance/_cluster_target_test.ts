// The kubeconfig target, on the fake API server listening on loopback with TLS: the kit
// names the CRDs a cluster lacks, says when the kubeconfig cannot be used, and with
// installCrds runs every case in its own namespace and deletes what it made.
import { strict as assert } from "node:assert";
import { FakeApiServer } from "../apiserver/fake_api_server.ts";
import { certificateTemplate, generateCa, issuerType, signCertificate } from "../../issuer/mod.ts";
import type { ConformanceOptions } from "./conformance_options.ts";
import { runConformanceCases } from "./conformance.ts";

const Broken = issuerType({
  group: "broken.certkit.dev",
  version: "v1",
  kind: "BrokenClusterIssuer",
  plural: "brokenclusterissuers",
  namespaced: false,
});

async function kubeconfigFor(server: FakeApiServer) {
  const listening = await server.listen({ tls: true });
  const path = await Deno.makeTempFile({ prefix: "conformance-kubeconfig-" });
  await Deno.writeTextFile(path, listening.kubeconfig());
  return {
    path,
    url: listening.url,
    async [Symbol.asyncDispose]() {
      await listening.close();
      await Deno.remove(path);
    },
  };
}

function options(target: ConformanceOptions["target"]): ConformanceOptions {
  const ca = generateCa({ commonName: "Kubeconfig target CA", now: Date.now() });
  return {
    issuerTypes: [Broken],
    fieldManager: "broken.certkit.dev",
    check: () => Promise.resolve(),
    sign: async (request, _issuer, ctx) => {
      const { certPem, keyPem } = await ca;
      const template = await certificateTemplate(request.certificateDetails(), ctx.clock.now());
      return await signCertificate(template, { caCertPem: certPem, caKeyPem: keyPem });
    },
    createIssuer: async ({ client, name }) => {
      await client.performRequest({
        method: "POST",
        path: "/apis/broken.certkit.dev/v1/brokenclusterissuers",
        bodyJson: { apiVersion: Broken.apiVersion, kind: Broken.kind, metadata: { name } },
        expectJson: true,
      });
      return { ref: { group: Broken.group, kind: Broken.kind, name } };
    },
    // The fake API server does not implement impersonation, which these cases need.
    unsupported: ["namespacedKubernetesCsr"],
    ...(target ? { target } : {}),
  };
}

Deno.test("a cluster without the CRDs fails the target case, naming each missing CRD", async () => {
  await using server = new FakeApiServer();
  await using kubeconfig = await kubeconfigFor(server);
  const results = await runConformanceCases(options({ kubeconfig: kubeconfig.path }));
  assert.deepEqual(results, [{
    name: "Target: the cluster serves cert-manager's CertificateRequest CRD and the issuer CRDs",
    status: "fail",
    message: `the cluster ${kubeconfig.url} (kubeconfig ${kubeconfig.path}) does not serve ` +
      "certificaterequests.cert-manager.io/v1 (cert-manager's CertificateRequest CRD), " +
      "brokenclusterissuers.broken.certkit.dev/v1 (the BrokenClusterIssuer CRD): install those " +
      "CRDs first, or set target.installCrds to let the kit install them for the run",
  }]);
});

Deno.test("an unknown kubeconfig context fails the target case, saying so", async () => {
  await using server = new FakeApiServer();
  await using kubeconfig = await kubeconfigFor(server);
  const results = await runConformanceCases(
    options({ kubeconfig: kubeconfig.path, context: "nowhere" }),
  );
  assert.equal(results.length, 1);
  assert.match(
    results[0]?.message ?? "",
    new RegExp(`^the kit cannot use the kubeconfig ${kubeconfig.path}: .*nowhere`),
  );
});

Deno.test("with installCrds every case runs on the cluster and the kit deletes what it made", async () => {
  await using server = new FakeApiServer({ namespaces: ["bystander"] });
  await using kubeconfig = await kubeconfigFor(server);
  const results = await runConformanceCases(
    options({ kubeconfig: kubeconfig.path, installCrds: true }),
  );
  assert.equal(results[0]?.status, "pass");
  assert.deepEqual(results.filter((r) => r.status === "fail"), []);
  assert.equal(results.filter((r) => r.status === "pass").length, 40);
  assert.deepEqual(server.list("certificatesigningrequests.certificates.k8s.io", "").length, 0);
  const crds = server.list("customresourcedefinitions.apiextensions.k8s.io", "")
    .filter((c) => (c.metadata as { deletionTimestamp?: string }).deletionTimestamp === undefined);
  assert.deepEqual(crds, []);
  const namespaces = server.list("namespaces", "").map((n) =>
    [(n.metadata as { name: string }).name, (n.status as { phase?: string })?.phase] as const
  );
  assert.ok(namespaces.some(([name, phase]) => name === "bystander" && phase === "Active"));
  for (const [name, phase] of namespaces.filter(([name]) => name.startsWith("conformance-"))) {
    assert.equal(phase, "Terminating", `${name} was not deleted`);
  }
});
