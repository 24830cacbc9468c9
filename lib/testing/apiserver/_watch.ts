/**
 * Watches: a chunked JSON stream of events, started from a resourceVersion (replayed
 * from the bounded history, or 410 as an ERROR event once compacted), from the current
 * state (synthetic ADDED and the initial-events-end bookmark), filtered by namespace
 * and selectors, ended by timeout, by the client, or by a test cutting it.
 *
 * @module
 */
import type { Clock } from "../../core/clock.ts";
import type { JsonObject } from "../../core/json.ts";
import { failure, StatusError } from "./_errors.ts";
import { type ListOptions, parseResourceVersion } from "./_list_options.ts";
import { asServed, type ObjectFilter, tooLargeResourceVersion } from "./_reads.ts";
import type { ServedResource } from "./_registry.ts";
import type { ObjectStore, StoreEvent, StoreListener } from "./_store.ts";
import { metadataOf } from "./_strategy.ts";

/** An open watch, as the server tracks it. */
export interface OpenWatch {
  /** The resource watched. */
  readonly served: ServedResource;
  /** The namespace watched, `""` for all. */
  readonly namespace: string;
  /** Whether the client asked for bookmarks. */
  readonly bookmarks: boolean;
  /** Sends a bookmark at the current resourceVersion (when bookmarks were asked for). */
  bookmark(): void;
  /** Ends the stream cleanly, as a server restart or a load balancer would. */
  cut(): void;
}

/** How many queued events make a watcher "too slow" and get it closed. */
const MAX_QUEUED_EVENTS = 100_000;

/** Everything {@linkcode openWatch} needs. */
export interface WatchRequest {
  store: ObjectStore;
  served: ServedResource;
  namespace: string;
  options: ListOptions;
  filter: ObjectFilter;
  clock: Clock;
  signal: AbortSignal;
  random: () => number;
  registry: Set<OpenWatch>;
}

/**
 * Opens a watch and returns the streaming body. The initial state and the listener
 * are taken in one synchronous step, so no change falls between them.
 *
 * @throws StatusError 500 (no reason, like the real server) for a malformed
 *   resourceVersion; every later problem is an ERROR event in the stream.
 */
export function openWatch(req: WatchRequest): ReadableStream<Uint8Array> {
  const { store, served, options, filter, clock } = req;
  let requested: number | undefined;
  try {
    requested = parseResourceVersion(options.resourceVersion);
  } catch (e) {
    throw new StatusError(failure(500, "", (e as Error).message));
  }
  // Events at or below the starting resourceVersion are never sent (a watch from a
  // resourceVersion the server has not reached yet waits for it).
  let after = requested ?? 0;
  const encoder = new TextEncoder();
  const bucket = store.bucket(served.storeKey);
  const stop = new AbortController();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;

  const send = (type: string, object: JsonObject) => {
    if (closed) return;
    controller.enqueue(encoder.encode(JSON.stringify({ type, object }) + "\n"));
    if ((controller.desiredSize ?? 0) < -MAX_QUEUED_EVENTS) close();
  };
  const bookmarkObject = (rv: number, initialEnd: boolean): JsonObject => {
    const { group, version, kind } = served.info;
    const metadata: JsonObject = { resourceVersion: String(rv) };
    if (initialEnd) metadata.annotations = { "k8s.io/initial-events-end": "true" };
    return { kind, apiVersion: group ? `${group}/${version}` : version, metadata };
  };
  const withRv = (obj: JsonObject, rv: number): JsonObject => {
    const out = asServed(obj, served);
    metadataOf(out).resourceVersion = String(rv);
    return out;
  };
  const deliver = (ev: StoreEvent) => {
    if (ev.rv <= after) return;
    const now = ev.type !== "DELETED" && filter(ev.object);
    const before = ev.type === "ADDED"
      ? false
      : ev.type === "DELETED"
      ? filter(ev.object)
      : ev.previous
      ? filter(ev.previous)
      : false;
    if (ev.type === "DELETED") {
      if (before) send("DELETED", withRv(ev.object, ev.rv));
    } else if (now && before) send("MODIFIED", asServed(ev.object, served));
    else if (now) send("ADDED", asServed(ev.object, served));
    else if (before && ev.previous) send("DELETED", withRv(ev.previous, ev.rv));
  };
  const listener: StoreListener = { onChange: deliver };

  const close = () => {
    if (closed) return;
    closed = true;
    bucket.listeners.delete(listener);
    req.registry.delete(handle);
    stop.abort();
    try {
      controller.close();
    } catch {
      // already closed or cancelled by the client
    }
  };

  const handle: OpenWatch = {
    served,
    namespace: req.namespace,
    bookmarks: options.allowWatchBookmarks,
    bookmark: () => {
      if (options.allowWatchBookmarks) send("BOOKMARK", bookmarkObject(store.revision, false));
    },
    cut: close,
  };

  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      const sendError = (status: JsonObject) => {
        send("ERROR", status);
        closed = true;
        c.close();
      };
      if (requested === undefined || options.sendInitialEvents === true) {
        if (requested !== undefined && requested > store.revision) {
          // A watch-list asked for a state the server has not reached.
          sendError(
            tooLargeResourceVersion(requested, store.revision).status as unknown as JsonObject,
          );
          return;
        }
        after = store.revision;
        if (options.sendInitialEvents ?? true) {
          const ns = served.info.namespaced && req.namespace ? req.namespace : undefined;
          for (const obj of store.list(served.storeKey, ns)) {
            if (filter(obj)) send("ADDED", asServed(obj, served));
          }
          if (options.allowWatchBookmarks) send("BOOKMARK", bookmarkObject(store.revision, true));
        }
      } else {
        const events = bucket.since(requested);
        if (!events) {
          // The number is the oldest resourceVersion a watch may still start from.
          sendError(
            failure(
              410,
              "Expired",
              `too old resource version: ${requested} (${bucket.compactedRevision})`,
            ) as unknown as JsonObject,
          );
          return;
        }
        for (const ev of events) deliver(ev);
      }
      bucket.listeners.add(listener);
      req.registry.add(handle);
      req.signal.addEventListener("abort", close, { once: true });
      // timeoutSeconds unset or 0: the server's default, a random 30–60 minutes.
      const timeout = options.timeoutSeconds ? options.timeoutSeconds : 1800 * (1 + req.random());
      if (timeout < 0) {
        close();
        return;
      }
      clock.sleep(timeout * 1000, stop.signal).then(close, () => {});
    },
    cancel() {
      close();
    },
  });
}
