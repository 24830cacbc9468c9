import { strict as assert } from "node:assert";
import { generationChangedPredicate, resourceVersionChangedPredicate } from "./predicate.ts";

const at = (resourceVersion: string, generation: number) => ({
  metadata: { name: "a", resourceVersion, generation },
});

Deno.test("resourceVersionChangedPredicate: passes adds and deletes, and updates with a new version", () => {
  const p = resourceVersionChangedPredicate;
  assert.equal(p.create, undefined);
  assert.equal(p.delete, undefined);
  assert.equal(p.update?.(at("1", 1), at("1", 1)), false);
  assert.equal(p.update?.(at("1", 1), at("2", 1)), true);
});

Deno.test("generationChangedPredicate: passes spec changes only", () => {
  const p = generationChangedPredicate;
  assert.equal(p.create, undefined);
  assert.equal(p.update?.(at("1", 1), at("2", 1)), false);
  assert.equal(p.update?.(at("2", 1), at("3", 2)), true);
});
