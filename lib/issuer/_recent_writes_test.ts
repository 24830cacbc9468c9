import { strict as assert } from "node:assert";
import type { KubeObject } from "../client/object.ts";
import { RecentWrites } from "./_recent_writes.ts";

const at = (resourceVersion: string, tag = ""): KubeObject => ({
  metadata: { name: "a", resourceVersion, labels: { tag } },
});

Deno.test("a written object wins over an older cached one until the cache catches up", () => {
  const writes = new RecentWrites<KubeObject>();
  writes.remember("ns/a", at("12", "written"));
  assert.equal(writes.latest("ns/a", at("11"))?.metadata.labels?.tag, "written");
  assert.equal(writes.size, 1);
  assert.equal(writes.latest("ns/a", at("12", "cached"))?.metadata.labels?.tag, "cached");
  assert.equal(writes.size, 0, "caught up: forgotten");
});

Deno.test("observe forgets writes the cache has caught up with, or whose object is gone", () => {
  const writes = new RecentWrites<KubeObject>();
  writes.remember("a", at("5"));
  writes.observe("a", at("4"));
  assert.equal(writes.size, 1);
  writes.observe("a", at("9"));
  assert.equal(writes.size, 0);
  writes.remember("a", at("10"));
  writes.observe("a", undefined);
  assert.equal(writes.size, 0);
  assert.equal(writes.latest("a", undefined), undefined);
});

Deno.test("an older write never replaces a newer one; opaque versions defer to the cache", () => {
  const writes = new RecentWrites<KubeObject>();
  writes.remember("a", at("20", "new"));
  writes.remember("a", at("19", "old"));
  assert.equal(writes.latest("a", at("1"))?.metadata.labels?.tag, "new");
  const opaque = new RecentWrites<KubeObject>();
  opaque.remember("a", at("abc", "written"));
  assert.equal(opaque.latest("a", at("xyz", "cached"))?.metadata.labels?.tag, "cached");
});
