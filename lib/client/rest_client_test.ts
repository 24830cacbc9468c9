import { strict as assert } from "node:assert";
import { FakeApiServer } from "../testing/mod.ts";
import { KubeClient } from "./kube_client.ts";
import type { KubeObject } from "./object.ts";
import type { RequestOptions, RestClient, RestJsonValue } from "./rest_client.ts";
import { ResourceClient } from "./resource_client.ts";

/**
 * The `RestClient` of `@cloudydeno/kubernetes-client` (lib/contract.ts), restated here so
 * the compiler checks that such a client is accepted wherever this library wants a
 * {@linkcode RestClient}.
 */
interface CloudydenoRestClient extends Disposable {
  performRequest(
    opts: CloudydenoRequestOptions & { expectTunnel: string[] },
  ): Promise<{ readonly transportProtocol: "SPDY" | "WebSocket" | "Opaque" }>;
  performRequest(
    opts: CloudydenoRequestOptions & { expectStream: true; expectJson: true },
  ): Promise<ReadableStream<CloudydenoJson>>;
  performRequest(
    opts: CloudydenoRequestOptions & { expectStream: true },
  ): Promise<ReadableStream<Uint8Array>>;
  performRequest(opts: CloudydenoRequestOptions & { expectJson: true }): Promise<CloudydenoJson>;
  performRequest(opts: CloudydenoRequestOptions): Promise<Uint8Array>;
  defaultNamespace?: string;
  close?(): void;
}
interface CloudydenoRequestOptions {
  method: "GET" | "POST" | "DELETE" | "PUT" | "PATCH" | "OPTIONS" | "HEAD";
  path: string;
  querystring?: URLSearchParams;
  abortSignal?: AbortSignal;
  contentType?: string;
  bodyRaw?: Uint8Array;
  bodyJson?: CloudydenoJson;
  bodyStream?: ReadableStream<Uint8Array>;
  accept?: string;
  expectTunnel?: string[];
  expectStream?: boolean;
  expectJson?: boolean;
}
type CloudydenoJson =
  | string
  | number
  | boolean
  | null
  | undefined
  | CloudydenoJson[]
  | { [key: string]: CloudydenoJson };

const secrets = {
  group: "",
  version: "v1",
  plural: "secrets",
  kind: "Secret",
  namespaced: true,
} as const;

Deno.test("a cloudydeno RestClient and a KubeClient both type-check as RestClient", () => {
  const accept = (client: RestClient) => client;
  const theirs = {} as CloudydenoRestClient;
  accept(theirs);
  const ours: RestClient = new KubeClient("http://fake", () => Promise.reject(new Error("unused")));
  assert.equal(typeof ours.performRequest, "function");
});

Deno.test("a plain object with performRequest can stand in for the client", async () => {
  await using server = new FakeApiServer();
  const calls: string[] = [];
  // A hand-written client over the fake's fetch: no KubeClient involved.
  function performRequest(
    o: RequestOptions & { expectStream: true; expectJson: true },
  ): Promise<ReadableStream<RestJsonValue>>;
  function performRequest(
    o: RequestOptions & { expectStream: true },
  ): Promise<ReadableStream<Uint8Array>>;
  function performRequest(o: RequestOptions & { expectJson: true }): Promise<RestJsonValue>;
  function performRequest(o: RequestOptions): Promise<Uint8Array>;
  async function performRequest(o: RequestOptions): Promise<unknown> {
    calls.push(`${o.method} ${o.path}`);
    const query = o.querystring ? `?${o.querystring}` : "";
    const init: RequestInit = { method: o.method };
    if (o.bodyJson !== undefined) {
      init.body = JSON.stringify(o.bodyJson);
      init.headers = { "content-type": o.contentType ?? "application/json" };
    }
    const response = await server.fetch(new Request(`http://fake${o.path}${query}`, init));
    if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);
    return await response.json();
  }
  const standIn = { performRequest, defaultNamespace: "default" };
  const client = new ResourceClient<KubeObject & { data?: Record<string, string> }>(
    standIn,
    secrets,
    { namespace: standIn.defaultNamespace },
  );
  await client.create({ metadata: { name: "s" }, data: { k: btoa("v") } });
  const got = await client.get("s");
  assert.equal(got.data?.k, btoa("v"));
  assert.deepEqual(calls, [
    "POST /api/v1/namespaces/default/secrets",
    "GET /api/v1/namespaces/default/secrets/s",
  ]);
});
