// The CertificateRequest scenarios of spec §13.2, one test each, run through the three
// pure phases (no I/O). Scenarios our deliberate differences change say so in their name.
import { strict as assert } from "node:assert";
import { PendingError, PermanentError, SetCertificateRequestConditionError } from "./errors.ts";
import {
  approvedCR,
  at,
  cr1,
  fail,
  FM,
  issuer,
  minutes,
  outcomeOf,
  PEM_CHAIN,
  PEM_CHAIN_B64,
  readyInitializing,
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
const custom = (message: string, time: string) => ({
  type: "[condition type]",
  status: "True" as const,
  lastTransitionTime: time,
  reason: "[reason]",
  message,
});
const ready = (
  status: "True" | "False" | "Unknown",
  reason: string,
  message: string,
  time = T2,
) => ({
  type: "Ready",
  status,
  lastTransitionTime: time,
  reason,
  message,
});

function assertNoEffect(name: string, run: ReturnType<typeof runRequest>) {
  assert.equal(run.phase, "ignore", name);
}

Deno.test("13.2.13 no CR → no effect", () => assertNoEffect("13", runRequest(undefined)));

Deno.test("13.2.14 no conditions → no effect (not approved)", () => {
  assertNoEffect("14", runRequest(cr1({ conditions: [] })));
});

Deno.test("13.2.15 unknown issuerRef.group → no effect", () => {
  assertNoEffect(
    "15",
    runRequest(
      cr1({ issuerRef: { group: "unknown-group", kind: "TestIssuer", name: "issuer-1" } }),
    ),
  );
});

Deno.test("13.2.16 unknown issuerRef.kind → no effect", () => {
  assertNoEffect(
    "16",
    runRequest(
      cr1({
        issuerRef: { group: "testing.cert-manager.io", kind: "unknown-kind", name: "issuer-1" },
      }),
    ),
  );
});

for (
  const [n, status, reason] of [[17, "True", "Issued"], [18, "False", "Failed"], [
    19,
    "False",
    "Denied",
  ]] as const
) {
  Deno.test(`13.2.${n} Ready ${status}/${reason} → no effect`, () => {
    assertNoEffect(
      reason,
      runRequest(cr1({ conditions: [ready(status, reason, "x", T1), approvedCR] })),
    );
  });
}

Deno.test("13.2.20 (difference #2: no separate Initializing write) no Ready → sign runs; Initializing only if sign is slow", () => {
  const run = runRequest(cr1({ conditions: [approvedCR] }));
  assert.equal(run.phase, "needSign");
  assert.ok(run.phase === "needSign");
  assert.deepEqual(run.step.slowSignPatch, {
    conditions: [
      ready("Unknown", "Initializing", `${FM} has started reconciling this CertificateRequest`),
    ],
  });
  const out = outcomeOf(runRequest(cr1({ conditions: [approvedCR] }), { sign: signed() }));
  assert.deepEqual(out.patch, {
    conditions: [ready("True", "Issued", "Succeeded signing the CertificateRequest")],
    certificate: PEM_CHAIN_B64,
  });
});

Deno.test("13.2.21 Approved and Denied → Ready False/Denied, failureTime, PermanentError event", () => {
  const denied = {
    type: "Denied",
    status: "True" as const,
    reason: "Denied",
    message: "no",
    lastTransitionTime: T1,
  };
  const out = outcomeOf(runRequest(cr1({ conditions: [readyInitializing, approvedCR, denied] })));
  const text = "Detected that the CertificateRequest is denied, so it will never be Ready.";
  assert.deepEqual(out.patch, { conditions: [ready("False", "Denied", text)], failureTime: T2 });
  assert.deepEqual(rendered(out.events), [`Warning PermanentError ${text}`]);
  assert.deepEqual(resultOf(out), {});
  assert.equal(out.signed, false);
});

Deno.test("13.2.22 (Kind form of not-found, §15) no issuer → WaitingForIssuerExist", () => {
  const out = outcomeOf(runRequest(cr1(), { issuer: { kind: "notFound" } }));
  const text =
    'TestIssuer.testing.cert-manager.io "issuer-1" not found. Waiting for it to be created.';
  assert.deepEqual(out.patch, { conditions: [ready("False", "Pending", text)] });
  assert.deepEqual(rendered(out.events), [`Normal WaitingForIssuerExist ${text}`]);
  assert.deepEqual(resultOf(out), {});
});

Deno.test("13.2.23 issuer without conditions → WaitingForIssuerReady <none>", () => {
  const out = outcomeOf(
    runRequest(cr1(), { issuer: { kind: "found", issuer: issuer({ conditions: [] }) } }),
  );
  const text = "Waiting for issuer to become ready. Current issuer ready condition: <none>.";
  assert.deepEqual(out.patch, { conditions: [ready("False", "Pending", text)] });
  assert.deepEqual(rendered(out.events), [`Normal WaitingForIssuerReady ${text}`]);
});

Deno.test("13.2.24 issuer Ready False [REASON]/[MESSAGE] → WaitingForIssuerReady quoting it", () => {
  const notReady = {
    type: "Ready",
    status: "False" as const,
    reason: "[REASON]",
    message: "[MESSAGE]",
    observedGeneration: 70,
    lastTransitionTime: T1,
  };
  const out = outcomeOf(
    runRequest(cr1(), { issuer: { kind: "found", issuer: issuer({ conditions: [notReady] }) } }),
  );
  const text =
    'Waiting for issuer to become ready. Current issuer ready condition is "[REASON]": [MESSAGE].';
  assert.deepEqual(out.patch, { conditions: [ready("False", "Pending", text)] });
  assert.deepEqual(rendered(out.events), [`Normal WaitingForIssuerReady ${text}`]);
});

Deno.test("13.2.25 issuer generation 71, Ready observed 70 → outdated", () => {
  const out = outcomeOf(
    runRequest(cr1(), { issuer: { kind: "found", issuer: issuer({ generation: 71 }) } }),
  );
  const text = "Waiting for issuer to become ready. Current issuer ready condition is outdated.";
  assert.deepEqual(out.patch, { conditions: [ready("False", "Pending", text)] });
  assert.deepEqual(rendered(out.events), [`Normal WaitingForIssuerReady ${text}`]);
});

Deno.test("13.2.26 ordinary error past the retry window → Failed, failureTime, terminal", () => {
  const out = outcomeOf(
    runRequest(cr1({ creationTimestamp: created2mAgo }), {
      sign: fail(new Error("a specific error")),
    }),
  );
  const text = "Failed permanently to sign CertificateRequest: a specific error";
  assert.deepEqual(out.patch, { conditions: [ready("False", "Failed", text)], failureTime: T2 });
  assert.deepEqual(resultOf(out), { error: "a specific error", terminal: true });
  assert.deepEqual(rendered(out.events), [`Warning PermanentError ${text}`]);
});

Deno.test("13.2.27 (difference #3: single prefix, event reason Pending) Pending → delay 1 s", () => {
  const out = outcomeOf(
    runRequest(cr1({ creationTimestamp: created2mAgo }), {
      sign: fail(new PendingError("reason for being pending")),
    }),
  );
  const text = "Signing still in progress. Reason: reason for being pending";
  assert.deepEqual(out.patch, { conditions: [ready("False", "Pending", text)] });
  assert.deepEqual(resultOf(out), { requeueAfterMs: 1000 });
  assert.deepEqual(rendered(out.events), [`Warning Pending ${text}`]);
});

Deno.test("13.2.28 (difference #3) Pending with requeueAfter 5 s → delay 5 s", () => {
  const err = new PendingError("reason for being pending", { requeueAfterMs: 5000 });
  const out = outcomeOf(runRequest(cr1({ creationTimestamp: created2mAgo }), { sign: fail(err) }));
  assert.deepEqual(out.patch, {
    conditions: [
      ready("False", "Pending", "Signing still in progress. Reason: reason for being pending"),
    ],
  });
  assert.deepEqual(resultOf(out), { requeueAfterMs: 5000 });
  assert.deepEqual(rendered(out.events), [
    "Warning Pending Signing still in progress. Reason: reason for being pending",
  ]);
});

Deno.test("13.2.29 new custom condition, ordinary error in window → written, terminal (condition transitioned)", () => {
  const out = outcomeOf(
    runRequest(cr1({ creationTimestamp: T2 }), {
      sign: fail(setCondition(new Error("test error"))),
    }),
  );
  const text = "Failed to sign CertificateRequest, will retry: test error";
  assert.deepEqual(out.patch, {
    conditions: [custom("test error", T2), ready("False", "Pending", text)],
  });
  assert.deepEqual(resultOf(out), { error: "test error", terminal: true });
  assert.deepEqual(rendered(out.events), [`Warning RetryableError ${text}`]);
});

Deno.test("13.2.30 existing custom condition, new message → time kept, back-off", () => {
  const request = cr1({
    creationTimestamp: T2,
    conditions: [readyInitializing, approvedCR, custom("test error", T2)],
  });
  const out = outcomeOf(
    runRequest(request, { sign: fail(setCondition(new Error("test error2"))) }),
  );
  const text = "Failed to sign CertificateRequest, will retry: test error2";
  assert.deepEqual(out.patch, {
    conditions: [custom("test error2", T2), ready("False", "Pending", text)],
  });
  assert.deepEqual(resultOf(out), { error: "test error2", terminal: false });
  assert.deepEqual(rendered(out.events), [`Warning RetryableError ${text}`]);
});

Deno.test("13.2.31 new custom condition past the window → Failed, failureTime, terminal", () => {
  const out = outcomeOf(
    runRequest(cr1({ creationTimestamp: created2mAgo }), {
      sign: fail(setCondition(new Error("test error"))),
    }),
  );
  const text = "Failed permanently to sign CertificateRequest: test error";
  assert.deepEqual(out.patch, {
    conditions: [custom("test error", T2), ready("False", "Failed", text)],
    failureTime: T2,
  });
  assert.deepEqual(resultOf(out), { error: "test error", terminal: true });
  assert.deepEqual(rendered(out.events), [`Warning PermanentError ${text}`]);
});

Deno.test("13.2.32 existing custom condition at T1 past the window → time T1 kept, Failed", () => {
  const request = cr1({
    creationTimestamp: created2mAgo,
    conditions: [readyInitializing, approvedCR, custom("test error", T1)],
  });
  const out = outcomeOf(
    runRequest(request, { sign: fail(setCondition(new Error("test error2"))) }),
  );
  const text = "Failed permanently to sign CertificateRequest: test error2";
  assert.deepEqual(out.patch, {
    conditions: [custom("test error2", T1), ready("False", "Failed", text)],
    failureTime: T2,
  });
  assert.deepEqual(resultOf(out), { error: "test error2", terminal: true });
  assert.deepEqual(rendered(out.events), [`Warning PermanentError ${text}`]);
});

Deno.test("13.2.33 (difference #3) custom condition wrapping Pending → no delay (condition transitioned)", () => {
  const out = outcomeOf(
    runRequest(cr1({ creationTimestamp: created2mAgo }), {
      sign: fail(setCondition(new PendingError("test error"))),
    }),
  );
  const text = "Signing still in progress. Reason: test error";
  assert.deepEqual(out.patch, {
    conditions: [custom("test error", T2), ready("False", "Pending", text)],
  });
  assert.deepEqual(resultOf(out), {});
  assert.deepEqual(rendered(out.events), [`Warning Pending ${text}`]);
});

Deno.test("13.2.34 custom condition wrapping Permanent → Failed, terminal", () => {
  const out = outcomeOf(
    runRequest(cr1({ creationTimestamp: T2 }), {
      sign: fail(setCondition(new PermanentError("test error"))),
    }),
  );
  const text = "Failed permanently to sign CertificateRequest: test error";
  assert.deepEqual(out.patch, {
    conditions: [custom("test error", T2), ready("False", "Failed", text)],
    failureTime: T2,
  });
  assert.deepEqual(resultOf(out), { error: "test error", terminal: true });
  assert.deepEqual(rendered(out.events), [`Warning PermanentError ${text}`]);
});

Deno.test("13.2.35 PermanentError → Failed, failureTime, terminal", () => {
  const out = outcomeOf(
    runRequest(cr1({ creationTimestamp: T2 }), {
      sign: fail(new PermanentError("a specific error")),
    }),
  );
  const text = "Failed permanently to sign CertificateRequest: a specific error";
  assert.deepEqual(out.patch, { conditions: [ready("False", "Failed", text)], failureTime: T2 });
  assert.deepEqual(resultOf(out), { error: "a specific error", terminal: true });
  assert.deepEqual(rendered(out.events), [`Warning PermanentError ${text}`]);
});

Deno.test("13.2.36 ordinary error in the window → Pending 'will retry', back-off", () => {
  const out = outcomeOf(
    runRequest(cr1({ creationTimestamp: T2 }), { sign: fail(new Error("waiting for approval")) }),
  );
  const text = "Failed to sign CertificateRequest, will retry: waiting for approval";
  assert.deepEqual(out.patch, { conditions: [ready("False", "Pending", text)] });
  assert.deepEqual(resultOf(out), { error: "waiting for approval", terminal: false });
  assert.deepEqual(rendered(out.events), [`Warning RetryableError ${text}`]);
});

Deno.test("13.2.37 (difference #8: the chain must be PEM) signed → certificate and Ready True/Issued", () => {
  const out = outcomeOf(runRequest(cr1(), { sign: signed(PEM_CHAIN) }));
  assert.deepEqual(out.patch, {
    conditions: [ready("True", "Issued", "Succeeded signing the CertificateRequest")],
    certificate: PEM_CHAIN_B64,
  });
  assert.deepEqual(resultOf(out), {});
  assert.deepEqual(rendered(out.events), [
    "Normal Issued Succeeded signing the CertificateRequest",
  ]);
  assert.equal(out.reportIssuerError, undefined);
});

Deno.test("13.2.38 same for a TestClusterIssuer", () => {
  const request = cr1({
    issuerRef: {
      group: "testing.cert-manager.io",
      kind: "TestClusterIssuer",
      name: "cluster-issuer-1",
    },
  });
  const out = outcomeOf(runRequest(request, { sign: signed() }));
  assert.deepEqual(out.patch, {
    conditions: [ready("True", "Issued", "Succeeded signing the CertificateRequest")],
    certificate: PEM_CHAIN_B64,
  });
  assert.deepEqual(rendered(out.events), [
    "Normal Issued Succeeded signing the CertificateRequest",
  ]);
});
