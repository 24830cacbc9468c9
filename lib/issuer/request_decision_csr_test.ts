// The Kubernetes CertificateSigningRequest scenarios of spec §13.4, one test each, run
// through the three pure phases. Scenarios our deliberate differences change say so.
import { strict as assert } from "node:assert";
import { PendingError, PermanentError, SetCertificateRequestConditionError } from "./errors.ts";
import {
  approvedCSR,
  at,
  CLUSTER_SIGNER,
  csr1,
  fail,
  issuer,
  minutes,
  outcomeOf,
  PEM_CHAIN_B64,
  rendered,
  resultOf,
  runRequest,
  signed,
  T1,
  T2,
  T2ms,
} from "./_test_fixtures.ts";

const created2mAgo = at(T2ms - minutes(2));
const setCondition = (inner: unknown) =>
  new SetCertificateRequestConditionError(inner, {
    conditionType: "[condition type]",
    status: "True",
    reason: "[reason]",
  });
const custom = (message: string, transition: string, update = T2) => ({
  type: "[condition type]",
  status: "True" as const,
  reason: "[reason]",
  message,
  lastUpdateTime: update,
  lastTransitionTime: transition,
});
const failed = (message: string) => ({
  type: "Failed",
  status: "True" as const,
  reason: "Failed",
  message,
  lastUpdateTime: T2,
  lastTransitionTime: T2,
});
const cluster = (change: Parameters<typeof csr1>[0] = {}) =>
  csr1({ signerName: CLUSTER_SIGNER, ...change });

Deno.test("13.4.46 no CSR → no effect", () => assert.equal(runRequest(undefined).phase, "ignore"));

Deno.test("13.4.47 no conditions → no effect (fixture signer and a cluster signer)", () => {
  assert.equal(runRequest(csr1({ conditions: [] })).phase, "ignore");
  assert.equal(runRequest(cluster({ conditions: [] })).phase, "ignore");
});

Deno.test("13.4.48 signer of an unknown group → no effect", () => {
  assert.equal(
    runRequest(csr1({ signerName: "testclusterissuers.unknown-group/name" })).phase,
    "ignore",
  );
});

Deno.test("13.4.49 signer of an unknown kind → no effect", () => {
  assert.equal(
    runRequest(csr1({ signerName: "unknown-kind.testing.cert-manager.io/name" })).phase,
    "ignore",
  );
});

Deno.test("13.4.50 status.certificate set → no effect (fixture signer and a cluster signer)", () => {
  assert.equal(runRequest(csr1({ certificate: "certificate" })).phase, "ignore");
  assert.equal(runRequest(cluster({ certificate: "certificate" })).phase, "ignore");
});

Deno.test("13.4.51 Failed=True → no effect (fixture signer and a cluster signer)", () => {
  const f = { type: "Failed", status: "True" as const };
  assert.equal(runRequest(csr1({ conditions: [approvedCSR, f] })).phase, "ignore");
  assert.equal(runRequest(cluster({ conditions: [approvedCSR, f] })).phase, "ignore");
});

Deno.test("13.4.52 Denied=True → no effect (fixture signer and a cluster signer)", () => {
  const d = { type: "Denied", status: "True" as const };
  assert.equal(runRequest(csr1({ conditions: [approvedCSR, d] })).phase, "ignore");
  assert.equal(runRequest(cluster({ conditions: [d] })).phase, "ignore");
});

Deno.test("13.4.53 (difference #2: the empty patch is not sent; Kind form of not-found) no cluster issuer → event only", () => {
  const out = outcomeOf(runRequest(cluster(), { issuer: { kind: "notFound" } }));
  assert.equal(out.patch, undefined);
  assert.deepEqual(rendered(out.events), [
    'Normal WaitingForIssuerExist TestClusterIssuer.testing.cert-manager.io "cluster-issuer-1" not found. Waiting for it to be created.',
  ]);
  assert.deepEqual(resultOf(out), {});
});

Deno.test("13.4.54 (difference #2) issuer without conditions → event only", () => {
  const out = outcomeOf(
    runRequest(cluster(), {
      issuer: { kind: "found", issuer: issuer({ cluster: true, conditions: [] }) },
    }),
  );
  assert.equal(out.patch, undefined);
  assert.deepEqual(rendered(out.events), [
    "Normal WaitingForIssuerReady Waiting for issuer to become ready. Current issuer ready condition: <none>.",
  ]);
});

Deno.test("13.4.55 (difference #2) issuer Ready False → event quoting it", () => {
  const notReady = {
    type: "Ready",
    status: "False" as const,
    reason: "[REASON]",
    message: "[MESSAGE]",
    observedGeneration: 70,
    lastTransitionTime: T1,
  };
  const out = outcomeOf(
    runRequest(cluster(), {
      issuer: { kind: "found", issuer: issuer({ cluster: true, conditions: [notReady] }) },
    }),
  );
  assert.equal(out.patch, undefined);
  assert.deepEqual(rendered(out.events), [
    'Normal WaitingForIssuerReady Waiting for issuer to become ready. Current issuer ready condition is "[REASON]": [MESSAGE].',
  ]);
});

Deno.test("13.4.56 (difference #2) issuer generation 71 → outdated event", () => {
  const out = outcomeOf(
    runRequest(cluster(), {
      issuer: { kind: "found", issuer: issuer({ cluster: true, generation: 71 }) },
    }),
  );
  assert.equal(out.patch, undefined);
  assert.deepEqual(rendered(out.events), [
    "Normal WaitingForIssuerReady Waiting for issuer to become ready. Current issuer ready condition is outdated.",
  ]);
});

Deno.test("13.4.57 ordinary error past the window → Failed=True, terminal", () => {
  const out = outcomeOf(
    runRequest(cluster({ creationTimestamp: created2mAgo }), {
      sign: fail(new Error("a specific error")),
    }),
  );
  const text = "CertificateSigningRequest has failed permanently: a specific error";
  assert.deepEqual(out.patch, { conditions: [failed(text)] });
  assert.deepEqual(resultOf(out), { error: "a specific error", terminal: true });
  assert.deepEqual(rendered(out.events), [`Warning PermanentError ${text}`]);
});

Deno.test("13.4.58 (differences #3 and #4: single prefix; the poll delay grows from when signing could start) Pending → event, delay 2 min", () => {
  const out = outcomeOf(
    runRequest(cluster({ creationTimestamp: created2mAgo }), {
      sign: fail(new PendingError("pending error")),
    }),
  );
  assert.equal(out.patch, undefined);
  assert.deepEqual(resultOf(out), { requeueAfterMs: minutes(2) });
  assert.deepEqual(rendered(out.events), [
    "Warning Pending Signing still in progress. Reason: pending error",
  ]);
  const fresh = outcomeOf(
    runRequest(cluster({ creationTimestamp: T2 }), {
      sign: fail(new PendingError("pending error")),
    }),
  );
  assert.deepEqual(
    resultOf(fresh),
    { requeueAfterMs: 1000 },
    "a request created now is polled as asked",
  );
});

Deno.test("13.4.59 (difference #4) Pending with requeueAfter 5 s → the larger of 5 s and the time pending", () => {
  const err = new PendingError("pending error", { requeueAfterMs: 5000 });
  assert.deepEqual(
    resultOf(outcomeOf(runRequest(cluster({ creationTimestamp: T2 }), { sign: fail(err) }))),
    {
      requeueAfterMs: 5000,
    },
  );
  assert.deepEqual(
    resultOf(
      outcomeOf(runRequest(cluster({ creationTimestamp: created2mAgo }), { sign: fail(err) })),
    ),
    {
      requeueAfterMs: minutes(2),
    },
  );
});

Deno.test("13.4.60 new custom condition in the window → written, terminal (condition transitioned)", () => {
  const out = outcomeOf(
    runRequest(cluster({ creationTimestamp: T2 }), {
      sign: fail(setCondition(new Error("test error"))),
    }),
  );
  assert.deepEqual(out.patch, { conditions: [custom("test error", T2)] });
  assert.deepEqual(resultOf(out), { error: "test error", terminal: true });
  assert.deepEqual(rendered(out.events), [
    "Warning RetryableError Failed to sign CertificateSigningRequest, will retry: test error",
  ]);
});

Deno.test("13.4.61 existing custom condition, new message → updated, back-off", () => {
  const request = cluster({
    creationTimestamp: T2,
    conditions: [approvedCSR, custom("test error", T2)],
  });
  const out = outcomeOf(
    runRequest(request, { sign: fail(setCondition(new Error("test error2"))) }),
  );
  assert.deepEqual(out.patch, { conditions: [custom("test error2", T2)] });
  assert.deepEqual(resultOf(out), { error: "test error2", terminal: false });
  assert.deepEqual(rendered(out.events), [
    "Warning RetryableError Failed to sign CertificateSigningRequest, will retry: test error2",
  ]);
});

Deno.test("13.4.62 new custom condition past the window → custom and Failed, terminal", () => {
  const out = outcomeOf(
    runRequest(cluster({ creationTimestamp: created2mAgo }), {
      sign: fail(setCondition(new Error("test error"))),
    }),
  );
  const text = "CertificateSigningRequest has failed permanently: test error";
  assert.deepEqual(out.patch, { conditions: [custom("test error", T2), failed(text)] });
  assert.deepEqual(resultOf(out), { error: "test error", terminal: true });
  assert.deepEqual(rendered(out.events), [`Warning PermanentError ${text}`]);
});

Deno.test("13.4.63 existing custom condition at T1 past the window → transition T1 kept, update T2, Failed", () => {
  const request = cluster({
    creationTimestamp: created2mAgo,
    conditions: [approvedCSR, custom("test error", T1, T1)],
  });
  const out = outcomeOf(
    runRequest(request, { sign: fail(setCondition(new Error("test error2"))) }),
  );
  const text = "CertificateSigningRequest has failed permanently: test error2";
  assert.deepEqual(out.patch, { conditions: [custom("test error2", T1, T2), failed(text)] });
  assert.deepEqual(resultOf(out), { error: "test error2", terminal: true });
});

Deno.test("13.4.64 (difference #3) custom condition wrapping Pending past the window → custom, no delay", () => {
  const out = outcomeOf(
    runRequest(cluster({ creationTimestamp: created2mAgo }), {
      sign: fail(setCondition(new PendingError("test error"))),
    }),
  );
  assert.deepEqual(out.patch, { conditions: [custom("test error", T2)] });
  assert.deepEqual(resultOf(out), {});
  assert.deepEqual(rendered(out.events), [
    "Warning Pending Signing still in progress. Reason: test error",
  ]);
});

Deno.test("13.4.65 custom condition wrapping Permanent → custom and Failed, terminal", () => {
  const out = outcomeOf(
    runRequest(cluster({ creationTimestamp: T2 }), {
      sign: fail(setCondition(new PermanentError("test error"))),
    }),
  );
  const text = "CertificateSigningRequest has failed permanently: test error";
  assert.deepEqual(out.patch, { conditions: [custom("test error", T2), failed(text)] });
  assert.deepEqual(resultOf(out), { error: "test error", terminal: true });
  assert.deepEqual(rendered(out.events), [`Warning PermanentError ${text}`]);
});

Deno.test("13.4.66 PermanentError → Failed, terminal", () => {
  const out = outcomeOf(
    runRequest(cluster({ creationTimestamp: T2 }), {
      sign: fail(new PermanentError("a specific error")),
    }),
  );
  const text = "CertificateSigningRequest has failed permanently: a specific error";
  assert.deepEqual(out.patch, { conditions: [failed(text)] });
  assert.deepEqual(resultOf(out), { error: "a specific error", terminal: true });
  assert.deepEqual(rendered(out.events), [`Warning PermanentError ${text}`]);
});

Deno.test("13.4.67 (difference #2: the empty patch is not sent) ordinary error in the window → event, back-off", () => {
  const out = outcomeOf(
    runRequest(cluster({ creationTimestamp: T2 }), {
      sign: fail(new Error("waiting for approval")),
    }),
  );
  assert.equal(out.patch, undefined);
  assert.deepEqual(resultOf(out), { error: "waiting for approval", terminal: false });
  assert.deepEqual(rendered(out.events), [
    "Warning RetryableError Failed to sign CertificateSigningRequest, will retry: waiting for approval",
  ]);
});

Deno.test("13.4.68 (difference #10: namespaced issuers sign CSRs after a reference check) ns1.issuer-1", () => {
  const request = csr1({ signerName: "testissuers.testing.cert-manager.io/ns1.issuer-1" });
  const allowed = outcomeOf(runRequest(request, { referenceAllowed: true, sign: signed() }));
  assert.deepEqual(allowed.patch, { certificate: PEM_CHAIN_B64 });
  assert.deepEqual(rendered(allowed.events), [
    "Normal Issued Succeeded signing the CertificateSigningRequest",
  ]);
  const denied = outcomeOf(runRequest(request, { referenceAllowed: false, sign: signed() }));
  const text = "Requester may not reference Namespaced Issuer ns1/issuer-1";
  assert.equal(denied.signed, false);
  assert.deepEqual(denied.patch, {
    conditions: [{
      type: "Failed",
      status: "True",
      reason: "DeniedReference",
      message: text,
      lastUpdateTime: T2,
      lastTransitionTime: T2,
    }],
  });
  assert.deepEqual(rendered(denied.events), [`Warning DeniedReference ${text}`]);
  assert.deepEqual(resultOf(denied), {});
});

Deno.test("13.4.69 (difference #8: the chain must be PEM) signed → certificate only", () => {
  const out = outcomeOf(runRequest(cluster(), { sign: signed() }));
  assert.deepEqual(out.patch, { certificate: PEM_CHAIN_B64 });
  assert.deepEqual(resultOf(out), {});
  assert.deepEqual(rendered(out.events), [
    "Normal Issued Succeeded signing the CertificateSigningRequest",
  ]);
});
