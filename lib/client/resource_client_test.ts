import { strict as assert } from "node:assert";
import { isStatus } from "../core/status.ts";
import { FakeApiServer } from "../testing/mod.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import {
  isAlreadyExists,
  isConflict,
  isGone,
  isInvalid,
  isNotFound,
  KubeApiError,
} from "./kube_api_error.ts";
import { KubeClient } from "./kube_client.ts";
import type { KubeObject } from "./object.ts";
import type { ResourceDescriptor } from "./resource.ts";
import { ResourceClient } from "./resource_client.ts";
import type { WatchEvent } from "./watch.ts";

const CRD = await Deno.readTextFile(
  new URL(
    "../../testdata/cert-manager-crds/cert-manager.io_certificaterequests.yaml",
    import.meta.url,
  ),
);

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface CertificateRequest extends KubeObject {
  spec: { request: string; issuerRef: { name: string; kind?: string; group?: string } };
  status?: { conditions?: Condition[]; certificate?: string };
}
const CERTIFICATE_REQUESTS: ResourceDescriptor<CertificateRequest> = {
  group: "cert-manager.io",
  version: "v1",
  plural: "certificaterequests",
  kind: "CertificateRequest",
  namespaced: true,
};
const NAMESPACES: ResourceDescriptor = {
  group: "",
  version: "v1",
  plural: "namespaces",
  kind: "Namespace",
  namespaced: false,
};

function request(name: string, issuer = "ca"): CertificateRequest {
  return {
    metadata: { name, labels: { app: "demo" } },
    spec: { request: btoa(`csr of ${name}`), issuerRef: { name: issuer } },
  };
}

async function setup() {
  const clock = new FakeClock(Date.UTC(2024, 0, 1));
  const server = new FakeApiServer({ clock, namespaces: ["team-a", "team-b"] });
  await server.load(CRD);
  const transport = (req: Request) => server.fetch(req);
  const client = new KubeClient("http://fake", transport, { clock });
  const crs = new ResourceClient(client, CERTIFICATE_REQUESTS, { namespace: "team-a" });
  return { clock, server, client, crs };
}

Deno.test("create, get, update, delete a CertificateRequest", async () => {
  const { server, crs } = await setup();
  await using _ = server;
  const created = await crs.create(request("cr-1"));
  assert.equal(created.apiVersion, "cert-manager.io/v1");
  assert.equal(created.kind, "CertificateRequest");
  assert.equal(created.metadata.namespace, "team-a");
  assert.equal(created.metadata.generation, 1);
  await assert.rejects(crs.create(request("cr-1")), isAlreadyExists);

  const read = await crs.get("cr-1");
  assert.equal(read.metadata.uid, created.metadata.uid);
  read.metadata.labels = { app: "changed" };
  const updated = await crs.update(read);
  assert.equal(updated.metadata.labels?.app, "changed");
  await assert.rejects(crs.update(read), isConflict, "a stale resourceVersion conflicts");

  await assert.rejects(
    crs.delete("cr-1", { preconditions: { uid: "not-the-uid" } }),
    isConflict,
  );
  const deleted = await crs.delete("cr-1", { propagationPolicy: "Background" });
  assert(isStatus(deleted) && deleted.status === "Success");
  await assert.rejects(crs.get("cr-1"), isNotFound);
  await assert.rejects(crs.delete("cr-1"), isNotFound);

  await crs.create({ ...request("held"), metadata: { name: "held", finalizers: ["x.io/hold"] } });
  const held = await crs.delete("held");
  assert(!isStatus(held) && held.metadata.deletionTimestamp !== undefined);
});

Deno.test("the namespace comes from the options, then the object, then the client", async () => {
  const { server, client, crs } = await setup();
  await using _ = server;
  await crs.create(request("a"), { namespace: "team-b" });
  await crs.create({ ...request("b"), metadata: { name: "b", namespace: "team-b" } });
  await crs.create(request("c"));
  assert.deepEqual(server.list("certificaterequests.cert-manager.io", "team-b").length, 2);
  assert.equal((await crs.get("a", { namespace: "team-b" })).metadata.namespace, "team-b");
  const everywhere = new ResourceClient(client, CERTIFICATE_REQUESTS);
  assert.equal((await everywhere.list()).items.length, 3);
  await assert.rejects(everywhere.get("a"), /get of certificaterequests needs a namespace/);
  const namespaces = new ResourceClient(client, NAMESPACES, { namespace: "ignored" });
  assert.equal((await namespaces.get("team-a")).metadata.name, "team-a");
});

Deno.test("dry-run writes answer without persisting; invalid objects fail as Invalid", async () => {
  const { server, crs } = await setup();
  await using _ = server;
  const dry = await crs.create(request("dry"), { dryRun: true });
  assert.equal(dry.metadata.name, "dry");
  await assert.rejects(crs.get("dry"), isNotFound);
  await assert.rejects(
    crs.create(request("Not_A_DNS_Name")),
    (e: unknown) => isInvalid(e) && e instanceof KubeApiError && /metadata.name/.test(e.message),
  );
});

Deno.test("merge, JSON and apply patches, and server-side apply with force", async () => {
  const { server, crs } = await setup();
  await using _ = server;
  await crs.create(request("p"));
  const merged = await crs.patch("p", {
    type: "merge",
    body: { metadata: { annotations: { note: "x" } } },
  });
  assert.equal(merged.metadata.annotations?.note, "x");
  const jsonPatched = await crs.patch("p", {
    type: "json",
    operations: [{ op: "replace", path: "/metadata/labels/app", value: "json" }],
  });
  assert.equal(jsonPatched.metadata.labels?.app, "json");

  await crs.apply({ metadata: { name: "p", labels: { owner: "one" } } }, { fieldManager: "one" });
  await assert.rejects(
    crs.apply({ metadata: { name: "p", labels: { owner: "two" } } }, { fieldManager: "two" }),
    (e: unknown) => isConflict(e) && e instanceof KubeApiError && /owner/.test(e.message),
  );
  const forced = await crs.apply({ metadata: { name: "p", labels: { owner: "two" } } }, {
    fieldManager: "two",
    force: true,
  });
  assert.equal(forced.metadata.labels?.owner, "two");
  assert.equal(server.requests.entries({ verb: "patch" }).at(-1)?.fieldManager, "two");
});

Deno.test("status: get, update, patch and apply touch only the status", async () => {
  const { server, crs } = await setup();
  await using _ = server;
  const created = await crs.create(request("s"));
  const ready: Condition = { type: "Ready", status: "False", reason: "Pending" };
  const withStatus = await crs.updateStatus({
    ...created,
    spec: { ...created.spec, issuerRef: { name: "ignored" } },
    status: { conditions: [ready] },
  });
  assert.deepEqual(withStatus.status?.conditions, [ready]);
  assert.equal(withStatus.spec.issuerRef.name, "ca", "the status endpoint ignores spec");
  assert.deepEqual((await crs.getStatus("s")).status?.conditions, [ready]);

  const patched = await crs.patchStatus("s", {
    type: "merge",
    body: { status: { certificate: btoa("pem") } },
  });
  assert.equal(patched.status?.certificate, btoa("pem"));

  const applied = await crs.applyStatus({
    metadata: { name: "s" },
    status: { conditions: [{ type: "Ready", status: "True", reason: "Issued" }] },
  }, { fieldManager: "my-issuer", force: true });
  assert.equal(applied.status?.conditions?.[0]?.status, "True");
  assert.equal(server.requests.count({ verb: "patch", subresource: "status" }), 2);
});

Deno.test("list follows continue tokens across pages", async () => {
  const { server, crs } = await setup();
  await using _ = server;
  for (let i = 0; i < 5; i++) await crs.create(request(`cr-${i}`));
  const before = server.requests.count({ verb: "list" });
  const all = await crs.list({ limit: 2, labelSelector: "app=demo" });
  assert.deepEqual(all.items.map((o) => o.metadata.name), ["cr-0", "cr-1", "cr-2", "cr-3", "cr-4"]);
  assert.equal(server.requests.count({ verb: "list" }) - before, 3);
  assert.equal(all.metadata.continue, undefined);
  assert.match(all.metadata.resourceVersion ?? "", /^\d+$/);

  const page = await crs.listPage({ limit: 2 });
  assert.equal(page.items.length, 2);
  assert.ok(page.metadata.continue);
  const next = await crs.listPage({ limit: 2, continue: page.metadata.continue });
  assert.deepEqual(next.items.map((o) => o.metadata.name), ["cr-2", "cr-3"]);
});

Deno.test("list falls back to one full list when a continue token expires", async () => {
  const { server, clock } = await setup();
  await using _ = server;
  for (let i = 0; i < 3; i++) {
    await server.load({
      apiVersion: "cert-manager.io/v1",
      kind: "CertificateRequest",
      metadata: { name: `cr-${i}`, namespace: "team-a" },
      spec: { request: btoa("csr"), issuerRef: { name: "ca" } },
    });
  }
  let lists = 0;
  using client = new KubeClient("http://fake", async (req) => {
    const response = await server.fetch(req);
    if (new URL(req.url).searchParams.has("limit") && ++lists === 1) {
      server.expireContinueTokens();
    }
    return response;
  }, { clock });
  const crs = new ResourceClient(client, CERTIFICATE_REQUESTS, { namespace: "team-a" });
  const all = await crs.list({ limit: 1 });
  assert.equal(all.items.length, 3);
  const queries = server.requests.entries({ verb: "list" }).map((r) => r.query);
  assert.equal(queries.length, 3);
  assert.match(queries[1] ?? "", /continue=/);
  assert.equal(queries[2], "", "the fallback list has no limit");
  assert.equal(server.requests.entries({ verb: "list", code: 410 }).length, 1);
});

Deno.test("watch yields typed events, ends when the server cuts it, and resumes", async () => {
  const { server, crs } = await setup();
  await using _ = server;
  await crs.create(request("before"));
  const listed = await crs.list();
  const watch = crs.watch({ resourceVersion: listed.metadata.resourceVersion ?? "" });
  const pending = watch.next();
  await crs.create(request("during"));
  const first = await pending;
  assert(!first.done);
  assert.equal(first.value.type, "ADDED");
  assert.equal(first.value.object.metadata.name, "during");
  const lastSeen = first.value.object.metadata.resourceVersion ?? "";

  server.sendBookmarks();
  const bookmark = await watch.next();
  assert(!bookmark.done && bookmark.value.type === "BOOKMARK");

  assert.equal(server.cutWatches(), 1);
  assert.deepEqual(await watch.next(), { done: true, value: undefined });
  assert.equal(server.openWatches, 0);

  await crs.create(request("while-away"));
  const stop = new AbortController();
  const resumed: WatchEvent<CertificateRequest>[] = [];
  for await (const event of crs.watch({ resourceVersion: lastSeen, signal: stop.signal })) {
    resumed.push(event);
    if (event.type === "ADDED") stop.abort();
  }
  assert.deepEqual(resumed.map((e) => [e.type, e.object.metadata.name]), [
    ["ADDED", "while-away"],
  ]);
  assert.equal(server.openWatches, 0, "the aborted watch released its stream");
});

Deno.test("a watch resumed after compaction throws isGone", async () => {
  const { server, crs } = await setup();
  await using _ = server;
  const created = await crs.create(request("old"));
  await crs.update({ ...created, metadata: { ...created.metadata, labels: { v: "2" } } });
  server.compact();
  await assert.rejects(
    Array.fromAsync(crs.watch({ resourceVersion: created.metadata.resourceVersion ?? "" })),
    (e: unknown) => isGone(e) && e instanceof KubeApiError && e.method === "GET",
  );
  assert.equal(server.openWatches, 0);
});

Deno.test("a watch without a resourceVersion starts with the current objects", async () => {
  const { server, crs } = await setup();
  await using _ = server;
  await crs.create(request("x"));
  for await (const event of crs.watch()) {
    assert.equal(event.type, "ADDED");
    assert.equal(event.object.metadata.name, "x");
    break;
  }
  assert.equal(server.openWatches, 0, "breaking out released the stream");
});

Deno.test("a watch whose signal is already aborted ends without a request or an error", async () => {
  const { server, crs } = await setup();
  await using _ = server;
  assert.deepEqual(await Array.fromAsync(crs.watch({ signal: AbortSignal.abort() })), []);
  assert.equal(server.requests.count({ verb: "watch" }), 0);
});
