// One test (or more) per deliberate difference from the Go library that the request
// decision implements (spec "Where we deliberately differ").
import { strict as assert } from "node:assert";
import { InvalidSignedChainError, UnknownUsageError } from "./certificate/errors.ts";
import { IssuerError, PendingError, PermanentError } from "./errors.ts";
import { issuerType } from "./issuer_type.ts";
import {
  decideBeforeIssuer,
  decideWithIssuer,
  type RequestDecisionOptions,
} from "./request_decision.ts";
import { MAX_RETRY_DURATION_ANNOTATION } from "./retry_window.ts";
import {
  approvedCR,
  at,
  CLUSTER_SIGNER,
  cr1,
  csr1,
  fail,
  FM,
  issuer,
  minutes,
  outcomeOf,
  PEM_CHAIN,
  PEM_CHAIN_B64,
  readyChecked,
  readyInitializing,
  rendered,
  resultOf,
  runRequest,
  signed,
  T1,
  T2,
  T2ms,
  testClusterIssuer,
  testIssuer,
} from "./_test_fixtures.ts";

const deniedCondition = {
  type: "Denied",
  status: "True" as const,
  reason: "Denied",
  message: "no",
  lastTransitionTime: T1,
};
const DENIED_TEXT = "Detected that the CertificateRequest is denied, so it will never be Ready.";
const pendingReady = (message: string, time: string) => ({
  type: "Ready",
  status: "False" as const,
  reason: "Pending",
  message,
  lastTransitionTime: time,
});
const options: RequestDecisionOptions = {
  fieldManager: FM,
  issuerTypes: [testIssuer, testClusterIssuer],
};

Deno.test("difference #1: a CR denied but never approved ends Ready=False/Denied with failureTime and the event", () => {
  const out = outcomeOf(runRequest(cr1({ conditions: [deniedCondition] })));
  assert.deepEqual(out.patch, {
    conditions: [{
      type: "Ready",
      status: "False",
      reason: "Denied",
      message: DENIED_TEXT,
      lastTransitionTime: T2,
    }],
    failureTime: T2,
  });
  assert.deepEqual(rendered(out.events), [`Warning PermanentError ${DENIED_TEXT}`]);
  assert.equal(out.signed, false);
});

Deno.test("difference #1: Denied wins over waiting for a missing issuer; the Denied marker then stops it", () => {
  const out = outcomeOf(
    runRequest(cr1({ conditions: [deniedCondition] }), { issuer: { kind: "notFound" } }),
  );
  assert.equal(out.patch?.conditions?.[0]?.reason, "Denied");
  const marked = cr1({
    conditions: [deniedCondition, {
      type: "Ready",
      status: "False",
      reason: "Denied",
      lastTransitionTime: T2,
    }],
  });
  assert.equal(runRequest(marked).phase, "ignore");
});

Deno.test("difference #2: issuer ready and sign answers → phase 2 writes nothing; one write in phase 3", () => {
  const p1 = decideBeforeIssuer(cr1({ conditions: [approvedCR] }), options);
  assert.equal(p1.kind, "needIssuer");
  const out = outcomeOf(runRequest(cr1({ conditions: [approvedCR] }), { sign: signed() }));
  assert.ok(out.signed);
  assert.deepEqual(Object.keys(out.patch ?? {}), ["conditions", "certificate"]);
});

Deno.test("difference #2: a CR already showing the state gets no patch and no event", () => {
  const text = "Waiting for issuer to become ready. Current issuer ready condition is outdated.";
  const request = cr1({ conditions: [pendingReady(text, T1), approvedCR] });
  const out = outcomeOf(
    runRequest(request, { issuer: { kind: "found", issuer: issuer({ generation: 71 }) } }),
  );
  assert.equal(out.patch, undefined);
  assert.deepEqual(out.events, []);
  assert.deepEqual(resultOf(out), {});
});

Deno.test("difference #2: a repeated retryable error writes nothing but still backs off", () => {
  const text = "Failed to sign CertificateRequest, will retry: flaky";
  const request = cr1({ creationTimestamp: T2, conditions: [pendingReady(text, T1), approvedCR] });
  const out = outcomeOf(runRequest(request, { sign: fail(new Error("flaky")) }));
  assert.equal(out.patch, undefined);
  assert.deepEqual(out.events, []);
  assert.deepEqual(resultOf(out), { error: "flaky", terminal: false });
});

Deno.test("difference #2: a CSR's waiting event is kept (its status cannot show the state)", () => {
  const out = outcomeOf(
    runRequest(csr1({ signerName: CLUSTER_SIGNER }), { issuer: { kind: "notFound" } }),
  );
  assert.equal(out.patch, undefined);
  assert.equal(out.events.length, 1);
});

Deno.test("difference #2: no Initializing patch for a CR that already has Ready, nor for a CSR", () => {
  const run = runRequest(cr1());
  assert.ok(run.phase === "needSign" && run.step.slowSignPatch === undefined);
  const csr = runRequest(csr1({ signerName: CLUSTER_SIGNER }));
  assert.ok(csr.phase === "needSign" && csr.step.slowSignPatch === undefined);
});

Deno.test("difference #3: the Pending message has one prefix and the event reason is Pending for both kinds", () => {
  for (
    const request of [
      cr1({ creationTimestamp: T2 }),
      csr1({ signerName: CLUSTER_SIGNER, creationTimestamp: T2 }),
    ]
  ) {
    const out = outcomeOf(runRequest(request, { sign: fail(new PendingError("busy")) }));
    assert.deepEqual(rendered(out.events), [
      "Warning Pending Signing still in progress. Reason: busy",
    ]);
    assert.deepEqual(out.events[0]?.action, "Synced");
  }
});

Deno.test("difference #4: the default window is one hour, not zero", () => {
  const noOption = { options: { maxRetryDurationMs: undefined } };
  const inHour = outcomeOf(
    runRequest(cr1({ creationTimestamp: at(T2ms - minutes(59)) }), {
      ...noOption,
      sign: fail(new Error("x")),
    }),
  );
  assert.deepEqual(resultOf(inHour), { error: "x", terminal: false });
  const pastHour = outcomeOf(
    runRequest(cr1({ creationTimestamp: at(T2ms - minutes(61)) }), {
      ...noOption,
      sign: fail(new Error("x")),
    }),
  );
  assert.deepEqual(resultOf(pastHour), { error: "x", terminal: true });
});

Deno.test("difference #4: the window counts from approval when approval came later", () => {
  const lateApproval = { ...approvedCR, lastTransitionTime: at(T2ms - 30_000) };
  const request = cr1({ creationTimestamp: T1, conditions: [readyInitializing, lateApproval] });
  const out = outcomeOf(runRequest(request, { sign: fail(new Error("flaky")) }));
  assert.deepEqual(
    resultOf(out),
    { error: "flaky", terminal: false },
    "created 4 h ago, approved 30 s ago, window 1 min",
  );
});

Deno.test("difference #4: the window is overridden per issuer type and per issuer object", () => {
  const request = cr1({ creationTimestamp: at(T2ms - minutes(30)) });
  const long = issuerType({ ...testIssuer, maxRetryDurationMs: minutes(60) });
  const byType = outcomeOf(
    runRequest(request, { options: { issuerTypes: [long] }, sign: fail(new Error("x")) }),
  );
  assert.deepEqual(resultOf(byType), { error: "x", terminal: false });
  const annotated = issuer({ annotations: { [MAX_RETRY_DURATION_ANNOTATION]: "2h" } });
  const byObject = outcomeOf(
    runRequest(request, {
      issuer: { kind: "found", issuer: annotated },
      sign: fail(new Error("x")),
    }),
  );
  assert.deepEqual(resultOf(byObject), { error: "x", terminal: false });
  const short = issuer({ annotations: { [MAX_RETRY_DURATION_ANNOTATION]: "0" } });
  const zero = outcomeOf(
    runRequest(cr1({ creationTimestamp: T2 }), {
      issuer: { kind: "found", issuer: short },
      sign: fail(new Error("x")),
    }),
  );
  assert.deepEqual(
    resultOf(zero),
    { error: "x", terminal: false },
    "0 still allows the instant of creation (strictly later)",
  );
  const zeroLater = outcomeOf(
    runRequest(cr1({ creationTimestamp: at(T2ms - 1000) }), {
      issuer: { kind: "found", issuer: short },
      sign: fail(new Error("x")),
    }),
  );
  assert.deepEqual(resultOf(zeroLater), { error: "x", terminal: true });
});

Deno.test("difference #4: an invalid annotation falls back to the next rule for the request", () => {
  const bad = issuer({ annotations: { [MAX_RETRY_DURATION_ANNOTATION]: "soon" } });
  const out = outcomeOf(
    runRequest(cr1({ creationTimestamp: at(T2ms - minutes(2)) }), {
      issuer: { kind: "found", issuer: bad },
      sign: fail(new Error("x")),
    }),
  );
  assert.deepEqual(resultOf(out), { error: "x", terminal: true }, "the 1 min option applies");
});

Deno.test("difference #4: pending polls back off while the CR stays pending, up to the cap", () => {
  const err = new PendingError("busy");
  const text = "Signing still in progress. Reason: busy";
  const rows: [string, string, number][] = [
    ["pending for 10 s → 10 s", at(T2ms - 10_000), 10_000],
    ["pending for 1 h → capped at 5 min", at(T2ms - minutes(60)), minutes(5)],
  ];
  for (const [name, since, delay] of rows) {
    const request = cr1({ conditions: [pendingReady(text, since), approvedCR] });
    const out = outcomeOf(runRequest(request, { sign: fail(err) }));
    assert.deepEqual(resultOf(out), { requeueAfterMs: delay }, name);
    assert.equal(out.patch, undefined, `${name}: nothing changed, nothing written`);
    assert.deepEqual(out.events, [], name);
  }
  const capped = cr1({ conditions: [pendingReady(text, at(T2ms - minutes(60))), approvedCR] });
  const custom = outcomeOf(
    runRequest(capped, { options: { pendingPollCapMs: minutes(1) }, sign: fail(err) }),
  );
  assert.deepEqual(resultOf(custom), { requeueAfterMs: minutes(1) }, "the cap is an option");
  const longer = outcomeOf(
    runRequest(capped, { sign: fail(new PendingError("busy", { requeueAfterMs: minutes(10) })) }),
  );
  assert.deepEqual(
    resultOf(longer),
    { requeueAfterMs: minutes(10) },
    "the signer may ask for more than the cap",
  );
});

Deno.test("difference #4: the first pending answer after another state polls as asked", () => {
  const waiting = pendingReady(
    "Waiting for issuer to become ready. Current issuer ready condition: <none>.",
    T1,
  );
  const out = outcomeOf(
    runRequest(cr1({ conditions: [waiting, approvedCR] }), {
      sign: fail(new PendingError("busy")),
    }),
  );
  assert.deepEqual(resultOf(out), { requeueAfterMs: 1000 });
});

Deno.test("difference #4: the poll delay never counts time before the issuer became ready", () => {
  const readySince = { ...readyChecked, lastTransitionTime: at(T2ms - 20_000) };
  const request = csr1({ signerName: CLUSTER_SIGNER, creationTimestamp: T1 });
  const out = outcomeOf(runRequest(request, {
    issuer: { kind: "found", issuer: issuer({ cluster: true, conditions: [readySince] }) },
    sign: fail(new PendingError("busy")),
  }));
  assert.deepEqual(resultOf(out), { requeueAfterMs: 20_000 });
});

Deno.test("difference #4 (pending annotations): a PendingError's annotations are persisted when they change", () => {
  const err = new PendingError("order placed", { annotations: { "ca.example.com/order": "17" } });
  const out = outcomeOf(runRequest(cr1({ creationTimestamp: T2 }), { sign: fail(err) }));
  assert.deepEqual(out.annotations, { "ca.example.com/order": "17" });
  const request = cr1({ creationTimestamp: T2 });
  request.object.metadata.annotations = { "ca.example.com/order": "17" };
  assert.equal(outcomeOf(runRequest(request, { sign: fail(err) })).annotations, undefined);
});

Deno.test("difference #7: phase 1 never writes, so ignoreIssuer runs before any write", () => {
  const requests = [
    cr1(),
    cr1({ conditions: [approvedCR] }),
    cr1({ conditions: [deniedCondition] }),
    csr1({ signerName: CLUSTER_SIGNER }),
  ];
  for (const request of requests) {
    const d = decideBeforeIssuer(request, options);
    assert.ok(d.kind === "needIssuer" || d.kind === "ignore");
  }
});

Deno.test("difference #8: an empty chain is a permanent error with a clear message", () => {
  const out = outcomeOf(runRequest(cr1(), { sign: signed("") }));
  const text =
    "Failed permanently to sign CertificateRequest: sign returned an empty certificate chain";
  assert.equal(out.patch?.conditions?.[0]?.message, text);
  assert.equal("certificate" in (out.patch ?? {}), false);
  assert.deepEqual(resultOf(out), {
    error: "sign returned an empty certificate chain",
    terminal: true,
  });
  const csr = outcomeOf(runRequest(csr1({ signerName: CLUSTER_SIGNER }), { sign: signed("") }));
  assert.deepEqual(rendered(csr.events), [
    "Warning PermanentError CertificateSigningRequest has failed permanently: sign returned an empty certificate chain",
  ]);
});

Deno.test("difference #8: the chain validator's objection is a permanent error", () => {
  const validateChain = (_chain: string, csr: string) => {
    assert.ok(
      csr.startsWith("-----BEGIN CERTIFICATE REQUEST-----"),
      "the validator gets the decoded CSR",
    );
    throw new Error("the leaf's public key is not the CSR's");
  };
  const out = outcomeOf(runRequest(cr1(), { options: { validateChain }, sign: signed() }));
  assert.deepEqual(resultOf(out), {
    error: "sign returned an unusable certificate chain: the leaf's public key is not the CSR's",
    terminal: true,
  });
});

Deno.test("difference #9: request-detail errors are permanent even inside the retry window", () => {
  for (
    const err of [
      new UnknownUsageError(["fly"]),
      new InvalidSignedChainError("KeyMismatch", "leaf key mismatch"),
    ]
  ) {
    const out = outcomeOf(
      runRequest(cr1({ creationTimestamp: T2 }), {
        sign: fail(new Error("wrapped", { cause: err })),
      }),
    );
    assert.deepEqual(resultOf(out), { error: "wrapped", terminal: true }, err.name);
  }
  const extra = outcomeOf(runRequest(cr1({ creationTimestamp: T2 }), {
    options: { isPermanentError: (e) => e instanceof RangeError },
    sign: fail(new RangeError("bad")),
  }));
  assert.deepEqual(resultOf(extra), { error: "bad", terminal: true });
});

Deno.test("difference #10: a namespaced signer asks for reference reviews; they are required", () => {
  const request = csr1({ signerName: "testissuers.testing.cert-manager.io/ns1.issuer-1" });
  const p1 = decideBeforeIssuer(request, options);
  assert.ok(p1.kind === "needIssuer");
  assert.equal(p1.referenceReviews?.length, 2);
  assert.deepEqual(p1.issuerKey, { namespace: "ns1", name: "issuer-1" });
  assert.throws(
    () =>
      decideWithIssuer(request, p1, { issuer: { kind: "found", issuer: issuer() } }, options, T2ms),
    /referenceAllowed is required/,
  );
  const clusterStep = decideBeforeIssuer(csr1({ signerName: CLUSTER_SIGNER }), options);
  assert.ok(clusterStep.kind === "needIssuer" && clusterStep.referenceReviews === undefined);
  const denied = outcomeOf(
    runRequest(request, { referenceAllowed: false, issuer: { kind: "notFound" } }),
  );
  assert.equal(
    denied.events[0]?.reason,
    "DeniedReference",
    "checked before revealing whether the issuer exists",
  );
});

Deno.test("§6 step 10: an issuer read error → UnexpectedError event, no patch, back-off", () => {
  const out = outcomeOf(
    runRequest(cr1(), { issuer: { kind: "error", error: new Error("cache broke") } }),
  );
  assert.equal(out.patch, undefined);
  assert.deepEqual(rendered(out.events), [
    "Warning UnexpectedError Got an unexpected error while processing the CertificateRequest",
  ]);
  assert.deepEqual(resultOf(out), { error: "unexpected get error: cache broke", terminal: false });
});

Deno.test("§6 step 15: an IssuerError reports its inner error for the fetched issuer and waits", () => {
  const inner = new PermanentError("[error message]");
  const out = outcomeOf(runRequest(cr1(), { sign: fail(new IssuerError(inner)) }));
  assert.deepEqual(out.reportIssuerError, {
    issuerType: testIssuer,
    issuerKey: { namespace: "ns1", name: "issuer-1" },
    error: inner,
  });
  const text = "Waiting for issuer to become ready. Current issuer ready condition is outdated.";
  assert.deepEqual(out.patch, {
    conditions: [{
      type: "Ready",
      status: "False",
      reason: "Pending",
      message: text,
      lastTransitionTime: T2,
    }],
  });
  assert.deepEqual(rendered(out.events), [`Normal WaitingForIssuerReady ${text}`]);
  assert.deepEqual(resultOf(out), {});
});

Deno.test("§2.3: the CA is written to a CR only with setCAOnCertificateRequest, never to a CSR", () => {
  const withCa = { ok: true as const, result: { chainPem: PEM_CHAIN, caPem: PEM_CHAIN } };
  assert.equal("ca" in (outcomeOf(runRequest(cr1(), { sign: withCa })).patch ?? {}), false);
  const on = { options: { setCAOnCertificateRequest: true }, sign: withCa };
  assert.deepEqual(outcomeOf(runRequest(cr1(), on)).patch, {
    conditions: [{
      type: "Ready",
      status: "True",
      reason: "Issued",
      message: "Succeeded signing the CertificateRequest",
      lastTransitionTime: T2,
    }],
    certificate: PEM_CHAIN_B64,
    ca: PEM_CHAIN_B64,
  });
  assert.deepEqual(outcomeOf(runRequest(csr1({ signerName: CLUSTER_SIGNER }), on)).patch, {
    certificate: PEM_CHAIN_B64,
  });
});

Deno.test("sign results may persist extra conditions (before Ready) and annotations", () => {
  const result = {
    chainPem: PEM_CHAIN,
    conditions: [{
      type: "ca.example.com/Ordered",
      status: "True" as const,
      reason: "Ordered",
      message: "order 17",
    }],
    annotations: { "ca.example.com/order": "17" },
  };
  const out = outcomeOf(runRequest(cr1(), { sign: { ok: true, result } }));
  assert.deepEqual(out.patch?.conditions?.map((c) => c.type), ["ca.example.com/Ordered", "Ready"]);
  assert.deepEqual(out.annotations, { "ca.example.com/order": "17" });
});

Deno.test("difference #12: event notes are plain text — a % in an error is kept verbatim", () => {
  const out = outcomeOf(
    runRequest(cr1({ creationTimestamp: T2 }), { sign: fail(new Error("quota at 100%d %s")) }),
  );
  assert.deepEqual(rendered(out.events), [
    "Warning RetryableError Failed to sign CertificateRequest, will retry: quota at 100%d %s",
  ]);
});
