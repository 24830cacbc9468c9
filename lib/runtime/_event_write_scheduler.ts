/**
 * The write scheduling of the event recorder, without I/O: up to `concurrency` writes
 * run at once, and the writes of one key run one at a time, in the order they were
 * submitted.
 *
 * @module
 */

/** One submitted write. */
interface Task {
  readonly key: string;
  readonly run: () => Promise<void>;
}

/**
 * Runs asynchronous writes with two limits:
 * 1. At most `concurrency` run at once.
 * 2. Writes with the same key never overlap, and start in the order they were submitted:
 *    the second starts only once the first has settled.
 *
 * Waiting writes start in submission order, skipping those whose key is busy, so one
 * busy key never holds up the others. A caller that keeps {@linkcode KeyedWriteScheduler.size}
 * below `concurrency` before it submits keeps the waiting list that short too.
 */
export class KeyedWriteScheduler {
  readonly #concurrency: number;
  readonly #onSettled: (error: unknown) => void;
  readonly #busy = new Set<string>();
  #waiting: Task[] = [];
  #idleWaiters: (() => void)[] = [];

  /**
   * Creates a scheduler.
   *
   * @param concurrency How many writes may run at once (a positive integer).
   * @param onSettled Called after each write settles, with what it threw (`undefined`
   * when it did not).
   * @throws {RangeError} When `concurrency` is not a positive integer.
   */
  constructor(concurrency: number, onSettled: (error: unknown) => void) {
    if (!(Number.isInteger(concurrency) && concurrency > 0)) {
      throw new RangeError(
        `KeyedWriteScheduler: concurrency must be a positive integer, got ${concurrency}`,
      );
    }
    this.#concurrency = concurrency;
    this.#onSettled = onSettled;
  }

  /** How many writes run now. */
  get running(): number {
    return this.#busy.size;
  }

  /** How many writes run or wait. */
  get size(): number {
    return this.#busy.size + this.#waiting.length;
  }

  /** Whether as many writes run or wait as may run at once: submit no more for now. */
  get full(): boolean {
    return this.size >= this.#concurrency;
  }

  /**
   * Runs `run` once a slot is free and no earlier write of `key` is running or waiting.
   *
   * @param key Writes with equal keys run one at a time, in order.
   * @param run The write.
   */
  submit(key: string, run: () => Promise<void>): void {
    this.#waiting.push({ key, run });
    this.#pump();
  }

  /**
   * Waits until no write runs or waits.
   *
   * @returns A promise that resolves once the scheduler is idle.
   */
  whenIdle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    if (this.#waiting.length === 0 || this.#busy.size >= this.#concurrency) return;
    const still: Task[] = [];
    // A key whose earlier write waits keeps its later writes waiting too, even when the
    // earlier one was passed over only because every slot is taken.
    const blocked = new Set(this.#busy);
    for (const task of this.#waiting) {
      if (blocked.has(task.key) || this.#busy.size >= this.#concurrency) {
        still.push(task);
        blocked.add(task.key);
        continue;
      }
      blocked.add(task.key);
      this.#start(task);
    }
    this.#waiting = still;
  }

  #start(task: Task): void {
    this.#busy.add(task.key);
    let error: unknown;
    const run = async () => {
      try {
        await task.run();
      } catch (e) {
        error = e;
      }
    };
    run().then(() => {
      this.#busy.delete(task.key);
      this.#pump();
      if (this.size === 0) {
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
      this.#onSettled(error);
    });
  }
}
