import { strict as assert } from "node:assert";
import { isNotFound, KubeApiError } from "./kube_api_error.ts";
import { KubeClient, type RequestMetrics } from "./kube_client.ts";
import { clientOnFake as setup, secret } from "./_test_helpers.ts";

const SECRETS = "/api/v1/namespaces/default/secrets";

Deno.test("performRequest answers JSON, bytes, a byte stream or a JSON stream", async () => {
  const { server, client } = setup();
  await using _ = server;
  const json = await client.performRequest({ method: "GET", path: "/version", expectJson: true });
  assert.equal((json as { major: string }).major, "1");
  const bytes = await client.performRequest({ method: "GET", path: "/healthz" });
  assert.equal(new TextDecoder().decode(bytes), "ok");
  const stream = await client.performRequest({
    method: "GET",
    path: "/healthz",
    expectStream: true,
  });
  assert.equal(await new Response(stream).text(), "ok");
  const values = await client.performRequest({
    method: "GET",
    path: "/api/v1/namespaces",
    querystring: new URLSearchParams({ watch: "true", timeoutSeconds: "0" }),
    expectJson: true,
    expectStream: true,
  });
  const reader = values.getReader();
  const first = await reader.read();
  assert.equal((first.value as { type: string }).type, "ADDED");
  await reader.cancel();
});

Deno.test("performRequest sends method, query, headers and body as asked", async () => {
  const { server, client, seen } = setup({ userAgent: "my-issuer/1.0" });
  await using _ = server;
  await client.performRequest({
    method: "POST",
    path: SECRETS,
    querystring: new URLSearchParams({ fieldManager: "me" }),
    bodyJson: secret("a"),
    expectJson: true,
  });
  await client.performRequest({
    method: "PATCH",
    path: `${SECRETS}/a`,
    contentType: "application/merge-patch+json",
    bodyRaw: new TextEncoder().encode('{"metadata":{"labels":{"x":"y"}}}'),
    accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
  });
  const [post, patch] = seen;
  assert(post && patch);
  assert.equal(post.url, `http://fake${SECRETS}?fieldManager=me`);
  assert.equal(post.headers.get("content-type"), "application/json");
  assert.equal(post.headers.get("accept"), "application/json");
  assert.equal(post.headers.get("user-agent"), "my-issuer/1.0");
  assert.deepEqual(await post.json(), secret("a"));
  assert.equal(patch.headers.get("content-type"), "application/merge-patch+json");
  assert.equal(patch.headers.get("accept"), "application/json;as=Table;v=v1;g=meta.k8s.io");
  const stored = server.get("secrets", "default", "a") as { metadata: { labels: unknown } };
  assert.deepEqual(stored.metadata.labels, { x: "y" });
  assert.equal(server.requests.entries({ verb: "create" })[0]?.fieldManager, "me");
});

Deno.test("a base URL with a path prefix keeps the prefix", async () => {
  const urls: string[] = [];
  using client = new KubeClient("https://rancher.example/k8s/clusters/c-1/", (req) => {
    urls.push(req.url);
    return Promise.resolve(Response.json({}));
  });
  await client.performRequest({ method: "GET", path: "/api", expectJson: true });
  assert.deepEqual(urls, ["https://rancher.example/k8s/clusters/c-1/api"]);
});

Deno.test("error answers throw KubeApiError: Status bodies and plain text alike", async () => {
  const { server, client } = setup();
  await using _ = server;
  await assert.rejects(
    client.performRequest({ method: "GET", path: `${SECRETS}/missing`, expectJson: true }),
    (e: unknown) =>
      isNotFound(e) && e instanceof KubeApiError &&
      e.message === `GET ${SECRETS}/missing: 404 NotFound: secrets "missing" not found`,
  );
  await assert.rejects(
    client.performRequest({ method: "GET", path: "/no/such/path", expectJson: true }),
    (e: unknown) =>
      isNotFound(e) && e instanceof KubeApiError &&
      e.message ===
        'GET /no/such/path: 404 NotFound: the server responded with "404 page not found"',
  );
});

Deno.test("onResponse hears every attempt with method, code and host", async () => {
  const metrics: RequestMetrics[] = [];
  const { server, client, clock } = setup({ onResponse: (m) => metrics.push(m) });
  await using _ = server;
  server.faults.add({ match: { verb: "get" }, fail: { code: 429, retryAfterSeconds: 1 } });
  const reading = client.performRequest({ method: "GET", path: "/api/v1/namespaces/default" });
  await clock.whenSleeping();
  await clock.advance(1000);
  await reading;
  assert.deepEqual(metrics, [
    { method: "GET", code: "429", host: "fake", durationMs: 0 },
    { method: "GET", code: "200", host: "fake", durationMs: 0 },
  ]);
  using failing = new KubeClient(
    "https://api.example:6443",
    () => Promise.reject(new TypeError("refused")),
    { retry: false, onResponse: (m) => metrics.push(m) },
  );
  await assert.rejects(failing.performRequest({ method: "POST", path: "/api" }), /refused/);
  assert.equal(metrics.at(-1)?.code, "<error>");
  assert.equal(metrics.at(-1)?.host, "api.example:6443");
});

Deno.test("a 2xx body that is not JSON fails with a SyntaxError quoting it; an empty one is undefined", async () => {
  using client = new KubeClient("http://x", () => Promise.resolve(new Response("<html>")));
  await assert.rejects(
    client.performRequest({ method: "GET", path: "/api", expectJson: true }),
    (e: unknown) =>
      e instanceof SyntaxError &&
      e.message === 'KubeClient: GET /api answered a body that is not JSON: "<html>"',
  );
  using empty = new KubeClient(
    "http://x",
    () => Promise.resolve(new Response(null, { status: 204 })),
  );
  assert.equal(
    await empty.performRequest({ method: "DELETE", path: "/x", expectJson: true }),
    undefined,
  );
});

Deno.test("misuse is refused with the value named; close releases the transport", async () => {
  assert.throws(() => new KubeClient("not a url", fetch), /server must be a URL, got "not a url"/);
  assert.throws(
    () => new KubeClient("http://x", fetch, { timeoutMs: -1 }),
    /timeoutMs must be >= 0, got -1/,
  );
  let closed = 0;
  const transport = Object.assign(() => Promise.resolve(new Response()), {
    [Symbol.dispose]: () => void closed++,
  });
  {
    using client = new KubeClient("http://x", transport, { defaultNamespace: "team-a" });
    assert.equal(client.defaultNamespace, "team-a");
    await assert.rejects(
      client.performRequest({ method: "GET", path: "/", expectTunnel: ["v5.channel.k8s.io"] }),
      /tunnels \(v5.channel.k8s.io\) are not supported/,
    );
  }
  assert.equal(closed, 1);
});
