import { strict as assert } from "node:assert";
import { ObjectStore, ResourceBucket, type StoreEvent } from "./_store.ts";

const KEY = "example.com/widgets";

function obj(name: string, namespace = "t", extra: Record<string, unknown> = {}) {
  return { metadata: { name, namespace }, ...extra };
}

function event(rv: number): StoreEvent {
  return { rv, type: "ADDED", object: obj(`o${rv}`), previous: undefined };
}

function rvs(events: StoreEvent[] | undefined): number[] | undefined {
  return events?.map((e) => e.rv);
}

Deno.test("ResourceBucket.since returns the events strictly after a revision, in order", () => {
  const bucket = new ResourceBucket();
  for (const rv of [3, 5, 8]) bucket.record(event(rv), 100);
  assert.deepEqual(rvs(bucket.since(0)), [3, 5, 8]);
  assert.deepEqual(rvs(bucket.since(3)), [5, 8]);
  assert.deepEqual(rvs(bucket.since(4)), [5, 8]);
  assert.deepEqual(rvs(bucket.since(8)), []);
  assert.deepEqual(rvs(bucket.since(100)), [], "a future revision has no events yet");
});

Deno.test("ResourceBucket keeps at most `limit` events and reports what it dropped", () => {
  const bucket = new ResourceBucket();
  for (let rv = 1; rv <= 10; rv++) bucket.record(event(rv), 4);
  assert.equal(bucket.compactedRevision, 6);
  assert.deepEqual(
    rvs(bucket.since(6)),
    [7, 8, 9, 10],
    "the oldest resumable revision still works",
  );
  assert.equal(bucket.since(5), undefined, "older revisions are gone");
  assert.equal(bucket.since(0), undefined);
});

Deno.test("ResourceBucket stays correct while it trims a long history", () => {
  const bucket = new ResourceBucket();
  for (let rv = 1; rv <= 5000; rv++) bucket.record(event(rv), 10);
  assert.equal(bucket.compactedRevision, 4990);
  assert.deepEqual(rvs(bucket.since(4990)), [
    4991,
    4992,
    4993,
    4994,
    4995,
    4996,
    4997,
    4998,
    4999,
    5000,
  ]);
  assert.deepEqual(rvs(bucket.since(4998)), [4999, 5000]);
  assert.equal(bucket.since(4989), undefined);
});

Deno.test("ResourceBucket.compact drops history up to a revision", () => {
  const bucket = new ResourceBucket();
  for (const rv of [2, 4, 6]) bucket.record(event(rv), 100);
  bucket.compact(4);
  assert.equal(bucket.compactedRevision, 4);
  assert.deepEqual(rvs(bucket.since(4)), [6]);
  assert.equal(bucket.since(3), undefined);
  bucket.compact(2);
  assert.equal(bucket.compactedRevision, 4, "compaction never moves backwards");
  bucket.compact(10);
  assert.deepEqual(rvs(bucket.since(10)), []);
  assert.equal(bucket.since(6), undefined);
});

Deno.test("ObjectStore.commit stamps one cluster-wide, increasing resourceVersion", () => {
  const store = new ObjectStore({ historyLimit: 100 });
  const a = store.commit(KEY, "ADDED", obj("a"), undefined);
  const s = store.commit("/secrets", "ADDED", obj("s"), undefined);
  const b = store.commit(KEY, "ADDED", obj("b"), undefined);
  assert.deepEqual(
    [a, s, b].map((o) => (o.metadata as { resourceVersion: string }).resourceVersion),
    [
      "1",
      "2",
      "3",
    ],
  );
  assert.equal(store.revision, 3);
  assert.deepEqual(rvs(store.bucket(KEY).since(0)), [1, 3], "history is per resource");
});

Deno.test("ObjectStore.commit tells listeners synchronously and keeps the previous state", () => {
  const store = new ObjectStore({ historyLimit: 100 });
  const seen: StoreEvent[] = [];
  store.bucket(KEY).listeners.add({ onChange: (ev) => seen.push(ev) });
  const first = store.commit(KEY, "ADDED", obj("a", "t", { spec: { size: 1 } }), undefined);
  store.commit(KEY, "MODIFIED", obj("a", "t", { spec: { size: 2 } }), first);
  assert.deepEqual(seen.map((e) => e.type), ["ADDED", "MODIFIED"]);
  assert.deepEqual(seen[1]?.previous?.spec, { size: 1 });
});

Deno.test("ObjectStore.commit DELETED removes the object and stamps the deletion's RV", () => {
  const store = new ObjectStore({ historyLimit: 100 });
  const a = store.commit(KEY, "ADDED", obj("a"), undefined);
  const gone = store.commit(KEY, "DELETED", structuredClone(a), a);
  assert.equal(store.get(KEY, "t", "a"), undefined);
  assert.equal((gone.metadata as { resourceVersion: string }).resourceVersion, "2");
  assert.deepEqual(rvs(store.bucket(KEY).since(1)), [2]);
});

Deno.test("ObjectStore.list sorts by namespace then name and filters by namespace", () => {
  const store = new ObjectStore({ historyLimit: 100 });
  for (const [ns, name] of [["u", "a"], ["t", "b"], ["t", "a"]] as const) {
    store.commit(KEY, "ADDED", obj(name, ns), undefined);
  }
  const names = (list: ReturnType<ObjectStore["list"]>) =>
    list.map((o) =>
      `${(o.metadata as { namespace: string }).namespace}/${(o.metadata as { name: string }).name}`
    );
  assert.deepEqual(names(store.list(KEY)), ["t/a", "t/b", "u/a"]);
  assert.deepEqual(names(store.list(KEY, "u")), ["u/a"]);
  assert.deepEqual(store.list("nothing/here"), []);
});

Deno.test("ObjectStore: a resource first used late has no history before that point", () => {
  const store = new ObjectStore({ historyLimit: 100 });
  store.commit("/secrets", "ADDED", obj("s"), undefined);
  store.commit("/secrets", "ADDED", obj("s2"), undefined);
  const bucket = store.bucket(KEY);
  assert.equal(bucket.compactedRevision, 2);
  assert.deepEqual(rvs(bucket.since(2)), []);
  assert.equal(bucket.since(1), undefined);
});

Deno.test("ObjectStore.compact drops the history of one resource or all", () => {
  const store = new ObjectStore({ historyLimit: 100 });
  store.commit(KEY, "ADDED", obj("a"), undefined);
  store.commit("/secrets", "ADDED", obj("s"), undefined);
  store.compact(KEY);
  assert.equal(store.bucket(KEY).since(0), undefined);
  assert.deepEqual(rvs(store.bucket(KEY).since(2)), []);
  assert.deepEqual(rvs(store.bucket("/secrets").since(1)), [2], "other resources keep theirs");
  store.compact();
  assert.equal(store.bucket("/secrets").since(1), undefined);
  assert.deepEqual(store.list(KEY).length, 1, "compaction keeps the objects");
});

Deno.test("ObjectStore applies the history limit per resource", () => {
  const store = new ObjectStore({ historyLimit: 2 });
  for (const n of ["a", "b", "c"]) store.commit(KEY, "ADDED", obj(n), undefined);
  assert.equal(store.bucket(KEY).compactedRevision, 1);
  assert.deepEqual(rvs(store.bucket(KEY).since(1)), [2, 3]);
  assert.equal(store.bucket(KEY).since(0), undefined);
});
