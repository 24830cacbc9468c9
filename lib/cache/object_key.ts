/**
 * The key a cache files an object under: `namespace/name`, or `name` for cluster-scoped
 * objects (client-go's `MetaNamespaceKeyFunc`).
 *
 * @module
 */
import type { KubeObject } from "../client/object.ts";

/**
 * The cache key of an object: `namespace/name`, or just `name` when it has no namespace.
 *
 * @param object Any object with `metadata.name`.
 * @returns The key.
 * @throws {TypeError} When `metadata.name` is missing or empty.
 *
 * @example Namespaced and cluster-scoped objects
 * ```ts
 * import { objectKey } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(objectKey({ metadata: { namespace: "team-a", name: "cr-1" } }), "team-a/cr-1");
 * assert.equal(objectKey({ metadata: { name: "my-cluster-issuer" } }), "my-cluster-issuer");
 * ```
 */
export function objectKey(object: KubeObject): string {
  const { name, namespace } = object.metadata ?? {};
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `objectKey: the object needs metadata.name, got ${JSON.stringify(name)} (kind ${
        JSON.stringify(object.kind)
      })`,
    );
  }
  return namespace ? `${namespace}/${name}` : name;
}
