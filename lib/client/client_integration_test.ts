/**
 * The whole client stack over HTTPS with a bearer token against the fake API server on
 * loopback: fetch transport, retries, typed resource operations and watches.
 */
import { strict as assert } from "node:assert";
import { FakeApiServer } from "../testing/mod.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import type { CredentialSource } from "./connection.ts";
import { isForbidden, isGone, isNotFound, KubeApiError } from "./kube_api_error.ts";
import { KubeClient } from "./kube_client.ts";
import type { KubeObject } from "./object.ts";
import type { ResourceDescriptor } from "./resource.ts";
import { ResourceClient } from "./resource_client.ts";
import { drive } from "./_test_helpers.ts";

const CRD = await Deno.readTextFile(
  new URL(
    "../../testdata/cert-manager-crds/cert-manager.io_certificaterequests.yaml",
    import.meta.url,
  ),
);
const SA = "system:serviceaccount:team-a:issuer";

interface CertificateRequest extends KubeObject {
  spec: { request: string; issuerRef: { name: string } };
  status?: { certificate?: string };
}
const CERTIFICATE_REQUESTS: ResourceDescriptor<CertificateRequest> = {
  group: "cert-manager.io",
  version: "v1",
  plural: "certificaterequests",
  kind: "CertificateRequest",
  namespaced: true,
};

function request(name: string): CertificateRequest {
  return { metadata: { name }, spec: { request: btoa(name), issuerRef: { name: "ca" } } };
}

/** A fake server on HTTPS that knows the issuer's token, and a client for it. */
async function setup(credentials: CredentialSource = bearer("issuer-token")) {
  const clock = new FakeClock(Date.UTC(2024, 0, 1));
  const server = new FakeApiServer({ clock, namespaces: ["team-a", "team-b"] });
  await server.load(CRD);
  server.addToken("issuer-token", { username: SA, groups: [] });
  server.grant(SA, [{
    apiGroups: ["cert-manager.io"],
    resources: ["certificaterequests", "certificaterequests/status"],
    verbs: ["*"],
    namespaces: ["team-a"],
  }]);
  const listening = await server.listen({ tls: true });
  const client = KubeClient.fromConnection({
    server: listening.url,
    caCertsPem: [listening.caCertPem ?? ""],
    namespace: "team-a",
    credentials,
  }, { clock, random: () => 0 });
  const crs = new ResourceClient(client, CERTIFICATE_REQUESTS, {
    namespace: client.defaultNamespace ?? "",
  });
  return {
    clock,
    server,
    client,
    crs,
    async [Symbol.asyncDispose]() {
      client.close();
      await listening.close();
      await server.close();
    },
  };
}

function bearer(token: string): CredentialSource {
  return { authorization: () => Promise.resolve(`Bearer ${token}`) };
}

Deno.test("HTTPS + token: CRUD on CertificateRequests, and RBAC answers Forbidden", async () => {
  await using env = await setup();
  const { crs, server } = env;
  const created = await crs.create(request("cr-1"));
  assert.equal(created.metadata.namespace, "team-a");
  const patched = await crs.patchStatus("cr-1", {
    type: "merge",
    body: { status: { certificate: btoa("pem") } },
  });
  assert.equal(patched.status?.certificate, btoa("pem"));
  assert.equal((await crs.list()).items.length, 1);
  await crs.delete("cr-1");
  await assert.rejects(crs.get("cr-1"), isNotFound);
  await assert.rejects(crs.list({ namespace: "team-b" }), isForbidden);
  assert(server.requests.entries().every((r) => r.user === SA));
});

Deno.test("HTTPS: a list is fetched in pages", async () => {
  await using env = await setup();
  for (let i = 0; i < 5; i++) await env.crs.create(request(`cr-${i}`));
  const all = await env.crs.list({ limit: 2 });
  assert.equal(all.items.length, 5);
  assert.equal(env.server.requests.count({ verb: "list" }), 3);
});

Deno.test("HTTPS: a watch resumes after a cut, and a compacted resume is isGone", async () => {
  await using env = await setup();
  const { crs, server } = env;
  const start = (await crs.list()).metadata.resourceVersion ?? "";
  const watch = crs.watch({ resourceVersion: start });
  const next = watch.next();
  await crs.create(request("a"));
  const first = await next;
  assert(!first.done && first.value.type === "ADDED");
  const seen = first.value.object.metadata.resourceVersion ?? "";
  server.cutWatches();
  assert.deepEqual(await watch.next(), { done: true, value: undefined });

  await crs.create(request("b"));
  const stop = new AbortController();
  const names: string[] = [];
  for await (const event of crs.watch({ resourceVersion: seen, signal: stop.signal })) {
    names.push(event.object.metadata.name ?? "");
    stop.abort();
  }
  assert.deepEqual(names, ["b"]);

  server.compact();
  await assert.rejects(
    Array.fromAsync(crs.watch({ resourceVersion: seen })),
    (e: unknown) => isGone(e) && e instanceof KubeApiError && e.code === 410,
  );
});

Deno.test("HTTPS: 429 waits for Retry-After; 500 is retried for GET, not for POST", async () => {
  await using env = await setup();
  const { crs, server, clock } = env;
  server.faults.add({
    match: { verb: "create", resource: "certificaterequests" },
    fail: { code: 429, retryAfterSeconds: 1 },
  });
  const before = clock.now();
  await drive(clock, crs.create(request("throttled")));
  assert.equal(clock.now() - before, 1000);
  assert.deepEqual(
    server.requests.entries({ verb: "create" }).map((r) => r.code),
    [429, 201],
  );

  server.faults.add({ match: { verb: "get" }, fail: { code: 500 }, times: 1 });
  assert.equal((await drive(clock, crs.get("throttled"))).metadata.name, "throttled");
  assert.deepEqual(server.requests.entries({ verb: "get" }).map((r) => r.code), [500, 200]);

  server.faults.add({ match: { verb: "create" }, fail: { code: 500 }, times: 1 });
  await assert.rejects(
    crs.create(request("once")),
    (e: unknown) => e instanceof KubeApiError && e.code === 500,
  );
  assert.equal(server.requests.count({ verb: "create", code: 500 }), 1);
});

Deno.test("HTTPS: a 401 with a rotated credential is retried once", async () => {
  let current = "stale-token";
  let invalidations = 0;
  const rotating: CredentialSource = {
    authorization: () => Promise.resolve(`Bearer ${current}`),
    invalidate: () => {
      invalidations++;
      current = "issuer-token";
    },
  };
  await using env = await setup(rotating);
  const created = await env.crs.create(request("after-rotation"));
  assert.equal(created.metadata.name, "after-rotation");
  assert.equal(invalidations, 1);
  assert.deepEqual(
    env.server.requests.entries({ verb: "create" }).map((r) => r.code),
    [401, 201],
  );
});
