/**
 * The manager: one process's client, shared informers, controllers, optional leader
 * election and the probe and metrics servers, started together and stopped in order.
 *
 * @module
 */
import type { Logger } from "./logging.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import type { RestClient } from "../client/rest_client.ts";
import type { KubeObject } from "../client/object.ts";
import type { ResourceDescriptor } from "../client/resource.ts";
import type { Informer, InformerRunOptions } from "../cache/informer.ts";
import { InformerFactory, type InformerForOptions } from "../cache/informer_factory.ts";
import { Controller, type ControllerOptions } from "./controller.ts";
import type { Runnable } from "./runnable.ts";
import type { LeaderElectorLike } from "./leader_elector_like.ts";
import {
  type ControllerRuntimeMetrics,
  controllerRuntimeMetrics,
} from "./controller_runtime_metrics.ts";
import type { ProbeCheck } from "./health_server.ts";
import { libraryLogger } from "./logging.ts";
import { Registry } from "./registry.ts";
import { parseBindAddress } from "./_bind_address.ts";
import { abortPromise } from "./_controller_worker.ts";
import { campaign } from "./_leader_campaign.ts";
import { type ProbeServerSet, startProbeServers } from "./_probe_servers.ts";

/** Options of a {@linkcode Manager}. */
export interface ManagerOptions {
  /** The client every informer and controller uses. The manager does not close it. */
  client: RestClient;
  /** Where time comes from (default: the real clock). */
  clock?: Clock;
  /** The metrics registry (default: a new one). */
  registry?: Registry;
  /** Serve `/metrics` here (`host:port`, `:8080`); off when absent or `0`. */
  metricsBindAddress?: string;
  /** Serve `/healthz` and `/readyz` here (`host:port`, `:8081`); off when absent or `0`. */
  healthProbeBindAddress?: string;
  /** Run the controllers only while this elector holds leadership (default: always). */
  leaderElector?: LeaderElectorLike;
  /** How long a stop waits for in-flight reconciles (default 30 000 ms). */
  gracefulShutdownTimeoutMs?: number;
  /** Options of every informer (the clock defaults to the manager's). */
  informerOptions?: InformerRunOptions;
  /** The logger (default category `certkit.manager`). */
  logger?: Logger;
}

/** The controller options a manager fills in: clock, metrics and grace period. */
export type ManagedControllerOptions<K> = Omit<ControllerOptions<K>, "clock" | "metrics"> & {
  clock?: Clock;
};

/**
 * Runs a process's controllers, in controller-runtime's order:
 * 1. `start` serves the probe and metrics endpoints (when addresses are given), starts
 *    the informers and the runnables that do not need leadership, then the controllers
 *    — at once, or only once the leader elector says this replica leads.
 * 2. `/readyz` passes once every informer has synced; `/healthz` always passes.
 * 3. On abort: the controllers stop (in-flight reconciles get the grace period), then
 *    the elector releases the lease, then the other runnables and the informers stop,
 *    then the servers. `start` settles only when all of it has stopped.
 * 4. A runnable that fails stops everything; `start` rejects with its error. Losing
 *    leadership cancels in-flight reconciles at once and rejects with
 *    {@linkcode LeadershipLostError}.
 *
 * @example A manager with one controller, against the fake API server
 * ```ts
 * import { KubeClient, type KubeObject, Manager } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * await server.load({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "default" } });
 *
 * await using manager = new Manager({ client, healthProbeBindAddress: "127.0.0.1:0" });
 * const configMaps = manager.informerFor<KubeObject>({
 *   group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true,
 * });
 * const reconciled = Promise.withResolvers<string>();
 * manager.controller({ name: "configmap", reconcile: async (key) => void reconciled.resolve(key) })
 *   .watch(configMaps);
 * const stop = new AbortController();
 * const running = manager.start(stop.signal);
 * assert.equal(await reconciled.promise, "default/a");
 * const ready = await fetch(`http://127.0.0.1:${manager.probeAddr!.port}/readyz`);
 * assert.equal(await ready.text(), "ok");
 * stop.abort();
 * await running;
 * ```
 */
export class Manager implements AsyncDisposable {
  /** The client. */
  readonly client: RestClient;
  /** The shared informers. */
  readonly informers: InformerFactory;
  /** The metrics registry served at `/metrics`. */
  readonly registry: Registry;
  /** The controller-runtime metric families in {@linkcode Manager.registry}. */
  readonly metrics: ControllerRuntimeMetrics;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #graceMs: number;
  readonly #elector: LeaderElectorLike | undefined;
  readonly #metricsAt: ReturnType<typeof parseBindAddress>;
  readonly #probesAt: ReturnType<typeof parseBindAddress>;
  readonly #healthz: Record<string, ProbeCheck> = { ping: () => true };
  readonly #readyz: Record<string, ProbeCheck>;
  readonly #leaders: Runnable[] = [];
  readonly #others: Runnable[] = [];
  readonly #names = new Set<string>();
  readonly #stop = new AbortController();
  readonly #force = new AbortController();
  readonly #serverStop = new AbortController();
  #state: "new" | "running" | "stopped" = "new";
  #running: Promise<void> | undefined;
  #servers: ProbeServerSet | undefined;
  #leading = false;
  #cachesStarted = false;
  #failure: { error: unknown } | undefined;

  /**
   * Creates a manager; nothing runs until {@linkcode Manager.start}.
   *
   * @param options The client, clock, registry, bind addresses, elector and grace period.
   * @throws {RangeError} When a bind address is malformed or the grace period is negative.
   */
  constructor(options: ManagerOptions) {
    const grace = options.gracefulShutdownTimeoutMs ?? 30_000;
    if (!(grace >= 0)) {
      throw new RangeError(`Manager: gracefulShutdownTimeoutMs must be >= 0, got ${grace}`);
    }
    this.#metricsAt = parseBindAddress("Manager: metricsBindAddress", options.metricsBindAddress);
    this.#probesAt = parseBindAddress(
      "Manager: healthProbeBindAddress",
      options.healthProbeBindAddress,
    );
    this.client = options.client;
    this.#clock = options.clock ?? systemClock;
    this.#graceMs = grace;
    this.#elector = options.leaderElector;
    this.#log = options.logger ?? libraryLogger("manager");
    this.registry = options.registry ?? new Registry();
    this.metrics = controllerRuntimeMetrics(this.registry);
    this.informers = new InformerFactory(this.client, {
      clock: this.#clock,
      ...options.informerOptions,
    });
    this.#readyz = { "informer-sync": () => this.#cachesStarted && this.informers.hasSynced };
  }

  /** The probe server's address once started (useful with port 0). */
  get probeAddr(): Deno.NetAddr | undefined {
    return this.#servers?.probeAddr;
  }

  /** The metrics server's address once started. */
  get metricsAddr(): Deno.NetAddr | undefined {
    return this.#servers?.metricsAddr;
  }

  /** Whether the controllers are running: leadership is held, or no elector is used. */
  get isLeader(): boolean {
    return this.#leading;
  }

  /**
   * The shared informer of a resource (see {@linkcode InformerFactory.informerFor}).
   *
   * @param resource The resource.
   * @param options Its scope and transform.
   * @returns The informer, started with the manager.
   */
  informerFor<T extends KubeObject>(
    resource: ResourceDescriptor<T>,
    options?: InformerForOptions<T>,
  ): Informer<T> {
    return this.informers.informerFor(resource, options);
  }

  /**
   * Creates a controller on the manager's clock, metrics and grace period, and adds it.
   *
   * @param options The controller's options.
   * @returns The controller, to add watches to.
   * @throws {TypeError} When a controller of that name exists or the manager has started.
   */
  controller<K extends NonNullable<unknown> = string>(
    options: ManagedControllerOptions<K>,
  ): Controller<K> {
    const controller = new Controller<K>({
      clock: this.#clock,
      gracePeriodMs: this.#graceMs,
      ...options,
      metrics: this.metrics,
    });
    this.add(controller);
    return controller;
  }

  /**
   * Adds something to run: controllers run only while leading; other runnables too,
   * unless `needLeaderElection` is `false`.
   *
   * @param runnable A controller or anything with `start(signal)`.
   * @param options Whether it needs leadership (default `true`).
   * @throws {TypeError} When the manager has started, or a controller's name is taken.
   */
  add(runnable: Runnable, options: { needLeaderElection?: boolean } = {}): void {
    if (this.#state !== "new") {
      throw new TypeError(
        `Manager.add: runnables must be added before start (it is ${this.#state})`,
      );
    }
    if (runnable instanceof Controller) {
      if (this.#names.has(runnable.name)) {
        throw new TypeError(`Manager.add: a controller named ${runnable.name} was already added`);
      }
      this.#names.add(runnable.name);
    }
    (options.needLeaderElection === false ? this.#others : this.#leaders).push(runnable);
  }

  /** Adds a `/healthz` check. */
  addHealthzCheck(name: string, check: ProbeCheck): void {
    this.#healthz[name] = check;
  }

  /** Adds a `/readyz` check (besides `informer-sync`). */
  addReadyzCheck(name: string, check: ProbeCheck): void {
    this.#readyz[name] = check;
  }

  /**
   * Runs everything until `signal` aborts or the manager is disposed.
   *
   * @param signal Stops it gracefully.
   * @returns A promise that settles once everything has stopped; it rejects with
   *   {@linkcode LeadershipLostError} when leadership was lost, or with the error of a
   *   runnable that failed.
   * @throws {TypeError} When it was started or stopped before.
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.#state !== "new") {
      throw new TypeError(`Manager.start: the manager is already ${this.#state}`);
    }
    this.#state = "running";
    const onAbort = () => this.#stop.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#running = this.#run().finally(() => {
      signal?.removeEventListener("abort", onAbort);
      this.#state = "stopped";
    });
    return this.#running;
  }

  /**
   * Stops everything gracefully.
   *
   * @returns A promise that resolves once everything has stopped (errors are left to
   *   the promise of {@linkcode Manager.start}).
   */
  async stop(): Promise<void> {
    this.#stop.abort();
    if (this.#state === "new") {
      this.#state = "stopped";
      await this.informers.stop();
      return;
    }
    await this.#running?.catch(() => {});
  }

  /** Same as {@linkcode Manager.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #fail(error: unknown): void {
    this.#failure ??= { error };
    this.#stop.abort(error);
  }

  async #run(): Promise<void> {
    this.#servers = startProbeServers({
      probes: this.#probesAt,
      metrics: this.#metricsAt,
      checks: { healthz: this.#healthz, readyz: this.#readyz },
      registry: this.registry,
      signal: this.#serverStop.signal,
    });
    if (this.#servers.error) {
      await Promise.all([this.#servers.finished, this.informers.stop()]);
      throw this.#servers.error;
    }
    this.#log.info("Starting the manager.");
    const startOptions = { forceSignal: this.#force.signal };
    const cachesStop = new AbortController();
    const othersStop = new AbortController();
    const leadersStop = new AbortController();
    const electionStop = new AbortController();
    const caches = this.informers.start(cachesStop.signal);
    this.#cachesStarted = true;
    const others = this.#others.map((r) => r.start(othersStop.signal, startOptions));
    for (const p of others) p.catch((e) => this.#fail(e));
    let leaders: Promise<unknown> = Promise.resolve();
    const startLeaders = () => {
      this.#leading = true;
      const running = this.#leaders.map((r) => r.start(leadersStop.signal, startOptions));
      for (const p of running) p.catch((e) => this.#fail(e));
      leaders = Promise.allSettled(running);
      return leaders;
    };
    let election: Promise<void> = Promise.resolve();
    if (!this.#elector) startLeaders();
    else {
      election = campaign({
        elector: this.#elector,
        signal: electionStop.signal,
        stopping: this.#stop.signal,
        startLeaders,
        onLost: (error) => {
          this.#force.abort(error);
          this.#fail(error);
        },
        onFail: (error) => this.#fail(error),
        log: this.#log,
      });
    }

    await abortPromise(this.#stop.signal).promise;
    this.#log.info("Stopping the manager: waiting for the controllers to finish.");
    const timer = new AbortController();
    this.#clock.sleep(this.#graceMs, timer.signal).then(() => {
      this.#log.warning("The graceful shutdown period of {ms} ms is over.", { ms: this.#graceMs });
      this.#force.abort(new DOMException("The graceful shutdown period is over", "TimeoutError"));
    }, () => {});
    try {
      leadersStop.abort();
      await leaders;
      this.#leading = false;
      electionStop.abort();
      await election;
      othersStop.abort();
      await Promise.allSettled(others);
      cachesStop.abort();
      await caches;
    } finally {
      timer.abort();
      await this.#stopServers();
    }
    this.#log.info("The manager has stopped.");
    if (this.#failure) throw this.#failure.error;
  }

  async #stopServers(): Promise<void> {
    this.#serverStop.abort();
    await this.#servers?.finished;
  }
}
