import { strict as assert } from "node:assert";
import {
  CsrMismatchError,
  InvalidCaError,
  InvalidCsrError,
  InvalidDurationError,
  InvalidSignedChainError,
  RequestDetailsError,
  UnknownUsageError,
} from "./errors.ts";

Deno.test("request-detail errors share RequestDetailsError and name themselves", () => {
  const cause = new SyntaxError('time: invalid duration "x"');
  const errors: [RequestDetailsError, string][] = [
    [new InvalidCsrError("NotPem", "no PEM"), "InvalidCsrError"],
    [new UnknownUsageError(["fly"]), "UnknownUsageError"],
    [new InvalidDurationError("x", "bad", { cause }), "InvalidDurationError"],
    [new CsrMismatchError("isCA", "encoded CSR error: …"), "CsrMismatchError"],
  ];
  for (const [error, name] of errors) {
    assert.ok(error instanceof RequestDetailsError, name);
    assert.ok(error instanceof Error, name);
    assert.equal(error.name, name);
  }
  assert.equal((errors[2]?.[0] as InvalidDurationError).cause, cause);
});

Deno.test("signer-output and CA errors are not request-detail errors", () => {
  const chain = new InvalidSignedChainError("Empty", "empty");
  const ca = new InvalidCaError("not a CA");
  assert.equal(chain.name, "InvalidSignedChainError");
  assert.equal(chain.reason, "Empty");
  assert.equal(ca.name, "InvalidCaError");
  assert.ok(!(chain instanceof RequestDetailsError));
  assert.ok(!(ca instanceof RequestDetailsError));
});

Deno.test("UnknownUsageError prints the usages as Go's %v prints a slice", () => {
  assert.equal(new UnknownUsageError(["a"]).message, "unknown key usages: [a]");
  assert.equal(new UnknownUsageError(["a b", "c"]).message, "unknown key usages: [a b c]");
});
