/**
 * The store: the cached objects of one resource, kept up to date by applying
 * {@linkcode watcher} events. A full list replaces the contents in one step and says
 * which objects that added, changed and removed; named indexes answer "which objects
 * have this value" in time proportional to the answer.
 *
 * @module
 */
import type { KubeObject } from "../client/object.ts";
import { Indexes, type IndexFunction } from "./_indexes.ts";
import { objectKey } from "./object_key.ts";
import { type CacheTransform, dropManagedFields } from "./transform.ts";
import type { WatcherEvent } from "./watcher.ts";

export type { IndexFunction } from "./_indexes.ts";

/** What applying an event changed: one entry per object, in the order they changed. */
export type StoreChange<T extends KubeObject> =
  | { readonly type: "added"; readonly object: T }
  | { readonly type: "updated"; readonly old: T; readonly object: T }
  | { readonly type: "deleted"; readonly object: T };

/** Options of {@linkcode Store}. */
export interface StoreOptions<T extends KubeObject> {
  /** Applied to every object before it is kept (default {@linkcode dropManagedFields}). */
  transform?: CacheTransform<T>;
}

/**
 * The cached objects of one resource, keyed by {@linkcode objectKey} (`namespace/name`).
 * Feed it the events of a {@linkcode watcher} with {@linkcode Store.apply}; everything
 * else reads. Objects are shared, not copied: do not change them.
 *
 * `restarted` events replace the whole contents at once: the new state is built aside
 * and swapped in, and the changes returned are the difference (objects gone since the
 * previous list are `deleted`, so no deletion is ever missed). An object whose
 * resourceVersion did not change is not reported.
 *
 * @example Requests by issuer, kept up to date through events
 * ```ts
 * import { type KubeObject, Store } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * interface Request extends KubeObject { spec: { issuerRef: { name: string } } }
 * const cr = (name: string, issuer: string, rv: string): Request => ({
 *   metadata: { namespace: "ns", name, resourceVersion: rv },
 *   spec: { issuerRef: { name: issuer } },
 * });
 * const store = new Store<Request>();
 * store.addIndex("issuer", (r) => [`${r.metadata.namespace}/${r.spec.issuerRef.name}`]);
 *
 * store.apply({ type: "restarted", objects: [cr("a", "ca", "1"), cr("b", "ca", "2")], resourceVersion: "2" });
 * await store.synced;
 * assert.deepEqual(store.byIndex("issuer", "ns/ca").map((r) => r.metadata.name).sort(), ["a", "b"]);
 *
 * const changes = store.apply({ type: "applied", object: cr("b", "vault", "3") });
 * assert.equal(changes[0]?.type, "updated");
 * assert.deepEqual(store.byIndex("issuer", "ns/ca").map((r) => r.metadata.name), ["a"]);
 * assert.equal(store.get("ns/b")?.spec.issuerRef.name, "vault");
 * ```
 */
export class Store<T extends KubeObject> {
  #objects = new Map<string, T>();
  #indexes = new Indexes<T>();
  readonly #transform: CacheTransform<T>;
  #resourceVersion: string | undefined;
  #hasSynced = false;
  readonly #synced = Promise.withResolvers<void>();

  /**
   * Creates an empty store.
   *
   * @param options The transform applied before objects are kept.
   */
  constructor(options: StoreOptions<T> = {}) {
    this.#transform = options.transform ?? dropManagedFields;
  }

  /** Resolves once the first full list has been applied. */
  get synced(): Promise<void> {
    return this.#synced.promise;
  }

  /** Whether the first full list has been applied. */
  get hasSynced(): boolean {
    return this.#hasSynced;
  }

  /** The resourceVersion of the newest event applied (list, change or bookmark). */
  get resourceVersion(): string | undefined {
    return this.#resourceVersion;
  }

  /** How many objects are cached. */
  get size(): number {
    return this.#objects.size;
  }

  /**
   * Applies one watcher event.
   *
   * @param event What the watcher saw.
   * @returns What changed; empty for bookmarks, repeats and deletes of unknown objects.
   * @throws What the transform or an index function throws; the store is then unchanged.
   */
  apply(event: WatcherEvent<T>): StoreChange<T>[] {
    switch (event.type) {
      case "restarted":
        return this.#replace(event.objects, event.resourceVersion);
      case "applied":
        return this.#upsert(event.object);
      case "deleted":
        return this.#delete(event.object);
      case "bookmark":
        this.#resourceVersion = event.resourceVersion;
        return [];
    }
  }

  /**
   * Reads one object.
   *
   * @param key `namespace/name`, or `name` for cluster-scoped objects.
   * @returns The object, or `undefined`.
   */
  get(key: string): T | undefined {
    return this.#objects.get(key);
  }

  /** Every cached object (a new array; the objects are shared). */
  list(): T[] {
    return [...this.#objects.values()];
  }

  /** Every key. */
  keys(): string[] {
    return [...this.#objects.keys()];
  }

  /**
   * Adds a named index; objects already cached are indexed at once.
   *
   * @param name The index name, such as `issuerRef`.
   * @param fn The values an object is filed under (none, one or several).
   * @throws {TypeError} When an index of that name exists, or `fn` returns no array of strings.
   */
  addIndex(name: string, fn: IndexFunction<T>): void {
    this.#indexes.add(name, fn, this.#objects.entries());
  }

  /**
   * The objects filed under `value` in an index, in O(matching).
   *
   * @param name The index name.
   * @param value The value, such as an issuer reference.
   * @returns The matching objects (a new array).
   * @throws {TypeError} When no index has that name.
   */
  byIndex(name: string, value: string): T[] {
    const out: T[] = [];
    for (const key of this.#indexes.keys(name, value)) {
      const object = this.#objects.get(key);
      if (object !== undefined) out.push(object);
    }
    return out;
  }

  /**
   * The keys filed under `value` in an index, in O(matching).
   *
   * @param name The index name.
   * @param value The value.
   * @returns The keys (a new array).
   * @throws {TypeError} When no index has that name.
   */
  keysByIndex(name: string, value: string): string[] {
    return [...this.#indexes.keys(name, value)];
  }

  /**
   * Every value an index holds.
   *
   * @param name The index name.
   * @returns The values (empty for an unknown index).
   */
  indexValues(name: string): string[] {
    return this.#indexes.values(name);
  }

  #replace(listed: readonly T[], resourceVersion: string): StoreChange<T>[] {
    const objects = new Map<string, T>();
    for (const item of listed) {
      const object = this.#transform(item);
      objects.set(objectKey(object), object);
    }
    const indexes = this.#indexes.rebuilt(objects.entries());
    const changes: StoreChange<T>[] = [];
    for (const [key, old] of this.#objects) {
      if (!objects.has(key)) changes.push({ type: "deleted", object: old });
    }
    for (const [key, object] of objects) {
      const old = this.#objects.get(key);
      if (old === undefined) changes.push({ type: "added", object });
      else if (!sameVersion(old, object)) changes.push({ type: "updated", old, object });
    }
    this.#objects = objects;
    this.#indexes = indexes;
    this.#resourceVersion = resourceVersion;
    if (!this.#hasSynced) {
      this.#hasSynced = true;
      this.#synced.resolve();
    }
    return changes;
  }

  #upsert(item: T): StoreChange<T>[] {
    const object = this.#transform(item);
    const key = objectKey(object);
    const values = this.#indexes.valuesOf(object);
    this.#note(object);
    const old = this.#objects.get(key);
    if (old !== undefined && sameVersion(old, object)) return [];
    this.#objects.set(key, object);
    this.#indexes.set(key, values);
    return [old === undefined ? { type: "added", object } : { type: "updated", old, object }];
  }

  #delete(item: T): StoreChange<T>[] {
    const key = objectKey(item);
    this.#note(item);
    if (!this.#objects.has(key)) return [];
    // The last state the server sent, transformed like everything the store hands out.
    const object = this.#transform(item);
    this.#objects.delete(key);
    this.#indexes.delete(key);
    return [{ type: "deleted", object }];
  }

  #note(object: T): void {
    const rv = object.metadata.resourceVersion;
    if (rv) this.#resourceVersion = rv;
  }
}

/** Both carry the same resourceVersion (objects without one always count as changed). */
function sameVersion(a: KubeObject, b: KubeObject): boolean {
  const rv = a.metadata.resourceVersion;
  return rv !== undefined && rv !== "" && rv === b.metadata.resourceVersion;
}
