/**
 * Read-your-writes over an informer cache: the object a status write returned is used
 * instead of the cached one until the cache has caught up with it. Without it, a reconcile
 * queued while the previous one was writing could read the older cached request — still
 * unsigned — and call `sign` a second time.
 *
 * An entry is dropped as soon as the cache holds the written version or a later one, or
 * the object is gone, so memory stays bounded by the writes in flight.
 *
 * @module
 */

import type { KubeObject } from "../client/object.ts";

const DIGITS = /^\d+$/;

/**
 * Compares two resourceVersions. They are opaque to clients, but every API server in use
 * (etcd's revision, and the fake's) gives decimal integers; anything else compares as
 * "unknown" and the cache wins.
 */
function compareVersions(a: string | undefined, b: string | undefined): number | undefined {
  if (a === undefined || b === undefined || !DIGITS.test(a) || !DIGITS.test(b)) return undefined;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The objects this controller wrote, until its cache has caught up with them. */
export class RecentWrites<T extends KubeObject> {
  readonly #written = new Map<string, T>();

  /** How many writes the cache has not caught up with. */
  get size(): number {
    return this.#written.size;
  }

  /**
   * Remembers the object a write returned.
   *
   * @param key The cache key.
   * @param object The object as the server answered the write (transformed like the cache).
   */
  remember(key: string, object: T): void {
    const known = this.#written.get(key);
    const order = compareVersions(object.metadata.resourceVersion, known?.metadata.resourceVersion);
    if (known === undefined || order === undefined || order > 0) this.#written.set(key, object);
  }

  /**
   * The newer of the cached object and the one written.
   *
   * @param key The cache key.
   * @param cached What the cache holds (`undefined` when the object is gone).
   * @returns The object to reconcile.
   */
  latest(key: string, cached: T | undefined): T | undefined {
    const written = this.#written.get(key);
    if (written === undefined) return cached;
    if (cached === undefined) {
      this.#written.delete(key);
      return undefined;
    }
    const order = compareVersions(
      written.metadata.resourceVersion,
      cached.metadata.resourceVersion,
    );
    if (order !== undefined && order > 0) return written;
    this.#written.delete(key);
    return cached;
  }

  /**
   * Tells the overlay what the cache now holds, so it can forget caught-up writes.
   *
   * @param key The cache key.
   * @param cached The cached object, or `undefined` after a delete.
   */
  observe(key: string, cached: T | undefined): void {
    if (this.#written.has(key)) this.latest(key, cached);
  }
}
