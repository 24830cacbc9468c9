import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { KubeObject } from "../client/object.ts";
import { Store, type StoreChange } from "./store.ts";

interface Request extends KubeObject {
  spec: { issuer: string; extra?: string[] };
}

function cr(name: string, rv: string, issuer = "ca", namespace = "ns"): Request {
  return {
    metadata: {
      name,
      namespace,
      resourceVersion: rv,
      managedFields: [{ manager: "kubectl", operation: "Update", fieldsV1: { "f:spec": {} } }],
    },
    spec: { issuer },
  };
}

function summary(changes: StoreChange<Request>[]): string[] {
  return changes.map((c) =>
    c.type === "updated"
      ? `updated ${c.object.metadata.name} ${c.old.metadata.resourceVersion}->${c.object.metadata.resourceVersion}`
      : `${c.type} ${c.object.metadata.name}`
  );
}

const byIssuer = (r: Request) => [`${r.metadata.namespace}/${r.spec.issuer}`];
const names = (objects: Request[]) => objects.map((o) => o.metadata.name).sort();

Deno.test("Store: the first list fills it and resolves synced", async () => {
  const store = new Store<Request>();
  assert.equal(store.hasSynced, false);
  const changes = store.apply({
    type: "restarted",
    objects: [cr("a", "1"), cr("b", "2", "ca", "other")],
    resourceVersion: "5",
  });
  await store.synced;
  assert.equal(store.hasSynced, true);
  assert.deepEqual(summary(changes), ["added a", "added b"]);
  assert.equal(store.size, 2);
  assert.deepEqual(store.keys().sort(), ["ns/a", "other/b"]);
  assert.deepEqual(names(store.list()), ["a", "b"]);
  assert.equal(store.get("other/b")?.metadata.resourceVersion, "2");
  assert.equal(store.get("b"), undefined);
  assert.equal(store.resourceVersion, "5");
});

Deno.test("Store: a new list replaces the contents and reports the difference", () => {
  const store = new Store<Request>();
  store.addIndex("issuer", byIssuer);
  store.apply({
    type: "restarted",
    objects: [cr("keep", "1"), cr("change", "2"), cr("gone", "3")],
    resourceVersion: "3",
  });
  const changes = store.apply({
    type: "restarted",
    objects: [cr("keep", "1"), cr("change", "7", "vault"), cr("new", "8")],
    resourceVersion: "9",
  });
  assert.deepEqual(summary(changes), ["deleted gone", "updated change 2->7", "added new"]);
  assert.deepEqual(store.keys().sort(), ["ns/change", "ns/keep", "ns/new"]);
  assert.deepEqual(names(store.byIndex("issuer", "ns/ca")), ["keep", "new"]);
  assert.deepEqual(names(store.byIndex("issuer", "ns/vault")), ["change"]);
  assert.equal(store.resourceVersion, "9");
});

Deno.test("Store: a list that fails to transform or index leaves the store as it was", () => {
  const store = new Store<Request>({
    transform: (r) => {
      if (r.metadata.name === "bad") throw new Error("transform failed");
      return r;
    },
  });
  store.addIndex("issuer", (r) => {
    if (r.spec.issuer === "broken") throw new Error("index failed");
    return byIssuer(r);
  });
  store.apply({ type: "restarted", objects: [cr("a", "1")], resourceVersion: "1" });
  const before = store.list();
  assert.throws(
    () =>
      store.apply({
        type: "restarted",
        objects: [cr("b", "2"), cr("bad", "3")],
        resourceVersion: "3",
      }),
    /transform failed/,
  );
  assert.throws(
    () =>
      store.apply({ type: "restarted", objects: [cr("b", "2", "broken")], resourceVersion: "3" }),
    /index failed/,
  );
  assert.throws(
    () => store.apply({ type: "applied", object: cr("c", "4", "broken") }),
    /index failed/,
  );
  assert.deepEqual(store.list(), before);
  assert.deepEqual(names(store.byIndex("issuer", "ns/ca")), ["a"]);
  assert.equal(store.resourceVersion, "1");
});

Deno.test("Store: applied and deleted events add, update and remove", () => {
  const store = new Store<Request>();
  store.apply({ type: "restarted", objects: [], resourceVersion: "1" });
  assert.deepEqual(summary(store.apply({ type: "applied", object: cr("a", "2") })), ["added a"]);
  assert.deepEqual(summary(store.apply({ type: "applied", object: cr("a", "3") })), [
    "updated a 2->3",
  ]);
  assert.deepEqual(store.apply({ type: "applied", object: cr("a", "3") }), [], "a repeat");
  assert.deepEqual(summary(store.apply({ type: "deleted", object: cr("a", "4") })), ["deleted a"]);
  assert.deepEqual(store.apply({ type: "deleted", object: cr("a", "5") }), [], "unknown object");
  assert.equal(store.size, 0);
  assert.equal(store.resourceVersion, "5");
  store.apply({ type: "bookmark", resourceVersion: "42" });
  assert.equal(store.resourceVersion, "42");
});

Deno.test("Store: objects without a resourceVersion always count as changed", () => {
  const store = new Store<KubeObject>();
  store.apply({ type: "applied", object: { metadata: { name: "a" } } });
  const changes = store.apply({ type: "applied", object: { metadata: { name: "a" } } });
  assert.equal(changes[0]?.type, "updated");
});

Deno.test("Store: the default transform drops managedFields; a custom one replaces it", () => {
  const store = new Store<Request>();
  store.apply({ type: "restarted", objects: [cr("a", "1")], resourceVersion: "1" });
  store.apply({ type: "applied", object: cr("b", "2") });
  const [deleted] = store.apply({ type: "deleted", object: cr("b", "3") });
  assert.equal(store.get("ns/a")?.metadata.managedFields, undefined);
  assert.equal(deleted?.object.metadata.managedFields, undefined);
  assert.equal(store.get("ns/a")?.spec.issuer, "ca");

  const keepAll = new Store<Request>({ transform: (r) => r });
  keepAll.apply({ type: "applied", object: cr("a", "1") });
  assert.equal(keepAll.get("ns/a")?.metadata.managedFields?.length, 1);

  const slim = new Store<Request>({
    transform: (r) => ({ ...r, spec: { issuer: r.spec.issuer } }),
  });
  slim.apply({
    type: "applied",
    object: { ...cr("a", "1"), spec: { issuer: "ca", extra: ["x"] } },
  });
  assert.deepEqual(slim.get("ns/a")?.spec, { issuer: "ca" });
});

Deno.test("Store: indexes follow updates and deletes", () => {
  const store = new Store<Request>();
  store.apply({
    type: "restarted",
    objects: [cr("a", "1"), cr("b", "2"), cr("c", "3", "vault")],
    resourceVersion: "3",
  });
  store.addIndex("issuer", byIssuer);
  store.addIndex("all", (r) => [...(r.spec.extra ?? []), ...(r.spec.extra ?? [])]);
  assert.deepEqual(names(store.byIndex("issuer", "ns/ca")), ["a", "b"], "built from the contents");
  store.apply({ type: "applied", object: cr("a", "4", "vault") });
  assert.deepEqual(names(store.byIndex("issuer", "ns/ca")), ["b"]);
  assert.deepEqual(names(store.byIndex("issuer", "ns/vault")), ["a", "c"]);
  store.apply({ type: "deleted", object: cr("b", "5") });
  assert.deepEqual(store.byIndex("issuer", "ns/ca"), []);
  assert.deepEqual(store.indexValues("issuer"), ["ns/vault"], "empty values are dropped");
  store.apply({
    type: "applied",
    object: { ...cr("d", "6"), spec: { issuer: "x", extra: ["p", "q"] } },
  });
  assert.deepEqual(store.keysByIndex("all", "p"), ["ns/d"], "repeated values count once");
  assert.deepEqual(store.keysByIndex("all", "q"), ["ns/d"]);
  assert.deepEqual(store.byIndex("all", "none"), []);
});

Deno.test("Store: index misuse is a TypeError naming the index", () => {
  const store = new Store<Request>();
  store.addIndex("issuer", byIssuer);
  assert.throws(() => store.addIndex("issuer", byIssuer), /an index named "issuer" already exists/);
  assert.throws(
    () => store.byIndex("issuers", "x"),
    /no index named "issuers" \(indexes: \["issuer"\]\)/,
  );
  store.apply({ type: "applied", object: cr("a", "1") });
  assert.throws(
    () => store.addIndex("bad", () => "x" as unknown as string[]),
    /index "bad" must return an array of strings, got "x"/,
  );
  assert.throws(() => store.addIndex("bad", () => [1] as unknown as string[]), TypeError);
  assert.deepEqual(store.indexValues("bad"), [], "a failed index is not added");
});

Deno.test("Store: index lookups always equal a scan (property)", () => {
  const op = fc.oneof(
    fc.record({
      type: fc.constant("applied" as const),
      name: fc.constantFrom("a", "b", "c", "d"),
      issuer: fc.constantFrom("x", "y", "z"),
    }),
    fc.record({ type: fc.constant("deleted" as const), name: fc.constantFrom("a", "b", "c", "d") }),
    fc.record({
      type: fc.constant("restarted" as const),
      objects: fc.uniqueArray(
        fc.record({ name: fc.constantFrom("a", "b", "c", "d"), issuer: fc.constantFrom("x", "y") }),
        { selector: (o) => o.name },
      ),
    }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
    const store = new Store<Request>();
    store.addIndex("issuer", (r) => [r.spec.issuer]);
    let rv = 0;
    for (const o of ops) {
      rv++;
      if (o.type === "restarted") {
        const objects = o.objects.map((x) => cr(x.name, String(rv), x.issuer));
        store.apply({ type: "restarted", objects, resourceVersion: String(rv) });
      } else if (o.type === "applied") {
        store.apply({ type: "applied", object: cr(o.name, String(rv), o.issuer) });
      } else store.apply({ type: "deleted", object: cr(o.name, String(rv)) });
      for (const issuer of ["x", "y", "z"]) {
        const scan = store.list().filter((r) => r.spec.issuer === issuer);
        assert.deepEqual(names(store.byIndex("issuer", issuer)), names(scan));
      }
    }
  }));
});
