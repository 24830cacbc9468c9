import { strict as assert } from "node:assert";
import { isDirty, SeriesCache, seriesKey } from "./_event_series.ts";

const base = {
  regarding: { kind: "CertificateRequest", namespace: "t", name: "cr-1" },
  type: "Warning",
  reason: "RetryableError",
  action: "SyncFailed",
  note: "boom",
  reportingController: "example.com/issuer",
  reportingInstance: "issuer-0",
};

Deno.test("seriesKey: every identifying field counts, field order of references does not", () => {
  const key = seriesKey(base);
  assert.equal(
    seriesKey({ ...base, regarding: { name: "cr-1", namespace: "t", kind: "CertificateRequest" } }),
    key,
  );
  for (
    const changed of [
      { note: "other" },
      { type: "Normal" },
      { reason: "X" },
      { action: "Synced" },
      { reportingInstance: "issuer-1" },
      { related: { name: "ca" } },
      { regarding: { ...base.regarding, resourceVersion: "8" } },
    ]
  ) {
    assert.notEqual(seriesKey({ ...base, ...changed }), key, JSON.stringify(changed));
  }
});

Deno.test("SeriesCache: create, then series at the second occurrence, then silent counting", () => {
  const cache = new SeriesCache<string>(60_000, 10);
  const first = cache.observe("k", 0, () => "event");
  assert.equal(first.write, "create");
  first.entry.written = 1;
  assert.equal(cache.observe("k", 1_000, () => "unused").write, "series");
  first.entry.written = 2;
  const third = cache.observe("k", 2_000, () => "unused");
  assert.equal(third.write, "none");
  assert.equal(third.entry.count, 3);
  assert.ok(isDirty(third.entry));
  assert.deepEqual(cache.due(3_000).map((e) => e.count), [3]);
  third.entry.written = 3;
  assert.deepEqual(cache.due(3_000), []);
  assert.equal(cache.size, 1);
  assert.deepEqual(cache.due(62_001), []); // quiet for longer than the window: evicted
  assert.equal(cache.size, 0);
});

Deno.test("SeriesCache: a repeat after the window finishes the old series and creates anew", () => {
  const cache = new SeriesCache<string>(60_000, 10);
  const old = cache.observe("k", 0, () => "old").entry;
  old.written = 1;
  cache.observe("k", 1_000, () => "unused");
  old.written = 2;
  cache.observe("k", 2_000, () => "unused"); // count 3, unwritten
  const next = cache.observe("k", 62_001, () => "new");
  assert.equal(next.write, "create");
  assert.equal(next.entry.event, "new");
  assert.deepEqual(next.finished.map((e) => [e.event, e.count]), [["old", 3]]);
});

Deno.test("SeriesCache: beyond maxEntries the least recently observed entry leaves", () => {
  const cache = new SeriesCache<string>(60_000, 2);
  const a = cache.observe("a", 0, () => "a").entry;
  a.written = 1;
  cache.observe("a", 1, () => "unused");
  a.written = 2;
  cache.observe("a", 2, () => "unused"); // a: count 3, unwritten
  cache.observe("b", 3, () => "b");
  const c = cache.observe("c", 4, () => "c");
  assert.deepEqual(c.finished.map((e) => e.event), ["a"]);
  assert.equal(cache.size, 2);
  assert.equal(cache.observe("a", 5, () => "a2").write, "create");
});
