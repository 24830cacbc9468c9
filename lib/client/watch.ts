/**
 * Watch events: the typed values of a watch stream. `ERROR` events become a thrown
 * {@linkcode KubeApiError} (a `410` one answers `isGone`), and an aborted watch ends
 * quietly after releasing its stream.
 *
 * @module
 */
import { isStatus, type Status } from "../core/status.ts";
import { jsonLines } from "./json_lines.ts";
import { KubeApiError } from "./kube_api_error.ts";
import type { KubeObject, ObjectMeta } from "./object.ts";
import type { RestJsonValue } from "./rest_client.ts";

/** A change to an object. */
export interface WatchObjectEvent<T extends KubeObject> {
  /** What happened. */
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** The object after the change (for `DELETED`: its last state). */
  object: T;
}

/** A progress marker: the watch has seen everything up to `resourceVersion`. */
export interface WatchBookmarkEvent {
  /** Always `BOOKMARK`. */
  type: "BOOKMARK";
  /** Only type meta and `metadata.resourceVersion` (and annotations) are meaningful. */
  object: {
    apiVersion?: string;
    kind?: string;
    metadata: ObjectMeta & { resourceVersion: string };
  };
}

/** One event of a watch. */
export type WatchEvent<T extends KubeObject> = WatchObjectEvent<T> | WatchBookmarkEvent;

const OBJECT_TYPES = new Set(["ADDED", "MODIFIED", "DELETED"]);

/**
 * Reads watch events from a stream of decoded JSON values (what
 * `performRequest({ expectStream: true, expectJson: true })` answers). The stream is
 * released when iteration ends for any reason: the server ended it, the caller broke
 * out, `signal` aborted (the iterator then just ends), or an error was thrown.
 *
 * @param values The decoded stream.
 * @param options `signal` stops the watch; `method` and `path` name it in errors.
 * @returns The typed events.
 * @throws {KubeApiError} On an `ERROR` event, carrying its `Status`.
 * @throws {SyntaxError} On a value that is not a watch event.
 *
 * @example A 410 ERROR event
 * ```ts
 * import { isGone, watchEvents } from "@certkit/issuer-lib";
 * import { ok as assert } from "node:assert";
 *
 * const values = ReadableStream.from([{
 *   type: "ERROR",
 *   object: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "Expired", code: 410 },
 * }]);
 * try {
 *   for await (const _ of watchEvents(values)) throw new Error("unexpected event");
 * } catch (e) {
 *   assert(isGone(e));
 * }
 * ```
 */
export async function* watchEvents<T extends KubeObject = KubeObject>(
  values: ReadableStream<RestJsonValue>,
  options: { signal?: AbortSignal; method?: string; path?: string } = {},
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  const { signal } = options;
  const reader = values.getReader();
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  let finished = false;
  try {
    if (signal?.aborted) return;
    for (;;) {
      let chunk: ReadableStreamReadResult<RestJsonValue>;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (signal?.aborted) return;
        throw e;
      }
      if (chunk.done) {
        finished = true;
        return;
      }
      if (signal?.aborted) return;
      yield toEvent<T>(chunk.value, options);
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/**
 * Reads watch events straight from a response body of newline-delimited JSON: values
 * split across chunks and several values per chunk are handled.
 *
 * @param body The response body.
 * @param options `signal` stops the watch; `method` and `path` name it in errors.
 * @returns The typed events.
 *
 * @example Two events in one chunk, a third split across two
 * ```ts
 * import { decodeWatchEvents } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const text = [
 *   '{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}\n{"type":"DEL',
 *   'ETED","object":{"metadata":{"name":"a"}}}\n',
 * ];
 * const body = ReadableStream.from(text.map((t) => new TextEncoder().encode(t)));
 * const types = [];
 * for await (const event of decodeWatchEvents(body)) types.push(event.type);
 * assert.deepEqual(types, ["ADDED", "BOOKMARK", "DELETED"]);
 * ```
 */
export function decodeWatchEvents<T extends KubeObject = KubeObject>(
  body: ReadableStream<Uint8Array>,
  options: { signal?: AbortSignal; method?: string; path?: string } = {},
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  return watchEvents<T>(jsonLines(body), options);
}

function toEvent<T extends KubeObject>(
  value: RestJsonValue,
  where: { method?: string; path?: string },
): WatchEvent<T> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SyntaxError(`watch: expected an event object, got ${describe(value)}`);
  }
  const { type, object } = value;
  if (type === "ERROR") {
    const status: Status = isStatus(object) ? object : {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      code: 500,
      message: `watch ERROR event without a Status: ${describe(object)}`,
    };
    const errorOptions: { method?: string; path?: string } = {};
    if (where.method !== undefined) errorOptions.method = where.method;
    if (where.path !== undefined) errorOptions.path = where.path;
    throw new KubeApiError(status, errorOptions);
  }
  if (typeof object !== "object" || object === null || Array.isArray(object)) {
    throw new SyntaxError(`watch: event ${JSON.stringify(type)} has no object: ${describe(value)}`);
  }
  if (type === "BOOKMARK") return { type, object } as unknown as WatchBookmarkEvent;
  if (typeof type === "string" && OBJECT_TYPES.has(type)) {
    return { type, object } as unknown as WatchObjectEvent<T>;
  }
  throw new SyntaxError(`watch: unknown event type ${describe(type)}`);
}

function describe(value: RestJsonValue): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
