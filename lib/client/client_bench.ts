/**
 * Benchmarks of the client's pure parts: building resource requests, and decoding a
 * watch stream into typed events (the cost per event an informer pays).
 *
 * Run with `deno task bench lib/client/client_bench.ts`.
 */
import { decodeWatchEvents } from "./watch.ts";
import { resourceRequest } from "./resource_request.ts";
import type { ResourceDescriptor } from "./resource.ts";
import { KubeClient } from "./kube_client.ts";

const CRS: ResourceDescriptor = {
  group: "cert-manager.io",
  version: "v1",
  plural: "certificaterequests",
  kind: "CertificateRequest",
  namespaced: true,
};

Deno.bench("resourceRequest: get", { group: "build" }, () => {
  resourceRequest(CRS, { verb: "get", namespace: "team-a", name: "cr-1" });
});

Deno.bench("resourceRequest: list page with selectors", { group: "build" }, () => {
  resourceRequest(CRS, {
    verb: "list",
    options: { namespace: "team-a", labelSelector: "app=issuer", limit: 500, continue: "abc" },
  });
});

Deno.bench("resourceRequest: server-side apply of a status", { group: "build" }, () => {
  resourceRequest(CRS, {
    verb: "patch",
    namespace: "team-a",
    name: "cr-1",
    subresource: "status",
    patch: {
      type: "apply",
      body: { status: { conditions: [{ type: "Ready", status: "True", reason: "Issued" }] } },
    },
    options: { fieldManager: "my-issuer", force: true },
  });
});

const EVENTS = 1_000;
const event = (i: number) =>
  JSON.stringify({
    type: "MODIFIED",
    object: {
      apiVersion: "cert-manager.io/v1",
      kind: "CertificateRequest",
      metadata: { name: `cr-${i}`, namespace: "team-a", resourceVersion: String(i) },
      spec: { request: "Q1NS".repeat(200), issuerRef: { name: "ca" } },
      status: { conditions: [{ type: "Ready", status: "True", reason: "Issued" }] },
    },
  }) + "\n";
const BODY = new TextEncoder().encode(Array.from({ length: EVENTS }, (_, i) => event(i)).join(""));

function chunked(size: number): ReadableStream<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < BODY.length; i += size) chunks.push(BODY.subarray(i, i + size));
  return ReadableStream.from(chunks);
}

Deno.bench(`decodeWatchEvents: ${EVENTS} events in 16 KiB chunks`, {
  group: "watch",
  baseline: true,
}, async () => {
  let n = 0;
  for await (const _ of decodeWatchEvents(chunked(16 * 1024))) n++;
  if (n !== EVENTS) throw new Error(`decoded ${n} events`);
});

Deno.bench(
  `decodeWatchEvents: ${EVENTS} events in 100-byte chunks`,
  { group: "watch" },
  async () => {
    let n = 0;
    for await (const _ of decodeWatchEvents(chunked(100))) n++;
    if (n !== EVENTS) throw new Error(`decoded ${n} events`);
  },
);

const client = new KubeClient("http://fake", () => Promise.resolve(Response.json({ ok: true })), {
  timeoutMs: 0,
});
Deno.bench("KubeClient.performRequest over a trivial transport", { group: "request" }, async () => {
  await client.performRequest({ method: "GET", path: "/api", expectJson: true });
});
