/**
 * Event filters of a controller's watches (controller-runtime's `predicate.Funcs`):
 * which adds, updates and deletes queue a reconcile.
 *
 * @module
 */
import type { KubeObject } from "../client/object.ts";

/**
 * Decides per kind of event whether it queues a reconcile. A missing function passes
 * every event of its kind; an event passes a watch only when every predicate of the
 * watch passes it.
 *
 * @typeParam T The object type.
 *
 * @example Only objects labelled for this issuer
 * ```ts
 * import type { KubeObject, Predicate } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const labelled = (o: KubeObject) => o.metadata.labels?.["issuer"] === "ca";
 * const ours: Predicate<KubeObject> = {
 *   create: labelled,
 *   update: (_old, object) => labelled(object),
 *   delete: labelled,
 * };
 * assert.equal(ours.create?.({ metadata: { name: "a", labels: { issuer: "ca" } } }), true);
 * ```
 */
export interface Predicate<T> {
  /** Whether an added object (or one found by the first list) queues a reconcile. */
  create?(object: T): boolean;
  /** Whether a change queues a reconcile. */
  update?(old: T, object: T): boolean;
  /** Whether a deletion queues a reconcile. */
  delete?(object: T): boolean;
}

/**
 * Passes updates whose `metadata.resourceVersion` changed, dropping re-deliveries of an
 * unchanged object (controller-runtime's `ResourceVersionChangedPredicate`); adds and
 * deletes always pass.
 *
 * @example A re-delivered object is dropped
 * ```ts
 * import { resourceVersionChangedPredicate } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const v1 = { metadata: { name: "a", resourceVersion: "1" } };
 * const v2 = { metadata: { name: "a", resourceVersion: "2" } };
 * assert.equal(resourceVersionChangedPredicate.update?.(v1, v1), false);
 * assert.equal(resourceVersionChangedPredicate.update?.(v1, v2), true);
 * ```
 */
export const resourceVersionChangedPredicate: Predicate<KubeObject> = {
  update: (old, object) => old.metadata.resourceVersion !== object.metadata.resourceVersion,
};

/**
 * Passes updates whose `metadata.generation` changed, that is spec changes, and drops
 * status-only and metadata-only changes (controller-runtime's
 * `GenerationChangedPredicate`); adds and deletes always pass.
 *
 * @example A status write does not change the generation
 * ```ts
 * import { generationChangedPredicate } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const before = { metadata: { name: "a", generation: 1, resourceVersion: "1" } };
 * const statusWritten = { metadata: { name: "a", generation: 1, resourceVersion: "2" } };
 * const specChanged = { metadata: { name: "a", generation: 2, resourceVersion: "3" } };
 * assert.equal(generationChangedPredicate.update?.(before, statusWritten), false);
 * assert.equal(generationChangedPredicate.update?.(statusWritten, specChanged), true);
 * ```
 */
export const generationChangedPredicate: Predicate<KubeObject> = {
  update: (old, object) => old.metadata.generation !== object.metadata.generation,
};
