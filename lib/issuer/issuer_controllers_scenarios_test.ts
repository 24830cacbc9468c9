// The integration scenarios of spec §13.9 (121–125), through the fake API server with real
// informers, queues and controllers. Requests carry a real CSR (the fake and the chain
// check need one) instead of the bytes `doo`.
import { strict as assert } from "node:assert";
import { IssuerError, PermanentError, SetCertificateRequestConditionError } from "./errors.ts";
import type { IssuerType } from "./issuer_type.ts";
import {
  conditionOf,
  readyMessages,
  testClusterIssuer,
  TestEnv,
  testIssuer,
  testPki,
} from "./_test_helpers.ts";

async function initiallyNotFoundAndNotReady(type: IssuerType, namespace: string) {
  const pki = await testPki();
  let signs = 0;
  await using env = await TestEnv.start({
    parts: { issuers: false },
    controllers: {
      fieldManager: "issuer-or-clusterissuer-initially-not-found-and-not-ready",
      maxRetryDurationMs: 60_000,
      sign: () => {
        signs++;
        return Promise.resolve({ chainPem: pki.chainPem });
      },
    },
  });
  using history = env.requestHistory(namespace, "cr-1");
  await env.createCertificateRequest(namespace, "cr-1", {
    group: type.group,
    kind: type.kind,
    name: "issuer-1",
  });
  await env.approve(namespace, "cr-1");
  const notFound = `${type.kind}.testing.cert-manager.io "issuer-1" not found. ` +
    "Waiting for it to be created.";
  const pending = await env.waitForReadyMessage(namespace, "cr-1", notFound);
  assert.equal(conditionOf(pending, "Ready")?.status, "False");
  assert.equal(conditionOf(pending, "Ready")?.reason, "Pending");

  await env.createIssuer(type, namespace, "issuer-1");
  await env.waitForReadyMessage(
    namespace,
    "cr-1",
    "Waiting for issuer to become ready. Current issuer ready condition: <none>.",
  );

  await env.markIssuerReady(type, namespace, "issuer-1");
  const issued = await env.waitForReadyMessage(
    namespace,
    "cr-1",
    "Succeeded signing the CertificateRequest",
  );
  assert.equal(conditionOf(issued, "Ready")?.status, "True");
  assert.equal(conditionOf(issued, "Ready")?.reason, "Issued");
  await env.quiet();
  assert.equal(signs, 1);
  assert.deepEqual(readyMessages(history), [
    notFound,
    "Waiting for issuer to become ready. Current issuer ready condition: <none>.",
    "Succeeded signing the CertificateRequest",
  ]);
}

Deno.test("121. a CR for a TestIssuer that is initially not found and not ready is issued once it is Ready", async () => {
  await initiallyNotFoundAndNotReady(testIssuer, "ns1");
});

Deno.test("122. a CR for a TestClusterIssuer that is initially not found and not ready is issued once it is Ready", async () => {
  await initiallyNotFoundAndNotReady(testClusterIssuer, "ns1");
});

Deno.test("123. a custom condition from sign is written, updated, and the request issued on the third call", async () => {
  const pki = await testPki();
  const calls: string[] = [];
  const setCondition = (message: string) =>
    new SetCertificateRequestConditionError(new Error(message), {
      conditionType: "[condition type]",
      status: "True",
      reason: "[reason]",
    });
  await using env = await TestEnv.start({
    parts: { issuers: false },
    controllers: {
      fieldManager: "cr-set-condition",
      sign: () => {
        calls.push("sign");
        if (calls.length === 1) return Promise.reject(setCondition("[err message1]"));
        if (calls.length === 2) return Promise.reject(setCondition("[err message2]"));
        return Promise.resolve({ chainPem: pki.chainPem });
      },
    },
  });
  using history = env.requestHistory("clusterissuer", "cr-1");
  await env.createCertificateRequest("clusterissuer", "cr-1", {
    group: testClusterIssuer.group,
    kind: testClusterIssuer.kind,
    name: "issuer-1",
  });
  await env.approve("clusterissuer", "cr-1");
  await env.waitForReadyMessage(
    "clusterissuer",
    "cr-1",
    'TestClusterIssuer.testing.cert-manager.io "issuer-1" not found. Waiting for it to be created.',
  );
  await env.createIssuer(testClusterIssuer, "", "issuer-1");
  await env.waitForReadyMessage(
    "clusterissuer",
    "cr-1",
    "Waiting for issuer to become ready. Current issuer ready condition: <none>.",
  );
  await env.markIssuerReady(testClusterIssuer, "", "issuer-1");
  const issued = await env.waitForReadyMessage(
    "clusterissuer",
    "cr-1",
    "Succeeded signing the CertificateRequest",
  );
  await env.quiet();
  assert.equal(calls.length, 3);
  const custom = history.states.map((s) => conditionOf(s, "[condition type]")?.message)
    .filter((m, i, all) => m !== undefined && all[i - 1] !== m);
  assert.deepEqual(custom, ["[err message1]", "[err message2]"]);
  const condition = history.states.map((s) => conditionOf(s, "[condition type]"))
    .find((c) => c !== undefined);
  assert.equal(condition?.status, "True");
  assert.equal(condition?.reason, "[reason]");
  // Server-side apply drops the custom condition with the write that omits it (spec §5.3).
  assert.equal(conditionOf(issued, "[condition type]"), undefined);
  assert.equal(conditionOf(issued, "Ready")?.reason, "Issued");
});

async function failedRequestRetriggersIssuer(permanent: boolean) {
  const pki = await testPki();
  const checks: string[] = [];
  let signs = 0;
  await using env = await TestEnv.start({
    instantRetries: false,
    controllers: {
      fieldManager: "failed-certificate-request-should-retrigger-issuer",
      maxRetryDurationMs: 60_000,
      check: () => {
        checks.push("check");
        return Promise.resolve();
      },
      sign: () => {
        signs++;
        if (signs === 1) {
          const inner = new Error("[error message]");
          return Promise.reject(new IssuerError(permanent ? new PermanentError(inner) : inner));
        }
        return Promise.resolve({ chainPem: pki.chainPem });
      },
    },
  });
  await env.createIssuer(testIssuer, "ns1", "issuer-1");
  const ready = await env.waitForIssuer(
    testIssuer,
    "ns1",
    "issuer-1",
    (i) => conditionOf(i, "Ready")?.status === "True",
  );
  const generation = (ready.metadata as { generation: number }).generation;
  using history = env.requestHistory("ns1", "cr-1");
  await env.createCertificateRequest("ns1", "cr-1", {
    group: testIssuer.group,
    kind: testIssuer.kind,
    name: "issuer-1",
  });
  await env.approve("ns1", "cr-1");
  const outdated =
    "Waiting for issuer to become ready. Current issuer ready condition is outdated.";
  const issuerMessage = permanent
    ? "Failed permanently: [error message]"
    : "Not ready yet: [error message]";
  const reason = permanent ? "Failed" : "Pending";
  const failedIssuer = await env.waitForIssuer(
    testIssuer,
    "ns1",
    "issuer-1",
    (i) => conditionOf(i, "Ready")?.message === issuerMessage,
  );
  assert.equal(conditionOf(failedIssuer, "Ready")?.status, "False");
  assert.equal(conditionOf(failedIssuer, "Ready")?.reason, reason);
  assert.equal(conditionOf(failedIssuer, "Ready")?.observedGeneration, generation);
  const waiting =
    `Waiting for issuer to become ready. Current issuer ready condition is "${reason}": ${issuerMessage}.`;
  await env.waitForReadyMessage("ns1", "cr-1", waiting);
  await env.quiet();
  assert.equal(checks.length, 1, "the reported error is used instead of check");
  if (permanent) {
    await env.clock.advance(60_000);
    await env.quiet();
    assert.equal(checks.length, 1, "no recovery is attempted");
    assert.equal(signs, 1);
    assert.deepEqual(readyMessages(history), [outdated, waiting]);
    return;
  }
  await env.clock.advance(5); // the issuer's back-off
  await env.waitForIssuer(
    testIssuer,
    "ns1",
    "issuer-1",
    (i) => conditionOf(i, "Ready")?.reason === "Checked",
  );
  const issued = await env.waitForReadyMessage(
    "ns1",
    "cr-1",
    "Succeeded signing the CertificateRequest",
  );
  assert.equal(conditionOf(issued, "Ready")?.status, "True");
  assert.equal(checks.length, 2);
  assert.equal(signs, 2);
  assert.deepEqual(readyMessages(history), [
    outdated,
    waiting,
    "Succeeded signing the CertificateRequest",
  ]);
}

Deno.test("124. a failed certificate request re-triggers its issuer, which recovers on the next check", async () => {
  await failedRequestRetriggersIssuer(false);
});

Deno.test("125. a permanent issuer error from sign fails the issuer, with no recovery attempted", async () => {
  await failedRequestRetriggersIssuer(true);
});
