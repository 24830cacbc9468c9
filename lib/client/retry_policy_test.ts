import { strict as assert } from "node:assert";
import { type AttemptOutcome, decideRetry, parseRetryAfter } from "./retry_policy.ts";

const noJitter = () => 0;

Deno.test("decideRetry follows client-go's rules for each method and answer", () => {
  const r = (code: number, retryAfterSeconds?: number): AttemptOutcome =>
    retryAfterSeconds === undefined
      ? { kind: "response", code }
      : { kind: "response", code, retryAfterSeconds };
  const net: AttemptOutcome = { kind: "network-error" };
  const cases: [string, string, AttemptOutcome, number | false][] = [
    ["429 with Retry-After, POST", "POST", r(429, 2), 2000],
    ["429 without Retry-After, PATCH", "PATCH", r(429), 500],
    ["503 with Retry-After, POST", "POST", r(503, 1), 1000],
    ["500 GET", "GET", r(500), 500],
    ["500 HEAD", "HEAD", r(500), 500],
    ["500 PUT", "PUT", r(500), 500],
    ["500 DELETE", "DELETE", r(500), 500],
    ["500 POST", "POST", r(500), false],
    ["500 PATCH", "PATCH", r(500), false],
    ["504 lower-case get", "get", r(504), 500],
    ["reset GET", "GET", net, 500],
    ["reset PUT", "PUT", net, false],
    ["reset POST", "POST", net, false],
    ["404 GET", "GET", r(404), false],
    ["409 PUT", "PUT", r(409), false],
    ["Retry-After 0", "GET", r(429, 0), 0],
  ];
  for (const [name, method, outcome, want] of cases) {
    const got = decideRetry(method, 0, outcome, {}, noJitter);
    assert.deepEqual(got, want === false ? { retry: false } : { retry: true, delayMs: want }, name);
  }
});

Deno.test("decideRetry backs off exponentially up to the cap, with bounded jitter", () => {
  const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => {
    const d = decideRetry("GET", n, { kind: "response", code: 500 }, {
      initialDelayMs: 100,
      maxDelayMs: 1000,
    }, noJitter);
    return d.retry ? d.delayMs : -1;
  });
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000, 1000]);
  const jittered = decideRetry("GET", 0, { kind: "network-error" }, {}, () => 0.999);
  assert(jittered.retry && jittered.delayMs > 500 && jittered.delayMs <= 600);
});

Deno.test("decideRetry gives up after maxRetries, and honours a long Retry-After in full", () => {
  const outcome: AttemptOutcome = { kind: "response", code: 429, retryAfterSeconds: 60 };
  assert.deepEqual(decideRetry("GET", 2, outcome, { maxRetries: 2 }, noJitter), {
    retry: false,
  });
  assert.deepEqual(decideRetry("GET", 9, outcome, {}, noJitter), { retry: true, delayMs: 60_000 });
  assert.deepEqual(decideRetry("GET", 10, outcome, {}, noJitter), { retry: false });
  assert.deepEqual(decideRetry("GET", 0, outcome, { maxRetries: 0 }, noJitter), {
    retry: false,
  });
});

Deno.test("parseRetryAfter reads seconds and HTTP dates", () => {
  assert.equal(parseRetryAfter(null, 0), undefined);
  assert.equal(parseRetryAfter(" 7 ", 0), 7);
  assert.equal(parseRetryAfter("-1", 0), undefined);
  assert.equal(parseRetryAfter("1.5", 0), undefined);
  assert.equal(parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 9_500), 1);
  assert.equal(parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 20_000), 0);
  assert.equal(parseRetryAfter("", 0), undefined);
});
