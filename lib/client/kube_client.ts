/**
 * The client: {@linkcode RestClient.performRequest} over a {@linkcode Transport}, with a
 * timeout per request, retries of throttled and failed requests, an optional
 * client-side rate limit and a metrics hook. Every wait goes through the injected
 * {@linkcode Clock}.
 *
 * @module
 */
import { type Clock, systemClock } from "../core/clock.ts";
import type { ClusterConnection } from "./connection.ts";
import { jsonLines } from "./json_lines.ts";
import { KubeApiError } from "./kube_api_error.ts";
import { type RateLimiter, TokenBucketRateLimiter } from "./rate_limiter.ts";
import type { RequestOptions, RestClient, RestJsonValue } from "./rest_client.ts";
import {
  type AttemptOutcome,
  decideRetry,
  parseRetryAfter,
  type RetryOptions,
} from "./retry_policy.ts";
import { fetchTransport, type Transport } from "./transport.ts";
import { Attempt } from "./_attempt.ts";

/** What the metrics hook hears about each attempt (controller-runtime's `rest_client_requests_total`). */
export interface RequestMetrics {
  /** The HTTP method. */
  method: string;
  /** The HTTP status code as text, or `<error>` when no response came. */
  code: string;
  /** The API server's `host:port`. */
  host: string;
  /** How long the attempt took until the response headers, by the client's clock. */
  durationMs: number;
}

/** Options of {@linkcode KubeClient}. */
export interface KubeClientOptions {
  /** The clock for timeouts, backoff and rate limiting (default: the real clock). */
  clock?: Clock;
  /** Random numbers for backoff jitter (default `Math.random`). */
  random?: () => number;
  /** Time limit of a non-streaming request, body included (default 30 s; 0: none). Watches have none. */
  timeoutMs?: number;
  /** Retry limits and delays, or `false` to never retry. */
  retry?: RetryOptions | false;
  /** A client-side rate limit: `{ qps, burst }` or a shared limiter. Off by default. */
  rateLimit?: { qps: number; burst: number } | RateLimiter;
  /** The `User-Agent` header (the API server's default field manager is its first word). */
  userAgent?: string;
  /** The default namespace ({@linkcode RestClient.defaultNamespace}). */
  defaultNamespace?: string;
  /** Called after every attempt, for request metrics. */
  onResponse?: (metrics: RequestMetrics) => void;
}

/**
 * A production client for the Kubernetes API with the shape of
 * `@cloudydeno/kubernetes-client`'s `RestClient`. Error answers throw
 * {@linkcode KubeApiError}; `429` and server errors are retried as
 * {@linkcode decideRetry} says; a request that outlives `timeoutMs` rejects with a
 * `TimeoutError` `DOMException`.
 *
 * @example Against the in-process fake API server
 * ```ts
 * import { KubeClient } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * const ns = await client.performRequest({ method: "GET", path: "/api/v1/namespaces/default", expectJson: true });
 * assert.equal((ns as { metadata: { name: string } }).metadata.name, "default");
 * ```
 */
export class KubeClient implements RestClient, Disposable {
  /** The default namespace, if configured. */
  defaultNamespace?: string;
  readonly #base: string;
  readonly #host: string;
  readonly #transport: Transport;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #timeoutMs: number;
  readonly #retry: RetryOptions | false;
  readonly #limiter: RateLimiter | undefined;
  readonly #userAgent: string;
  readonly #onResponse: ((metrics: RequestMetrics) => void) | undefined;
  readonly #onClose: (() => void) | undefined;

  /**
   * Creates a client.
   *
   * @param server The API server URL (a path prefix is kept).
   * @param transport Sends the requests: {@linkcode fetchTransport} or a fake's `fetch`.
   * @param options Timeouts, retries, rate limit, clock and hooks.
   * @throws {TypeError} When `server` is not a URL.
   * @throws {RangeError} When `timeoutMs` is negative.
   */
  constructor(server: string, transport: Transport, options: KubeClientOptions = {}) {
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new TypeError(`KubeClient: server must be a URL, got ${JSON.stringify(server)}`);
    }
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (!(timeoutMs >= 0)) {
      throw new RangeError(`KubeClient: timeoutMs must be >= 0, got ${options.timeoutMs}`);
    }
    this.#base = url.href.replace(/\/+$/, "");
    this.#host = url.host;
    this.#transport = transport;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#timeoutMs = timeoutMs;
    this.#retry = options.retry ?? {};
    const limit = options.rateLimit;
    this.#limiter = limit === undefined || "acquire" in limit
      ? limit
      : new TokenBucketRateLimiter({ ...limit, clock: this.#clock });
    this.#userAgent = options.userAgent ?? "certkit-issuer-lib";
    this.#onResponse = options.onResponse;
    if (options.defaultNamespace !== undefined) this.defaultNamespace = options.defaultNamespace;
    this.#onClose = (transport as Partial<Disposable>)[Symbol.dispose]?.bind(transport);
  }

  /**
   * Creates a client for a cluster connection (from kubeconfig or in-cluster
   * configuration) over {@linkcode fetchTransport}; closing the client closes its TLS
   * client.
   *
   * @param connection The cluster.
   * @param options Timeouts, retries, rate limit, clock and hooks.
   * @returns The client, with the connection's namespace as default.
   */
  static fromConnection(
    connection: ClusterConnection,
    options: KubeClientOptions = {},
  ): KubeClient {
    return new KubeClient(connection.server, fetchTransport(connection), {
      defaultNamespace: connection.namespace,
      ...options,
    });
  }

  /** Sends a request and streams its JSON values (one per line), such as watch events. */
  performRequest(
    opts: RequestOptions & { expectStream: true; expectJson: true },
  ): Promise<ReadableStream<RestJsonValue>>;
  /** Sends a request and returns the body as a byte stream. */
  performRequest(
    opts: RequestOptions & { expectStream: true },
  ): Promise<ReadableStream<Uint8Array>>;
  /** Sends a request and returns the decoded JSON body. */
  performRequest(opts: RequestOptions & { expectJson: true }): Promise<RestJsonValue>;
  /** Sends a request and returns the body bytes. */
  performRequest(opts: RequestOptions): Promise<Uint8Array>;
  async performRequest(opts: RequestOptions): Promise<unknown> {
    if (opts.expectTunnel) {
      throw new TypeError(
        `KubeClient: tunnels (${opts.expectTunnel.join(", ")}) are not supported`,
      );
    }
    const query = opts.querystring?.toString() ?? "";
    const path = query ? `${opts.path}?${query}` : opts.path;
    const replayable = opts.bodyStream === undefined;
    const timeoutMs = opts.expectStream ? 0 : this.#timeoutMs;
    for (let retries = 0;; retries++) {
      opts.abortSignal?.throwIfAborted();
      await this.#limiter?.acquire(opts.abortSignal);
      const attempt = new Attempt(this.#clock, timeoutMs, opts.abortSignal, opts.method, path);
      let request: Request;
      try {
        request = this.#request(opts, path, attempt.signal);
      } catch (e) {
        attempt.done();
        throw e;
      }
      const start = this.#clock.now();
      let outcome: AttemptOutcome;
      let failure: unknown;
      try {
        const response = await attempt.run(this.#transport(request));
        this.#report(opts.method, String(response.status), start);
        if (response.ok) {
          if (opts.expectStream) {
            attempt.done();
            const body = response.body ?? ReadableStream.from<Uint8Array>([]);
            return opts.expectJson ? jsonLines(body) : body;
          }
          const bytes = new Uint8Array(await attempt.run(response.arrayBuffer()));
          attempt.done();
          if (!opts.expectJson) return bytes;
          return parseJson(new TextDecoder().decode(bytes), opts.method, path);
        }
        const text = await attempt.run(response.text());
        attempt.done();
        const header = parseRetryAfter(response.headers.get("retry-after"), this.#clock.now());
        failure = KubeApiError.fromBody(response.status, text, {
          method: opts.method,
          path,
          ...(header === undefined ? {} : { retryAfterSeconds: header }),
        });
        const retryAfterSeconds = header ?? (failure as KubeApiError).retryAfterSeconds;
        outcome = retryAfterSeconds === undefined
          ? { kind: "response", code: response.status }
          : { kind: "response", code: response.status, retryAfterSeconds };
      } catch (e) {
        attempt.done();
        // fetch rejects with a TypeError when the connection fails; anything else (a
        // credential plugin failing, a missing permission, bad JSON) is not retried.
        if (opts.abortSignal?.aborted || attempt.timedOut || !(e instanceof TypeError)) throw e;
        this.#report(opts.method, "<error>", start);
        failure = e;
        outcome = { kind: "network-error" };
      }
      const decision = this.#retry === false || !replayable
        ? { retry: false as const }
        : decideRetry(opts.method, retries, outcome, this.#retry, this.#random);
      if (!decision.retry) throw failure;
      await this.#clock.sleep(decision.delayMs, opts.abortSignal);
    }
  }

  /** Closes the transport, when the client owns one that can be closed. */
  close(): void {
    this.#onClose?.();
  }

  /** Same as {@linkcode KubeClient.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #request(opts: RequestOptions, path: string, signal: AbortSignal): Request {
    const headers = new Headers({ "user-agent": this.#userAgent });
    const accept = opts.accept ?? (opts.expectJson ? "application/json" : undefined);
    if (accept) headers.set("accept", accept);
    let body: BodyInit | undefined;
    if (opts.bodyJson !== undefined) body = JSON.stringify(opts.bodyJson);
    else if (opts.bodyRaw !== undefined) body = opts.bodyRaw as Uint8Array<ArrayBuffer>;
    else if (opts.bodyStream !== undefined) body = opts.bodyStream;
    const contentType = opts.contentType ??
      (opts.bodyJson !== undefined ? "application/json" : undefined);
    if (contentType && body !== undefined) headers.set("content-type", contentType);
    return new Request(`${this.#base}${path}`, {
      method: opts.method,
      headers,
      signal,
      redirect: "error",
      ...(body === undefined ? {} : { body }),
    });
  }

  #report(method: string, code: string, start: number): void {
    this.#onResponse?.({ method, code, host: this.#host, durationMs: this.#clock.now() - start });
  }
}

function parseJson(text: string, method: string, path: string): RestJsonValue {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    throw new SyntaxError(
      `KubeClient: ${method} ${path} answered a body that is not JSON: ${JSON.stringify(shown)}`,
      { cause: e },
    );
  }
}
