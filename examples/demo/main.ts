/**
 * The demo: the main job of this library on an embedded default, in a few seconds.
 *
 * It starts the in-memory Kubernetes API server in this process, loads cert-manager's
 * CertificateRequest CRD and the example issuer's CRDs, makes a CA Secret, starts the
 * example issuer (`examples/simple`) with `runIssuer`, creates a SimpleIssuer and a
 * CertificateRequest for a freshly generated key, approves it as cert-manager's
 * approver would, and follows both to Ready, printing what happens and a summary of
 * the issued certificate.
 *
 * Run: `npx deno task demo` (add `--keep` to leave the API server running for kubectl).
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { parseArgs } from "node:util";
import { KubeClient } from "../../lib/client/mod.ts";
import { runIssuer } from "../../lib/issuer/mod.ts";
import { generateCa, generateCsr } from "../../lib/issuer/certificate/mod.ts";
import { CERTIFICATE_REQUESTS_CRD, FakeApiServer } from "../../lib/testing/mod.ts";
import type { JsonObject } from "../../lib/core/json.ts";
import { SimpleClusterIssuer, SimpleIssuer } from "../simple/api.ts";
import { simpleSigner } from "../simple/signer.ts";

const NAMESPACE = "demo";
const FIELD_MANAGER = "simple-issuer.certkit.dev";

/** One progress line. */
function step(text: string): void {
  console.log(`• ${text}`);
}

function conditionText(obj: JsonObject | undefined, type: string): string {
  const conditions = (obj?.status as { conditions?: JsonObject[] } | undefined)?.conditions ?? [];
  const c = conditions.find((x) => x.type === type);
  return c ? `${c.status} (${c.reason}): ${c.message}` : "none yet";
}

function isTrue(obj: JsonObject | undefined, type: string): boolean {
  const conditions = (obj?.status as { conditions?: JsonObject[] } | undefined)?.conditions ?? [];
  return conditions.some((x) => x.type === type && x.status === "True");
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: Deno.args, options: { keep: { type: "boolean" } } });
  const started = performance.now();
  const stop = new AbortController();
  await using server = new FakeApiServer({ namespaces: [NAMESPACE] });

  step("started the in-memory Kubernetes API server (kube-apiserver 1.32 behaviour)");
  await server.load(CERTIFICATE_REQUESTS_CRD);
  for (const file of ["simpleissuers.yaml", "simpleclusterissuers.yaml"]) {
    await server.load(
      await Deno.readTextFile(new URL(`../simple/deploy/crds/${file}`, import.meta.url)),
    );
  }
  step(
    "loaded the CRDs: certificaterequests.cert-manager.io, simpleissuers and simpleclusterissuers",
  );

  const ca = await generateCa({ commonName: "certkit demo CA", now: Date.now() });
  await server.load({
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: { name: "demo-ca", namespace: NAMESPACE },
    data: { "tls.crt": btoa(ca.certPem), "tls.key": btoa(ca.keyPem) },
  });
  step(`made a CA and stored it in Secret ${NAMESPACE}/demo-ca`);

  using client = new KubeClient("http://fake.invalid", server.fetch);
  const { check, sign } = simpleSigner({ clusterResourceNamespace: NAMESPACE });
  const running = runIssuer({
    issuerTypes: [SimpleIssuer, SimpleClusterIssuer],
    fieldManager: FIELD_MANAGER,
    check,
    sign,
    client,
    signal: stop.signal,
  });
  step("started the example issuer (runIssuer with the example's check and sign)");

  try {
    await server.load({
      apiVersion: "simple.certkit.dev/v1alpha1",
      kind: "SimpleIssuer",
      metadata: { name: "demo-issuer", namespace: NAMESPACE },
      spec: { secretName: "demo-ca" },
    });
    step("created SimpleIssuer demo/demo-issuer");
    const issuer = await server.waitFor(
      "simpleissuers.simple.certkit.dev",
      NAMESPACE,
      "demo-issuer",
      (o) => isTrue(o, "Ready"),
      { timeoutMs: 30_000 },
    );
    step(`issuer Ready: ${conditionText(issuer, "Ready")}`);

    const key = await generateCsr({
      subject: "CN=demo.example.com",
      dnsNames: ["demo.example.com", "www.demo.example.com"],
    });
    await server.load({
      apiVersion: "cert-manager.io/v1",
      kind: "CertificateRequest",
      metadata: { name: "demo-cert", namespace: NAMESPACE },
      spec: {
        request: btoa(key.csrPem),
        duration: "2160h",
        usages: ["digital signature", "key encipherment", "server auth"],
        issuerRef: { group: "simple.certkit.dev", kind: "SimpleIssuer", name: "demo-issuer" },
      },
    });
    step(
      "created CertificateRequest demo/demo-cert for a fresh ECDSA P-256 key (not approved yet)",
    );

    const before = server.requests.lastSeq;
    const approve = await server.fetch(
      new Request(
        `http://fake.invalid/apis/cert-manager.io/v1/namespaces/${NAMESPACE}/certificaterequests/demo-cert/status?fieldManager=cert-manager-approver&force=true`,
        {
          method: "PATCH",
          headers: { "content-type": "application/apply-patch+yaml" },
          body: JSON.stringify({
            apiVersion: "cert-manager.io/v1",
            kind: "CertificateRequest",
            metadata: { name: "demo-cert", namespace: NAMESPACE },
            status: {
              conditions: [{
                type: "Approved",
                status: "True",
                reason: "demo.certkit.dev",
                message: "Approved by the demo, as cert-manager's approver would",
              }],
            },
          }),
        },
      ),
    );
    await approve.body?.cancel();
    step("approved it (an Approved condition written by another field manager)");

    const request = await server.waitFor(
      "certificaterequests.cert-manager.io",
      NAMESPACE,
      "demo-cert",
      (o) => isTrue(o, "Ready"),
      { timeoutMs: 30_000 },
    );
    step(`request Ready: ${conditionText(request, "Ready")}`);
    stop.abort();
    await running;
    step("stopped the issuer");
    const statusWrites = server.requests.entries({
      verb: "patch",
      resource: "certificaterequests",
      subresource: "status",
    }).filter((r) => r.seq > before && r.fieldManager === FIELD_MANAGER).length;
    step(`the issuer wrote the request's status ${statusWrites} time(s) for this issuance`);
    step(`the approver's condition is still there: Approved ${conditionText(request, "Approved")}`);

    const pem = atob(String((request?.status as JsonObject).certificate));
    const cert = new x509.X509Certificate(pem);
    const sans = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()
      .map((n) => `${n.type}:${n.value}`) ?? [];
    console.log("\nIssued certificate");
    console.log(`  subject   ${cert.subject}`);
    console.log(`  SANs      ${sans.join(", ")}`);
    console.log(`  validity  ${cert.notBefore.toISOString()} → ${cert.notAfter.toISOString()}`);
    console.log(`  issuer    ${cert.issuer}`);
    console.log(`  serial    ${cert.serialNumber}`);
    console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s.`);

    if (values.keep) {
      const listening = await server.listen({ tls: true });
      server.addToken("demo-admin-token", { username: "admin", groups: ["system:masters"] });
      await Deno.mkdir(".cache", { recursive: true });
      await Deno.writeTextFile(
        ".cache/demo.kubeconfig",
        listening.kubeconfig({ token: "demo-admin-token", namespace: NAMESPACE }),
      );
      console.log(`\nThe API server keeps running at ${listening.url}. Try:`);
      console.log(
        "  kubectl --kubeconfig .cache/demo.kubeconfig get simpleissuers,certificaterequests",
      );
      console.log("Press Ctrl-C to stop.");
      await new Promise<void>((resolve) => Deno.addSignalListener("SIGINT", () => resolve()));
    }
  } finally {
    stop.abort();
    await running;
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
