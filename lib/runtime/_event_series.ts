/**
 * The de-duplication of the event recorder, without I/O: which recorded events are new,
 * which continue a series, and which series updates are due. client-go's `tools/events`
 * cache (`eventBroadcasterImpl.eventCache`), with the flush and the eviction on one timer.
 *
 * @module
 */
import type { ObjectReference } from "./object_reference.ts";

/** One cached event and its series. */
export interface SeriesEntry<E> {
  /** The cache key. */
  readonly key: string;
  /** The event as first written. */
  readonly event: E;
  /** How often it was recorded (1: a singleton, no series yet). */
  count: number;
  /** When it was last recorded. */
  lastObserved: number;
  /** The count the server has (0 before the create succeeded). */
  written: number;
}

/** What to do about one recorded event. */
export interface Observation<E> {
  /** `create` a new event, write its `series` now, or nothing now (a later flush writes it). */
  write: "create" | "series" | "none";
  /** The entry the recorded event belongs to. */
  entry: SeriesEntry<E>;
  /** Entries that left the cache with a count the server does not have yet: write them last. */
  finished: SeriesEntry<E>[];
}

/** The reference's non-empty fields in name order: equal for equal references. */
function referenceKey(reference: ObjectReference | undefined): [string, string][] {
  if (!reference) return [];
  return Object.entries(reference)
    .filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== "")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** What makes two events the same (client-go's `getKey`, plus type and note). */
export interface EventIdentity {
  /** The object the event is about. */
  regarding: ObjectReference;
  /** A second object, if any. */
  related?: ObjectReference | undefined;
  /** `Normal` or `Warning`. */
  type: string;
  /** The reason. */
  reason: string;
  /** The action. */
  action: string;
  /** The note. */
  note: string;
  /** The reporting controller. */
  reportingController: string;
  /** The reporting instance. */
  reportingInstance: string;
}

/**
 * The cache key of an event.
 *
 * @param e What identifies the event.
 * @returns Text equal for events that form one series.
 */
export function seriesKey(e: EventIdentity): string {
  return JSON.stringify([
    referenceKey(e.regarding),
    referenceKey(e.related),
    e.type,
    e.reason,
    e.action,
    e.note,
    e.reportingController,
    e.reportingInstance,
  ]);
}

/** Whether an entry has a series count the server does not have. */
export function isDirty<E>(entry: SeriesEntry<E>): boolean {
  return entry.count >= 2 && entry.count !== entry.written;
}

/**
 * The cache of recently recorded events, in least-recently-observed order:
 * 1. An event with no entry, or whose entry was last observed more than `windowMs` ago,
 *    is created (the old entry is finished: its unwritten count is written first).
 * 2. The second occurrence within the window starts a series (`count: 2`), written at
 *    once, as client-go does.
 * 3. Later occurrences only bump the count and `lastObservedTime`; {@linkcode SeriesCache.due}
 *    hands them to the periodic flush.
 * 4. Beyond `maxEntries`, the least recently observed entry is finished.
 */
export class SeriesCache<E> {
  readonly #entries = new Map<string, SeriesEntry<E>>();
  readonly #windowMs: number;
  readonly #maxEntries: number;

  constructor(windowMs: number, maxEntries: number) {
    this.#windowMs = windowMs;
    this.#maxEntries = maxEntries;
  }

  /** How many events are cached. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records an occurrence.
   *
   * @param key The event's {@linkcode seriesKey}.
   * @param time When it was recorded.
   * @param make Builds the event to create, when a new one is needed.
   * @returns What to write.
   */
  observe(key: string, time: number, make: () => E): Observation<E> {
    const finished: SeriesEntry<E>[] = [];
    let entry = this.#entries.get(key);
    if (entry && time - entry.lastObserved > this.#windowMs) {
      this.#entries.delete(key);
      if (isDirty(entry)) finished.push(entry);
      entry = undefined;
    }
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      entry.count++;
      entry.lastObserved = Math.max(entry.lastObserved, time);
      return { write: entry.count === 2 ? "series" : "none", entry, finished };
    }
    entry = { key, event: make(), count: 1, lastObserved: time, written: 0 };
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.values().next().value;
      if (!oldest) break;
      this.#entries.delete(oldest.key);
      if (isDirty(oldest)) finished.push(oldest);
    }
    return { write: "create", entry, finished };
  }

  /**
   * What the periodic flush writes: every entry with an unwritten count. Entries last
   * observed more than the window before `now` leave the cache.
   *
   * @param now The current time.
   * @returns The entries to write.
   */
  due(now: number): SeriesEntry<E>[] {
    const dirty: SeriesEntry<E>[] = [];
    for (const entry of [...this.#entries.values()]) {
      if (isDirty(entry)) dirty.push(entry);
      if (now - entry.lastObserved > this.#windowMs) this.#entries.delete(entry.key);
    }
    return dirty;
  }

  /**
   * Every entry with an unwritten count, for the final flush.
   *
   * @returns The entries to write.
   */
  dirty(): SeriesEntry<E>[] {
    return [...this.#entries.values()].filter(isDirty);
  }
}
