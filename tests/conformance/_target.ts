/**
 * The server a conformance test talks to: the fake API server (always), or a real
 * kube-apiserver when `CONFORMANCE_TARGET=real` (the `test:real` task). Tests use only
 * this interface, so the same file runs unchanged against both.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { FakeApiServer, type PolicyRule } from "../../lib/testing/mod.ts";
import {
  createAdminHttpClient,
  createServiceAccountToken,
  type RealCluster,
  realClusterBinariesPresent,
  startRealCluster,
} from "../real/real_cluster.ts";

/** Options of one request. */
export interface RequestOptions {
  /** A JSON value (sent as JSON) or raw text. */
  body?: unknown;
  /** Content-Type; defaults to `application/json` when there is a body. */
  contentType?: string;
  /** Accept header. */
  accept?: string;
  /** More headers. */
  headers?: Record<string, string>;
  /** Aborts the request (and a watch's stream). */
  signal?: AbortSignal;
}

/** Sends one request; `path` includes the query. */
export type RequestFn = (
  method: string,
  path: string,
  options?: RequestOptions,
) => Promise<Response>;

/** Sends requests as one user (with that user's bearer token); see {@linkcode Target.asUser}. */
export type UserRequestFn = RequestFn & {
  /**
   * The name the server knows the user by: the name given on the fake,
   * `system:serviceaccount:<ns>:<name>` on a real server (a ServiceAccount token).
   */
  readonly username: string;
};

/** A server under test. */
export interface Target extends AsyncDisposable {
  /** `fake` or `real`. */
  readonly kind: "fake" | "real";
  /**
   * The admin's user name as the server reports it (e.g. in a CSR's `spec.username`):
   * `admin` on both (the real tier's client certificate has `CN=admin`).
   */
  readonly adminName: string;
  /** Sends a request as the cluster admin. `path` includes the query. */
  request: RequestFn;
  /**
   * Sends a request without credentials (no client certificate, no token) other than the
   * headers given, e.g. a made-up `Authorization` header. The server treats it as
   * `system:anonymous` (anonymous auth is on in both) unless a token is presented.
   */
  anonymous: RequestFn;
  /**
   * A user with exactly `rules` (plus what every authenticated user gets: discovery,
   * self access reviews). On the fake: a bearer token for user `name` and
   * `fake.grant(name, rules)`. On a real server: ServiceAccount `name` in a per-target
   * namespace, a ClusterRole + ClusterRoleBinding for rules without `namespaces` and a
   * Role + RoleBinding per namespace for the others, and a TokenRequest token. Returns
   * once the server's RBAC cache authorizes the rules.
   */
  asUser(name: string, rules: PolicyRule[]): Promise<UserRequestFn>;
  /** Creates a fresh namespace and returns its name. */
  namespace(prefix?: string): Promise<string>;
  /** Serves a CRD (YAML or object) and waits until it is usable. */
  crd(manifest: string | Record<string, unknown>): Promise<void>;
  /** Fake only: drops watch history so older resourceVersions get 410. */
  compact?(): void;
  /** Fake only: expires every continue token handed out. */
  expireContinueTokens?(): void;
  /** The fake itself, when the target is the fake. */
  readonly fake?: FakeApiServer;
}

/** The test CRD of the spec's §15.2: `widgets.example.com/v1`, namespaced, status subresource. */
export const WIDGET_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: {
      plural: "widgets",
      singular: "widget",
      kind: "Widget",
      listKind: "WidgetList",
      shortNames: ["wg"],
      categories: ["all"],
    },
    versions: [{
      name: "v1",
      served: true,
      storage: true,
      subresources: { status: {} },
      additionalPrinterColumns: [{ name: "Size", type: "integer", jsonPath: ".spec.size" }],
      schema: {
        openAPIV3Schema: {
          type: "object",
          properties: {
            spec: {
              type: "object",
              properties: {
                size: { type: "integer" },
                color: { type: "string" },
                items: { type: "array", items: { type: "string" } },
              },
            },
            status: {
              type: "object",
              properties: {
                x: { type: "integer" },
                phase: { type: "string" },
                conditions: {
                  type: "array",
                  "x-kubernetes-list-type": "map",
                  "x-kubernetes-list-map-keys": ["type"],
                  items: {
                    type: "object",
                    required: ["type", "status"],
                    properties: {
                      type: { type: "string" },
                      status: { type: "string" },
                      reason: { type: "string" },
                      message: { type: "string" },
                    },
                  },
                },
              },
            },
          },
        },
      },
    }],
  },
};

let counter = 0;

function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${counter}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

function encodeBody(options: RequestOptions): { body?: string; contentType?: string } {
  if (options.body === undefined) return {};
  const body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  return { body, contentType: options.contentType ?? "application/json" };
}

function toRequest(base: string, method: string, path: string, options: RequestOptions): Request {
  const { body, contentType } = encodeBody(options);
  const headers = new Headers(options.headers ?? {});
  if (contentType) headers.set("content-type", contentType);
  if (options.accept) headers.set("accept", options.accept);
  if (!headers.has("user-agent")) headers.set("user-agent", "conformance/v1");
  return new Request(`${base}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** The admin's bearer token on the fake target. */
const FAKE_ADMIN_TOKEN = "conformance-admin-token";

function withToken(options: RequestOptions, token: string): RequestOptions {
  const headers = new Headers(options.headers ?? {});
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
  return { ...options, headers: Object.fromEntries(headers) };
}

function randomToken(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/**
 * Starts the fake as a target. Like the real tier it authenticates every request (the
 * admin with a token standing in for the real tier's `CN=admin,O=system:masters` client
 * certificate) and lets requests without credentials through as `system:anonymous`.
 */
export function fakeTarget(): Target {
  const fake = new FakeApiServer({
    tokens: {
      [FAKE_ADMIN_TOKEN]: { username: "admin", groups: ["system:masters", "system:authenticated"] },
    },
    anonymous: true,
  });
  const send: RequestFn = (method, path, options = {}) =>
    fake.fetch(toRequest("http://fake.invalid", method, path, options));
  const target: Target = {
    kind: "fake",
    fake,
    adminName: "admin",
    request: (method, path, options = {}) =>
      send(method, path, withToken(options, FAKE_ADMIN_TOKEN)),
    anonymous: send,
    asUser: (name, rules) => {
      const token = randomToken();
      fake.addToken(token, { username: name, groups: [] });
      fake.grant(name, rules);
      const fn: RequestFn = (method, path, options = {}) =>
        send(method, path, withToken(options, token));
      return Promise.resolve(Object.assign(fn, { username: name }));
    },
    namespace: async (prefix = "t") => {
      const name = uniqueName(prefix);
      await fake.load({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
      return name;
    },
    crd: async (manifest) => {
      const obj = typeof manifest === "string" ? parseYaml(manifest) : manifest;
      const name = String((obj as { metadata?: { name?: string } }).metadata?.name ?? "");
      if (fake.get("customresourcedefinitions.apiextensions.k8s.io", "", name)) return;
      await fake.load(obj);
    },
    compact: () => fake.compact(),
    expireContinueTokens: () => fake.expireContinueTokens(),
    [Symbol.asyncDispose]: () => fake.close(),
  };
  return target;
}

/** Starts a real kube-apiserver as a target. */
export async function realTarget(): Promise<Target> {
  const cluster = await startRealCluster();
  const client = createAdminHttpClient(cluster);
  const bare = Deno.createHttpClient({ caCerts: [cluster.caPem] });
  const request = (method: string, path: string, options: RequestOptions = {}) =>
    fetch(toRequest(cluster.url, method, path, options), { client });
  const anonymous: RequestFn = (method, path, options = {}) =>
    fetch(toRequest(cluster.url, method, path, options), { client: bare });
  const target: Target = {
    kind: "real",
    adminName: "admin",
    request,
    anonymous,
    asUser: async (name, rules) => {
      const token = await realUser(cluster, request, name, rules);
      const fn: RequestFn = (method, path, options = {}) =>
        anonymous(method, path, withToken(options, token));
      return Object.assign(fn, { username: `system:serviceaccount:${USERS_NAMESPACE}:${name}` });
    },
    namespace: async (prefix = "t") => {
      const name = uniqueName(prefix);
      const res = await request("POST", "/api/v1/namespaces", {
        body: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
      });
      await res.body?.cancel();
      if (res.status !== 201) throw new Error(`creating namespace ${name}: HTTP ${res.status}`);
      return name;
    },
    crd: async (manifest) => {
      const obj = (typeof manifest === "string" ? parseYaml(manifest) : manifest) as {
        metadata: { name: string };
      };
      const res = await request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
        body: obj,
      });
      await res.body?.cancel();
      if (res.status !== 201 && res.status !== 409) {
        throw new Error(`creating CRD: HTTP ${res.status}`);
      }
      // Wait until Established, then until the resource answers (the crdHandler may delay up to 2 s).
      for (let i = 0; i < 200; i++) {
        const get = await request(
          "GET",
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${obj.metadata.name}`,
        );
        const crd = await get.json();
        const established = (crd.status?.conditions ?? []).some((
          c: { type: string; status: string },
        ) => c.type === "Established" && c.status === "True");
        if (established) break;
        if (i === 199) throw new Error(`CRD ${obj.metadata.name} did not become Established`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // Right after Established a real server may still answer 404/429 while the new
      // resource's handler and watch cache start: wait until a list answers 200.
      const spec = (obj as {
        spec?: {
          group?: string;
          names?: { plural?: string };
          versions?: { name: string; served?: boolean }[];
        };
      }).spec;
      const version = spec?.versions?.find((v) => v.served !== false)?.name;
      if (!spec?.group || !spec.names?.plural || !version) return;
      for (let i = 0; i < 200; i++) {
        const res = await request(
          "GET",
          `/apis/${spec.group}/${version}/${spec.names.plural}?limit=1`,
        );
        await res.body?.cancel();
        if (res.status === 200) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`CRD ${obj.metadata.name}: its resource did not become listable`);
    },
    [Symbol.asyncDispose]: async () => {
      client.close();
      bare.close();
      await cluster.stop();
    },
  };
  return target;
}

/** The namespace of the ServiceAccounts {@linkcode Target.asUser} creates on a real server. */
const USERS_NAMESPACE = "conformance-users";

async function mustCreate(request: RequestFn, path: string, body: unknown): Promise<void> {
  const res = await request("POST", path, { body });
  const text = await res.text();
  if (res.status !== 201 && res.status !== 409) {
    throw new Error(`POST ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
}

/** An RBAC rule as the API takes it (without the fake-only `namespaces`). */
function rbacRule(rule: PolicyRule): Record<string, unknown> {
  const { namespaces: _, ...rest } = rule;
  return rest;
}

/**
 * Creates ServiceAccount `name` with `rules` bound on a real server, waits until RBAC
 * authorizes them, and returns a token for it.
 */
async function realUser(
  cluster: RealCluster,
  request: RequestFn,
  name: string,
  rules: PolicyRule[],
): Promise<string> {
  const ns = USERS_NAMESPACE;
  const token = await createServiceAccountToken(cluster, ns, name);
  const subject = { kind: "ServiceAccount", name, namespace: ns };
  const roleName = `conformance:${name}`;
  const clusterRules = rules.filter((r) => !r.namespaces);
  if (clusterRules.length > 0) {
    await mustCreate(request, "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: roleName },
      rules: clusterRules.map(rbacRule),
    });
    await mustCreate(request, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: roleName },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
      subjects: [subject],
    });
  }
  const namespaces = new Set(rules.flatMap((r) => r.namespaces ?? []));
  for (const namespace of namespaces) {
    const base = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}`;
    await mustCreate(request, `${base}/roles`, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: roleName, namespace },
      rules: rules.filter((r) => r.namespaces?.includes(namespace)).map(rbacRule),
    });
    await mustCreate(request, `${base}/rolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: roleName, namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
      subjects: [subject],
    });
  }
  // RBAC reads roles and bindings from informers: wait until every rule is in effect.
  const user = `system:serviceaccount:${ns}:${name}`;
  for (const rule of rules) {
    const spec: Record<string, unknown> = { user };
    if (rule.nonResourceURLs?.length) {
      spec.nonResourceAttributes = {
        verb: concrete(rule.verbs),
        path: concrete(rule.nonResourceURLs).replace(/\*$/, "x"),
      };
    } else {
      spec.resourceAttributes = {
        verb: concrete(rule.verbs),
        group: concrete(rule.apiGroups ?? []),
        ...resourceAndSubresource(concrete(rule.resources ?? [])),
        ...(rule.resourceNames?.length ? { name: rule.resourceNames[0] } : {}),
        ...(rule.namespaces?.length ? { namespace: rule.namespaces[0] } : {}),
      };
    }
    await waitAllowed(request, spec);
  }
  return token;
}

function concrete(values: readonly string[]): string {
  const v = values[0] ?? "";
  return v === "*" ? "anything" : v;
}

function resourceAndSubresource(resource: string): Record<string, string> {
  const [res, sub] = resource.split("/");
  return { resource: res === "*" ? "anything" : res ?? "", ...(sub ? { subresource: sub } : {}) };
}

async function waitAllowed(request: RequestFn, spec: Record<string, unknown>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await request("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec,
      },
    });
    const review = await json<{ status?: { allowed?: boolean } }>(res);
    if (review.status?.allowed) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`RBAC did not authorize ${JSON.stringify(spec)} within 10 s`);
}

/** Whether this run targets a real kube-apiserver. */
export const TARGET_KIND: "fake" | "real" = Deno.env.get("CONFORMANCE_TARGET") === "real"
  ? "real"
  : "fake";

/** Why real-target tests cannot run here, or `undefined` when they can. */
export const REAL_UNAVAILABLE: string | undefined =
  TARGET_KIND === "real" && !realClusterBinariesPresent()
    ? "the real kube-apiserver binaries are missing: run tests/real/build.sh"
    : undefined;

/** Opens the target chosen by `CONFORMANCE_TARGET`. */
export async function openTarget(): Promise<Target> {
  if (TARGET_KIND === "real") {
    if (REAL_UNAVAILABLE) throw new Error(REAL_UNAVAILABLE);
    return await realTarget();
  }
  return fakeTarget();
}

/** Reads a JSON body. */
export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`expected JSON, got HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
}

/** Reads watch events from a streaming body until `count` events arrived or the stream ends. */
export async function readEvents(
  res: Response,
  count: number,
): Promise<{ type: string; object: Record<string, unknown> }[]> {
  const events: { type: string; object: Record<string, unknown> }[] = [];
  if (!res.body) return events;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    while (events.length < count) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0 && events.length < count) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line) events.push(JSON.parse(line));
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return events;
}
