import { strict as assert } from "node:assert";
import {
  errorChain,
  errorMessage,
  findErrorInChain,
  IssuerError,
  PendingError,
  PermanentError,
  SetCertificateRequestConditionError,
} from "./errors.ts";

const condition = {
  conditionType: "[condition type]",
  status: "True",
  reason: "[reason]",
} as const;

Deno.test("each error kind reports its inner message, its name and its cause", () => {
  const inner = new Error("inner message");
  const errors = [
    new PermanentError(inner),
    new PendingError(inner),
    new IssuerError(inner),
    new SetCertificateRequestConditionError(inner, condition),
  ];
  const names = [
    "PermanentError",
    "PendingError",
    "IssuerError",
    "SetCertificateRequestConditionError",
  ];
  errors.forEach((err, i) => {
    assert.equal(err.message, "inner message");
    assert.equal(err.name, names[i]);
    assert.equal(err.cause, inner);
    assert.ok(err instanceof Error);
  });
});

Deno.test("a text cause becomes the message", () => {
  assert.equal(new PermanentError("plain").message, "plain");
  assert.equal(errorMessage(42), "42");
});

Deno.test("PendingError: requeueAfterMs defaults to 1 s, 0 means 1 s, bad values are rejected", () => {
  assert.equal(new PendingError("x").requeueAfterMs, 1000);
  assert.equal(new PendingError("x", { requeueAfterMs: 0 }).requeueAfterMs, 1000);
  assert.equal(new PendingError("x", { requeueAfterMs: 5000 }).requeueAfterMs, 5000);
  assert.throws(() => new PendingError("x", { requeueAfterMs: -1 }), RangeError);
  assert.throws(() => new PendingError("x", { requeueAfterMs: Number.NaN }), /got NaN/);
  const annotations = { "example.com/order": "17" };
  const err = new PendingError("x", { annotations });
  annotations["example.com/order"] = "18";
  assert.deepEqual(err.annotations, { "example.com/order": "17" });
});

Deno.test("SetCertificateRequestConditionError validates its condition", () => {
  assert.throws(
    () => new SetCertificateRequestConditionError("x", { ...condition, conditionType: "" }),
    /conditionType must not be empty/,
  );
  assert.throws(
    () =>
      new SetCertificateRequestConditionError("x", {
        ...condition,
        status: "Maybe" as "True",
      }),
    /status must be "True", "False" or "Unknown", got "Maybe"/,
  );
  assert.throws(
    () => new SetCertificateRequestConditionError("x", { ...condition, reason: "" }),
    /reason must not be empty/,
  );
});

Deno.test("errorChain walks causes and AggregateError members depth first, once each", () => {
  const a = new Error("a");
  const b = new Error("b", { cause: a });
  const c = new Error("c");
  const agg = new AggregateError([b, c], "agg");
  const top = new Error("top", { cause: agg });
  assert.deepEqual([...errorChain(top)].map(errorMessage), ["top", "agg", "b", "a", "c"]);
  const loop = new Error("loop");
  (loop as { cause?: unknown }).cause = loop;
  assert.equal([...errorChain(loop)].length, 1);
});

Deno.test("findErrorInChain finds a wrapped kind like errors.As, also inside AggregateError", () => {
  const pending = new PendingError("wait");
  const wrapped = new Error("outer", { cause: new AggregateError([new Error("x"), pending]) });
  assert.equal(findErrorInChain(wrapped, PendingError), pending);
  assert.equal(findErrorInChain(wrapped, PermanentError), undefined);
  assert.equal(findErrorInChain("not an error", PendingError), undefined);
});
