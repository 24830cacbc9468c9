/**
 * The informer factory: one shared {@linkcode Informer} per resource and scope
 * (namespace, label and field selector), started and stopped together, so every
 * controller that reads CertificateRequests shares one list, one watch and one cache.
 *
 * @module
 */
import type { KubeObject } from "../client/object.ts";
import type { ResourceDescriptor } from "../client/resource.ts";
import { ResourceClient } from "../client/resource_client.ts";
import type { RestClient } from "../client/rest_client.ts";
import { describeScope } from "./_describe.ts";
import { Informer, type InformerRunOptions } from "./informer.ts";
import type { CacheTransform } from "./transform.ts";
import type { WatchScope } from "./watcher.ts";

/** Which informer {@linkcode InformerFactory.informerFor} hands out, and how it caches. */
export interface InformerForOptions<T extends KubeObject> extends WatchScope {
  /**
   * The transform of a new informer (default: drop `metadata.managedFields`). Asking
   * again with another transform for the same resource and scope is an error.
   */
  transform?: CacheTransform<T>;
}

/**
 * Hands out one shared informer per resource descriptor, namespace and selectors, and
 * runs them all: informers asked for after {@linkcode InformerFactory.start} start at
 * once.
 *
 * @example Two controllers share one informer of CertificateRequests
 * ```ts
 * import { InformerFactory, KubeClient, type KubeObject, type ResourceDescriptor } from "@certkit/issuer-lib";
 * import { CERTIFICATE_REQUESTS_CRD, FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * interface CertificateRequest extends KubeObject { spec: { issuerRef: { name: string } } }
 * const certificateRequests: ResourceDescriptor<CertificateRequest> = {
 *   group: "cert-manager.io", version: "v1", plural: "certificaterequests",
 *   kind: "CertificateRequest", namespaced: true,
 * };
 * await using server = new FakeApiServer({ crds: [CERTIFICATE_REQUESTS_CRD] });
 * using client = new KubeClient("http://fake", server.fetch);
 *
 * await using factory = new InformerFactory(client);
 * const first = factory.informerFor(certificateRequests);
 * const second = factory.informerFor(certificateRequests);
 * assert.equal(first, second);
 * first.addIndex("issuer", (cr) => [cr.spec.issuerRef.name]);
 *
 * const stop = new AbortController();
 * const running = factory.start(stop.signal);
 * await factory.synced();
 * assert.deepEqual(first.store.byIndex("issuer", "ca"), []);
 * stop.abort();
 * await running;
 * ```
 */
export class InformerFactory implements AsyncDisposable {
  readonly #client: RestClient;
  readonly #options: InformerRunOptions;
  readonly #informers = new Map<string, Informer<KubeObject>>();
  readonly #stop = new AbortController();
  #state: "new" | "running" | "stopped" = "new";
  #running: Promise<void> | undefined;

  /**
   * Creates a factory; nothing is requested until {@linkcode InformerFactory.start}.
   *
   * @param client The client every informer lists and watches through.
   * @param options The clock, backoff, page size and error hook of every informer.
   */
  constructor(client: RestClient, options: InformerRunOptions = {}) {
    this.#client = client;
    this.#options = options;
  }

  /** Every informer handed out so far. */
  get informers(): Informer<KubeObject>[] {
    return [...this.#informers.values()];
  }

  /**
   * The shared informer of a resource and scope, created on first request.
   *
   * @param resource The resource.
   * @param options The namespace (omit for all), selectors and the transform.
   * @returns The informer.
   * @throws {TypeError} When the factory has stopped, or a different transform was given
   * for this informer before.
   */
  informerFor<T extends KubeObject>(
    resource: ResourceDescriptor<T>,
    options: InformerForOptions<T> = {},
  ): Informer<T> {
    const { transform, ...scope } = options;
    const what = describeScope(resource, scope);
    if (this.#state === "stopped") {
      throw new TypeError(`InformerFactory.informerFor(${what}): the factory has stopped`);
    }
    const key = JSON.stringify([
      resource.group,
      resource.version,
      resource.plural,
      resource.namespaced ? scope.namespace ?? "" : "",
      scope.labelSelector ?? "",
      scope.fieldSelector ?? "",
    ]);
    const existing = this.#informers.get(key) as Informer<T> | undefined;
    if (existing) {
      if (transform !== undefined && transform !== existing.transform) {
        throw new TypeError(
          `InformerFactory.informerFor(${what}): the shared informer already exists with another transform`,
        );
      }
      return existing;
    }
    const informer = new Informer<T>(new ResourceClient<T>(this.#client, resource), {
      ...this.#options,
      ...scope,
      ...(transform ? { transform } : {}),
    });
    this.#informers.set(key, informer as unknown as Informer<KubeObject>);
    if (this.#state === "running") void informer.start(this.#stop.signal);
    return informer;
  }

  /**
   * Starts every informer, and those asked for later, until `signal` aborts or the
   * factory is disposed.
   *
   * @param signal Stops every informer.
   * @returns A promise that resolves once every informer has fully stopped.
   * @throws {TypeError} When it was started or stopped before.
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.#state !== "new") {
      throw new TypeError(`InformerFactory.start: the factory is already ${this.#state}`);
    }
    this.#state = "running";
    const stopped = Promise.withResolvers<void>();
    const onAbort = () => {
      this.#state = "stopped";
      this.#stop.abort(signal?.reason);
      stopped.resolve();
    };
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#stop.signal.addEventListener("abort", onAbort, { once: true });
    for (const informer of this.#informers.values()) void informer.start(this.#stop.signal);
    this.#running = (async () => {
      await stopped.promise;
      signal?.removeEventListener("abort", onAbort);
      await Promise.all(this.informers.map((informer) => informer.stopped));
    })();
    return this.#running;
  }

  /**
   * Waits until every informer handed out so far has synced.
   *
   * @returns A promise that rejects when an informer stops before it synced.
   */
  async synced(): Promise<void> {
    await Promise.all(this.informers.map((informer) => informer.synced));
  }

  /** Whether every informer handed out so far has synced. */
  get hasSynced(): boolean {
    return this.informers.every((informer) => informer.hasSynced);
  }

  /**
   * Stops every informer.
   *
   * @returns A promise that resolves once every informer has fully stopped.
   */
  async stop(): Promise<void> {
    if (this.#state === "new") {
      this.#state = "stopped";
      await Promise.all(this.informers.map((informer) => informer.stop()));
      return;
    }
    this.#stop.abort();
    await this.#running;
  }

  /** Same as {@linkcode InformerFactory.stop}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
