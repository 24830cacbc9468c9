/**
 * The server a conformance test talks to: the fake API server (always), or a real
 * kube-apiserver when `CONFORMANCE_TARGET=real` (the `test:real` task). Tests use only
 * this interface, so the same file runs unchanged against both.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { FakeApiServer } from "../../lib/testing/mod.ts";
import {
  createAdminHttpClient,
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

/** A server under test. */
export interface Target extends AsyncDisposable {
  /** `fake` or `real`. */
  readonly kind: "fake" | "real";
  /** Sends a request as the cluster admin. `path` includes the query. */
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
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

/** Starts the fake as a target. */
export function fakeTarget(): Target {
  const fake = new FakeApiServer();
  const target: Target = {
    kind: "fake",
    fake,
    request: (method, path, options = {}) =>
      fake.fetch(toRequest("http://fake.invalid", method, path, options)),
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
  const request = (method: string, path: string, options: RequestOptions = {}) =>
    fetch(toRequest(cluster.url, method, path, options), { client });
  const target: Target = {
    kind: "real",
    request,
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
        if (established) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`CRD ${obj.metadata.name} did not become Established`);
    },
    [Symbol.asyncDispose]: async () => {
      client.close();
      await cluster.stop();
    },
  };
  return target;
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
