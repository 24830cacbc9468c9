/**
 * A watch's informer handler: events → predicates → keys → the queue.
 *
 * @module
 */
import type { KubeObject } from "../client/object.ts";
import type { InformerHandler } from "../cache/informer.ts";
import type { Predicate } from "./predicate.ts";

/**
 * Builds the handler of one watch: an event queues the keys `map` gives when every
 * predicate passes it; an update queues the old and the new object's keys, each once.
 *
 * @param predicates The watch's predicates.
 * @param map The keys of an object.
 * @param add Queues a key.
 * @returns The handler.
 */
export function watchHandler<T extends KubeObject, K>(
  predicates: readonly Predicate<T>[],
  map: (object: T) => readonly K[],
  add: (key: K) => void,
): InformerHandler<T> {
  const addAll = (keys: Iterable<K>) => {
    for (const key of keys) add(key);
  };
  return {
    onAdd: (object) => {
      if (predicates.every((p) => p.create?.(object) ?? true)) addAll(map(object));
    },
    onUpdate: (old, object) => {
      if (!predicates.every((p) => p.update?.(old, object) ?? true)) return;
      addAll(new Set([...map(old), ...map(object)]));
    },
    onDelete: (object) => {
      if (predicates.every((p) => p.delete?.(object) ?? true)) addAll(map(object));
    },
  };
}
