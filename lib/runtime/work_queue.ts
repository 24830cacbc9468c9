/**
 * The controller work queue: client-go's rate-limited delaying queue with
 * controller-runtime's semantics, driven by an injected {@linkcode Clock}.
 *
 * @module
 */
import { type Clock, systemClock } from "../core/clock.ts";
import type { ControllerRuntimeMetrics } from "./controller_runtime_metrics.ts";
import type { HistogramChild } from "./histogram.ts";
import type { CounterChild, GaugeChild } from "./metrics.ts";
import { defaultControllerRateLimiter, type ItemRateLimiter } from "./rate_limiter.ts";
import { DeadlineHeap } from "./_deadline_heap.ts";

/** How a {@linkcode WorkQueue} is built. */
export interface WorkQueueOptions<K> {
  /** The queue name: the `name` and `controller` label of its metrics. */
  name?: string;
  /** Where time comes from (default {@linkcode systemClock}). */
  clock?: Clock;
  /** Backoff for {@linkcode WorkQueue.addRateLimited} (default {@linkcode defaultControllerRateLimiter}). */
  rateLimiter?: ItemRateLimiter<K>;
  /** Record the `workqueue_*` metrics here; needs `name`. */
  metrics?: ControllerRuntimeMetrics;
}

interface Getter<K> {
  resolve(key: K | undefined): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

interface Bound {
  depth: GaugeChild;
  adds: CounterChild;
  queueDuration: HistogramChild;
  workDuration: HistogramChild;
  unfinishedWork: GaugeChild;
  longestRunningProcessor: GaugeChild;
  retries: CounterChild;
}

/**
 * A rate-limited delaying work queue:
 * 1. A key waits at most once: adding a key that is already waiting does nothing.
 * 2. A key is handed to one worker at a time. Adding it while a worker holds it marks it
 *    for another round, which starts when the worker calls {@linkcode WorkQueue.done}.
 * 3. {@linkcode WorkQueue.addAfter} keeps the earliest deadline: a later one never delays
 *    a key, a sooner one moves it up, and a key that is already due ignores it. One clock
 *    timer serves the earliest deadline of all keys.
 * 4. {@linkcode WorkQueue.addRateLimited} waits as the rate limiter says;
 *    {@linkcode WorkQueue.forget} resets that backoff.
 * 5. After {@linkcode WorkQueue.shutdown} nothing is accepted or handed out: `get` resolves
 *    `undefined`. {@linkcode WorkQueue.shutdownWithDrain} also waits for the keys handed out
 *    to be done. (client-go still hands out keys queued before the shutdown; this queue drops
 *    them, since the next leader re-lists and a level-based reconcile loses nothing.)
 *
 * Keys are compared like `Map` keys: use strings such as `namespace/name`.
 *
 * @typeParam K The key type.
 *
 * @example A worker loop
 * ```ts
 * import { WorkQueue } from "@certkit/issuer-lib";
 * import { FakeClock } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const queue = new WorkQueue<string>({ clock: new FakeClock() });
 * queue.add("default/a");
 * queue.add("default/a"); // de-duplicated
 * queue.add("default/b");
 * const seen: string[] = [];
 * for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
 *   seen.push(key);
 *   queue.done(key);
 *   if (queue.len === 0) queue.shutdown();
 * }
 * assert.deepEqual(seen, ["default/a", "default/b"]);
 * ```
 */
export class WorkQueue<K extends NonNullable<unknown>> implements AsyncDisposable {
  readonly #clock: Clock;
  readonly #limiter: ItemRateLimiter<K>;
  readonly #metrics: Bound | undefined;
  readonly #unhook: (() => void) | undefined;
  #queue: K[] = [];
  #head = 0;
  readonly #dirty = new Set<K>();
  readonly #processing = new Map<K, number>();
  readonly #addedAt = new Map<K, number>();
  readonly #waiting = new DeadlineHeap<K>();
  #timer: { deadline: number; controller: AbortController } | undefined;
  #getters: Getter<K>[] = [];
  #drainers: (() => void)[] = [];
  #shuttingDown = false;

  /**
   * Creates the queue.
   *
   * @param options Name, clock, rate limiter and metrics.
   */
  constructor(options: WorkQueueOptions<K> = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#limiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(this.#clock);
    const { metrics, name } = options;
    if (metrics) {
      if (!name) {
        throw new TypeError(
          `WorkQueue: options.name is required with options.metrics, got ${JSON.stringify(name)}`,
        );
      }
      const w = metrics.workqueue;
      this.#metrics = {
        depth: w.depth.labels(name, name, ""),
        adds: w.adds.labels(name, name),
        queueDuration: w.queueDuration.labels(name, name),
        workDuration: w.workDuration.labels(name, name),
        unfinishedWork: w.unfinishedWork.labels(name, name),
        longestRunningProcessor: w.longestRunningProcessor.labels(name, name),
        retries: w.retries.labels(name, name),
      };
      this.#unhook = metrics.registry.onCollect(() => this.#updateUnfinishedWork());
    }
  }

  /** How many keys are ready to be handed out (not counting delayed or held keys). */
  get len(): number {
    return this.#queue.length - this.#head;
  }

  /** Whether {@linkcode WorkQueue.shutdown} was called. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Marks `key` as needing work now; cancels any delay it was waiting out. */
  add(key: K): void {
    if (this.#shuttingDown) return;
    this.#waiting.delete(key);
    if (this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#metrics) {
      this.#addedAt.set(key, this.#clock.now());
      this.#metrics.adds.inc();
      this.#metrics.depth.set(this.#dirty.size);
    }
    if (!this.#processing.has(key)) this.#ready(key);
  }

  /**
   * Adds `key` once `ms` have passed, unless it is due sooner already.
   *
   * @param key The key.
   * @param ms The delay; zero or less adds at once.
   */
  addAfter(key: K, ms: number): void {
    if (Number.isNaN(ms)) {
      throw new RangeError(`WorkQueue.addAfter: ms must be a number, got ${ms}`);
    }
    if (this.#shuttingDown) return;
    if (ms <= 0) return this.add(key);
    if (this.#dirty.has(key)) return;
    const deadline = this.#clock.now() + ms;
    const existing = this.#waiting.deadline(key);
    if (existing !== undefined && existing <= deadline) return;
    this.#waiting.set(key, deadline);
    if (!this.#timer || deadline < this.#timer.deadline) this.#arm(deadline);
  }

  /** Adds `key` after the rate limiter's delay for one more failure of it. */
  addRateLimited(key: K): void {
    if (this.#shuttingDown) return;
    this.#metrics?.retries.inc();
    this.addAfter(key, this.#limiter.when(key));
  }

  /** Resets `key`'s backoff: call it when the key was processed successfully. */
  forget(key: K): void {
    this.#limiter.forget(key);
  }

  /** How many failures of `key` the rate limiter is counting. */
  numRequeues(key: K): number {
    return this.#limiter.retries(key);
  }

  /**
   * Waits for a key to work on. The caller holds it until {@linkcode WorkQueue.done}.
   *
   * @param signal Stops waiting: the promise then resolves `undefined`.
   * @returns The key, or `undefined` once the queue is shut down or `signal` aborted.
   */
  get(signal?: AbortSignal): Promise<K | undefined> {
    if (this.#shuttingDown || signal?.aborted) return Promise.resolve(undefined);
    if (this.#head < this.#queue.length) {
      const key = this.#queue[this.#head] as K;
      this.#queue[this.#head++] = undefined as unknown as K;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#handOut(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => {
      const getter: Getter<K> = {
        resolve,
        signal,
        onAbort: () => {
          this.#getters = this.#getters.filter((g) => g !== getter);
          resolve(undefined);
        },
      };
      signal?.addEventListener("abort", getter.onAbort, { once: true });
      this.#getters.push(getter);
    });
  }

  /**
   * Releases a key handed out by {@linkcode WorkQueue.get}; if it was added meanwhile it
   * is queued again.
   *
   * @throws {RangeError} When `key` is not held by a worker.
   */
  done(key: K): void {
    const started = this.#processing.get(key);
    if (started === undefined) {
      throw new RangeError(`WorkQueue.done: key ${describe(key)} is not being processed`);
    }
    this.#processing.delete(key);
    this.#metrics?.workDuration.observe((this.#clock.now() - started) / 1000);
    if (this.#dirty.has(key)) this.#ready(key);
    if (this.#processing.size === 0 && this.#shuttingDown) this.#drained();
  }

  /** Stops accepting keys, drops the waiting ones and wakes every `get` with `undefined`. */
  shutdown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.#timer?.controller.abort();
    this.#timer = undefined;
    this.#waiting.clear();
    this.#queue = [];
    this.#head = 0;
    this.#dirty.clear();
    this.#addedAt.clear();
    this.#metrics?.depth.set(0);
    const getters = this.#getters;
    this.#getters = [];
    for (const g of getters) {
      g.signal?.removeEventListener("abort", g.onAbort);
      g.resolve(undefined);
    }
    if (this.#processing.size === 0) this.#drained();
  }

  /** Shuts down, then resolves once every key handed out is {@linkcode WorkQueue.done}. */
  shutdownWithDrain(): Promise<void> {
    this.shutdown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainers.push(resolve));
  }

  /** Same as {@linkcode WorkQueue.shutdownWithDrain}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdownWithDrain();
  }

  #ready(key: K): void {
    const getter = this.#getters.shift();
    if (!getter) {
      this.#queue.push(key);
      return;
    }
    getter.signal?.removeEventListener("abort", getter.onAbort);
    this.#handOut(key);
    getter.resolve(key);
  }

  #handOut(key: K): void {
    this.#dirty.delete(key);
    if (!this.#metrics) {
      this.#processing.set(key, 0);
      return;
    }
    const now = this.#clock.now();
    this.#processing.set(key, now);
    this.#metrics.queueDuration.observe((now - (this.#addedAt.get(key) ?? now)) / 1000);
    this.#addedAt.delete(key);
    this.#metrics.depth.set(this.#dirty.size);
  }

  #drained(): void {
    this.#unhook?.();
    this.#metrics?.unfinishedWork.set(0);
    this.#metrics?.longestRunningProcessor.set(0);
    const drainers = this.#drainers;
    this.#drainers = [];
    for (const resolve of drainers) resolve();
  }

  #updateUnfinishedWork(): void {
    const now = this.#clock.now();
    let total = 0;
    let longest = 0;
    for (const started of this.#processing.values()) {
      const seconds = (now - started) / 1000;
      total += seconds;
      longest = Math.max(longest, seconds);
    }
    this.#metrics?.unfinishedWork.set(total);
    this.#metrics?.longestRunningProcessor.set(longest);
  }

  /** Sets the one clock timer to `deadline`, replacing any other. */
  #arm(deadline: number): void {
    this.#timer?.controller.abort();
    const timer = { deadline, controller: new AbortController() };
    this.#timer = timer;
    const ms = Math.max(0, deadline - this.#clock.now());
    this.#clock.sleep(ms, timer.controller.signal).then(() => {
      if (this.#timer !== timer) return;
      this.#timer = undefined;
      this.#fire();
    }, () => {});
  }

  #fire(): void {
    const now = this.#clock.now();
    for (let key = this.#waiting.popDue(now); key !== undefined; key = this.#waiting.popDue(now)) {
      this.add(key);
    }
    const next = this.#waiting.peekDeadline();
    if (next !== undefined) this.#arm(next);
  }
}

function describe(key: unknown): string {
  return typeof key === "string" ? JSON.stringify(key) : String(key);
}
