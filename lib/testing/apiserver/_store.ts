/**
 * The fake's storage: objects per resource, one cluster-wide resourceVersion counter,
 * a bounded history of changes per resource, and the watchers fed from it.
 *
 * Everything here is synchronous, so each write is atomic with respect to every other
 * request, like a write to etcd.
 *
 * @module
 */
import type { StoredObject } from "./_types.ts";

/** The kind of change a store event records. */
export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

/** One change to one object. */
export interface StoreEvent {
  /** The resourceVersion of the change. */
  rv: number;
  /** What happened. */
  type: ChangeType;
  /** The object after the change (for DELETED: its last state, carrying the deletion's resourceVersion). */
  object: StoredObject;
  /** The object before the change, if there was one. */
  previous: StoredObject | undefined;
}

/** Something that receives every change of one resource as it happens. */
export interface StoreListener {
  /** Called synchronously after each committed change. */
  onChange(event: StoreEvent): void;
}

/** The objects and recent history of one resource (a group and plural). */
export class ResourceBucket {
  /** Objects by `<namespace>/<name>`. */
  readonly objects = new Map<string, StoredObject>();
  /** Listeners (open watches and waiters). */
  readonly listeners = new Set<StoreListener>();
  #history: StoreEvent[] = [];
  #start = 0;
  /** Every change at or below this resourceVersion has been dropped from the history. */
  compactedRevision = 0;

  /** Records an event, dropping the oldest once more than `limit` are kept. */
  record(event: StoreEvent, limit: number): void {
    this.#history.push(event);
    while (this.#history.length - this.#start > limit) {
      const dropped = this.#history[this.#start++];
      if (dropped) this.compactedRevision = dropped.rv;
    }
    if (this.#start > 1024 && this.#start * 2 > this.#history.length) {
      this.#history = this.#history.slice(this.#start);
      this.#start = 0;
    }
  }

  /** Drops all history up to `revision`. */
  compact(revision: number): void {
    while (
      this.#start < this.#history.length && (this.#history[this.#start]?.rv ?? 0) <= revision
    ) {
      this.#start++;
    }
    this.compactedRevision = Math.max(this.compactedRevision, revision);
  }

  /**
   * The events after `revision`, or `undefined` when that part of the history is gone.
   */
  since(revision: number): StoreEvent[] | undefined {
    if (revision < this.compactedRevision) return undefined;
    let lo = this.#start;
    let hi = this.#history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#history[mid]?.rv ?? 0) <= revision) lo = mid + 1;
      else hi = mid;
    }
    return this.#history.slice(lo);
  }
}

/** Options of {@linkcode ObjectStore}. */
export interface ObjectStoreOptions {
  /** How many changes each resource keeps for watches to resume from. */
  historyLimit: number;
}

/** All stored objects, keyed by resource. */
export class ObjectStore {
  #revision = 0;
  #buckets = new Map<string, ResourceBucket>();
  readonly #historyLimit: number;

  constructor(options: ObjectStoreOptions) {
    this.#historyLimit = options.historyLimit;
  }

  /** The current cluster-wide resourceVersion. */
  get revision(): number {
    return this.#revision;
  }

  /** The bucket of a resource key (`<group>/<plural>`), created on first use. */
  bucket(resourceKey: string): ResourceBucket {
    let bucket = this.#buckets.get(resourceKey);
    if (!bucket) {
      bucket = new ResourceBucket();
      bucket.compactedRevision = this.#revision;
      this.#buckets.set(resourceKey, bucket);
    }
    return bucket;
  }

  /** All resource keys that hold data. */
  resourceKeys(): string[] {
    return [...this.#buckets.keys()];
  }

  /** Reads one object (the stored instance: callers must not mutate it). */
  get(resourceKey: string, namespace: string, name: string): StoredObject | undefined {
    return this.#buckets.get(resourceKey)?.objects.get(objectKey(namespace, name));
  }

  /**
   * Lists the objects of a resource, in one namespace or all, sorted by namespace then
   * name like etcd keys.
   */
  list(resourceKey: string, namespace?: string): StoredObject[] {
    const bucket = this.#buckets.get(resourceKey);
    if (!bucket) return [];
    const out: [string, StoredObject][] = [];
    const prefix = namespace === undefined ? undefined : `${namespace}/`;
    for (const [key, obj] of bucket.objects) {
      if (prefix === undefined || key.startsWith(prefix)) out.push([key, obj]);
    }
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return out.map(([, obj]) => obj);
  }

  /**
   * Commits a change: takes the next resourceVersion, stamps it on the object, stores
   * or removes it, records the event and tells the listeners.
   *
   * @returns The committed object.
   */
  commit(
    resourceKey: string,
    type: ChangeType,
    object: StoredObject,
    previous: StoredObject | undefined,
  ): StoredObject {
    const bucket = this.bucket(resourceKey);
    const rv = ++this.#revision;
    const meta = (object.metadata ?? {}) as Record<string, string>;
    meta.resourceVersion = String(rv);
    object.metadata = meta;
    const key = objectKey(meta.namespace ?? "", meta.name ?? "");
    if (type === "DELETED") bucket.objects.delete(key);
    else bucket.objects.set(key, object);
    const event: StoreEvent = { rv, type, object, previous };
    bucket.record(event, this.#historyLimit);
    for (const listener of [...bucket.listeners]) listener.onChange(event);
    return object;
  }

  /** Drops the history of every resource (or one), so older watches get 410 Gone. */
  compact(resourceKey?: string): void {
    const keys = resourceKey ? [resourceKey] : [...this.#buckets.keys()];
    for (const key of keys) this.bucket(key).compact(this.#revision);
  }
}

/** The key of an object within its resource. */
export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
