import { strict as assert } from "node:assert";
import { KubeClient } from "../client/kube_client.ts";
import type { KubeObject } from "../client/object.ts";
import { libraryLogger } from "../runtime/logging.ts";
import { Registry } from "../runtime/registry.ts";
import { isTerminalError } from "../runtime/reconciler.ts";
import { CERTIFICATE_REQUESTS_CRD, FakeApiServer, FakeClock } from "../testing/mod.ts";
import { FakeEventRecorder } from "../testing/fake_event_recorder.ts";
import { IssuerError, PermanentError } from "./errors.ts";
import type { IssuanceRequest } from "./issuance_request.ts";
import type { SignFunction } from "./issuer_functions.ts";
import { issuerMetrics } from "./issuer_metrics.ts";
import type { IssuerObject } from "./issuer_type.ts";
import { ReportedErrors } from "./reported_errors.ts";
import { RequestReconciler } from "./request_reconciler.ts";
import { certificateRequestTransform } from "./_request_cache.ts";
import { CERTIFICATE_REQUESTS } from "./_resources.ts";
import { ResourceClient } from "../client/resource_client.ts";
import { issuerCrd, testIssuer, testPki } from "./_test_helpers.ts";

const START = Date.UTC(2024, 0, 1);

async function setup(sign: SignFunction, options: { consumer?: boolean } = {}) {
  const pki = await testPki();
  const clock = new FakeClock(START);
  const server = new FakeApiServer({
    clock,
    crds: [CERTIFICATE_REQUESTS_CRD, issuerCrd(testIssuer)],
    namespaces: ["ns1"],
  });
  const client = new KubeClient("http://fake", server.fetch, { clock, timeoutMs: 0, retry: false });
  await server.load({
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name: "cr-1", namespace: "ns1" },
    spec: {
      issuerRef: { group: testIssuer.group, kind: testIssuer.kind, name: "issuer-1" },
      request: btoa(pki.csrPem),
    },
  });
  const cr = await new ResourceClient(client, CERTIFICATE_REQUESTS).applyStatus({
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name: "cr-1", namespace: "ns1" },
    status: {
      conditions: [{
        type: "Approved",
        status: "True",
        reason: "ok",
        message: "ok",
        lastTransitionTime: "2024-01-01T00:00:00Z",
      }],
    },
  }, { fieldManager: "approver", force: true });
  const issuer: IssuerObject = {
    apiVersion: testIssuer.apiVersion,
    kind: testIssuer.kind,
    metadata: { name: "issuer-1", namespace: "ns1", generation: 1 },
    status: {
      conditions: [{
        type: "Ready",
        status: "True",
        reason: "Checked",
        message: "ok",
        observedGeneration: 1,
        lastTransitionTime: "2024-01-01T00:00:00Z",
      }],
    },
  };
  const reportedErrors = new ReportedErrors();
  const reported: string[] = [];
  if (options.consumer !== false) {
    reportedErrors.register(testIssuer, (key) => reported.push(`${key.namespace}/${key.name}`));
  }
  const recorder = new FakeEventRecorder();
  let cached: KubeObject | undefined = certificateRequestTransform(cr as never);
  const reconciler = new RequestReconciler({
    kind: "CertificateRequest",
    requests: { get: () => cached },
    issuers: () => ({ get: () => issuer }),
    client,
    decision: { fieldManager: "ca.example.com", issuerTypes: [testIssuer] },
    sign,
    reportedErrors,
    recorder,
    metrics: issuerMetrics(new Registry()),
  });
  const ctx = { signal: new AbortController().signal, log: libraryLogger("test"), clock };
  return {
    pki,
    server,
    client,
    reconciler,
    recorder,
    reported,
    ctx,
    setCached: (object: KubeObject | undefined) => cached = object,
    writes: () =>
      server.requests.entries({ verb: "patch" }).filter((r) => r.fieldManager === "ca.example.com")
        .length,
    async [Symbol.asyncDispose]() {
      client.close();
      await server.close();
    },
  };
}

Deno.test("a reconcile on a stale cache after its own write does not sign again", async () => {
  let signs = 0;
  const pki = await testPki();
  await using t = await setup(() => {
    signs++;
    return Promise.resolve({ chainPem: pki.chainPem });
  });
  assert.deepEqual(await t.reconciler.reconcile("ns1/cr-1", t.ctx), {});
  // The cache still holds the approved, unsigned request: the write's answer is newer.
  assert.deepEqual(await t.reconciler.reconcile("ns1/cr-1", t.ctx), {});
  assert.equal(signs, 1);
  assert.equal(t.writes(), 1);
  // Once the cache has caught up, the overlay is dropped.
  const current = t.server.get("certificaterequests.cert-manager.io", "ns1", "cr-1");
  const caughtUp = certificateRequestTransform(current as never);
  t.setCached(caughtUp);
  t.reconciler.observe("ns1/cr-1", caughtUp);
  assert.deepEqual(await t.reconciler.reconcile("ns1/cr-1", t.ctx), {});
  assert.equal(signs, 1);
});

Deno.test("a request whose cached copy lost its bulky fields is read in full before signing", async () => {
  let seen: IssuanceRequest | undefined;
  const pki = await testPki();
  await using t = await setup((request) => {
    seen = request;
    return Promise.resolve({ chainPem: pki.chainPem });
  });
  // A cached copy trimmed as final, that nevertheless passes the gates (its Ready condition
  // was removed after trimming): the decision goes on, so the full object is read.
  const full = t.server.get("certificaterequests.cert-manager.io", "ns1", "cr-1") as never as {
    status: { conditions: unknown[]; certificate?: string };
  };
  const final = structuredClone(full);
  final.status.conditions.push({ type: "Ready", status: "True", reason: "Issued" });
  final.status.certificate = btoa(pki.chainPem);
  const trimmed = certificateRequestTransform(final as never);
  trimmed.status!.conditions = trimmed.status!.conditions!.filter((c) => c.type !== "Ready");
  t.setCached(trimmed);
  const gets = () => t.server.requests.count({ verb: "get", resource: "certificaterequests" });
  assert.deepEqual(await t.reconciler.reconcile("ns1/cr-1", t.ctx), {});
  assert.equal(gets(), 1);
  assert.equal(seen?.csrPem, pki.csrPem, "sign saw the real CSR, not a placeholder");
});

Deno.test("an issuer error that cannot be reported backs off and writes nothing", async () => {
  await using t = await setup(
    () => Promise.reject(new IssuerError(new Error("CA down"))),
    { consumer: false },
  );
  await assert.rejects(
    t.reconciler.reconcile("ns1/cr-1", t.ctx),
    (e: Error) => {
      assert.equal(
        e.message,
        "unexpected ReportError error: consumer for testing.cert-manager.io/api, Kind=TestIssuer does not exist",
      );
      assert.ok(!isTerminalError(e));
      return true;
    },
  );
  assert.equal(t.writes(), 0);
});

Deno.test("an issuer error is reported to the issuer's consumer before the write", async () => {
  await using t = await setup(() => Promise.reject(new IssuerError(new Error("CA down"))));
  assert.deepEqual(await t.reconciler.reconcile("ns1/cr-1", t.ctx), {});
  assert.deepEqual(t.reported, ["ns1/issuer-1"]);
});

Deno.test("a permanent failure whose write fails is retried, not terminal (difference 6)", async () => {
  await using t = await setup(() => Promise.reject(new PermanentError("no")));
  t.server.faults.add({
    match: { verb: "patch", resource: "certificaterequests", subresource: "status" },
    fail: { code: 403, message: "forbidden for now" },
  });
  await assert.rejects(t.reconciler.reconcile("ns1/cr-1", t.ctx), (e: Error) => {
    assert.ok(!isTerminalError(e), "retried until persisted");
    assert.match(e.message, /forbidden for now; no/);
    return true;
  });
  assert.deepEqual(t.recorder.events, [], "no event for a state that was not written");
  await assert.rejects(t.reconciler.reconcile("ns1/cr-1", t.ctx), isTerminalError);
  assert.deepEqual(t.recorder.events, [
    "Warning PermanentError Failed permanently to sign CertificateRequest: no",
  ]);
});

Deno.test("a hook that throws backs off with the spec's message", async () => {
  await using t = await setup(() => Promise.reject(new Error("not called")));
  const reconciler = new RequestReconciler({
    kind: "CertificateRequest",
    requests: {
      get: () => t.server.get("certificaterequests.cert-manager.io", "ns1", "cr-1") as never,
    },
    issuers: () => ({ get: () => undefined }),
    client: t.client,
    decision: { fieldManager: "ca.example.com", issuerTypes: [testIssuer] },
    sign: () => Promise.reject(new Error("not called")),
    ignoreCertificateRequest: () => Promise.reject(new Error("shard map unavailable")),
    reportedErrors: new ReportedErrors(),
    recorder: new FakeEventRecorder(),
    metrics: issuerMetrics(new Registry()),
  });
  await assert.rejects(
    reconciler.reconcile("ns1/cr-1", t.ctx),
    /^Error: failed to check if Request should be ignored: shard map unavailable$/,
  );
});
