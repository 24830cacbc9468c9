/**
 * The controller: informer events → predicates → keys → a {@linkcode WorkQueue} → N
 * workers → the {@linkcode Reconciler}, with controller-runtime's outcome handling and
 * metrics.
 *
 * @module
 */
import { type Clock, systemClock } from "../core/clock.ts";
import type { KubeObject } from "../client/object.ts";
import type { InformerHandler } from "../cache/informer.ts";
import { objectKey } from "../cache/object_key.ts";
import {
  type ControllerRuntimeMetrics,
  controllerRuntimeMetrics,
} from "./controller_runtime_metrics.ts";
import { libraryLogger, type Logger } from "./logging.ts";
import type { Predicate } from "./predicate.ts";
import type { ItemRateLimiter } from "./rate_limiter.ts";
import { Registry } from "./registry.ts";
import { WorkQueue } from "./work_queue.ts";
import { abortPromise, Worker } from "./_controller_worker.ts";
import { waitForSources } from "./_wait_for_sources.ts";
import { watchHandler } from "./_watch_handler.ts";
import type { Runnable, RunnableStartOptions } from "./runnable.ts";
import type { Reconciler } from "./reconciler.ts";

/**
 * Where a controller hears about objects: an {@linkcode Informer} or anything of its
 * shape.
 *
 * @typeParam T The object type.
 */
export interface WatchSource<T extends KubeObject> {
  /** Registers callbacks; returns a function that removes them. */
  addHandler(handler: InformerHandler<T>): () => void;
  /** Resolves once the source's cache holds a full list; rejects when it stops first. */
  readonly synced: Promise<void>;
}

/** How a watch turns events into keys. */
export interface ControllerWatchOptions<T extends KubeObject, K> {
  /** Every predicate must pass an event for it to queue anything (default: all pass). */
  predicates?: readonly Predicate<T>[];
  /**
   * The keys an object queues (default: its own `namespace/name`). On an update, the keys
   * of the old and the new object are queued.
   */
  map?: (object: T) => readonly K[];
}

/** Options of a {@linkcode Controller}. */
export interface ControllerOptions<K> {
  /** The name: the `controller` label of the metrics and of every log line. Unique per manager. */
  name: string;
  /** The reconcile function. */
  reconcile: Reconciler<K>;
  /** How many keys are reconciled at once (default 1; less than 1 counts as 1). */
  workers?: number;
  /** Where time comes from (default: the real clock). */
  clock?: Clock;
  /** Backoff of failed keys (default controller-runtime's: 5 ms doubling to 1000 s, 10/s overall). */
  rateLimiter?: ItemRateLimiter<K>;
  /** Where the `controller_runtime_*` and `workqueue_*` metrics go (default: a private registry). */
  metrics?: ControllerRuntimeMetrics;
  /** Aborts a reconcile's `ctx.signal` after this many milliseconds (default: no limit). */
  reconcileTimeoutMs?: number;
  /** How long a stop waits for in-flight reconciles before aborting them (default 30 000 ms). */
  gracePeriodMs?: number;
  /** How long the start waits for the sources to sync before failing (default 120 000 ms; 0: forever). */
  cacheSyncTimeoutMs?: number;
  /** The logger under which the controller logs (default category `certkit.controller`). */
  logger?: Logger;
}

/**
 * A controller in controller-runtime's mould:
 * 1. Sources ({@linkcode Controller.watch}) and {@linkcode Controller.enqueue} put keys on
 *    a work queue that de-duplicates them and never hands one key to two workers.
 * 2. {@linkcode Controller.start} registers the source handlers, waits for the sources to
 *    sync, then runs `workers` workers.
 * 3. Outcomes: success → forget the key's backoff; `requeueAfterMs` → forget, then queue
 *    again after the delay; an error → queue again with backoff (a requested delay is
 *    moot); a terminal error → not queued again, backoff kept; a panic (see
 *    {@linkcode isReconcilePanic}) → counted and retried like an error. Nothing a
 *    reconciler throws escapes the controller.
 * 4. On stop, the queue stops handing out keys and in-flight reconciles finish; after
 *    the grace period their `ctx.signal` aborts. `start` settles only after all workers
 *    have finished.
 *
 * @typeParam K The key type (default `namespace/name` strings).
 *
 * @example Reconciling every ConfigMap in the fake API server
 * ```ts
 * import { Controller, Informer, KubeClient, type KubeObject, ResourceClient } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * await server.load({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "default" } });
 * await using informer = new Informer(new ResourceClient<KubeObject>(client, {
 *   group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true,
 * }), { namespace: "default" });
 *
 * const reconciled = Promise.withResolvers<string>();
 * await using controller = new Controller({
 *   name: "configmap",
 *   reconcile: async (key) => {
 *     reconciled.resolve(key);
 *     return {};
 *   },
 * }).watch(informer);
 * const stop = new AbortController();
 * const informerRunning = informer.start(stop.signal);
 * const running = controller.start(stop.signal);
 * assert.equal(await reconciled.promise, "default/a");
 * stop.abort();
 * await Promise.all([running, informerRunning]);
 * ```
 */
export class Controller<K extends NonNullable<unknown> = string>
  implements Runnable, AsyncDisposable {
  /** The controller's name. */
  readonly name: string;
  /** How many workers it runs. */
  readonly workers: number;
  readonly #queue: WorkQueue<K>;
  readonly #worker: Worker<K>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #gracePeriodMs: number;
  readonly #cacheSyncTimeoutMs: number;
  readonly #sources: { source: WatchSource<KubeObject>; handler: InformerHandler<KubeObject> }[] =
    [];
  readonly #stop = new AbortController();
  readonly #force = new AbortController();
  #state: "new" | "running" | "stopped" = "new";
  #running: Promise<void> | undefined;

  /**
   * Creates a controller; nothing runs until {@linkcode Controller.start}.
   *
   * @param options The name, reconciler, worker count, timeouts, clock and metrics.
   * @throws {TypeError} When `name` is empty or `reconcile` is not a function.
   * @throws {RangeError} When `workers` is not finite, or a duration is negative or not a number.
   */
  constructor(options: ControllerOptions<K>) {
    const { name, reconcile } = options;
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`Controller: options.name must be a non-empty string, got ${name}`);
    }
    if (typeof reconcile !== "function") {
      throw new TypeError(`Controller ${name}: options.reconcile must be a function`);
    }
    const workers = options.workers ?? 1;
    if (!Number.isFinite(workers)) {
      throw new RangeError(`Controller ${name}: options.workers must be finite, got ${workers}`);
    }
    for (const field of ["reconcileTimeoutMs", "gracePeriodMs", "cacheSyncTimeoutMs"] as const) {
      const value = options[field];
      if (value !== undefined && !(value >= 0)) {
        throw new RangeError(`Controller ${name}: options.${field} must be >= 0, got ${value}`);
      }
    }
    this.name = name;
    this.workers = Math.max(1, Math.floor(workers));
    this.#clock = options.clock ?? systemClock;
    this.#gracePeriodMs = options.gracePeriodMs ?? 30_000;
    this.#cacheSyncTimeoutMs = options.cacheSyncTimeoutMs ?? 120_000;
    this.#log = (options.logger ?? libraryLogger("controller")).with({ controller: name });
    const metrics = options.metrics ?? controllerRuntimeMetrics(new Registry());
    this.#queue = new WorkQueue<K>({
      name,
      clock: this.#clock,
      metrics,
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    });
    this.#worker = new Worker<K>({
      name,
      reconcile,
      queue: this.#queue,
      clock: this.#clock,
      log: this.#log,
      metrics,
      stopping: this.#stop.signal,
      ...(options.reconcileTimeoutMs ? { reconcileTimeoutMs: options.reconcileTimeoutMs } : {}),
    });
    metrics.maxConcurrentReconciles.labels(name).set(this.workers);
  }

  /**
   * Queues the `namespace/name` keys of a source's objects; its handlers are registered
   * when the controller starts (so a handler added after the source synced hears every
   * cached object) and removed when it stops.
   *
   * @param source An informer.
   * @param options Predicates, and a `map` to queue other keys than the object's own.
   * @returns This controller.
   * @throws {TypeError} When the controller has started.
   */
  watch<T extends KubeObject>(
    this: Controller<string>,
    source: WatchSource<T>,
    options?: ControllerWatchOptions<T, string>,
  ): this;
  /**
   * Queues the keys `options.map` gives for a source's objects (needed when keys are not
   * `namespace/name` strings); its handlers are registered when the controller starts and
   * removed when it stops.
   *
   * @param source An informer.
   * @param options Predicates and the `map` from an object to its keys.
   * @returns This controller.
   * @throws {TypeError} When the controller has started.
   */
  watch<T extends KubeObject>(
    source: WatchSource<T>,
    options: ControllerWatchOptions<T, K> & { map: (object: T) => readonly K[] },
  ): this;
  watch<T extends KubeObject>(
    source: WatchSource<T>,
    options: ControllerWatchOptions<T, K> | ControllerWatchOptions<T, string> = {},
  ): this {
    if (this.#state !== "new") {
      throw new TypeError(`Controller ${this.name}: watch must be called before start`);
    }
    const map = (options.map ?? ((object: T) => [objectKey(object)])) as (
      object: T,
    ) => readonly K[];
    const handler = watchHandler(options.predicates ?? [], map, (key) => this.#queue.add(key));
    this.#sources.push({
      source: source as unknown as WatchSource<KubeObject>,
      handler: handler as unknown as InformerHandler<KubeObject>,
    });
    return this;
  }

  /** Queues `key` for a reconcile now (for sources other than informers). */
  enqueue(key: K): void {
    this.#queue.add(key);
  }

  /**
   * Queues `key` for a reconcile after `ms` milliseconds, unless it is due sooner.
   *
   * @param key The key.
   * @param ms The delay; zero or less queues at once.
   */
  enqueueAfter(key: K, ms: number): void {
    this.#queue.addAfter(key, ms);
  }

  /**
   * Runs the controller until `signal` aborts or it is disposed.
   *
   * @param signal Stops it gracefully: in-flight reconciles get the grace period.
   * @param options `forceSignal` cuts the grace period short.
   * @returns A promise that settles once every worker has finished; it rejects when the
   *   sources do not sync in time or stop before they sync.
   * @throws {TypeError} When the controller was started or stopped before.
   */
  start(signal?: AbortSignal, options: RunnableStartOptions = {}): Promise<void> {
    if (this.#state !== "new") {
      throw new TypeError(`Controller ${this.name}: start was called when already ${this.#state}`);
    }
    this.#state = "running";
    const onAbort = () => this.#stop.abort(signal?.reason);
    const onForce = () => {
      this.#force.abort(options.forceSignal?.reason);
      this.#stop.abort(options.forceSignal?.reason);
    };
    if (signal?.aborted) onAbort();
    if (options.forceSignal?.aborted) onForce();
    signal?.addEventListener("abort", onAbort, { once: true });
    options.forceSignal?.addEventListener("abort", onForce, { once: true });
    this.#running = this.#run().finally(() => {
      signal?.removeEventListener("abort", onAbort);
      options.forceSignal?.removeEventListener("abort", onForce);
      this.#state = "stopped";
    });
    return this.#running;
  }

  /**
   * Stops the controller gracefully.
   *
   * @returns A promise that resolves once it has fully stopped.
   */
  async stop(): Promise<void> {
    this.#stop.abort();
    if (this.#state === "new") {
      this.#state = "stopped";
      this.#queue.shutdown();
      return;
    }
    await this.#running?.catch(() => {});
  }

  /** Same as {@linkcode Controller.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #run(): Promise<void> {
    const removers = this.#sources.map(({ source, handler }) => source.addHandler(handler));
    try {
      const synced = await waitForSources({
        name: this.name,
        sources: this.#sources.map(({ source }) => source.synced),
        signal: this.#stop.signal,
        clock: this.#clock,
        timeoutMs: this.#cacheSyncTimeoutMs,
      });
      if (!synced) return;
      this.#log.info("The sources synced: starting {workerCount} worker(s).", {
        workerCount: this.workers,
      });
      const workers = Array.from({ length: this.workers }, () => this.#worker.loop());
      await abortPromise(this.#stop.signal).promise;
      this.#log.info("Stopping: waiting for in-flight reconciles to finish.");
      await this.#worker.drain(this.#gracePeriodMs, this.#force.signal);
      await Promise.all(workers);
      this.#log.info("All workers finished.");
    } finally {
      for (const remove of removers) remove();
      this.#queue.shutdown();
    }
  }
}
