/**
 * The in-memory Kubernetes API server: the real HTTP API, served to a `fetch`-shaped
 * handler (no sockets) or on loopback for `kubectl` and other processes.
 *
 * @module
 */
import { type Clock, systemClock } from "../../core/clock.ts";
import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.ts";
import { formatTime } from "../../core/time.ts";
import type { UserInfo } from "./_types.ts";
import {
  badRequest,
  failure,
  invalid,
  methodNotAllowed,
  notFound,
  requestEntityTooLarge,
  StatusError,
  unauthorized,
  unsupportedMediaType,
} from "./_errors.ts";
import { decodeProtobufObject, PROTOBUF_MEDIA_TYPE, ProtobufDecodeError } from "./_protobuf.ts";
import { parseRequestInfo, type RequestInfo } from "./_request_info.ts";
import { ObjectStore, type StoreEvent } from "./_store.ts";
import { ResourceRegistry, type ServedResource } from "./_registry.ts";
import { storageFor, strategyFor } from "./_builtins.ts";
import { metadataOf, objectField, type WriteContext } from "./_strategy.ts";
import {
  checkTypeMeta,
  createObject,
  decodeObject,
  deleteObject,
  patchObject,
  updateObject,
  type WriteRequest,
  type WriteResult,
} from "./_writes.ts";
import { readListOptions } from "./_list_options.ts";
import { ContinueTokens, getObject, listObjects, objectFilter } from "./_reads.ts";
import { type OpenWatch, openWatch } from "./_watch.ts";
import {
  type Authorizer,
  forbiddenError,
  type PolicyRule,
  RuleAuthorizer,
  selfSubjectAccessReview,
  subjectAccessReview,
  type SubjectAccessReviewSpec,
  TokenAuthenticator,
} from "./_auth.ts";
import { FaultInjector } from "./faults.ts";
import { RequestLog } from "./request_log.ts";
import type { RequestFacts } from "./request_match.ts";
import { builtinResources, subresourceVerbs, verbsOf } from "./_builtin_resources.ts";
import { crdStatus, resourcesFromCrd } from "./_crd.ts";
import { serveDiscovery } from "./_discovery_routes.ts";
import { tableWatchEvents, toTable, wantsTable } from "./_table.ts";
import { generateServingCertificates, type ServingCertificates } from "./tls.ts";
import { startTlsFront } from "./_tls_front.ts";
import { kubeconfigYaml } from "./kubeconfig.ts";
import { goJsonSyntaxError, goJsonTypeName } from "./_patch/go_json.ts";
import { parseAllDocuments } from "yaml";

/** Options of {@linkcode FakeApiServer}. */
export interface FakeApiServerOptions {
  /** The clock for timestamps, watch timeouts and injected latency (default: the real clock). */
  clock?: Clock;
  /** Random numbers for UIDs, generated names and fault ratios (default `Math.random`). */
  random?: () => number;
  /** How many changes per resource are kept for watches to resume from (default 10,000). */
  historyLimit?: number;
  /** CustomResourceDefinitions to serve from the start: objects or YAML text (several documents allowed). */
  crds?: readonly (JsonObject | string)[];
  /** Namespaces to create besides `default`, `kube-system`, `kube-public` and `kube-node-lease`. */
  namespaces?: readonly string[];
  /**
   * Bearer tokens and the users they stand for. When given, every request must carry
   * one of them (`kubectl` sends tokens only over HTTPS: use `listen({ tls: true })`).
   * Without it, requests with no token run as the cluster admin and requests with a
   * token added by {@linkcode FakeApiServer.addToken} run as its user.
   */
  tokens?: Readonly<Record<string, UserInfo>>;
  /** With `tokens`: let requests without a token through as `system:anonymous`. */
  anonymous?: boolean;
  /**
   * RBAC-like rules by user or group name, as Roles and bindings would grant them.
   * Users in `system:masters` (the admin) may do everything; everyone else only what
   * their rules allow. More can be granted later with {@linkcode FakeApiServer.grant}.
   */
  rules?: Readonly<Record<string, readonly PolicyRule[]>>;
  /** The largest request body accepted, in bytes (default 3 MiB, as kube-apiserver). */
  maxBodyBytes?: number;
}

/** Options of {@linkcode FakeApiServer.listen}. */
export interface ListenOptions {
  /** The port (default 0: any free port). */
  port?: number;
  /** The address (default `127.0.0.1`). */
  hostname?: string;
  /** Serve HTTPS: `true` generates a CA and serving certificate; or pass your own. */
  tls?: boolean | ServingCertificates;
  /** Stops the listener when aborted. */
  signal?: AbortSignal;
}

/** A fake API server listening on a socket. */
export interface ListeningApiServer extends AsyncDisposable {
  /** The base URL, such as `https://127.0.0.1:41234`. */
  readonly url: string;
  /** The port. */
  readonly port: number;
  /** The CA certificate clients should trust (HTTPS only). */
  readonly caCertPem: string | undefined;
  /**
   * A kubeconfig for this server.
   *
   * @param options A bearer token and default namespace to put in it.
   */
  kubeconfig(options?: { token?: string; namespace?: string }): string;
  /** Stops listening and ends open watches; resolves once the socket is closed. */
  close(): Promise<void>;
}

const ADMIN: UserInfo = {
  username: "system:admin",
  groups: ["system:masters", "system:authenticated"],
};
const DEFAULT_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];
/** How long after a namespace's deletion the fake's namespace controller starts emptying it. */
const NAMESPACE_CONTROLLER_DELAY_MS = 100;

/** A Status with empty `details`, as go-restful's error handler writes it. */
function restfulStatus(code: number, reason: string, message: string): Response {
  return jsonResponse(code, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    details: {},
    code,
  });
}

/** 404 for a path under a built-in group that no route serves. */
function restfulNotFound(): Response {
  return restfulStatus(404, "NotFound", "the server could not find the requested resource");
}

/** 405 for a method a built-in path has no route for. */
function restfulMethodNotAllowed(): Response {
  return restfulStatus(
    405,
    "MethodNotAllowed",
    "the server does not allow this method on the requested resource",
  );
}

/** The patch types the built-in types' PATCH routes consume. */
const BUILTIN_PATCH_TYPES = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
];

/** The media types object bodies may be sent in (also listed for custom resources). */
const BODY_TYPES = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];

function mediaTypeOf(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

function plainNotFound(): Response {
  return new Response("404 page not found\n", {
    status: 404,
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
  });
}

function jsonResponse(
  code: number,
  body: JsonValue,
  headers: Record<string, string> = {},
  warnings: string[] = [],
) {
  const h = new Headers({
    "content-type": "application/json",
    "cache-control": "no-cache, private",
    ...headers,
  });
  for (const w of warnings) h.append("warning", `299 - ${JSON.stringify(w)}`);
  return new Response(JSON.stringify(body), { status: code, headers: h });
}

/** Reads a body as text, refusing more than `limit` bytes. */
async function readText(req: Request, limit: number): Promise<string> {
  return new TextDecoder().decode(await readBytes(req, limit));
}

/** Reads a body, refusing more than `limit` bytes. */
async function readBytes(req: Request, limit: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw requestEntityTooLarge(`limit is ${limit}`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return all;
}

/**
 * An in-memory Kubernetes API server (kube-apiserver 1.32 behaviour) for tests.
 *
 * Use {@linkcode FakeApiServer.fetch} as the transport of a client to test without
 * sockets, or {@linkcode FakeApiServer.listen} to serve `kubectl` and other processes
 * on loopback. Load CRDs to serve custom resources; inject faults, read the request
 * log, cut watches or compact history to test how clients recover.
 *
 * Bodies are JSON or YAML; protobuf is decoded for the built-in kinds kubectl's typed
 * clients send that way (Namespace, Secret, ConfigMap, CertificateSigningRequest, Lease
 * and the access reviews); other protobuf bodies get 415. `/openapi/v2` answers 404
 * (kubectl 1.32 tolerates it), where a real server serves the document.
 *
 * @example Creating and reading a Secret without a socket
 * ```ts
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * const created = await server.fetch(new Request("http://fake/api/v1/namespaces/default/secrets", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: { k: "v" } }),
 * }));
 * assert.equal(created.status, 201);
 * const secret = await created.json();
 * assert.equal(secret.data.k, btoa("v"));
 * ```
 */
export class FakeApiServer implements AsyncDisposable {
  /** Fault injection rules. */
  readonly faults: FaultInjector;
  /** Every request answered. */
  readonly requests: RequestLog;
  /** The clock the server reads. */
  readonly clock: Clock;
  readonly #random: () => number;
  readonly #store: ObjectStore;
  readonly #registry = new ResourceRegistry();
  readonly #tokens = new ContinueTokens();
  readonly #watches = new Set<OpenWatch>();
  readonly #authenticator: TokenAuthenticator;
  readonly #authorizer: RuleAuthorizer;
  readonly #requireToken: boolean;
  readonly #maxBody: number;
  readonly #closing = new AbortController();
  #listeners = new Set<ListeningApiServer>();

  /**
   * Creates a server with the built-in types, the default namespaces and any CRDs given.
   *
   * @param options Clock, CRDs, authentication and authorization, limits.
   */
  constructor(options: FakeApiServerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#store = new ObjectStore({ historyLimit: options.historyLimit ?? 10_000 });
    this.faults = new FaultInjector(this.#random);
    this.requests = new RequestLog();
    this.#maxBody = options.maxBodyBytes ?? 3 * 1024 * 1024;
    this.#requireToken = options.tokens !== undefined;
    this.#authenticator = new TokenAuthenticator({ ...(options.tokens ?? {}) }, {
      anonymous: options.anonymous ?? false,
    });
    const rules: Record<string, PolicyRule[]> = {};
    for (const [k, v] of Object.entries(options.rules ?? {})) rules[k] = [...v];
    this.#authorizer = new RuleAuthorizer(rules);
    for (const info of builtinResources()) {
      const { storeKey, codec } = storageFor(info);
      this.#registry.add(info, strategyFor(info), storeKey, codec);
      // A resource's watch history starts when it is first served, as a watch cache does.
      this.#store.bucket(storeKey);
    }
    this.#store.bucket("apiextensions.k8s.io/customresourcedefinitions").listeners.add({
      onChange: (ev) => this.#onCrdChange(ev),
    });
    for (const ns of [...DEFAULT_NAMESPACES, ...(options.namespaces ?? [])]) {
      this.#internalCreate({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    }
    for (const crd of options.crds ?? []) this.loadSync(crd);
  }

  /**
   * Adds a bearer token. Requests with this token run as `user` and are authorized
   * against the rules granted to the user and its groups (see {@linkcode FakeApiServer.grant});
   * requests without a token run as the cluster admin unless the server was created with
   * `tokens`.
   *
   * @param token The bearer token.
   * @param user Who the token stands for.
   */
  addToken(token: string, user: UserInfo): void {
    this.#authenticator.add(token, user);
  }

  /**
   * Grants RBAC-like rules to a user or group, as a (Cluster)Role and binding would.
   *
   * @param subject A user name (such as `system:serviceaccount:ns:sa`) or group.
   * @param rules The rules.
   */
  grant(subject: string, rules: readonly PolicyRule[]): void {
    this.#authorizer.add(subject, rules);
  }

  /** The current cluster-wide resourceVersion. */
  get resourceVersion(): number {
    return this.#store.revision;
  }

  /**
   * Answers one HTTP request, exactly as the server would over a socket. Use it as a
   * client's transport.
   *
   * @param request The request.
   * @returns The response; for watches, a streaming body.
   */
  readonly fetch = (request: Request): Promise<Response> => this.#handle(request, undefined);

  /**
   * Creates objects from YAML or JSON text (several documents allowed) or from objects,
   * as the cluster admin, through the same code path as API requests. CRDs are served
   * as soon as they are created.
   *
   * @param manifests YAML text or objects.
   * @returns The created objects.
   * @throws StatusError (the server's answer) when a create fails.
   */
  async load(...manifests: (string | JsonObject)[]): Promise<JsonObject[]> {
    return await Promise.resolve(manifests.flatMap((m) => this.loadSync(m)));
  }

  /** Synchronous {@linkcode FakeApiServer.load} (YAML parsing is synchronous). */
  loadSync(manifest: string | JsonObject): JsonObject[] {
    const docs = typeof manifest === "string" ? parseYamlDocuments(manifest) : [manifest];
    return docs.map((doc) => this.#internalCreate(doc));
  }

  /**
   * Reads an object straight from storage (no request is logged).
   *
   * @param resource `plural` for the core group or `plural.group`, such as `certificaterequests.cert-manager.io`.
   * @param namespace The namespace (`""` for cluster-scoped).
   * @param name The name.
   * @returns A copy of the object, or `undefined`.
   */
  get(resource: string, namespace: string, name: string): JsonObject | undefined {
    const served = this.#find(resource);
    try {
      return getObject(this.#store, served, served.info.namespaced ? namespace : "", name);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return undefined;
      throw e;
    }
  }

  /**
   * Lists objects straight from storage (no request is logged).
   *
   * @param resource `plural` or `plural.group`.
   * @param namespace A namespace, or omit for all.
   * @returns Copies of the objects, sorted by namespace and name.
   */
  list(resource: string, namespace?: string): JsonObject[] {
    const served = this.#find(resource);
    return this.#store.list(served.storeKey, namespace).map((o) => structuredClone(o));
  }

  /**
   * Waits until an object satisfies a predicate, re-checking on every change to it —
   * no polling, no sleeping.
   *
   * @param resource `plural` or `plural.group`.
   * @param namespace The namespace (`""` for cluster-scoped).
   * @param name The name.
   * @param predicate Called with the object, or `undefined` when it does not exist.
   * @param options `signal` to give up; `timeoutMs` (real time) to fail with a clear error.
   * @returns The object that satisfied the predicate (or `undefined` if absence did).
   */
  waitFor(
    resource: string,
    namespace: string,
    name: string,
    predicate: (obj: JsonObject | undefined) => boolean,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<JsonObject | undefined> {
    const served = this.#find(resource);
    const ns = served.info.namespaced ? namespace : "";
    const read = () => this.get(resource, ns, name);
    const first = read();
    if (predicate(first)) return Promise.resolve(first);
    const bucket = this.#store.bucket(served.storeKey);
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const listener = {
        onChange: (ev: StoreEvent) => {
          const m = metadataOf(ev.object);
          if (m.name !== name || (m.namespace ?? "") !== ns) return;
          const obj = read();
          if (predicate(obj)) done(() => resolve(obj));
        },
      };
      const onAbort = () => done(() => reject(options.signal?.reason));
      const done = (settle: () => void) => {
        bucket.listeners.delete(listener);
        options.signal?.removeEventListener("abort", onAbort);
        if (timer !== undefined) clearTimeout(timer);
        settle();
      };
      bucket.listeners.add(listener);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          done(() =>
            reject(
              new Error(
                `waitFor ${resource} ${
                  ns ? `${ns}/` : ""
                }${name}: condition not met within ${options.timeoutMs} ms; last state: ${
                  JSON.stringify(read()?.status ?? null)
                }`,
              ),
            )
          );
        }, options.timeoutMs);
      }
    });
  }

  /**
   * Drops the change history (of one resource, or all), so watches resuming from an
   * older resourceVersion get `410 Expired` and clients must re-list.
   *
   * @param resource `plural` or `plural.group`; omit for all.
   */
  compact(resource?: string): void {
    this.#store.compact(resource ? this.#find(resource).storeKey : undefined);
  }

  /** Makes every continue token handed out so far expire (410 on use). */
  expireContinueTokens(): void {
    this.#tokens.expireAll();
  }

  /**
   * Ends open watches cleanly (end of stream, no event), as a restart or a proxy would.
   *
   * @param resource Only watches of this `plural` or `plural.group`.
   * @returns How many watches were cut.
   */
  cutWatches(resource?: string): number {
    const key = resource ? this.#find(resource).storeKey : undefined;
    let n = 0;
    for (const w of [...this.#watches]) {
      if (key === undefined || w.served.storeKey === key) {
        w.cut();
        n++;
      }
    }
    return n;
  }

  /** Sends a BOOKMARK at the current resourceVersion to every watch that asked for bookmarks. */
  sendBookmarks(): void {
    for (const w of this.#watches) w.bookmark();
  }

  /** How many watches are open. */
  get openWatches(): number {
    return this.#watches.size;
  }

  /**
   * Serves the API on a socket (127.0.0.1 by default), over HTTP or HTTPS.
   *
   * @param options Port, address, TLS and a stop signal.
   * @returns The listening server, with its URL and a kubeconfig.
   */
  async listen(options: ListenOptions = {}): Promise<ListeningApiServer> {
    const hostname = options.hostname ?? "127.0.0.1";
    const certs = options.tls === true
      ? await generateServingCertificates({ hosts: [hostname, "localhost", "127.0.0.1"] })
      : options.tls || undefined;
    const stop = new AbortController();
    const { promise: ready, resolve } = Promise.withResolvers<Deno.NetAddr>();
    const handler = (req: Request, info: Deno.ServeHandlerInfo) => {
      // Touching `req.signal` (as `new Request(req, …)` does too) makes Deno print its
      // legacy-abort notice, so the request is rebuilt from its parts with a signal from
      // `info.completed`: it aborts once the response is sent, or the client has gone
      // (which ends a watch).
      const done = new AbortController();
      info.completed.then(() => done.abort(), (error: unknown) => done.abort(error));
      const request = new Request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: done.signal,
      });
      return this.#handle(request, undefined);
    };
    // HTTPS: TLS is terminated in front of a plain server on loopback (see _tls_front.ts:
    // Deno.serve's own TLS sockets stall 40 ms per response on Nagle's algorithm).
    const server = Deno.serve({
      hostname: certs ? "127.0.0.1" : hostname,
      port: certs ? 0 : options.port ?? 0,
      signal: stop.signal,
      onListen: (addr: Deno.NetAddr) => resolve(addr),
    }, handler);
    const addr = await ready;
    const front = certs
      ? startTlsFront({
        hostname,
        port: options.port ?? 0,
        certPem: certs.certPem,
        keyPem: certs.keyPem,
        backendPort: addr.port,
      })
      : undefined;
    const port = front?.port ?? addr.port;
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    const url = `${certs ? "https" : "http"}://${host}:${port}`;
    let closed: Promise<void> | undefined;
    const listening: ListeningApiServer = {
      url,
      port,
      caCertPem: certs?.caCertPem,
      kubeconfig: (o = {}) =>
        kubeconfigYaml({
          server: url,
          ...(certs ? { caCertPem: certs.caCertPem } : {}),
          ...(o.token ? { token: o.token } : {}),
          ...(o.namespace ? { namespace: o.namespace } : {}),
        }),
      close: () => {
        closed ??= (async () => {
          this.cutWatches();
          await front?.close();
          stop.abort();
          await server.finished;
          this.#listeners.delete(listening);
        })();
        return closed;
      },
      [Symbol.asyncDispose]: () => listening.close(),
    };
    options.signal?.addEventListener("abort", () => void listening.close(), { once: true });
    this.#listeners.add(listening);
    return listening;
  }

  /** Ends every open watch and closes every listener. */
  async close(): Promise<void> {
    this.#closing.abort();
    this.cutWatches();
    await Promise.all([...this.#listeners].map((l) => l.close()));
  }

  /** Same as {@linkcode FakeApiServer.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---------------------------------------------------------------------------------

  /** Whether a resource path belongs to a built-in (go-restful served) group. */
  #isBuiltinGroup(info: RequestInfo): boolean {
    if (info.apiPrefix === "api") return true;
    return this.#registry.all().some((s) => s.info.group === info.apiGroup && !s.info.custom);
  }

  #find(resource: string): ServedResource {
    const served = this.#registry.find(resource);
    if (!served) {
      throw new TypeError(
        `FakeApiServer: unknown resource ${
          JSON.stringify(resource)
        } (use "plural" for core or "plural.group")`,
      );
    }
    return served;
  }

  #internalCreate(obj: JsonObject): JsonObject {
    const apiVersion = String(obj.apiVersion ?? "");
    const slash = apiVersion.indexOf("/");
    const group = slash < 0 ? "" : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    const served = this.#registry.all().find((s) =>
      s.info.group === group && s.info.version === version && s.info.kind === obj.kind
    );
    if (!served) {
      throw new TypeError(`FakeApiServer: no resource serves ${apiVersion} ${String(obj.kind)}`);
    }
    const meta = objectField(obj, "metadata") ?? {};
    const req = this.#writeRequest(
      served,
      String(meta.namespace ?? (served.info.namespaced ? "default" : "")),
      "",
      "",
      ADMIN,
      "fake-apiserver",
      false,
      "Strict",
    );
    checkTypeMeta(obj, served);
    return createObject(this.#store, req, obj).body;
  }

  #context(user: UserInfo, subresource: string): WriteContext {
    return {
      now: this.clock.now(),
      user,
      subresource,
      authorize: (attrs) =>
        this.#authorizer.authorize({ ...attrs, user, path: "", resourceRequest: true }).allowed,
    };
  }

  #writeRequest(
    served: ServedResource,
    namespace: string,
    name: string,
    subresource: string,
    user: UserInfo,
    manager: string,
    dryRun: boolean,
    fieldValidation: "Ignore" | "Warn" | "Strict",
  ): WriteRequest {
    return {
      served,
      namespace,
      name,
      subresource,
      manager,
      dryRun,
      fieldValidation,
      ctx: this.#context(user, subresource),
      warnings: [],
      random: this.#random,
    };
  }

  async #handle(request: Request, userOverride: UserInfo | undefined): Promise<Response> {
    const url = new URL(request.url);
    const info = parseRequestInfo(request.method, url);
    const facts: RequestFacts = {
      verb: info.verb,
      group: info.apiGroup,
      resource: info.resource,
      subresource: info.subresource,
      namespace: info.namespace,
      name: info.name,
      path: info.path,
    };
    const time = this.clock.now();
    let user: UserInfo = userOverride ?? ADMIN;
    let fault: string | undefined;
    let response: Response;
    try {
      const hasToken = /^\s*bearer\s/i.test(request.headers.get("authorization") ?? "");
      if (!userOverride && (this.#requireToken || hasToken)) {
        const result = this.#authenticator.authenticate(request.headers);
        if (result === "unauthorized") throw unauthorized();
        user = result === "anonymous"
          ? { username: "system:anonymous", groups: ["system:unauthenticated"] }
          : result;
      }
      const decision = this.faults.decide(facts);
      if (decision.latencyMs) {
        fault = "latency";
        await this.clock.sleep(decision.latencyMs, request.signal);
      }
      if (decision.fail) {
        fault = "status";
        response = faultResponse(decision.fail);
      } else {
        if (!userOverride) {
          const attrs = {
            user,
            resourceRequest: info.isResourceRequest,
            path: info.path,
            verb: info.isResourceRequest ? info.verb : "get",
            apiGroup: info.apiGroup,
            apiVersion: info.apiVersion,
            resource: info.resource,
            subresource: info.subresource,
            namespace: info.namespace,
            name: info.name ||
              (info.verb === "list" || info.verb === "watch" ? nameFromFieldSelector(url) : ""),
          };
          if (!this.#authorizer.authorize(attrs).allowed) throw forbiddenError(attrs);
        }
        response = info.isResourceRequest
          ? await this.#resource(request, url, info, user)
          : this.#nonResource(request, url);
      }
    } catch (e) {
      response = errorResponse(e);
    }
    this.requests.add({
      ...facts,
      time,
      method: request.method,
      query: url.search.replace(/^\?/, ""),
      code: response.status,
      user: user.username,
      userAgent: request.headers.get("user-agent") ?? "",
      fieldManager: url.searchParams.get("fieldManager") ?? "",
      ...(fault ? { fault } : {}),
    });
    return response;
  }

  #nonResource(request: Request, url: URL): Response {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    if (request.method !== "GET" && request.method !== "HEAD") {
      if (["/healthz", "/readyz", "/livez", "/version", "/api", "/apis"].includes(path)) {
        return jsonResponse(
          405,
          failure(
            405,
            "MethodNotAllowed",
            `the server does not allow this method on the requested resource`,
          ) as unknown as JsonValue,
        );
      }
    }
    if (path === "/healthz" || path === "/readyz" || path === "/livez") {
      return new Response("ok", { headers: { "content-type": "text/plain; charset=utf-8" } });
    }
    const served = serveDiscovery(
      path,
      url,
      request.headers.get("accept"),
      this.#registry,
      hostOf(request),
    );
    if (!served) {
      // `/api/…` and `/apis/<built-in group>/…` belong to go-restful, which answers a Status.
      const parts = path.split("/").filter(Boolean);
      const builtin = parts[0] === "api" ||
        (parts[0] === "apis" && parts.length > 2 &&
          this.#registry.all().some((s) => s.info.group === parts[1] && !s.info.custom));
      return builtin ? restfulNotFound() : plainNotFound();
    }
    return new Response(served.body, {
      status: served.status,
      headers: { "content-type": served.contentType },
    });
  }

  async #resource(
    request: Request,
    url: URL,
    info: RequestInfo,
    user: UserInfo,
  ): Promise<Response> {
    const served = this.#registry.lookup(info.apiGroup, info.apiVersion, info.resource);
    // Built-in groups are go-restful routes: what has no route gets a generic Status.
    // Custom resources go through the CRD handler, which falls through to Go's plain 404.
    const builtin = served ? !served.info.custom : this.#isBuiltinGroup(info);
    const missing = () => builtin ? restfulNotFound() : plainNotFound();
    if (!served) return missing();
    if (builtin && info.extra.length > 0) return missing();
    if (info.namespace && !served.info.namespaced) return missing();
    if (info.name && served.info.namespaced && !info.namespace) return missing();
    const qr = { group: served.info.group, resource: served.info.plural };
    if (info.subresource && !served.info.subresources.includes(info.subresource)) {
      if (builtin) return missing();
      // The CRD handler answers any unknown subresource as a missing object.
      throw notFound(qr, info.name);
    }
    if (!builtin && info.verb === "create" && info.name && !info.subresource) {
      // The CRD handler's create ignores a name in the URL: the body's name counts.
      info = { ...info, name: "" };
    }
    if (!builtin && (info.verb === "update" || info.verb === "patch") && !info.name) {
      throw badRequest("name must be provided");
    }
    const verbs = info.subresource
      ? subresourceVerbs(served.info, info.subresource)
      : verbsOf(served.info);
    const routed = info.verb === "create" || info.verb === "list" || info.verb === "watch" ||
        info.verb === "deletecollection"
      ? !info.name
      : info.name !== "";
    if (!verbs.includes(info.verb) || (builtin && !routed)) {
      if (builtin) return restfulMethodNotAllowed();
      throw methodNotAllowed(info.verb, qr);
    }
    if (builtin && info.verb === "patch") {
      const type = mediaTypeOf(request.headers.get("content-type"));
      if (!BUILTIN_PATCH_TYPES.includes(type)) {
        return restfulStatus(415, "UnsupportedMediaType", "415: Unsupported Media Type");
      }
    }
    const params = url.searchParams;
    const accept = request.headers.get("accept");
    switch (info.verb) {
      case "get": {
        const obj = getObject(
          this.#store,
          served,
          info.namespace,
          info.name,
          params.get("resourceVersion") ?? undefined,
        );
        if (wantsTable(accept)) {
          return jsonResponse(
            200,
            toTable(
              served.info,
              [obj],
              { resourceVersion: String(this.#store.revision) },
              includeObject(accept),
              this.clock.now(),
            ),
          );
        }
        return jsonResponse(200, obj);
      }
      case "list": {
        const options = readListOptions(params, false);
        const list = listObjects(this.#store, this.#tokens, served, info.namespace, options);
        if (wantsTable(accept)) {
          const items = (list.items as JsonObject[]).map((o) => ({
            apiVersion: list.apiVersion ?? "",
            kind: served.info.kind,
            ...o,
          }));
          return jsonResponse(
            200,
            toTable(
              served.info,
              items,
              list.metadata as JsonObject,
              includeObject(accept),
              this.clock.now(),
            ),
          );
        }
        return jsonResponse(200, list);
      }
      case "watch": {
        const options = readListOptions(params, true);
        const filter = objectFilter(
          served,
          info.namespace,
          options.labelSelector,
          options.fieldSelector,
        );
        const stream = openWatch({
          store: this.#store,
          served,
          namespace: info.namespace,
          options,
          filter,
          clock: this.clock,
          signal: AbortSignal.any([request.signal, this.#closing.signal]),
          random: this.#random,
          registry: this.#watches,
        });
        // A Table Accept (kubectl get -w) gets Table-shaped events, like its list.
        const body = wantsTable(accept)
          ? stream.pipeThrough(
            tableWatchEvents(served.info, includeObject(accept), () => this.clock.now()),
          )
          : stream;
        return new Response(body, {
          status: 200,
          headers: { "content-type": "application/json", "cache-control": "no-cache, private" },
        });
      }
      case "create":
        return await this.#create(request, params, info, served, user);
      case "update":
      case "patch": {
        const req = this.#writeFromParams(
          params,
          info,
          served,
          user,
          request,
          info.verb === "patch" && isApply(request),
        );
        let result: WriteResult;
        if (info.verb === "update") {
          const body = await this.#decodeBody(request, served);
          checkTypeMeta(body, served);
          result = updateObject(this.#store, req, body);
        } else {
          result = await patchObject(
            this.#store,
            req,
            await readText(request, this.#maxBody),
            request.headers.get("content-type") ?? "",
            params.get("force"),
          );
        }
        return jsonResponse(result.code, result.body, {}, req.warnings);
      }
      case "delete": {
        const text = await readText(request, this.#maxBody);
        let options: JsonObject = {};
        if (text.trim() !== "") {
          // The real server decodes DeleteOptions with a generic decoder: anything that
          // is not a JSON object fails with a reason-less 500 and nothing is deleted.
          const syntax = goJsonSyntaxError(text);
          let parsed: unknown;
          if (syntax === undefined) parsed = JSON.parse(text);
          if (syntax !== undefined || !isJsonObject(parsed)) {
            const detail = syntax ??
              `json: cannot unmarshal ${
                goJsonTypeName(parsed as JsonValue)
              } into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`;
            throw new StatusError(
              failure(500, "", `couldn't get version/kind; json parse error: ${detail}`),
            );
          }
          options = parsed;
        }
        const policy = params.get("propagationPolicy");
        if (policy) options.propagationPolicy = policy;
        const req = this.#writeFromParams(params, info, served, user, request, false);
        if (served.info.group === "" && served.info.plural === "namespaces") {
          return jsonResponse(200, this.#deleteNamespace(req));
        }
        const result = deleteObject(this.#store, req, options);
        return jsonResponse(result.code, result.body);
      }
      case "deletecollection": {
        const options = readListOptions(params, false);
        const filter = objectFilter(
          served,
          info.namespace,
          options.labelSelector,
          options.fieldSelector,
        );
        const req = this.#writeFromParams(params, info, served, user, request, false);
        const deleted: JsonObject[] = [];
        const ns = served.info.namespaced && info.namespace ? info.namespace : undefined;
        for (const obj of this.#store.list(served.storeKey, ns).filter(filter)) {
          const m = metadataOf(obj);
          deleteObject(this.#store, {
            ...req,
            namespace: String(m.namespace ?? ""),
            name: String(m.name ?? ""),
          }, {});
          deleted.push(obj);
        }
        const { group, version, listKind } = served.info;
        return jsonResponse(200, {
          kind: listKind,
          apiVersion: group ? `${group}/${version}` : version,
          metadata: { resourceVersion: String(this.#store.revision) },
          items: deleted,
        });
      }
    }
    throw methodNotAllowed(info.verb, qr);
  }

  async #create(
    request: Request,
    params: URLSearchParams,
    info: RequestInfo,
    served: ServedResource,
    user: UserInfo,
  ): Promise<Response> {
    const body = await this.#decodeBody(request, served);
    checkTypeMeta(body, served);
    if (served.info.group === "authorization.k8s.io") {
      return jsonResponse(201, this.#review(served, body, user));
    }
    const req = this.#writeFromParams(params, info, served, user, request, false);
    const result = createObject(this.#store, req, body);
    return jsonResponse(result.code, result.body, {}, req.warnings);
  }

  /**
   * Decodes a create or update body: JSON, YAML, or (built-in types only, like the real
   * server) protobuf, which kubectl's typed clients send for Namespaces, Secrets,
   * ConfigMaps and CSR approvals and never retry as JSON.
   */
  async #decodeBody(request: Request, served: ServedResource): Promise<JsonObject> {
    const contentType = request.headers.get("content-type") ?? "application/json";
    const type = mediaTypeOf(contentType);
    if (type !== "" && !BODY_TYPES.includes(type)) throw unsupportedMediaType(BODY_TYPES);
    const bytes = await readBytes(request, this.#maxBody);
    if (type !== PROTOBUF_MEDIA_TYPE) {
      return await decodeObject(new TextDecoder().decode(bytes), contentType, served);
    }
    // The CRD handler lists protobuf but cannot decode a custom resource from it.
    if (served.info.custom) throw unsupportedMediaType(BODY_TYPES);
    let obj: JsonObject;
    try {
      obj = decodeProtobufObject(bytes);
    } catch (e) {
      if (!(e instanceof ProtobufDecodeError)) throw e;
      if (e.kind === "malformed") throw badRequest(e.message);
      const status = unsupportedMediaType(["application/json", "application/yaml"]).status;
      throw new StatusError({ ...status, message: `${status.message} (${e.message})` });
    }
    return await decodeObject(JSON.stringify(obj), "application/json", served);
  }

  #review(served: ServedResource, body: JsonObject, user: UserInfo): JsonObject {
    const spec = (objectField(body, "spec") ?? {}) as unknown as SubjectAccessReviewSpec;
    const authorizer: Authorizer = this.#authorizer;
    const status = served.info.plural === "subjectaccessreviews"
      ? subjectAccessReview(authorizer, spec)
      : selfSubjectAccessReview(authorizer, user, spec);
    const meta = objectField(body, "metadata") ?? {};
    meta.creationTimestamp = null;
    return { ...body, metadata: meta, status: status as unknown as JsonObject };
  }

  #writeFromParams(
    params: URLSearchParams,
    info: RequestInfo,
    served: ServedResource,
    user: UserInfo,
    request: Request,
    apply: boolean,
  ): WriteRequest {
    const optionsKind = info.verb === "create"
      ? "CreateOptions"
      : info.verb === "update"
      ? "UpdateOptions"
      : info.verb === "patch"
      ? "PatchOptions"
      : "DeleteOptions";
    const dryRunValues = params.getAll("dryRun");
    for (const v of dryRunValues) {
      if (v !== "All") {
        throw invalid(optionsKind, "meta.k8s.io", "", [{
          type: "FieldValueNotSupported",
          field: "dryRun",
          value: [v],
          detail: "",
          supported: ["All"],
        }]);
      }
    }
    const validation = params.get("fieldValidation") ?? "Warn";
    if (!["Ignore", "Warn", "Strict"].includes(validation)) {
      throw invalid(optionsKind, "meta.k8s.io", "", [{
        type: "FieldValueNotSupported",
        field: "fieldValidation",
        value: validation,
        detail: "",
        supported: ["Ignore", "Warn", "Strict"],
      }]);
    }
    const explicit = params.get("fieldManager");
    if (explicit !== null && explicit.length > 128) {
      throw invalid(optionsKind, "meta.k8s.io", "", [{
        type: "FieldValueTooLong",
        field: "fieldManager",
        detail: "may not be more than 128 bytes",
      }]);
    }
    const manager = explicit ?? (apply ? "" : userAgentManager(request.headers.get("user-agent")));
    return this.#writeRequest(
      served,
      info.namespace,
      info.name,
      info.subresource,
      user,
      manager,
      dryRunValues.length > 0,
      validation as "Ignore" | "Warn" | "Strict",
    );
  }

  #deleteNamespace(req: WriteRequest): JsonObject {
    const current = this.#store.get(req.served.storeKey, "", req.name);
    if (!current) throw notFound({ group: "", resource: "namespaces" }, req.name);
    if (metadataOf(current).deletionTimestamp) return structuredClone(current);
    // The namespace strategy's BeforeDelete: deletionTimestamp (no grace period) and phase
    // Terminating, written directly (an update through the strategy keeps both unchanged).
    const next = structuredClone(current);
    metadataOf(next).deletionTimestamp = formatTime(this.clock.now());
    next.status = { ...(objectField(next, "status") ?? {}), phase: "Terminating" };
    if (req.dryRun) return next;
    const stored = this.#store.commit(req.served.storeKey, "MODIFIED", next, current);
    // Like the real namespace controller, start a moment later (on the server's clock), so
    // clients see the Terminating phase first.
    this.clock.sleep(NAMESPACE_CONTROLLER_DELAY_MS, this.#closing.signal).then(
      () => this.#finalizeNamespace(req.name),
      () => {},
    );
    return structuredClone(stored);
  }

  /** The namespace controller: empties a terminating namespace, then removes it. */
  #finalizeNamespace(name: string): void {
    const ns = this.#store.get("/namespaces", "", name);
    if (!ns || !metadataOf(ns).deletionTimestamp) return;
    let remaining = 0;
    const seen = new Set<string>();
    for (const served of this.#registry.all()) {
      if (!served.info.namespaced || served.info.version !== served.info.storageVersion) continue;
      if (seen.has(served.storeKey)) continue;
      seen.add(served.storeKey);
      for (const obj of this.#store.list(served.storeKey, name)) {
        remaining++;
        const m = metadataOf(obj);
        const req = this.#writeRequest(
          served,
          name,
          String(m.name ?? ""),
          "",
          ADMIN,
          "namespace-controller",
          false,
          "Ignore",
        );
        try {
          deleteObject(this.#store, req, {});
        } catch {
          // already gone
        }
      }
    }
    const still = this.#registry.all().some((s) =>
      s.info.namespaced && this.#store.list(s.storeKey, name).length > 0
    );
    if (!still || remaining === 0) {
      this.#store.commit("/namespaces", "DELETED", structuredClone(ns), ns);
    } else {
      const bucketListener = {
        onChange: () => {
          for (const s of this.#registry.all()) {
            if (s.info.namespaced) {
              this.#store.bucket(s.storeKey).listeners.delete(bucketListener);
            }
          }
          queueMicrotask(() => this.#finalizeNamespace(name));
        },
      };
      for (const s of this.#registry.all()) {
        if (s.info.namespaced) this.#store.bucket(s.storeKey).listeners.add(bucketListener);
      }
    }
  }

  #onCrdChange(ev: StoreEvent): void {
    const crd = ev.object;
    const spec = objectField(crd, "spec") ?? {};
    const group = String(spec.group ?? "");
    const plural = String(objectField(spec, "names")?.plural ?? "");
    if (ev.type === "DELETED") {
      this.#registry.remove(group, plural);
      queueMicrotask(() => {
        for (const obj of this.#store.list(`${group}/${plural}`)) {
          this.#store.commit(`${group}/${plural}`, "DELETED", structuredClone(obj), obj);
        }
      });
      return;
    }
    this.#registry.remove(group, plural);
    for (const info of resourcesFromCrd(crd)) {
      this.#registry.add(info, strategyFor(info));
      this.#store.bucket(`${info.group}/${info.plural}`);
    }
    const status = crdStatus(crd, formatTime(this.clock.now()));
    if (JSON.stringify(crd.status ?? null) !== JSON.stringify(status)) {
      queueMicrotask(() => {
        const current = this.#store.get(
          "apiextensions.k8s.io/customresourcedefinitions",
          "",
          String(metadataOf(crd).name),
        );
        if (!current) return;
        const next = structuredClone(current);
        next.status = status;
        this.#store.commit(
          "apiextensions.k8s.io/customresourcedefinitions",
          "MODIFIED",
          next,
          current,
        );
      });
    }
  }
}

function isApply(request: Request): boolean {
  return (request.headers.get("content-type") ?? "").split(";")[0]?.trim() ===
    "application/apply-patch+yaml";
}

function userAgentManager(ua: string | null): string {
  const text = ua ?? "";
  const slash = text.indexOf("/");
  const manager = slash < 0 ? text : text.slice(0, slash);
  return manager.length > 128 ? manager.slice(0, 128) : manager;
}

function nameFromFieldSelector(url: URL): string {
  const selector = url.searchParams.get("fieldSelector") ?? "";
  const m = /(?:^|,)metadata\.name==?([^,]*)/.exec(selector);
  return m?.[1] ?? "";
}

function includeObject(accept: string | null): "None" | "Metadata" | "Object" {
  void accept;
  return "Metadata";
}

function hostOf(request: Request): string {
  return new URL(request.url).host;
}

function faultResponse(
  fail: {
    code: number;
    reason?: string;
    message?: string;
    retryAfterSeconds?: number;
    plainText?: boolean;
  },
): Response {
  const headers: Record<string, string> = {};
  if (fail.retryAfterSeconds !== undefined) headers["retry-after"] = String(fail.retryAfterSeconds);
  if (fail.plainText) {
    return new Response("Too many requests, please try again later.\n", {
      status: fail.code,
      headers: { "content-type": "text/plain; charset=utf-8", ...headers },
    });
  }
  const reasons: Record<number, string> = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
  };
  const status = failure(
    fail.code,
    fail.reason ?? reasons[fail.code] ?? "",
    fail.message ?? `injected fault: ${fail.code}`,
    fail.retryAfterSeconds !== undefined
      ? { retryAfterSeconds: fail.retryAfterSeconds }
      : undefined,
  );
  return jsonResponse(fail.code, status as unknown as JsonValue, headers);
}

function errorResponse(e: unknown): Response {
  if (e instanceof StatusError) {
    return jsonResponse(e.code, e.status as unknown as JsonValue, e.headers);
  }
  if (e instanceof DOMException && e.name === "AbortError") {
    return jsonResponse(499, failure(499, "", "client closed the request") as unknown as JsonValue);
  }
  const message = e instanceof Error ? e.message : String(e);
  return jsonResponse(
    500,
    failure(500, "InternalError", `Internal error occurred: ${message}`, {
      causes: [{ message }],
    }) as unknown as JsonValue,
  );
}

function parseYamlDocuments(text: string): JsonObject[] {
  const out: JsonObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new TypeError(`FakeApiServer: invalid YAML: ${doc.errors[0]?.message}`);
    }
    const value = doc.toJSON();
    if (value === null || value === undefined) continue;
    if (!isJsonObject(value)) {
      throw new TypeError("FakeApiServer: a YAML document is not an object");
    }
    if (value.kind === "List" && Array.isArray(value.items)) {
      out.push(...value.items.filter(isJsonObject));
    } else out.push(value);
  }
  return out;
}
