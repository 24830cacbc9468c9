import { strict as assert } from "node:assert";
import type { Status } from "../core/status.ts";
import {
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isTooManyRequests,
  isUnauthorized,
  KubeApiError,
} from "./kube_api_error.ts";

function status(code: number, reason?: string, message?: string): Status {
  const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", code };
  if (reason !== undefined) s.reason = reason;
  if (message !== undefined) s.message = message;
  return s;
}

Deno.test("KubeApiError carries the Status and names the request in its message", () => {
  const cause = new Error("root");
  const e = new KubeApiError(status(409, "Conflict", "the object has been modified"), {
    method: "PUT",
    path: "/apis/x/v1/namespaces/t/ws/a",
    cause,
  });
  assert.equal(e.name, "KubeApiError");
  assert.equal(e.code, 409);
  assert.equal(e.reason, "Conflict");
  assert.equal(e.method, "PUT");
  assert.equal(e.cause, cause);
  assert.equal(
    e.message,
    "PUT /apis/x/v1/namespaces/t/ws/a: 409 Conflict: the object has been modified",
  );
  assert(e instanceof Error);
});

Deno.test("KubeApiError without request or code still has a readable message", () => {
  const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure" };
  const e = new KubeApiError({ ...s, message: "boom" });
  assert.equal(e.message, "boom");
  assert.equal(e.code, 500);
  assert.equal(e.reason, "");
});

Deno.test("fromBody decodes a Status body and keeps its details", () => {
  const body = JSON.stringify({
    ...status(429, "TooManyRequests", "slow down"),
    details: { retryAfterSeconds: 3 },
  });
  const e = KubeApiError.fromBody(429, body, { method: "GET", path: "/api" });
  assert.equal(e.reason, "TooManyRequests");
  assert.equal(e.retryAfterSeconds, 3);
  assert.equal(e.message, "GET /api: 429 TooManyRequests: slow down");
});

Deno.test("fromBody fills a missing code from the HTTP status", () => {
  const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure" };
  const e = KubeApiError.fromBody(404, JSON.stringify({ ...s, reason: "NotFound" }));
  assert.equal(e.code, 404);
});

Deno.test("fromBody quotes a plain-text body and guesses the reason from the code", () => {
  const e = KubeApiError.fromBody(429, "Too many requests, please try again later.\n", {
    retryAfterSeconds: 1,
  });
  assert.equal(e.reason, "TooManyRequests");
  assert.equal(e.retryAfterSeconds, 1);
  assert.equal(
    e.status.message,
    'the server responded with "Too many requests, please try again later."',
  );
  assert(isTooManyRequests(e));
});

Deno.test("fromBody handles empty, JSON-but-not-Status and long bodies", () => {
  assert.equal(
    KubeApiError.fromBody(502, "").status.message,
    "the server responded with status 502 and an empty body",
  );
  const notStatus = KubeApiError.fromBody(500, '{"kind":"Secret"}');
  assert.equal(notStatus.status.message, 'the server responded with "{\\"kind\\":\\"Secret\\"}"');
  const long = KubeApiError.fromBody(500, "x".repeat(500));
  assert(long.message.endsWith('…"'));
  assert.equal(KubeApiError.fromBody(418, "teapot").reason, "");
});

Deno.test("helpers recognise reasons, and codes when the reason is missing", () => {
  const cases: [string, (e: unknown) => boolean, Status, boolean][] = [
    ["NotFound", isNotFound, status(404, "NotFound"), true],
    ["404 no reason", isNotFound, status(404), true],
    ["404 other reason", isNotFound, status(404, "Gone"), false],
    ["Conflict", isConflict, status(409, "Conflict"), true],
    ["AlreadyExists is not Conflict", isConflict, status(409, "AlreadyExists"), false],
    ["AlreadyExists", isAlreadyExists, status(409, "AlreadyExists"), true],
    ["409 is not AlreadyExists", isAlreadyExists, status(409), false],
    ["Gone", isGone, status(410, "Gone"), true],
    ["Expired", isGone, status(410, "Expired"), true],
    ["410 no reason", isGone, status(410), true],
    ["Expired with another code", isGone, status(500, "Expired"), true],
    ["TooManyRequests", isTooManyRequests, status(429, "TooManyRequests"), true],
    ["429 any reason", isTooManyRequests, status(429, "Unknown"), true],
    ["Forbidden", isForbidden, status(403, "Forbidden"), true],
    ["Unauthorized", isUnauthorized, status(401, "Unauthorized"), true],
    ["Invalid", isInvalid, status(422, "Invalid"), true],
    ["422 Unknown reason", isInvalid, status(422, "Unknown"), true],
    ["500 is nothing", isNotFound, status(500, "InternalError"), false],
  ];
  for (const [name, helper, s, want] of cases) {
    assert.equal(helper(new KubeApiError(s)), want, name);
  }
  for (const helper of [isNotFound, isConflict, isGone, isForbidden, isTooManyRequests]) {
    assert.equal(helper(new Error("404")), false);
    assert.equal(helper(undefined), false);
  }
});
