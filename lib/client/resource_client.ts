/**
 * Typed operations on one kind of object, over any {@linkcode RestClient}: get, list
 * (every page), watch, create, update, patch, server-side apply, the status subresource
 * and delete.
 *
 * @module
 */
import type { Status } from "../core/status.ts";
import { isGone } from "./kube_api_error.ts";
import type { KubeList, KubeObject } from "./object.ts";
import type { RestClient, RestJsonValue } from "./rest_client.ts";
import type { ResourceDescriptor } from "./resource.ts";
import type {
  ApplyConfiguration,
  ApplyOptions,
  DeleteOptions,
  ListOptions,
  NamespaceOption,
  Patch,
  PatchOptions,
  SignalOption,
  WatchOptions,
  WriteOptions,
} from "./resource_options.ts";
import { type ResourceOperation, resourceRequest } from "./resource_request.ts";
import { type WatchEvent, watchEvents } from "./watch.ts";

/** Options of {@linkcode ResourceClient}. */
export interface ResourceClientOptions {
  /** The namespace of calls that name none (and of list/watch: omit it for all namespaces). */
  namespace?: string;
}

/**
 * Typed operations on one resource. Objects are cast to `T`, not validated. Namespaced
 * single-object calls take the namespace from the options, then the object's
 * `metadata.namespace`, then the client's; list and watch without a namespace cover
 * all namespaces. Cluster-scoped resources ignore namespaces.
 *
 * @example Creating and reading a Secret in the in-process fake
 * ```ts
 * import { KubeClient, type KubeObject, ResourceClient } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * interface Secret extends KubeObject { stringData?: Record<string, string>; data?: Record<string, string> }
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * const secrets = new ResourceClient<Secret>(client, {
 *   group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true,
 * }, { namespace: "default" });
 * await secrets.create({ metadata: { name: "ca" }, stringData: { k: "v" } });
 * const read = await secrets.get("ca");
 * assert.equal(read.data?.k, btoa("v"));
 * ```
 */
export class ResourceClient<T extends KubeObject> {
  /** The client requests go through. */
  readonly client: RestClient;
  /** The resource. */
  readonly resource: ResourceDescriptor<T>;
  /** The default namespace, if bound to one. */
  readonly namespace: string | undefined;

  /**
   * Creates typed operations for a resource.
   *
   * @param client Any {@linkcode RestClient}: a {@linkcode KubeClient} or a stand-in.
   * @param resource Where the kind is served.
   * @param options A default namespace.
   */
  constructor(
    client: RestClient,
    resource: ResourceDescriptor<T>,
    options: ResourceClientOptions = {},
  ) {
    this.client = client;
    this.resource = resource;
    this.namespace = options.namespace;
  }

  /**
   * Reads an object.
   *
   * @param name The object's name.
   * @param options Namespace and abort signal.
   * @returns The object.
   * @throws {KubeApiError} `isNotFound` when it does not exist.
   */
  async get(name: string, options: NamespaceOption & SignalOption = {}): Promise<T> {
    return await this.#json<T>({ verb: "get", ...this.#ns(options), name }, options.signal);
  }

  /**
   * Reads an object through its status subresource (the server answers the whole object).
   *
   * @param name The object's name.
   * @param options Namespace and abort signal.
   * @returns The object.
   */
  async getStatus(name: string, options: NamespaceOption & SignalOption = {}): Promise<T> {
    return await this.#json<T>(
      { verb: "get", ...this.#ns(options), name, subresource: "status" },
      options.signal,
    );
  }

  /**
   * Lists every object, following `continue` tokens until the last page (pages of
   * `limit`, default 500). When a continue token expires mid-way, lists again in one
   * request, as client-go's pager does.
   *
   * @param options Namespace, selectors, page size and abort signal.
   * @returns The items of all pages, with the first page's resourceVersion.
   */
  async list(options: ListOptions & SignalOption = {}): Promise<KubeList<T>> {
    const limit = options.limit ?? 500;
    const first = await this.listPage({ ...options, limit });
    const items = [...first.items];
    let token = first.metadata.continue;
    while (token) {
      let page: KubeList<T>;
      try {
        page = await this.listPage({ ...options, limit, continue: token });
      } catch (e) {
        if (!isGone(e)) throw e;
        const { limit: _limit, continue: _continue, ...unpaged } = options;
        return await this.listPage(unpaged);
      }
      items.push(...page.items);
      token = page.metadata.continue;
    }
    const { continue: _done, remainingItemCount: _left, ...metadata } = first.metadata;
    return { ...first, metadata, items };
  }

  /**
   * Lists one page: pass `limit`, then the answer's `metadata.continue` for the next.
   *
   * @param options Namespace, selectors, `limit`, `continue` and abort signal.
   * @returns The page, with `metadata.continue` when more remain.
   */
  async listPage(options: ListOptions & SignalOption = {}): Promise<KubeList<T>> {
    const { signal, namespace: _ns, ...rest } = options;
    return await this.#json<KubeList<T>>({
      verb: "list",
      options: { ...rest, ...this.#listNs(options) },
    }, signal);
  }

  /**
   * Watches for changes. Iteration ends when the server ends the stream (resume from
   * the last resourceVersion seen) or `signal` aborts; ERROR events throw.
   *
   * @param options Where to start, selectors, bookmarks and the signal that stops it.
   * @returns The events; the request is sent when iteration starts.
   * @throws {KubeApiError} `isGone` when `resourceVersion` is too old: list again.
   */
  async *watch(
    options: WatchOptions & SignalOption = {},
  ): AsyncGenerator<WatchEvent<T>, void, undefined> {
    const { signal, namespace: _ns, ...rest } = options;
    const request = resourceRequest(this.resource, {
      verb: "watch",
      options: { ...rest, ...this.#listNs(options) },
    });
    if (signal?.aborted) return;
    let stream: ReadableStream<RestJsonValue>;
    try {
      stream = await this.client.performRequest({ ...request, ...abortOf(signal) });
    } catch (e) {
      if (signal?.aborted) return;
      throw e;
    }
    yield* watchEvents<T>(stream, {
      ...signalOf(signal),
      method: request.method,
      path: request.path,
    });
  }

  /**
   * Creates an object; `apiVersion` and `kind` are filled in when missing.
   *
   * @param object The object; `metadata.name` or `generateName` names it.
   * @param options Namespace, dry run, field manager and validation, abort signal.
   * @returns The created object.
   * @throws {KubeApiError} `isAlreadyExists` when the name is taken.
   */
  async create(object: T, options: NamespaceOption & WriteOptions & SignalOption = {}): Promise<T> {
    const { signal, namespace: _ns, ...write } = options;
    return await this.#json<T>({
      verb: "create",
      ...this.#ns(options, object),
      body: object,
      options: write,
    }, signal);
  }

  /**
   * Replaces an object; with `metadata.resourceVersion` set it fails if the object changed.
   *
   * @param object The whole object, with `metadata.name`.
   * @param options Namespace, dry run, field manager and validation, abort signal.
   * @returns The stored object.
   * @throws {KubeApiError} `isConflict` when the resourceVersion is stale.
   */
  async update(object: T, options: NamespaceOption & WriteOptions & SignalOption = {}): Promise<T> {
    return await this.#put(object, options, undefined);
  }

  /**
   * Replaces an object's status; the server ignores the rest of the object.
   *
   * @param object The whole object, with `metadata.name` and the new `status`.
   * @param options Namespace, dry run, field manager and validation, abort signal.
   * @returns The stored object.
   */
  async updateStatus(
    object: T,
    options: NamespaceOption & WriteOptions & SignalOption = {},
  ): Promise<T> {
    return await this.#put(object, options, "status");
  }

  /**
   * Patches an object: merge, strategic merge, JSON patch or server-side apply.
   *
   * @param name The object's name.
   * @param patch The patch and its kind.
   * @param options Namespace, field manager, `force` (apply only), dry run, abort signal.
   * @returns The patched object.
   */
  async patch(
    name: string,
    patch: Patch,
    options: NamespaceOption & PatchOptions & SignalOption = {},
  ): Promise<T> {
    return await this.#patch(name, patch, options, undefined);
  }

  /**
   * Patches an object's status subresource.
   *
   * @param name The object's name.
   * @param patch The patch and its kind.
   * @param options Namespace, field manager, `force` (apply only), dry run, abort signal.
   * @returns The patched object.
   */
  async patchStatus(
    name: string,
    patch: Patch,
    options: NamespaceOption & PatchOptions & SignalOption = {},
  ): Promise<T> {
    return await this.#patch(name, patch, options, "status");
  }

  /**
   * Server-side applies an object: send only the fields this field manager owns.
   *
   * @param object A partial object with `metadata.name`.
   * @param options The field manager, `force`, namespace, dry run and abort signal.
   * @returns The object after the apply.
   * @throws {KubeApiError} `isConflict` when another manager owns a field and `force` is off.
   */
  async apply(object: ApplyConfiguration<T>, options: ApplyOptions): Promise<T> {
    return await this.#apply(object, options, undefined);
  }

  /**
   * Server-side applies an object's status.
   *
   * @param object A partial object with `metadata.name` and the owned `status` fields.
   * @param options The field manager, `force`, namespace, dry run and abort signal.
   * @returns The object after the apply.
   */
  async applyStatus(object: ApplyConfiguration<T>, options: ApplyOptions): Promise<T> {
    return await this.#apply(object, options, "status");
  }

  /**
   * Deletes an object.
   *
   * @param name The object's name.
   * @param options Namespace, propagation policy, preconditions, grace period, dry run.
   * @returns The object (with `deletionTimestamp` while finalizers run) or a `Status`.
   */
  async delete(
    name: string,
    options: NamespaceOption & DeleteOptions & SignalOption = {},
  ): Promise<T | Status> {
    const { signal, namespace: _ns, ...rest } = options;
    return await this.#json<T | Status>({
      verb: "delete",
      ...this.#ns(options),
      name,
      options: rest,
    }, signal);
  }

  async #put(
    object: T,
    options: NamespaceOption & WriteOptions & SignalOption,
    subresource: string | undefined,
  ): Promise<T> {
    const { signal, namespace: _ns, ...write } = options;
    return await this.#json<T>({
      verb: "update",
      ...this.#ns(options, object),
      name: nameOf(object, this.resource.kind),
      ...(subresource ? { subresource } : {}),
      body: object,
      options: write,
    }, signal);
  }

  async #patch(
    name: string,
    patch: Patch,
    options: NamespaceOption & PatchOptions & SignalOption,
    subresource: string | undefined,
  ): Promise<T> {
    const { signal, namespace: _ns, ...rest } = options;
    return await this.#json<T>({
      verb: "patch",
      ...this.#ns(options),
      name,
      ...(subresource ? { subresource } : {}),
      patch,
      options: rest,
    }, signal);
  }

  async #apply(
    object: ApplyConfiguration<T>,
    options: ApplyOptions,
    subresource: string | undefined,
  ): Promise<T> {
    const { signal, namespace, ...rest } = options;
    const name = nameOf(object, this.resource.kind);
    const ns = namespace ?? object.metadata.namespace;
    return await this.#patch(
      name,
      { type: "apply", body: object as unknown as RestJsonValue },
      { ...rest, ...(ns === undefined ? {} : { namespace: ns }), ...signalOf(signal) },
      subresource,
    );
  }

  async #json<R>(operation: ResourceOperation, signal: AbortSignal | undefined): Promise<R> {
    const request = resourceRequest(this.resource, operation);
    return await this.client.performRequest({ ...request, ...abortOf(signal) }) as R;
  }

  #ns(options: NamespaceOption, object?: Partial<KubeObject>): { namespace?: string } {
    if (!this.resource.namespaced) return {};
    const ns = options.namespace ?? object?.metadata?.namespace ?? this.namespace;
    return ns === undefined ? {} : { namespace: ns };
  }

  #listNs(options: { namespace?: string }): { namespace?: string } {
    if (!this.resource.namespaced) return {};
    const ns = options.namespace ?? this.namespace;
    return ns === undefined ? {} : { namespace: ns };
  }
}

function nameOf(object: { metadata?: { name?: string } | undefined }, kind: string): string {
  const name = object.metadata?.name;
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `ResourceClient: the ${kind} needs metadata.name, got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

function abortOf(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}
