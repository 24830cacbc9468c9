import { strict as assert } from "node:assert";
import { isReconcilePanic, isTerminalError, TerminalError } from "./reconciler.ts";

Deno.test("TerminalError: controller-runtime's message, the wrapped error as cause", () => {
  const cause = new Error("the request was denied");
  const error = new TerminalError(cause);
  assert.equal(error.message, "terminal error: the request was denied");
  assert.equal(error.cause, cause);
  assert.equal(error.name, "TerminalError");
  assert.ok(error instanceof Error);
  assert.equal(new TerminalError("plain text").message, "terminal error: plain text");
});

Deno.test("isTerminalError: searches cause chains and aggregates at any depth", () => {
  const terminal = new TerminalError(new Error("x"));
  const rows: [string, unknown, boolean][] = [
    ["a terminal error", terminal, true],
    ["a plain error", new Error("x"), false],
    ["a non-error", "terminal error: x", false],
    ["undefined", undefined, false],
    ["wrapped once", new Error("w", { cause: terminal }), true],
    ["wrapped twice", new Error("w", { cause: new Error("v", { cause: terminal }) }), true],
    ["in an aggregate", new AggregateError([new Error("a"), terminal]), true],
    ["aggregate in aggregate", new AggregateError([new AggregateError([terminal])]), true],
    ["wrapped aggregate", new Error("w", { cause: new AggregateError([terminal]) }), true],
    ["aggregate without", new AggregateError([new Error("a"), new Error("b")]), false],
  ];
  for (const [name, error, expected] of rows) assert.equal(isTerminalError(error), expected, name);
});

Deno.test("isTerminalError: a cycle of causes ends", () => {
  const a = new Error("a");
  const b = new Error("b", { cause: a });
  (a as { cause?: unknown }).cause = b;
  assert.equal(isTerminalError(a), false);
});

Deno.test("isReconcilePanic: programming errors are panics, reported failures are not", () => {
  const rows: [string, unknown, boolean][] = [
    ["TypeError", new TypeError("x is undefined"), true],
    ["ReferenceError", new ReferenceError("y is not defined"), true],
    ["RangeError", new RangeError("Maximum call stack size exceeded"), true],
    ["SyntaxError", new SyntaxError("Unexpected token"), true],
    ["a string", "oops", true],
    ["undefined", undefined, true],
    ["an Error", new Error("the API server answered 500"), false],
    ["an AbortError", new DOMException("aborted", "AbortError"), false],
    ["a TimeoutError", new DOMException("timed out", "TimeoutError"), false],
    ["an AggregateError", new AggregateError([new Error("a")]), false],
    ["a terminal TypeError", new TerminalError(new TypeError("bad")), false],
    ["a custom Error subclass", new (class NotReady extends Error {})("later"), false],
  ];
  for (const [name, error, expected] of rows) {
    assert.equal(isReconcilePanic(error), expected, name);
  }
});
