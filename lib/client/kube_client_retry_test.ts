/** How KubeClient retries, times out, honours aborts and rate-limits, all on a fake clock. */
import { strict as assert } from "node:assert";
import { FakeApiServer } from "../testing/mod.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { isTooManyRequests, KubeApiError } from "./kube_api_error.ts";
import { KubeClient } from "./kube_client.ts";
import type { Transport } from "./transport.ts";
import { clientOnFake as setup, drive, secret } from "./_test_helpers.ts";

const SECRETS = "/api/v1/namespaces/default/secrets";

Deno.test("429 with Retry-After waits exactly that long by the clock, for any verb", async () => {
  const { server, client, clock } = setup();
  await using _ = server;
  server.faults.add({
    match: { verb: "create", resource: "secrets" },
    fail: { code: 429, retryAfterSeconds: 1 },
  });
  let done = false;
  const creating = client.performRequest({
    method: "POST",
    path: SECRETS,
    bodyJson: secret("a"),
    expectJson: true,
  }).then((v) => (done = true, v));
  await clock.whenSleeping();
  assert.equal(server.requests.count({ verb: "create" }), 1);
  await clock.advance(999);
  assert.equal(done, false);
  assert.equal(server.requests.count({ verb: "create" }), 1);
  await clock.advance(1);
  const created = await creating as { metadata: { name: string } };
  assert.equal(created.metadata.name, "a");
  assert.equal(server.requests.count({ verb: "create" }), 2);
});

Deno.test("a plain-text 429 without Retry-After is retried with backoff", async () => {
  const { server, client, clock } = setup({ retry: { initialDelayMs: 200 } });
  await using _ = server;
  server.faults.add({ match: { verb: "get" }, fail: { code: 429, plainText: true }, times: 2 });
  const reading = client.performRequest({ method: "GET", path: "/api/v1/namespaces/default" });
  await clock.whenSleeping();
  await clock.advance(200);
  await clock.whenSleeping();
  await clock.advance(400);
  await reading;
  assert.equal(server.requests.count({ verb: "get" }), 3);
});

Deno.test("500 is retried for GET but not for POST", async () => {
  const { server, client, clock } = setup();
  await using _ = server;
  server.faults.add({
    match: { verb: "get", resource: "namespaces" },
    fail: { code: 500 },
    times: 2,
  });
  await drive(
    clock,
    client.performRequest({ method: "GET", path: "/api/v1/namespaces/default", expectJson: true }),
  );
  assert.equal(server.requests.count({ verb: "get", resource: "namespaces" }), 3);

  server.faults.add({ match: { verb: "create" }, fail: { code: 500 } });
  await assert.rejects(
    client.performRequest({
      method: "POST",
      path: SECRETS,
      bodyJson: secret("b"),
      expectJson: true,
    }),
    (e: unknown) => e instanceof KubeApiError && e.code === 500,
  );
  assert.equal(server.requests.count({ verb: "create" }), 1);
  assert.equal(clock.pendingSleeps, 0);
});

Deno.test("503 with Retry-After is retried even for POST, as client-go does", async () => {
  const { server, client, clock } = setup();
  await using _ = server;
  server.faults.add({ match: { verb: "create" }, fail: { code: 503, retryAfterSeconds: 2 } });
  const creating = client.performRequest({
    method: "POST",
    path: SECRETS,
    bodyJson: secret("c"),
    expectJson: true,
  });
  await clock.whenSleeping();
  await clock.advance(2000);
  await creating;
  assert.equal(server.requests.count({ verb: "create" }), 2);
});

Deno.test("retries stop after maxRetries, and `retry: false` never retries", async () => {
  const { server, client, clock } = setup({ retry: { maxRetries: 2, initialDelayMs: 10 } });
  await using _ = server;
  server.faults.add({ match: { verb: "list" }, fail: { code: 429 }, times: Infinity });
  const start = clock.now();
  await assert.rejects(
    drive(clock, client.performRequest({ method: "GET", path: "/api/v1/namespaces" })),
    isTooManyRequests,
  );
  assert.equal(clock.now() - start, 10 + 20);
  assert.equal(server.requests.count({ verb: "list" }), 3);

  using noRetry = new KubeClient("http://fake", server.fetch, { clock, retry: false });
  await assert.rejects(noRetry.performRequest({ method: "GET", path: "/api/v1/namespaces" }));
  assert.equal(server.requests.count({ verb: "list" }), 4);
});

Deno.test("connection errors are retried for GET only, and streamed bodies never", async () => {
  const clock = new FakeClock(0);
  let calls = 0;
  const flaky: Transport = () => {
    calls++;
    return calls % 2 === 1
      ? Promise.reject(new TypeError("connection reset by peer"))
      : Promise.resolve(Response.json({ ok: true }));
  };
  using client = new KubeClient("http://fake", flaky, { clock, random: () => 0 });
  const reading = client.performRequest({ method: "GET", path: "/api", expectJson: true });
  await clock.whenSleeping();
  await clock.advance(500);
  assert.deepEqual(await reading, { ok: true });
  assert.equal(calls, 2);

  await assert.rejects(
    client.performRequest({ method: "POST", path: "/api", bodyJson: {}, expectJson: true }),
    /connection reset by peer/,
  );
  assert.equal(calls, 3);

  let denied = 0;
  using noPermission = new KubeClient("http://fake", () => {
    denied++;
    return Promise.reject(new Deno.errors.NotCapable('Requires net access to "fake:80"'));
  }, { clock });
  await assert.rejects(
    noPermission.performRequest({ method: "GET", path: "/api" }),
    Deno.errors.NotCapable,
  );
  assert.equal(denied, 1, "only connection failures (TypeError) are retried");
  let throttled = 0;
  using streaming = new KubeClient("http://fake", () => {
    throttled++;
    return Promise.resolve(new Response("slow down", { status: 429 }));
  }, { clock });
  await assert.rejects(
    streaming.performRequest({
      method: "POST",
      path: "/api",
      bodyStream: ReadableStream.from([new Uint8Array([1])]),
    }),
    isTooManyRequests,
  );
  assert.equal(throttled, 1, "a streamed body cannot be replayed");
  await assert.rejects(
    streaming.performRequest({ method: "GET", path: "/", bodyRaw: new Uint8Array() }),
    /GET\/HEAD method cannot have body/,
  );
  assert.equal(throttled, 1, "a request that cannot be built is not sent");
});

Deno.test("a request that outlives timeoutMs rejects with a TimeoutError", async () => {
  const clock = new FakeClock(0);
  const server = new FakeApiServer({ clock });
  await using _ = server;
  server.faults.add({ match: { verb: "get" }, latencyMs: 60_000 });
  using client = new KubeClient("http://fake", server.fetch, { clock, timeoutMs: 5_000 });
  const reading = client.performRequest({ method: "GET", path: "/api/v1/namespaces/default" });
  reading.catch(() => {});
  await clock.whenSleeping(2);
  await clock.advance(5_000);
  await assert.rejects(
    reading,
    (e: unknown) =>
      e instanceof DOMException && e.name === "TimeoutError" &&
      e.message === "GET /api/v1/namespaces/default did not complete within 5000 ms",
  );
  assert.equal(server.requests.count({ verb: "get" }), 1, "a timeout is not retried");
});

Deno.test("a transport that ignores the abort still cannot hold a request past its timeout", async () => {
  const clock = new FakeClock(0);
  const late = Promise.withResolvers<Response>();
  let cancelled = false;
  using client = new KubeClient("http://fake", () => late.promise, { clock, timeoutMs: 1000 });
  const reading = client.performRequest({ method: "GET", path: "/api" });
  reading.catch(() => {});
  await clock.whenSleeping();
  await clock.advance(1000);
  await assert.rejects(reading, { name: "TimeoutError" });
  late.resolve(new Response(new ReadableStream({ cancel: () => void (cancelled = true) })));
  await late.promise;
  await Promise.resolve();
  assert.equal(cancelled, true, "the late response body is released");
});

Deno.test("the caller's signal aborts a request and a retry wait", async () => {
  const { server, client, clock } = setup();
  await using _ = server;
  server.faults.add({ match: { verb: "get" }, fail: { code: 429, retryAfterSeconds: 10 } });
  const stop = new AbortController();
  const reading = client.performRequest({
    method: "GET",
    path: "/api/v1/namespaces/default",
    abortSignal: stop.signal,
  });
  reading.catch(() => {});
  await clock.whenSleeping();
  stop.abort(new Error("shutting down"));
  await assert.rejects(reading, /shutting down/);
  await assert.rejects(
    client.performRequest({ method: "GET", path: "/api", abortSignal: stop.signal }),
    /shutting down/,
  );
});

Deno.test("the rate limit spaces requests by the clock", async () => {
  const { server, client, clock } = setup({ rateLimit: { qps: 1, burst: 1 } });
  await using _ = server;
  await client.performRequest({ method: "GET", path: "/version" });
  let second = false;
  const pending = client.performRequest({ method: "GET", path: "/version" }).then(() =>
    second = true
  );
  await clock.whenSleeping();
  await clock.advance(999);
  assert.equal(second, false);
  await clock.advance(1);
  await pending;
  assert.equal(second, true);
});
