/**
 * Keys waiting for a deadline, earliest first: a map from key to its one deadline and a
 * binary min-heap over it with lazy deletion.
 *
 * @module
 */

interface Entry<K> {
  key: K;
  deadline: number;
  seq: number;
}

/** A set of keys, each with one deadline; ties go to the key that waited longest. */
export class DeadlineHeap<K> {
  readonly #entries = new Map<K, Entry<K>>();
  #heap: Entry<K>[] = [];
  #seq = 0;

  /** How many keys are waiting. */
  get size(): number {
    return this.#entries.size;
  }

  /** The deadline of `key`, if it is waiting. */
  deadline(key: K): number | undefined {
    return this.#entries.get(key)?.deadline;
  }

  /** Sets `key`'s deadline (replacing the old one). */
  set(key: K, deadline: number): void {
    if (this.#heap.length > 64 && this.#heap.length > 4 * this.#entries.size) {
      // Mostly stale entries: rebuild from the live ones (a sorted array is a heap).
      this.#heap = [...this.#entries.values()].sort((a, b) => before(a, b) ? -1 : 1);
    }
    const entry = { key, deadline, seq: this.#seq++ };
    this.#entries.set(key, entry);
    this.#push(entry);
  }

  /** Stops `key` waiting. */
  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** Drops every key. */
  clear(): void {
    this.#entries.clear();
    this.#heap = [];
  }

  /** The earliest deadline, if any key waits. */
  peekDeadline(): number | undefined {
    return this.#peek()?.deadline;
  }

  /** Removes and returns the earliest key if its deadline is at or before `now`. */
  popDue(now: number): K | undefined {
    const top = this.#peek();
    if (!top || top.deadline > now) return undefined;
    this.#pop();
    this.#entries.delete(top.key);
    return top.key;
  }

  #peek(): Entry<K> | undefined {
    for (let top = this.#heap[0]; top; top = this.#heap[0]) {
      if (this.#entries.get(top.key) === top) return top;
      this.#pop();
    }
    return undefined;
  }

  #push(entry: Entry<K>): void {
    const heap = this.#heap;
    heap.push(entry);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Entry<K>, heap[parent] as Entry<K>)) break;
      [heap[i], heap[parent]] = [heap[parent] as Entry<K>, heap[i] as Entry<K>];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    heap[0] = last;
    for (let i = 0;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < heap.length && before(heap[l] as Entry<K>, heap[min] as Entry<K>)) min = l;
      if (r < heap.length && before(heap[r] as Entry<K>, heap[min] as Entry<K>)) min = r;
      if (min === i) return;
      [heap[i], heap[min]] = [heap[min] as Entry<K>, heap[i] as Entry<K>];
      i = min;
    }
  }
}

function before<K>(a: Entry<K>, b: Entry<K>): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}
