/**
 * Benchmarks of the fake API server itself, so later figures (issuances per second,
 * latency) can say how much of a cost is the server's: writes per second through the
 * in-process handler, and the latency of fanning one change out to N open watches.
 *
 * Run with `deno task bench lib/testing/apiserver/fake_api_server_bench.ts`.
 */
import { FakeApiServer } from "./fake_api_server.ts";

const CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget" },
    versions: [{
      name: "v1",
      served: true,
      storage: true,
      subresources: { status: {} },
      schema: {
        openAPIV3Schema: {
          type: "object",
          properties: {
            spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            status: {
              type: "object",
              properties: {
                conditions: {
                  type: "array",
                  "x-kubernetes-list-type": "map",
                  "x-kubernetes-list-map-keys": ["type"],
                  items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                },
              },
            },
          },
        },
      },
    }],
  },
};

const BASE = "http://fake/apis/example.com/v1/namespaces/default/widgets";

function post(server: FakeApiServer, name: string): Promise<Response> {
  return server.fetch(
    new Request(BASE, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name },
        spec: { n: name },
      }),
    }),
  );
}

function applyStatus(server: FakeApiServer, name: string, i: number): Promise<Response> {
  return server.fetch(
    new Request(`${BASE}/${name}/status?fieldManager=bench&force=true`, {
      method: "PATCH",
      headers: { "content-type": "application/apply-patch+yaml" },
      body: JSON.stringify({
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name, namespace: "default" },
        status: { conditions: [{ type: "Ready", status: "True", message: `write ${i}` }] },
      }),
    }),
  );
}

{
  const server = new FakeApiServer({ crds: [CRD] });
  let n = 0;
  Deno.bench(
    "create a custom resource (POST, 201)",
    { group: "writes", baseline: true },
    async () => {
      const res = await post(server, `w${n++}`);
      await res.body?.cancel();
    },
  );
  await post(server, "target").then((r) => r.body?.cancel());
  let i = 0;
  Deno.bench(
    "server-side apply of status.conditions (PATCH /status)",
    { group: "writes" },
    async () => {
      const res = await applyStatus(server, "target", i++);
      await res.body?.cancel();
    },
  );
  Deno.bench("get one object (GET)", { group: "reads" }, async () => {
    const res = await server.fetch(new Request(`${BASE}/target`));
    await res.body?.cancel();
  });
  addEventListener("unload", () => void server.close());
}

for (const watchers of [1, 10, 100]) {
  const server = new FakeApiServer({ crds: [CRD] });
  await post(server, "target").then((r) => r.body?.cancel());
  const readers = await Promise.all(
    Array.from({ length: watchers }, async () => {
      const res = await server.fetch(
        new Request(`${BASE}?watch=1&resourceVersion=${server.resourceVersion}`),
      );
      return res.body!.pipeThrough(new TextDecoderStream()).getReader();
    }),
  );
  let i = 0;
  Deno.bench(
    `one status write seen by ${watchers} watch(es)`,
    { group: "watch fan-out" },
    async () => {
      const res = await applyStatus(server, "target", i++);
      await res.body?.cancel();
      await Promise.all(readers.map(async (r) => {
        const { value } = await r.read();
        if (!value) throw new Error("watch ended");
      }));
    },
  );
  addEventListener("unload", () => {
    for (const r of readers) void r.cancel();
    void server.close();
  });
}
