/**
 * The named indexes of a store: for each index, which keys have each value, and which
 * values each key has (to remove them again). Lookups cost O(matching keys).
 *
 * @module
 */

/** Computes the values an object is indexed under (client-go's `IndexFunc`). */
export type IndexFunction<T> = (object: T) => readonly string[];

/** The index values of one object, for every index, computed before anything changes. */
export type IndexValues = ReadonlyMap<string, readonly string[]>;

interface Index<T> {
  readonly fn: IndexFunction<T>;
  /** value → keys */
  readonly keysByValue: Map<string, Set<string>>;
  /** key → values */
  readonly valuesByKey: Map<string, readonly string[]>;
}

/** The indexes of one store. */
export class Indexes<T> {
  readonly #indexes = new Map<string, Index<T>>();

  /** The index names. */
  names(): string[] {
    return [...this.#indexes.keys()];
  }

  /** Whether an index of this name exists. */
  has(name: string): boolean {
    return this.#indexes.has(name);
  }

  /**
   * Adds an index and fills it from `entries`.
   *
   * @throws {TypeError} When the name is taken, or what `fn` throws (nothing is added then).
   */
  add(name: string, fn: IndexFunction<T>, entries: Iterable<[string, T]>): void {
    if (this.#indexes.has(name)) {
      throw new TypeError(`Store.addIndex: an index named ${JSON.stringify(name)} already exists`);
    }
    const index: Index<T> = { fn, keysByValue: new Map(), valuesByKey: new Map() };
    for (const [key, object] of entries) insert(index, key, valuesOf(name, fn, object));
    this.#indexes.set(name, index);
  }

  /** A copy with the same index functions, filled from `entries`. */
  rebuilt(entries: Iterable<[string, T]>): Indexes<T> {
    const list = [...entries];
    const out = new Indexes<T>();
    for (const [name, index] of this.#indexes) out.add(name, index.fn, list);
    return out;
  }

  /** The values of `object` under every index; throws what an index function throws. */
  valuesOf(object: T): IndexValues {
    const out = new Map<string, readonly string[]>();
    for (const [name, index] of this.#indexes) out.set(name, valuesOf(name, index.fn, object));
    return out;
  }

  /** Files `key` under `values` (from {@linkcode Indexes.valuesOf}), replacing its previous values. */
  set(key: string, values: IndexValues): void {
    for (const [name, index] of this.#indexes) {
      remove(index, key);
      insert(index, key, values.get(name) ?? []);
    }
  }

  /** Removes `key` from every index. */
  delete(key: string): void {
    for (const index of this.#indexes.values()) remove(index, key);
  }

  /**
   * The keys filed under `value` in index `name`.
   *
   * @throws {TypeError} When no index has that name.
   */
  keys(name: string, value: string): ReadonlySet<string> {
    const index = this.#indexes.get(name);
    if (!index) {
      throw new TypeError(
        `Store.byIndex: no index named ${JSON.stringify(name)} (indexes: ${
          JSON.stringify(this.names())
        })`,
      );
    }
    return index.keysByValue.get(value) ?? EMPTY;
  }

  /** The values indexed under `name`. */
  values(name: string): string[] {
    const index = this.#indexes.get(name);
    return index ? [...index.keysByValue.keys()] : [];
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function valuesOf<T>(name: string, fn: IndexFunction<T>, object: T): readonly string[] {
  const values = fn(object);
  if (!Array.isArray(values) || values.some((v) => typeof v !== "string")) {
    throw new TypeError(
      `Store: index ${JSON.stringify(name)} must return an array of strings, got ${
        JSON.stringify(values)
      }`,
    );
  }
  return values.length > 1 ? [...new Set(values)] : values;
}

function insert<T>(index: Index<T>, key: string, values: readonly string[]): void {
  if (values.length === 0) return;
  index.valuesByKey.set(key, values);
  for (const value of values) {
    let keys = index.keysByValue.get(value);
    if (!keys) index.keysByValue.set(value, keys = new Set());
    keys.add(key);
  }
}

function remove<T>(index: Index<T>, key: string): void {
  const values = index.valuesByKey.get(key);
  if (!values) return;
  index.valuesByKey.delete(key);
  for (const value of values) {
    const keys = index.keysByValue.get(value);
    if (!keys) continue;
    keys.delete(key);
    if (keys.size === 0) index.keysByValue.delete(value);
  }
}
