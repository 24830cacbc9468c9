import { strict as assert } from "node:assert";
import { issuerType } from "./issuer_type.ts";
import {
  DEFAULT_MAX_RETRY_DURATION_MS,
  invalidAnnotationEvent,
  MAX_RETRY_DURATION_ANNOTATION,
  pendingRequeueAfterMs,
  resolveMaxRetryDuration,
  retryWindowStart,
} from "./retry_window.ts";
import {
  approvedCR,
  cr1,
  csr1,
  issuer,
  minutes,
  readyInitializing,
  T1,
  T1ms,
  T2,
  T2ms,
  testIssuer,
} from "./_test_fixtures.ts";

const annotated = (value: string) =>
  issuer({ annotations: { [MAX_RETRY_DURATION_ANNOTATION]: value } });

Deno.test("difference #4: the retry window defaults to one hour", () => {
  assert.deepEqual(resolveMaxRetryDuration(issuer(), testIssuer, undefined), {
    ms: DEFAULT_MAX_RETRY_DURATION_MS,
    source: "default",
    invalidAnnotation: undefined,
  });
  assert.equal(DEFAULT_MAX_RETRY_DURATION_MS, 3_600_000);
});

Deno.test("difference #4: annotation > issuer type > option > default", () => {
  const typed = issuerType({ ...testIssuer, maxRetryDurationMs: minutes(5) });
  const rows: [
    string,
    ReturnType<typeof issuer>,
    typeof testIssuer,
    number | undefined,
    number,
    string,
  ][] = [
    ["option", issuer(), testIssuer, minutes(1), minutes(1), "options"],
    ["option 0 is honoured", issuer(), testIssuer, 0, 0, "options"],
    ["type over option", issuer(), typed, minutes(1), minutes(5), "issuerType"],
    ["annotation over type", annotated("30m"), typed, minutes(1), minutes(30), "annotation"],
    ["annotation 0", annotated("0"), typed, undefined, 0, "annotation"],
    ["annotation 1h30m", annotated(" 1h30m "), testIssuer, undefined, minutes(90), "annotation"],
  ];
  for (const [name, iss, type, option, ms, source] of rows) {
    const r = resolveMaxRetryDuration(iss, type, option);
    assert.equal(r.ms, ms, name);
    assert.equal(r.source, source, name);
    assert.equal(r.invalidAnnotation, undefined, name);
  }
});

Deno.test("difference #4: an invalid annotation is ignored with a warning that names the fallback", () => {
  const bad = resolveMaxRetryDuration(annotated("abc"), testIssuer, minutes(2));
  assert.equal(bad.ms, minutes(2));
  assert.equal(bad.source, "options");
  assert.equal(
    bad.invalidAnnotation,
    'The annotation issuer-lib.certkit.dev/max-retry-duration is ignored: time: invalid duration "abc". Requests use a retry window of 2m0s.',
  );
  assert.deepEqual(invalidAnnotationEvent(bad), {
    type: "Warning",
    reason: "InvalidMaxRetryDuration",
    action: "Synced",
    note: bad.invalidAnnotation,
  });
  const negative = resolveMaxRetryDuration(annotated("-5m"), testIssuer, undefined);
  assert.equal(negative.ms, DEFAULT_MAX_RETRY_DURATION_MS);
  assert.match(
    negative.invalidAnnotation ?? "",
    /must not be negative, got "-5m". Requests use a retry window of 1h0m0s\.$/,
  );
  assert.equal(
    invalidAnnotationEvent(resolveMaxRetryDuration(issuer(), testIssuer, undefined)),
    undefined,
  );
});

Deno.test("difference #4: the window starts at the later of creation and approval", () => {
  const created = new Date(T2ms - minutes(2)).toISOString().replace(".000Z", "Z");
  assert.equal(retryWindowStart(cr1({ creationTimestamp: T1 })), T1ms, "approved at T1 too");
  assert.equal(
    retryWindowStart(cr1({ creationTimestamp: created })),
    T2ms - minutes(2),
    "created after approval?",
  );
  const approvedLate = { ...approvedCR, lastTransitionTime: T2 };
  assert.equal(
    retryWindowStart(cr1({ creationTimestamp: T1, conditions: [readyInitializing, approvedLate] })),
    T2ms,
  );
  assert.equal(
    retryWindowStart(cr1({ conditions: [readyInitializing] })),
    -Infinity,
    "no time at all",
  );
  assert.equal(retryWindowStart(csr1({ creationTimestamp: T1 })), T1ms);
});

Deno.test("difference #4: pending polls grow with the time pending, up to the cap", () => {
  const cap = minutes(5);
  assert.equal(pendingRequeueAfterMs(1000, undefined, 0, cap), 1000, "first pending: as asked");
  assert.equal(pendingRequeueAfterMs(1000, 0, 500, cap), 1000, "never below what was asked");
  assert.equal(pendingRequeueAfterMs(1000, 0, 1000, cap), 1000);
  assert.equal(pendingRequeueAfterMs(1000, 0, 2000, cap), 2000, "doubling");
  assert.equal(pendingRequeueAfterMs(1000, 0, 4000, cap), 4000, "doubling");
  assert.equal(pendingRequeueAfterMs(1000, 0, minutes(60), cap), cap, "capped");
  assert.equal(
    pendingRequeueAfterMs(minutes(10), 0, minutes(60), cap),
    minutes(10),
    "a longer request wins over the cap",
  );
  assert.equal(pendingRequeueAfterMs(1000, -Infinity, 10, cap), 1000, "unknown start");
});
