/**
 * The health probe and metrics endpoints controller-runtime serves: `/healthz`,
 * `/readyz` and `/metrics`, as a pure `Request` → `Response` function and as a server.
 *
 * @module
 */
import { PROMETHEUS_CONTENT_TYPE, type Registry } from "./registry.ts";

/** A named check: `true` when healthy. Throwing counts as failing. */
export type ProbeCheck = () => boolean | Promise<boolean>;

/** The checks behind `/healthz` and `/readyz`; an endpoint with none answers `[+]ping ok`. */
export interface ProbeChecks {
  /** Liveness checks: the kubelet restarts the pod when they fail. */
  healthz?: Record<string, ProbeCheck>;
  /** Readiness checks, such as "the caches are synced". */
  readyz?: Record<string, ProbeCheck>;
}

/** What {@linkcode handleProbe} serves: probes when `checks` is given, metrics when `registry` is. */
export interface ProbeHandlerOptions {
  /** Serve `/healthz`, `/readyz` and `/<endpoint>/<check name>` from these checks. */
  checks?: ProbeChecks;
  /** Serve `/metrics` from this registry. */
  registry?: Registry;
}

const TEXT = { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" };
const PING: Record<string, ProbeCheck> = { ping: () => true };

/**
 * Answers one probe or metrics request, without a socket:
 * 1. `GET /healthz`, `GET /readyz`: run every check of the endpoint; 200 `ok` when all pass
 *    (with `?verbose`, one `[+]name ok` line each), else 500 listing `[+]name ok` and
 *    `[-]name failed: reason withheld` lines. `?exclude=name` skips a check.
 * 2. `GET /healthz/<name>`, `GET /readyz/<name>`: that check alone, 200 `ok` or 500 with
 *    the reason.
 * 3. `GET /metrics`: the registry in text format 0.0.4.
 * 4. Anything else: 404, or 405 for a method other than `GET` or `HEAD`.
 *
 * @param request The request.
 * @param options The checks and the registry to serve.
 * @returns The response.
 *
 * @example Not ready until synced
 * ```ts
 * import { handleProbe } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * let synced = false;
 * const options = { checks: { readyz: { "informer-sync": () => synced } } };
 * const before = await handleProbe(new Request("http://pod/readyz"), options);
 * assert.equal(before.status, 500);
 * assert.equal(await before.text(), "[-]informer-sync failed: reason withheld\nreadyz check failed\n");
 * synced = true;
 * const after = await handleProbe(new Request("http://pod/readyz?verbose"), options);
 * assert.equal(await after.text(), "[+]informer-sync ok\nreadyz check passed\n");
 * ```
 */
export async function handleProbe(
  request: Request,
  options: ProbeHandlerOptions,
): Promise<Response> {
  const url = new URL(request.url);
  const [, endpoint = "", name, ...rest] = url.pathname.split("/");
  let route: (() => Promise<Response> | Response) | undefined;
  if (endpoint === "metrics" && name === undefined && options.registry) {
    const registry = options.registry;
    route = () =>
      new Response(registry.expose(), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
  } else if ((endpoint === "healthz" || endpoint === "readyz") && options.checks) {
    const given = options.checks[endpoint];
    const checks = given && Object.keys(given).length > 0 ? given : PING;
    const check = name === undefined ? undefined : checks[safeDecode(name)];
    if (name === undefined) route = () => runAll(endpoint, checks, url.searchParams);
    else if (check && rest.length === 0) route = () => runOne(check);
  }
  if (!route) return new Response("404 page not found\n", { status: 404, headers: TEXT });
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("405 method not allowed\n", {
      status: 405,
      headers: { ...TEXT, allow: "GET, HEAD" },
    });
  }
  const response = await route();
  return request.method === "HEAD" ? new Response(null, response) : response;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function outcome(check: ProbeCheck): Promise<string | undefined> {
  try {
    return (await check()) ? undefined : "check returned false";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

async function runAll(
  endpoint: string,
  checks: Record<string, ProbeCheck>,
  query: URLSearchParams,
): Promise<Response> {
  const excluded = new Set(query.getAll("exclude"));
  const names = Object.keys(checks);
  const results = await Promise.all(
    names.map((name) => excluded.has(name) ? undefined : outcome(checks[name] as ProbeCheck)),
  );
  let failed = false;
  let body = "";
  names.forEach((name, i) => {
    if (excluded.delete(name)) body += `[+]${name} excluded: ok\n`;
    else if (results[i] === undefined) body += `[+]${name} ok\n`;
    else {
      failed = true;
      body += `[-]${name} failed: reason withheld\n`;
    }
  });
  if (excluded.size > 0) {
    const quoted = [...excluded].sort().map((n) => JSON.stringify(n)).join(",");
    body += `warn: some health checks cannot be excluded: no matches for ${quoted}\n`;
  }
  if (failed) {
    return new Response(`${body}${endpoint} check failed\n`, { status: 500, headers: TEXT });
  }
  const verbose = query.has("verbose");
  return new Response(verbose ? `${body}${endpoint} check passed\n` : "ok", { headers: TEXT });
}

async function runOne(check: ProbeCheck): Promise<Response> {
  const reason = await outcome(check);
  if (reason === undefined) return new Response("ok", { headers: TEXT });
  return new Response(`internal server error: ${reason}\n`, { status: 500, headers: TEXT });
}

/** Where and what {@linkcode startProbeServer} serves. */
export interface ProbeServerOptions extends ProbeHandlerOptions {
  /** The interface to listen on (default `0.0.0.0`, as controller-runtime's `:8081`). */
  hostname?: string;
  /** The port; 0 picks a free one (see {@linkcode ProbeServer.addr}). */
  port: number;
  /** Stops the server: in-flight requests finish, then {@linkcode ProbeServer.finished} resolves. */
  signal: AbortSignal;
}

/** A running probe or metrics server. */
export interface ProbeServer extends AsyncDisposable {
  /** The address it listens on. */
  readonly addr: Deno.NetAddr;
  /** Resolves once the server has stopped. */
  readonly finished: Promise<void>;
}

/**
 * Serves {@linkcode handleProbe} over HTTP with `Deno.serve` (needs `--allow-net`).
 * controller-runtime serves metrics and probes on two addresses
 * (`--metrics-bind-address :8080`, `--health-probe-bind-address :8081`): start one server
 * with `registry` and another with `checks`, or one with both to share a port.
 *
 * @param options The address, what to serve, and the signal that stops it.
 * @returns The server; `await using` shuts it down.
 *
 * @example Probes on one port, metrics on another
 * ```ts
 * import { Registry, startProbeServer } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const stop = new AbortController();
 * const probes = startProbeServer({
 *   hostname: "127.0.0.1", port: 0, signal: stop.signal,
 *   checks: { healthz: { ping: () => true } },
 * });
 * const metrics = startProbeServer({
 *   hostname: "127.0.0.1", port: 0, signal: stop.signal, registry: new Registry(),
 * });
 * const healthz = await fetch(`http://127.0.0.1:${probes.addr.port}/healthz`);
 * assert.equal(await healthz.text(), "ok");
 * const notHere = await fetch(`http://127.0.0.1:${probes.addr.port}/metrics`);
 * assert.equal(notHere.status, 404);
 * await notHere.body?.cancel();
 * const scrape = await fetch(`http://127.0.0.1:${metrics.addr.port}/metrics`);
 * assert.equal(scrape.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
 * await scrape.body?.cancel();
 * stop.abort();
 * await Promise.all([probes.finished, metrics.finished]);
 * ```
 */
export function startProbeServer(options: ProbeServerOptions): ProbeServer {
  const { hostname = "0.0.0.0", port, signal, checks, registry } = options;
  if (!checks && !registry) {
    throw new TypeError(
      "startProbeServer: give options.checks, options.registry or both, got neither",
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`startProbeServer: port must be an integer in 0..65535, got ${port}`);
  }
  const handlerOptions: ProbeHandlerOptions = {};
  if (checks) handlerOptions.checks = checks;
  if (registry) handlerOptions.registry = registry;
  const server = Deno.serve(
    { hostname, port, signal, onListen: () => {} },
    (request) => handleProbe(request, handlerOptions),
  );
  // Deno.serve only listens for a later abort: stop at once when already aborted.
  if (signal.aborted) void server.shutdown();
  return {
    addr: server.addr as Deno.NetAddr,
    finished: server.finished,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await server.finished;
    },
  };
}
