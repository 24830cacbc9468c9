import { strict as assert } from "node:assert";
import { classifySignError } from "./classify_sign_error.ts";
import {
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

Deno.test("classifySignError follows the precedence of §2.4", () => {
  const now = 1000;
  const inWindow = { now, retryDeadline: 2000 };
  const pastWindow = { now, retryDeadline: 999 };
  type Row = [string, unknown, { now: number; retryDeadline: number }, string];
  const rows: Row[] = [
    ["issuer error first", new IssuerError(new PermanentError("x")), pastWindow, "issuer"],
    [
      "issuer error wins over a custom condition (condition not written)",
      new SetCertificateRequestConditionError(new IssuerError("x"), condition),
      inWindow,
      "issuer",
    ],
    ["pending", new PendingError("x"), pastWindow, "pending"],
    ["pending wins over permanent", new PermanentError(new PendingError("x")), inWindow, "pending"],
    ["permanent", new PermanentError("x"), inWindow, "permanent"],
    ["ordinary past the window", new Error("x"), pastWindow, "permanent"],
    [
      "ordinary exactly at the deadline is retryable",
      new Error("x"),
      { now, retryDeadline: now },
      "retryable",
    ],
    ["ordinary inside the window", new Error("x"), inWindow, "retryable"],
  ];
  for (const [name, err, opts, kind] of rows) {
    assert.equal(classifySignError(err, opts).kind, kind, name);
  }
});

Deno.test("classifySignError: the issuer path carries the inner error", () => {
  const inner = new Error("CA down");
  const c = classifySignError(new Error("wrap", { cause: new IssuerError(inner) }), {
    now: 0,
    retryDeadline: 0,
  });
  assert.deepEqual(c, { kind: "issuer", cause: inner });
});

Deno.test("classifySignError: the custom condition message is the outermost message", () => {
  const err = new Error("outer text", {
    cause: new SetCertificateRequestConditionError(
      new PendingError("inner", { requeueAfterMs: 5000 }),
      condition,
    ),
  });
  assert.deepEqual(classifySignError(err, { now: 0, retryDeadline: 0 }), {
    kind: "pending",
    requeueAfterMs: 5000,
    annotations: undefined,
    condition: {
      type: "[condition type]",
      status: "True",
      reason: "[reason]",
      message: "outer text",
    },
  });
  const permanent = classifySignError(new SetCertificateRequestConditionError("x", condition), {
    now: 1,
    retryDeadline: 0,
  });
  assert.equal(permanent.kind, "permanent");
  assert.ok(permanent.kind === "permanent" && permanent.retryWindowExceeded);
});

Deno.test("classifySignError: isPermanent marks other errors of the chain permanent (difference #9)", () => {
  class DetailsError extends Error {}
  const err = new Error("outer", { cause: new DetailsError("unknown key usages: [fly]") });
  const c = classifySignError(err, {
    now: 0,
    retryDeadline: Infinity,
    isPermanent: (e) => e instanceof DetailsError,
  });
  assert.deepEqual(c, { kind: "permanent", retryWindowExceeded: false, condition: undefined });
});
