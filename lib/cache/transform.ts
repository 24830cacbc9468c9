/**
 * Transforms a cache applies to objects before it keeps them, to save memory.
 *
 * @module
 */
import type { KubeObject } from "../client/object.ts";

/**
 * A function a cache applies to every object before keeping it. It must return an
 * object with the same `metadata.name` and `metadata.namespace`, must not throw, and
 * may return its argument.
 */
export type CacheTransform<T extends KubeObject> = (object: T) => T;

/**
 * The default transform of stores and informers: drops `metadata.managedFields`, which
 * often make up most of an object's size and which controllers rarely read (as
 * controller-runtime's `TransformStripManagedFields`). The argument is not changed.
 *
 * @param object An object.
 * @returns A shallow copy without `metadata.managedFields`, or the object itself when it has none.
 *
 * @example Stripping managed fields
 * ```ts
 * import { dropManagedFields } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const object = {
 *   metadata: { name: "a", managedFields: [{ manager: "kubectl", operation: "Apply" }] },
 *   data: { k: "v" },
 * };
 * assert.deepEqual(dropManagedFields(object), { metadata: { name: "a" }, data: { k: "v" } });
 * assert.equal(object.metadata.managedFields.length, 1);
 * ```
 */
export function dropManagedFields<T extends KubeObject>(object: T): T {
  if (object.metadata?.managedFields === undefined) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}
