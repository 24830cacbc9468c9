import { strict as assert } from "node:assert";
import { type DecisionResult, resultAfterReportFailure, resultAfterWrite } from "./outcome.ts";

const terminal: DecisionResult = { error: new Error("test error"), terminal: true };
const retry: DecisionResult = { error: new Error("flaky"), terminal: false };
const later: DecisionResult = { requeueAfterMs: 5000 };

Deno.test("§5.4: a successful write keeps the decision's result", () => {
  for (const r of [terminal, retry, later, {}]) assert.equal(resultAfterWrite(r, { ok: true }), r);
});

Deno.test("§5.4: a write that finds the object gone keeps the decision's result", () => {
  assert.equal(
    resultAfterWrite(later, { ok: false, error: new Error("not found"), notFound: true }),
    later,
  );
});

Deno.test("§5.4: any other write failure backs off with both errors; the delay is dropped", () => {
  const r = resultAfterWrite(later, { ok: false, error: new Error("conflict"), notFound: false });
  assert.ok("error" in r);
  assert.equal(r.terminal, false);
  assert.equal(r.error.message, "conflict");
  const both = resultAfterWrite(retry, { ok: false, error: "timeout", notFound: false });
  assert.ok("error" in both && both.error instanceof AggregateError);
  assert.equal(both.error.message, "timeout; flaky");
});

Deno.test("difference #6: a failed write after a terminal decision is retried, not dropped", () => {
  const r = resultAfterWrite(terminal, {
    ok: false,
    error: new Error("apiserver unavailable"),
    notFound: false,
  });
  assert.ok("error" in r);
  assert.equal(r.terminal, false);
  assert.equal(r.error.message, "apiserver unavailable; test error");
  assert.ok(r.error instanceof AggregateError);
  assert.equal(r.error.errors[1], terminal.error);
});

Deno.test("§6 step 15: a failed report backs off with the spec's text", () => {
  const r = resultAfterReportFailure(new Error("consumer for a/v1, Kind=K does not exist"));
  assert.ok("error" in r);
  assert.equal(
    r.error.message,
    "unexpected ReportError error: consumer for a/v1, Kind=K does not exist",
  );
  assert.equal(r.terminal, false);
});
