// The issuer scenarios of spec §13.6, one test each, plus the periodic re-check
// (difference #11). Phase 1 is decideIssuerBeforeCheck, phase 2 decideIssuerAfterCheck.
import { strict as assert } from "node:assert";
import type { IssuerCondition } from "./conditions.ts";
import { PermanentError } from "./errors.ts";
import {
  type CheckOutcome,
  decideIssuerAfterCheck,
  decideIssuerBeforeCheck,
  DEFAULT_ISSUER_RECHECK_INTERVAL_MS,
  type IssuerDecisionOptions,
  type IssuerOutcome,
} from "./issuer_decision.ts";
import type { IssuerObject } from "./issuer_type.ts";
import { issuerType } from "./issuer_type.ts";
import { MAX_RETRY_DURATION_ANNOTATION } from "./retry_window.ts";
import { minutes, rendered, T1, T2, T2ms, testIssuer } from "./_test_fixtures.ts";

const FM = "test-simple-issuer-reconciler-reconcile";
const options: IssuerDecisionOptions = { fieldManager: FM };

function iss(
  generation: number,
  conditions?: IssuerCondition[],
  annotations?: Record<string, string>,
): IssuerObject {
  return {
    apiVersion: testIssuer.apiVersion,
    kind: testIssuer.kind,
    metadata: {
      name: "issuer-1",
      namespace: "ns1",
      generation,
      ...(annotations ? { annotations } : {}),
    },
    ...(conditions !== undefined ? { status: { conditions } } : {}),
  };
}
function ready(
  status: "True" | "False" | "Unknown",
  reason: string,
  message: string,
  observedGeneration: number,
  time = T1,
) {
  return { type: "Ready", status, reason, message, observedGeneration, lastTransitionTime: time };
}
const CHECKED = "Succeeded checking the issuer";

/** Runs both phases; `check` is called only when phase 1 asks for it. */
function run(
  issuer: IssuerObject | undefined,
  check: CheckOutcome,
  reported?: { error: unknown },
  opts: IssuerDecisionOptions = options,
  type = testIssuer,
): { kind: "ignore" } | { kind: "outcome"; outcome: IssuerOutcome; checked: boolean } {
  const p1 = decideIssuerBeforeCheck(issuer, type, reported, opts, T2ms);
  if (p1.kind === "ignore") return { kind: "ignore" };
  if (p1.kind === "done") return { kind: "outcome", outcome: p1.outcome, checked: false };
  return {
    kind: "outcome",
    outcome: decideIssuerAfterCheck(issuer!, type, check, opts, T2ms),
    checked: true,
  };
}
function outcome(r: ReturnType<typeof run>) {
  if (r.kind !== "outcome") throw new Error("expected an outcome");
  const res = r.outcome.result;
  return {
    patch: r.outcome.patch,
    events: rendered(r.outcome.events),
    result: "error" in res ? { error: res.error.message, terminal: res.terminal } : res,
    checked: r.checked,
  };
}
const ok: CheckOutcome = { ok: true };
const recheck = { requeueAfterMs: DEFAULT_ISSUER_RECHECK_INTERVAL_MS };

Deno.test("13.6.77 no issuer → no effect", () => assert.equal(run(undefined, ok).kind, "ignore"));

Deno.test("13.6.78 (difference #11: no write, no event, re-check later) Ready and unchanged, check ok", () => {
  const o = outcome(run(iss(80, [ready("True", "Checked", CHECKED, 80)]), ok));
  assert.deepEqual(o, { patch: undefined, events: [], result: recheck, checked: true });
});

Deno.test("13.6.79 Failed at this generation → no effect", () => {
  assert.equal(
    run(iss(80, [ready("False", "Failed", "Failed permanently: x", 80)]), ok).kind,
    "ignore",
  );
});

Deno.test("13.6.80 Failed at this generation plus a reported error → no effect (error discarded)", () => {
  const r = run(iss(80, [ready("False", "Failed", "Failed permanently: x", 80)]), ok, {
    error: new Error("[specific error]"),
  });
  assert.equal(r.kind, "ignore");
});

Deno.test("13.6.81 Ready and a reported error → Pending with it, check not called, back-off", () => {
  const o = outcome(
    run(iss(80, [ready("True", "Checked", CHECKED, 80)]), ok, {
      error: new Error("[specific error]"),
    }),
  );
  assert.deepEqual(o, {
    patch: { conditions: [ready("False", "Pending", "Not ready yet: [specific error]", 80, T2)] },
    events: ["Warning RetryableError Not ready yet: [specific error]"],
    result: { error: "[specific error]", terminal: false },
    checked: false,
  });
});

Deno.test("13.6.82 Ready observed 80, generation 81, check ok → Checked obs 81, time kept, event", () => {
  const o = outcome(run(iss(81, [ready("True", "Checked", CHECKED, 80)]), ok));
  assert.deepEqual(o, {
    patch: { conditions: [ready("True", "Checked", CHECKED, 81, T1)] },
    events: [`Normal Checked ${CHECKED}`],
    result: recheck,
    checked: true,
  });
});

Deno.test("13.6.83 no status → Initializing, no events, check not called", () => {
  const o = outcome(run(iss(80), ok));
  assert.deepEqual(o, {
    patch: {
      conditions: [
        ready("Unknown", "Initializing", `${FM} has started reconciling this Issuer`, 80, T2),
      ],
    },
    events: [],
    result: {},
    checked: false,
  });
});

Deno.test("13.6.84 Initializing and check fails → Pending, back-off, RetryableError event", () => {
  const o = outcome(
    run(iss(80, [ready("Unknown", "Initializing", "x", 80)]), {
      ok: false,
      error: new Error("[specific error]"),
    }),
  );
  assert.deepEqual(o, {
    patch: { conditions: [ready("False", "Pending", "Not ready yet: [specific error]", 80, T2)] },
    events: ["Warning RetryableError Not ready yet: [specific error]"],
    result: { error: "[specific error]", terminal: false },
    checked: true,
  });
});

Deno.test("13.6.85 Unknown and check returns Permanent → Failed, terminal", () => {
  const o = outcome(
    run(iss(80, [ready("Unknown", "Initializing", "x", 80)]), {
      ok: false,
      error: new PermanentError("[specific error]"),
    }),
  );
  assert.deepEqual(o, {
    patch: {
      conditions: [ready("False", "Failed", "Failed permanently: [specific error]", 80, T2)],
    },
    events: ["Warning PermanentError Failed permanently: [specific error]"],
    result: { error: "[specific error]", terminal: true },
    checked: true,
  });
});

Deno.test("13.6.86 Unknown and check ok → Checked at T2, event", () => {
  const o = outcome(run(iss(80, [ready("Unknown", "Initializing", "x", 80)]), ok));
  assert.deepEqual(o, {
    patch: { conditions: [ready("True", "Checked", CHECKED, 80, T2)] },
    events: [`Normal Checked ${CHECKED}`],
    result: recheck,
    checked: true,
  });
});

Deno.test("13.6.87 Ready False/Initializing obs 80, generation 81, check ok → Checked obs 81 at T2", () => {
  const o = outcome(run(iss(81, [ready("False", "Initializing", "x", 80)]), ok));
  assert.deepEqual(o.patch, { conditions: [ready("True", "Checked", CHECKED, 81, T2)] });
  assert.deepEqual(o.events, [`Normal Checked ${CHECKED}`]);
});

Deno.test("§7 step 4: Failed at an older generation is checked again", () => {
  const o = outcome(run(iss(81, [ready("False", "Failed", "Failed permanently: x", 80)]), ok));
  assert.deepEqual(o.patch, { conditions: [ready("True", "Checked", CHECKED, 81, T2)] });
});

Deno.test("§7 step 7: a reported error on an issuer that is not Ready is dropped and check runs", () => {
  const o = outcome(
    run(iss(80, [ready("False", "Pending", "Not ready yet: a", 80)]), ok, {
      error: new Error("b"),
    }),
  );
  assert.equal(o.checked, true);
  assert.deepEqual(o.events, [`Normal Checked ${CHECKED}`]);
});

Deno.test("§7: a reported PermanentError makes a Ready issuer Failed", () => {
  const o = outcome(
    run(iss(80, [ready("True", "Checked", CHECKED, 80)]), ok, {
      error: new PermanentError("[error message]"),
    }),
  );
  assert.deepEqual(o.patch, {
    conditions: [ready("False", "Failed", "Failed permanently: [error message]", 80, T2)],
  });
  assert.deepEqual(o.result, { error: "[error message]", terminal: true });
});

Deno.test("difference #11: the re-check interval comes from the type, then the options; 0 turns it off", () => {
  const current = iss(80, [ready("True", "Checked", CHECKED, 80)]);
  assert.deepEqual(
    outcome(run(current, ok, undefined, { ...options, recheckIntervalMs: minutes(1) })).result,
    {
      requeueAfterMs: minutes(1),
    },
  );
  const typed = issuerType({ ...testIssuer, recheckIntervalMs: minutes(3) });
  assert.deepEqual(
    outcome(run(current, ok, undefined, { ...options, recheckIntervalMs: minutes(1) }, typed))
      .result,
    {
      requeueAfterMs: minutes(3),
    },
  );
  assert.deepEqual(
    outcome(run(current, ok, undefined, { ...options, recheckIntervalMs: 0 })).result,
    {},
  );
});

Deno.test("difference #11: a periodic re-check that finds the CA broken reports it once", () => {
  const current = iss(80, [ready("True", "Checked", CHECKED, 80)]);
  const broken = outcome(run(current, { ok: false, error: new Error("CA unreachable") }));
  assert.deepEqual(broken.events, ["Warning RetryableError Not ready yet: CA unreachable"]);
  const still = outcome(
    run(iss(80, [ready("False", "Pending", "Not ready yet: CA unreachable", 80, T2)]), {
      ok: false,
      error: new Error("CA unreachable"),
    }),
  );
  assert.deepEqual(still, {
    patch: undefined,
    events: [],
    result: { error: "CA unreachable", terminal: false },
    checked: true,
  }, "the same failure again: no write, no event, still back-off");
});

Deno.test("difference #4: an invalid max-retry-duration annotation is reported on the issuer", () => {
  const current = iss(80, [ready("True", "Checked", CHECKED, 80)], {
    [MAX_RETRY_DURATION_ANNOTATION]: "forever",
  });
  const o = outcome(run(current, ok));
  assert.deepEqual(o.events, [
    'Warning InvalidMaxRetryDuration The annotation issuer-lib.certkit.dev/max-retry-duration is ignored: time: invalid duration "forever". Requests use a retry window of 1h0m0s.',
  ]);
  assert.equal(o.patch, undefined);
});
