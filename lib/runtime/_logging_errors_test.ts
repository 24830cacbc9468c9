import { strict as assert } from "node:assert";
import { errorDetailLines, errorSummary, serializeError } from "./_logging_errors.ts";

Deno.test("serializeError: causes that are not errors, aggregate errors, and a cut-off depth", () => {
  const aggregate = new AggregateError([new RangeError("a"), "b"], "two failed", { cause: 42n });
  assert.deepEqual(serializeError(aggregate, false), {
    name: "AggregateError",
    message: "two failed",
    cause: 42n,
    errors: [{ name: "RangeError", message: "a" }, "b"],
  });
  let deep = new Error("level 0");
  for (let i = 1; i <= 10; i++) deep = new Error(`level ${i}`, { cause: deep });
  let serialized: unknown = serializeError(deep, false);
  let depth = 0;
  while (typeof serialized === "object" && serialized !== null && "cause" in serialized) {
    serialized = serialized.cause;
    depth++;
  }
  assert.equal(depth, 8);
  assert.equal(serialized, "Error: level 2");
});

Deno.test("errorDetailLines: one caused-by line per cause, nothing for a lone error", () => {
  assert.deepEqual(errorDetailLines(new Error("alone"), false), []);
  const error = new Error("outer", { cause: new Error("inner", { cause: { code: "E" } }) });
  assert.deepEqual(errorDetailLines(error, false), [
    "caused by: Error: inner",
    'caused by: {"code":"E"}',
  ]);
  assert.equal(errorSummary(new TypeError("bad")), "TypeError: bad");
});
