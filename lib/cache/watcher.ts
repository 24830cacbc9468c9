/**
 * The watcher: an async iterable of the changes to one resource. It lists (every page,
 * one consistent resourceVersion), then watches from there with bookmarks; it resumes
 * from the last resourceVersion it saw when a watch ends, lists again on `410 Gone`, and
 * backs off with jitter on every other failure. It keeps no state besides that
 * resourceVersion: what to do with the events is the {@linkcode Store}'s business.
 *
 * @module
 */
import { type Clock, systemClock } from "../core/clock.ts";
import { isGone } from "../client/kube_api_error.ts";
import type { KubeObject } from "../client/object.ts";
import type { ResourceClient } from "../client/resource_client.ts";
import { describeScope } from "./_describe.ts";
import {
  nextWatchBackoff,
  type WatchBackoffOptions,
  type WatchBackoffState,
} from "./watch_backoff.ts";

/** The watcher listed: `objects` is the whole collection at `resourceVersion`. */
export interface WatcherRestartedEvent<T extends KubeObject> {
  /** Always `restarted`. */
  readonly type: "restarted";
  /** Every object, replacing whatever the consumer knew. */
  readonly objects: T[];
  /** The list's resourceVersion. */
  readonly resourceVersion: string;
}

/** An object was created or changed. */
export interface WatcherAppliedEvent<T extends KubeObject> {
  /** Always `applied`. */
  readonly type: "applied";
  /** The object now. */
  readonly object: T;
}

/** An object was deleted (or stopped matching the selectors). */
export interface WatcherDeletedEvent<T extends KubeObject> {
  /** Always `deleted`. */
  readonly type: "deleted";
  /** The object's last state. */
  readonly object: T;
}

/** The server has sent everything up to `resourceVersion`. */
export interface WatcherBookmarkEvent {
  /** Always `bookmark`. */
  readonly type: "bookmark";
  /** Where a resumed watch would start. */
  readonly resourceVersion: string;
}

/** One event of {@linkcode watcher}. */
export type WatcherEvent<T extends KubeObject> =
  | WatcherRestartedEvent<T>
  | WatcherAppliedEvent<T>
  | WatcherDeletedEvent<T>
  | WatcherBookmarkEvent;

/** Which objects a watcher (or store, or informer) covers. */
export interface WatchScope {
  /** Only this namespace; omit for all namespaces (or the client's default namespace). */
  namespace?: string;
  /** A label selector such as `app=issuer`. */
  labelSelector?: string;
  /** A field selector such as `metadata.name=cr-1`. */
  fieldSelector?: string;
}

/** Options of {@linkcode watcher}. */
export interface WatcherOptions extends WatchScope {
  /** Stops the watcher: iteration then ends, with the open request released. */
  signal?: AbortSignal;
  /** The clock for backoff delays (default: the real clock). */
  clock?: Clock;
  /** Random numbers in `[0, 1)` for jitter and watch timeouts (default `Math.random`). */
  random?: () => number;
  /** The backoff schedule (default client-go's: 800 ms doubling to 30 s). */
  backoff?: WatchBackoffOptions;
  /** The page size of lists (default 500). */
  pageSize?: number;
  /** Hears every failure the watcher recovers from, and how long it waits before trying again. */
  onError?: (error: unknown, retryInMs: number) => void;
}

/** A watch that ends sooner than this without any event counts as a failure (client-go's "very short watch"). */
const SHORT_WATCH_MS = 1_000;
/** Watches ask the server to end them after 5 to 10 minutes, chosen at random (client-go). */
const MIN_WATCH_TIMEOUT_SECONDS = 300;

/**
 * Watches one resource and yields its changes. The first event is always `restarted`
 * with the full list; then `applied`, `deleted` and `bookmark` events follow, and another
 * `restarted` whenever the watcher had to list again (after `410 Gone`). A consumer that
 * replaces its state on `restarted` and applies the rest never misses a change.
 *
 * Requests: a list with `limit` (following `continue` to the end); watches with
 * `resourceVersion` (the list's, then the last event's or bookmark's),
 * `allowWatchBookmarks=true` and a `timeoutSeconds` between 300 and 600. A watch the
 * server ends is resumed at once; one that ended within a second without any event, and
 * every failed request except `410`, waits {@linkcode nextWatchBackoff} first.
 *
 * The watcher never throws: failures go to `onError`. It ends when `signal` aborts or the
 * consumer stops iterating (`break`, `return()`, `await using`), in both cases after the
 * open request is released.
 *
 * @param client The typed client of the resource.
 * @param options The scope, the stop signal, the clock and the backoff.
 * @returns The events.
 *
 * @example Listing, then hearing about a new ConfigMap
 * ```ts
 * import { KubeClient, type KubeObject, ResourceClient, watcher } from "@certkit/issuer-lib";
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
 * const stop = new AbortController();
 * const seen: string[] = [];
 * for await (const event of watcher(configMaps, { namespace: "default", signal: stop.signal })) {
 *   if (event.type === "restarted") {
 *     seen.push(`list: ${event.objects.map((o) => o.metadata.name).join(",")}`);
 *     await server.load({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", namespace: "default" } });
 *   } else if (event.type === "applied") {
 *     seen.push(`applied: ${event.object.metadata.name}`);
 *     stop.abort();
 *   }
 * }
 * assert.deepEqual(seen, ["list: a", "applied: b"]);
 * ```
 */
export async function* watcher<T extends KubeObject>(
  client: ResourceClient<T>,
  options: WatcherOptions = {},
): AsyncGenerator<WatcherEvent<T>, void, undefined> {
  const { signal } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const pageSize = options.pageSize ?? 500;
  if (!(Number.isInteger(pageSize) && pageSize > 0)) {
    throw new RangeError(`watcher: pageSize must be a positive integer, got ${pageSize}`);
  }
  const scope = scopeOf(options);
  const what = describeScope(client.resource, {
    ...options,
    namespace: options.namespace ?? client.namespace,
  });
  let resourceVersion: string | undefined;
  let backoff: WatchBackoffState | undefined;
  // Whether a watch event arrived since the last list: a 410 with none is a failure.
  let progressed = false;

  while (!signal?.aborted) {
    let failure: unknown;
    try {
      if (resourceVersion === undefined) {
        progressed = false;
        const list = await client.list({ ...scope, limit: pageSize, ...signalOf(signal) });
        const listed = list.metadata.resourceVersion;
        if (!listed) {
          throw new Error(`watcher: the list of ${what} answered no metadata.resourceVersion`);
        }
        resourceVersion = listed;
        yield { type: "restarted", objects: list.items, resourceVersion: listed };
        if (signal?.aborted) return;
      }
      const startedAt = clock.now();
      let received = false;
      const events = client.watch({
        ...scope,
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.floor(MIN_WATCH_TIMEOUT_SECONDS * (1 + random())),
        ...signalOf(signal),
      });
      for await (const event of events) {
        received = progressed = true;
        if (event.type === "BOOKMARK") {
          resourceVersion = event.object.metadata.resourceVersion;
          yield { type: "bookmark", resourceVersion };
          continue;
        }
        resourceVersion = event.object.metadata.resourceVersion || resourceVersion;
        yield event.type === "DELETED"
          ? { type: "deleted", object: event.object }
          : { type: "applied", object: event.object };
      }
      if (signal?.aborted) return;
      const lasted = clock.now() - startedAt;
      if (!received && lasted < SHORT_WATCH_MS) {
        failure = new Error(
          `watcher: the watch of ${what} from resourceVersion ${resourceVersion} ended after ${lasted} ms without any event`,
        );
      }
    } catch (e) {
      if (signal?.aborted) return;
      if (isGone(e)) {
        resourceVersion = undefined;
        if (progressed) continue;
      }
      failure = e;
    }
    if (failure === undefined) continue;
    const step = nextWatchBackoff(backoff, clock.now(), random(), options.backoff);
    backoff = step.state;
    options.onError?.(failure, step.delayMs);
    try {
      await clock.sleep(step.delayMs, signal);
    } catch {
      return;
    }
  }
}

function scopeOf(options: WatchScope): WatchScope {
  const scope: WatchScope = {};
  if (options.namespace !== undefined) scope.namespace = options.namespace;
  if (options.labelSelector !== undefined) scope.labelSelector = options.labelSelector;
  if (options.fieldSelector !== undefined) scope.fieldSelector = options.fieldSelector;
  return scope;
}

function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}
