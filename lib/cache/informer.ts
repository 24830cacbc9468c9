/**
 * The informer: runs a {@linkcode watcher} into a {@linkcode Store} and tells registered
 * handlers what changed — adds, updates and deletes, including those a re-list
 * revealed — so controllers can queue work and read the cache.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Clock } from "../core/clock.ts";
import type { KubeObject } from "../client/object.ts";
import type { ResourceDescriptor } from "../client/resource.ts";
import type { ResourceClient } from "../client/resource_client.ts";
import { describeResource } from "./_describe.ts";
import type { IndexFunction } from "./_indexes.ts";
import { Store, type StoreChange } from "./store.ts";
import type { CacheTransform } from "./transform.ts";
import type { WatchBackoffOptions } from "./watch_backoff.ts";
import { watcher, type WatcherOptions, type WatchScope } from "./watcher.ts";

/** Callbacks for changes; each is optional. They run synchronously and should only queue work. */
export interface InformerHandler<T extends KubeObject> {
  /** An object appeared (or the handler was added and the object was already cached). */
  onAdd?(object: T): void;
  /** An object changed; the store already holds `object`. */
  onUpdate?(old: T, object: T): void;
  /** An object was deleted, or found gone by a re-list; `object` is its last known state. */
  onDelete?(object: T): void;
}

/** Where a failure the informer recovered from happened. */
export type InformerErrorContext =
  | { readonly phase: "watch"; readonly retryInMs: number }
  | { readonly phase: "apply" | "handler" | "fatal" };

/** Options shared by informers and the {@linkcode InformerFactory}. */
export interface InformerRunOptions {
  /** The clock for backoff delays (default: the real clock). */
  clock?: Clock;
  /** Random numbers in `[0, 1)` for jitter and watch timeouts (default `Math.random`). */
  random?: () => number;
  /** The watcher's backoff schedule (default client-go's). */
  backoff?: WatchBackoffOptions;
  /** The page size of lists (default 500). */
  pageSize?: number;
  /**
   * Hears every failure the informer recovered from: failed requests (`watch`), a
   * transform or index function that threw (`apply`: the event was dropped) and handler
   * exceptions (`handler`); `fatal` for an unexpected error that stopped the informer.
   * Default: log it to LogTape under the category `certkit.informer` — a warning for
   * `watch` and `apply`, an error for `handler` and `fatal` — with `resource`, `phase`,
   * `error` and `retryInMs` as properties.
   */
  onError?: (error: unknown, context: InformerErrorContext) => void;
}

/** Options of {@linkcode Informer}. */
export interface InformerOptions<T extends KubeObject> extends WatchScope, InformerRunOptions {
  /** Applied to every object before it is cached (default: drop `metadata.managedFields`). */
  transform?: CacheTransform<T>;
}

/**
 * One shared cache of a resource: a watcher feeding a store, and handlers told about
 * every change after the store has it. Prefer {@linkcode InformerFactory.informerFor},
 * which hands out one informer per resource and scope.
 *
 * Handlers added after the cache synced first hear `onAdd` for every cached object. A
 * handler that throws is reported to `onError` and does not stop the others.
 *
 * @example A cache of ConfigMaps in the in-process fake
 * ```ts
 * import { Informer, KubeClient, type KubeObject, ResourceClient } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * const configMaps = new ResourceClient<KubeObject>(client, {
 *   group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true,
 * });
 * await server.load({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "default" } });
 *
 * await using informer = new Informer(configMaps, { namespace: "default" });
 * const added: string[] = [];
 * informer.addHandler({ onAdd: (cm) => added.push(cm.metadata.name!) });
 * const stop = new AbortController();
 * const running = informer.start(stop.signal);
 * await informer.synced;
 * assert.deepEqual(added, ["a"]);
 * assert.equal(informer.store.get("default/a")?.metadata.name, "a");
 * stop.abort();
 * await running;
 * ```
 */
export class Informer<T extends KubeObject> implements AsyncDisposable {
  /** The cached objects. */
  readonly store: Store<T>;
  /** The resource. */
  readonly resource: ResourceDescriptor<T>;
  /** The transform objects go through before they are cached. */
  readonly transform: CacheTransform<T> | undefined;
  readonly #client: ResourceClient<T>;
  readonly #options: WatcherOptions;
  readonly #onError: (error: unknown, context: InformerErrorContext) => void;
  #handlers: readonly InformerHandler<T>[] = [];
  readonly #stop = new AbortController();
  readonly #synced = Promise.withResolvers<void>();
  readonly #stopped = Promise.withResolvers<void>();
  #state: "new" | "running" | "stopped" = "new";

  /**
   * Creates an informer; nothing is requested until {@linkcode Informer.start}.
   *
   * @param client The typed client of the resource.
   * @param options The scope, transform, clock, backoff and error hook.
   * @throws {RangeError} When `pageSize` is not a positive integer.
   */
  constructor(client: ResourceClient<T>, options: InformerOptions<T> = {}) {
    const { transform, onError, ...rest } = options;
    if (rest.pageSize !== undefined && !(Number.isInteger(rest.pageSize) && rest.pageSize > 0)) {
      throw new RangeError(`Informer: pageSize must be a positive integer, got ${rest.pageSize}`);
    }
    this.#client = client;
    this.resource = client.resource;
    this.transform = transform;
    this.store = new Store<T>(transform ? { transform } : {});
    this.#onError = onError ??
      ((error, context) => logInformerError(client.resource, error, context));
    this.#options = {
      ...rest,
      signal: this.#stop.signal,
      onError: (error, retryInMs) => this.#report(error, { phase: "watch", retryInMs }),
    };
    this.#synced.promise.catch(() => {});
  }

  /**
   * Resolves once the first list is cached and every handler heard about its objects;
   * rejects when the informer stops first.
   */
  get synced(): Promise<void> {
    return this.#synced.promise;
  }

  /** Whether the first list is cached. */
  get hasSynced(): boolean {
    return this.store.hasSynced;
  }

  /** Resolves once the informer has stopped (or at once, when disposed before it started). */
  get stopped(): Promise<void> {
    return this.#stopped.promise;
  }

  /**
   * Registers a handler. When the cache has synced, the handler is told `onAdd` for every
   * cached object before this returns.
   *
   * @param handler The callbacks.
   * @returns A function that removes the handler.
   */
  addHandler(handler: InformerHandler<T>): () => void {
    this.#handlers = [...this.#handlers, handler];
    if (this.store.hasSynced && handler.onAdd) {
      for (const object of this.store.list()) this.#call(() => handler.onAdd?.(object));
    }
    return () => {
      this.#handlers = this.#handlers.filter((h) => h !== handler);
    };
  }

  /**
   * Adds a named index to the store (see {@linkcode Store.addIndex}).
   *
   * @param name The index name.
   * @param fn The values an object is filed under.
   * @throws {TypeError} When an index of that name exists.
   */
  addIndex(name: string, fn: IndexFunction<T>): void {
    this.store.addIndex(name, fn);
  }

  /**
   * Runs the informer until `signal` aborts or it is disposed.
   *
   * @param signal Stops it.
   * @returns A promise that resolves once it has fully stopped (no request left open).
   * @throws {TypeError} When it was started or stopped before.
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.#state !== "new") {
      throw new TypeError(
        `Informer.start: the informer of ${
          describeResource(this.resource)
        } is already ${this.#state}`,
      );
    }
    this.#state = "running";
    const onAbort = () => this.#stop.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#run().catch((e) => this.#report(e, { phase: "fatal" })).finally(() => {
      signal?.removeEventListener("abort", onAbort);
      this.#finish();
    });
    return this.stopped;
  }

  /**
   * Stops the informer.
   *
   * @returns A promise that resolves once it has fully stopped.
   */
  stop(): Promise<void> {
    this.#stop.abort();
    if (this.#state === "new") this.#finish();
    return this.stopped;
  }

  /** Same as {@linkcode Informer.stop}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #run(): Promise<void> {
    for await (const event of watcher(this.#client, this.#options)) {
      let changes: StoreChange<T>[];
      try {
        changes = this.store.apply(event);
      } catch (e) {
        this.#report(e, { phase: "apply" });
        continue;
      }
      for (const change of changes) this.#dispatch(change);
      if (event.type === "restarted") this.#synced.resolve();
    }
  }

  #dispatch(change: StoreChange<T>): void {
    for (const handler of this.#handlers) {
      switch (change.type) {
        case "added":
          if (handler.onAdd) this.#call(() => handler.onAdd?.(change.object));
          break;
        case "updated":
          if (handler.onUpdate) this.#call(() => handler.onUpdate?.(change.old, change.object));
          break;
        case "deleted":
          if (handler.onDelete) this.#call(() => handler.onDelete?.(change.object));
          break;
      }
    }
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#report(e, { phase: "handler" });
    }
  }

  #report(error: unknown, context: InformerErrorContext): void {
    try {
      this.#onError(error, context);
    } catch {
      // A failing error hook must not stop the informer.
    }
  }

  #finish(): void {
    this.#state = "stopped";
    if (!this.store.hasSynced) {
      this.#synced.reject(
        new Error(
          `The informer of ${describeResource(this.resource)} stopped before its cache synced`,
          {
            cause: this.#stop.signal.reason,
          },
        ),
      );
    }
    this.#stopped.resolve();
  }
}

/** The LogTape category of informers' logs: the library's `certkit`, then `informer`. */
const INFORMER_LOG_CATEGORY = ["certkit", "informer"] as const;

/**
 * Logs a failure an informer recovered from (or, for `fatal`, stopped on) to LogTape under
 * `certkit.informer` — the library's category scheme (`lib/runtime/logging.ts`), which this
 * layer cannot import: a warning for a failed request (`watch`, retried) and a dropped
 * event (`apply`), an error for a handler that threw and for `fatal`. The record carries
 * `resource`, `phase`, `error` and, for `watch`, `retryInMs`.
 */
function logInformerError(
  resource: ResourceDescriptor<KubeObject>,
  error: unknown,
  context: InformerErrorContext,
): void {
  const log = getLogger([...INFORMER_LOG_CATEGORY]);
  const properties = { resource: describeResource(resource), ...context, error };
  switch (context.phase) {
    case "watch":
      log.warning(
        "The informer of {resource} failed to list or watch; it retries in {retryInMs} ms: {error}",
        properties,
      );
      return;
    case "apply":
      log.warning(
        "The informer of {resource} dropped an event: its transform or an index function threw: {error}",
        properties,
      );
      return;
    case "handler":
      log.error("An event handler of the informer of {resource} threw: {error}", properties);
      return;
    case "fatal":
      log.error("The informer of {resource} stopped on an unexpected error: {error}", properties);
      return;
  }
}
