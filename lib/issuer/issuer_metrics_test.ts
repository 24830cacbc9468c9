import { strict as assert } from "node:assert";
import { Registry } from "../runtime/registry.ts";
import { issuerMetrics } from "./issuer_metrics.ts";
import { PendingError } from "./errors.ts";
import { conditionOf, TestEnv, testIssuer, testPki } from "./_test_helpers.ts";

Deno.test("issuerMetrics registers its families once per registry", () => {
  const registry = new Registry();
  const a = issuerMetrics(registry);
  const b = issuerMetrics(registry);
  assert.equal(a.issuerReady, b.issuerReady);
  assert.equal(a.signDuration, b.signDuration);
});

Deno.test("the controllers report readiness per issuer, check and sign outcomes, and sign latency", async () => {
  const pki = await testPki();
  let signs = 0;
  await using env = await TestEnv.start({
    controllers: {
      sign: async (_request, _issuer, ctx) => {
        signs++;
        if (signs === 1) throw new PendingError("queued", { requeueAfterMs: 1000 });
        await ctx.clock.sleep(250, ctx.signal);
        return { chainPem: pki.chainPem };
      },
    },
  });
  await env.createIssuer(testIssuer, "ns1", "issuer-1");
  await env.waitForIssuer(
    testIssuer,
    "ns1",
    "issuer-1",
    (i) => conditionOf(i, "Ready")?.status === "True",
  );
  await env.createCertificateRequest("ns1", "cr-1", {
    group: testIssuer.group,
    kind: testIssuer.kind,
    name: "issuer-1",
  });
  await env.approve("ns1", "cr-1");
  await env.waitForReadyMessage("ns1", "cr-1", "Signing still in progress. Reason: queued");
  await env.clock.advance(1000);
  await env.quiet();
  await env.clock.advance(250);
  await env.waitForReadyMessage("ns1", "cr-1", "Succeeded signing the CertificateRequest");
  await env.quiet();
  const text = env.manager.registry.expose();
  const line = (prefix: string) => text.split("\n").find((l) => l.startsWith(prefix));
  const series = 'group="testing.cert-manager.io",kind="TestIssuer"';
  const cr = `${series},request_kind="CertificateRequest"`;
  assert.equal(
    line(`certkit_issuer_ready{${series},name="issuer-1",namespace="ns1"}`),
    `certkit_issuer_ready{${series},name="issuer-1",namespace="ns1"} 1`,
  );
  assert.equal(
    line(`certkit_issuer_checks_total{${series},outcome="success"}`)?.split(" ")[1],
    "1",
  );
  assert.equal(
    line(
      `certkit_issuer_signs_total{${series},outcome="pending",request_kind="CertificateRequest"}`,
    )?.split(" ")[1],
    "1",
  );
  assert.equal(
    line(
      `certkit_issuer_signs_total{${series},outcome="success",request_kind="CertificateRequest"}`,
    )?.split(" ")[1],
    "1",
  );
  assert.equal(line(`certkit_issuer_sign_duration_seconds_count{${cr}}`)?.split(" ")[1], "2");
  assert.equal(line(`certkit_issuer_sign_duration_seconds_sum{${cr}}`)?.split(" ")[1], "0.25");
});
