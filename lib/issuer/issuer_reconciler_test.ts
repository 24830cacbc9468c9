import { strict as assert } from "node:assert";
import { KubeClient } from "../client/kube_client.ts";
import { libraryLogger } from "../runtime/logging.ts";
import { Registry } from "../runtime/registry.ts";
import { FakeApiServer, FakeClock } from "../testing/mod.ts";
import { FakeEventRecorder } from "../testing/fake_event_recorder.ts";
import { issuerMetrics } from "./issuer_metrics.ts";
import type { IssuerObject } from "./issuer_type.ts";
import { IssuerReconciler } from "./issuer_reconciler.ts";
import { ReportedErrors } from "./reported_errors.ts";
import { issuerCrd, testIssuer } from "./_test_helpers.ts";

function setup(issuer: IssuerObject | undefined, ignore?: () => Promise<boolean>) {
  const clock = new FakeClock(Date.UTC(2024, 0, 1));
  const server = new FakeApiServer({ clock, crds: [issuerCrd(testIssuer)], namespaces: ["ns1"] });
  const client = new KubeClient("http://fake", server.fetch, { clock, timeoutMs: 0, retry: false });
  const reportedErrors = new ReportedErrors();
  reportedErrors.register(testIssuer, () => {});
  const registry = new Registry();
  const reconciler = new IssuerReconciler({
    type: testIssuer,
    issuers: { get: () => issuer },
    client,
    decision: { fieldManager: "ca.example.com" },
    check: () => Promise.resolve(),
    ...(ignore ? { ignoreIssuer: ignore } : {}),
    reportedErrors,
    recorder: new FakeEventRecorder(),
    metrics: issuerMetrics(registry),
  });
  const ctx = { signal: new AbortController().signal, log: libraryLogger("test"), clock };
  return {
    reconciler,
    reportedErrors,
    registry,
    ctx,
    async [Symbol.asyncDispose]() {
      client.close();
      await server.close();
    },
  };
}

const key = { namespace: "ns1", name: "issuer-1" };

Deno.test("the reported error is taken first, even when the issuer is gone", async () => {
  await using t = setup(undefined);
  t.reportedErrors.report(testIssuer, key, new Error("CA down"));
  assert.deepEqual(await t.reconciler.reconcile("ns1/issuer-1", t.ctx), {});
  assert.equal(t.reportedErrors.take(testIssuer, key), undefined);
});

Deno.test("an ignoreIssuer hook that throws backs off with the spec's message", async () => {
  await using t = setup(
    { metadata: { name: "issuer-1", namespace: "ns1" } },
    () => Promise.reject(new Error("no shard map")),
  );
  await assert.rejects(
    t.reconciler.reconcile("ns1/issuer-1", t.ctx),
    { message: "failed to check if issuer should be ignored: no shard map" },
  );
});

Deno.test("a deleted issuer's readiness series is removed", async () => {
  await using t = setup(undefined);
  issuerMetrics(t.registry).issuerReady.labels(testIssuer.group, testIssuer.kind, "ns1", "issuer-1")
    .set(1);
  await t.reconciler.reconcile("ns1/issuer-1", t.ctx);
  assert.doesNotMatch(t.registry.expose(), /certkit_issuer_ready\{/);
});
