import { strict as assert } from "node:assert";
import { handleProbe, type ProbeHandlerOptions, startProbeServer } from "./health_server.ts";
import { Registry } from "./registry.ts";

async function probe(path: string, options: ProbeHandlerOptions, method = "GET") {
  const response = await handleProbe(new Request(`http://pod${path}`, { method }), options);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

const checks = (ready: boolean): ProbeHandlerOptions => ({
  checks: {
    healthz: { ping: () => true },
    readyz: { "informer-sync": () => ready, "leader": async () => await Promise.resolve(true) },
  },
});

Deno.test("/readyz is 500 until every check passes, listing each check", async () => {
  const failing = await probe("/readyz", checks(false));
  assert.equal(failing.status, 500);
  assert.equal(
    failing.body,
    "[-]informer-sync failed: reason withheld\n[+]leader ok\nreadyz check failed\n",
  );
  assert.equal(failing.headers.get("content-type"), "text/plain; charset=utf-8");
  const passing = await probe("/readyz", checks(true));
  assert.deepEqual([passing.status, passing.body], [200, "ok"]);
});

Deno.test("?verbose lists the passing checks", async () => {
  const { status, body } = await probe("/readyz?verbose", checks(true));
  assert.equal(status, 200);
  assert.equal(body, "[+]informer-sync ok\n[+]leader ok\nreadyz check passed\n");
});

Deno.test("a check that throws fails; /readyz/<name> runs one check and gives the reason", async () => {
  const options = {
    checks: {
      readyz: {
        boom: () => {
          throw new Error("cache not started");
        },
      },
    },
  };
  assert.equal((await probe("/readyz", options)).status, 500);
  const one = await probe("/readyz/boom", options);
  assert.deepEqual([one.status, one.body], [500, "internal server error: cache not started\n"]);
  const ok = await probe("/readyz/leader", checks(true));
  assert.deepEqual([ok.status, ok.body], [200, "ok"]);
  assert.equal((await probe("/readyz/missing", checks(true))).status, 404);
});

Deno.test("?exclude skips a check and warns about names that match none", async () => {
  const { status, body } = await probe(
    "/readyz?exclude=informer-sync&exclude=nope&verbose",
    checks(false),
  );
  assert.equal(status, 200);
  assert.equal(
    body,
    "[+]informer-sync excluded: ok\n[+]leader ok\n" +
      'warn: some health checks cannot be excluded: no matches for "nope"\nreadyz check passed\n',
  );
});

Deno.test("an endpoint without checks answers with the ping check, as controller-runtime", async () => {
  const { status, body } = await probe("/healthz?verbose", { checks: {} });
  assert.deepEqual([status, body], [200, "[+]ping ok\nhealthz check passed\n"]);
});

Deno.test("/metrics serves the registry in text format 0.0.4", async () => {
  const registry = new Registry();
  registry.gauge({ name: "up", help: "Up." }).set(1);
  const { status, body, headers } = await probe("/metrics", { registry });
  assert.equal(status, 200);
  assert.equal(headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  assert.equal(body, "# HELP up Up.\n# TYPE up gauge\nup 1\n");
});

Deno.test("only the configured path sets are served; other methods get 405", async () => {
  assert.equal((await probe("/metrics", checks(true))).status, 404);
  assert.equal((await probe("/healthz", { registry: new Registry() })).status, 404);
  assert.equal((await probe("/", checks(true))).status, 404);
  const post = await probe("/healthz", checks(true), "POST");
  assert.deepEqual([post.status, post.headers.get("allow")], [405, "GET, HEAD"]);
  const head = await probe("/healthz", checks(true), "HEAD");
  assert.deepEqual([head.status, head.body], [200, ""]);
});

Deno.test("startProbeServer serves over TCP and stops when its signal aborts", async () => {
  const stop = new AbortController();
  const registry = new Registry();
  const server = startProbeServer({
    hostname: "127.0.0.1",
    port: 0,
    signal: stop.signal,
    registry,
    ...checks(false),
  });
  assert.ok(server.addr.port > 0);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const readyz = await fetch(`${base}/readyz`);
  assert.equal(readyz.status, 500);
  await readyz.body?.cancel();
  const metrics = await fetch(`${base}/metrics`);
  assert.equal(metrics.status, 200);
  await metrics.body?.cancel();
  stop.abort();
  await server.finished;
  await assert.rejects(fetch(`${base}/healthz`));
});

Deno.test("startProbeServer: probes and metrics on separate listeners, closed by await using", async () => {
  const signal = new AbortController().signal;
  let port: number;
  {
    await using probes = startProbeServer({
      hostname: "127.0.0.1",
      port: 0,
      signal,
      ...checks(true),
    });
    await using metrics = startProbeServer({
      hostname: "127.0.0.1",
      port: 0,
      signal,
      registry: new Registry(),
    });
    port = probes.addr.port;
    const [a, b] = await Promise.all([
      fetch(`http://127.0.0.1:${probes.addr.port}/metrics`),
      fetch(`http://127.0.0.1:${metrics.addr.port}/metrics`),
    ]);
    assert.deepEqual([a.status, b.status], [404, 200]);
    await Promise.all([a.body?.cancel(), b.body?.cancel()]);
  }
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
});

Deno.test("startProbeServer refuses to serve nothing or a bad port, naming it", () => {
  const signal = AbortSignal.abort();
  assert.throws(() => startProbeServer({ port: 0, signal }), /got neither/);
  assert.throws(
    () => startProbeServer({ port: 70000, signal, registry: new Registry() }),
    /got 70000/,
  );
});

Deno.test("startProbeServer with an already aborted signal stops at once", async () => {
  const server = startProbeServer({
    hostname: "127.0.0.1",
    port: 0,
    signal: AbortSignal.abort(),
    registry: new Registry(),
  });
  await server.finished;
});
