import { strict as assert } from "node:assert";
import { KubeClient } from "../client/kube_client.ts";
import { CERTIFICATE_REQUESTS_CRD, FakeApiServer, FakeClock } from "../testing/mod.ts";
import { runIssuer } from "./run_issuer.ts";
import { conditionOf, issuerCrd, testIssuer, testPki } from "./_test_helpers.ts";
import { IssuerControllers } from "./issuer_controllers.ts";

Deno.test("runIssuer refuses to start with both request kinds disabled, before connecting", async () => {
  await assert.rejects(
    runIssuer({
      issuerTypes: [testIssuer],
      fieldManager: "ca.example.com",
      check: () => Promise.resolve(),
      sign: () => Promise.reject(new Error("unused")),
      disableCertificateRequests: true,
      disableCertificateSigningRequests: true,
      signal: new AbortController().signal,
      connection: { server: "http://unreachable.invalid", namespace: "default" },
    }),
    {
      message:
        "both CertificateRequest and Kubernetes CSR controllers are disabled, must enable at least one",
    },
  );
});

Deno.test("runIssuer and IssuerControllers refuse invalid options with what was wrong", () => {
  const base = {
    issuerTypes: [testIssuer],
    fieldManager: "ca.example.com",
    check: () => Promise.resolve(),
    sign: () => Promise.reject(new Error("unused")),
  };
  assert.throws(() => new IssuerControllers({ ...base, fieldManager: "" }), {
    name: "TypeError",
    message: 'IssuerControllers: fieldManager must be a non-empty string, got ""',
  });
  assert.throws(() => new IssuerControllers({ ...base, issuerTypes: [testIssuer, testIssuer] }), {
    name: "TypeError",
    message:
      "IssuerControllers: the issuer type testing.cert-manager.io/api, Kind=TestIssuer is listed twice",
  });
  assert.throws(() => new IssuerControllers({ ...base, maxRetryDurationMs: -1 }), {
    name: "RangeError",
    message:
      "IssuerControllers: maxRetryDurationMs must be a finite number of milliseconds >= 0, got -1",
  });
});

Deno.test("runIssuer issues a certificate, with leader election, events and probes, and stops on abort", async () => {
  const pki = await testPki();
  const clock = new FakeClock(Date.UTC(2024, 0, 1));
  await using server = new FakeApiServer({
    clock,
    crds: [CERTIFICATE_REQUESTS_CRD, issuerCrd(testIssuer)],
    namespaces: ["ns1", "issuer-system"],
  });
  using client = new KubeClient("http://fake", server.fetch, {
    clock,
    timeoutMs: 0,
    defaultNamespace: "issuer-system",
  });
  const stop = new AbortController();
  const running = runIssuer({
    issuerTypes: [testIssuer],
    fieldManager: "ca.example.com",
    check: () => Promise.resolve(),
    sign: () => Promise.resolve({ chainPem: pki.chainPem }),
    disableCertificateSigningRequests: true,
    client,
    clock,
    signal: stop.signal,
    leaderElection: { identity: "replica-a" },
    healthProbeAddress: "127.0.0.1:0",
    metricsAddress: "127.0.0.1:0",
  });
  await server.load({
    apiVersion: testIssuer.apiVersion,
    kind: testIssuer.kind,
    metadata: { name: "issuer-1", namespace: "ns1" },
    spec: {},
  });
  await server.waitFor(
    "testissuers.testing.cert-manager.io",
    "ns1",
    "issuer-1",
    (i) => conditionOf(i, "Ready")?.status === "True",
    { timeoutMs: 10_000 },
  );
  await server.load({
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name: "cr-1", namespace: "ns1" },
    spec: {
      issuerRef: { group: testIssuer.group, kind: testIssuer.kind, name: "issuer-1" },
      request: btoa(pki.csrPem),
    },
  });
  await client.performRequest({
    method: "PATCH",
    path: "/apis/cert-manager.io/v1/namespaces/ns1/certificaterequests/cr-1/status",
    querystring: new URLSearchParams({ fieldManager: "approver" }),
    contentType: "application/merge-patch+json",
    bodyJson: {
      status: { conditions: [{ type: "Approved", status: "True", reason: "ok", message: "ok" }] },
    },
    expectJson: true,
  });
  await server.waitFor(
    "certificaterequests.cert-manager.io",
    "ns1",
    "cr-1",
    (cr) => conditionOf(cr, "Ready")?.status === "True",
    { timeoutMs: 10_000 },
  );
  const lease = server.get(
    "leases.coordination.k8s.io",
    "issuer-system",
    "ca.example.com-leader-election",
  );
  assert.equal((lease?.spec as { holderIdentity?: string }).holderIdentity, "replica-a");
  stop.abort();
  await running;
  const events = server.list("events.events.k8s.io", "ns1").map((e) => `${e.reason}`);
  assert.ok(events.includes("Issued"), `the queued events were written before stopping: ${events}`);
  const released = server.get(
    "leases.coordination.k8s.io",
    "issuer-system",
    "ca.example.com-leader-election",
  );
  assert.equal(
    (released?.spec as { holderIdentity?: string }).holderIdentity,
    "",
    "the lease is released",
  );
});
