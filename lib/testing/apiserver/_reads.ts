/**
 * Reads: get and list, with resourceVersion semantics, label and field selectors,
 * consistent pages with continue tokens, and the shape rules of list items.
 *
 * @module
 */
import { cloneJson, type JsonObject } from "../../core/json.ts";
import { badRequest, expired, failure, notFound, StatusError } from "./_errors.ts";
import { type ListOptions, parseResourceVersion } from "./_list_options.ts";
import type { ServedResource } from "./_registry.ts";
import type { ObjectStore, StoreEvent } from "./_store.ts";
import { metadataOf } from "./_strategy.ts";
import type { StoredObject } from "./_types.ts";
import {
  checkFieldLabels,
  fieldsOf,
  parseFieldSelector,
  parseLabelSelector,
} from "./_selectors/mod.ts";

/** Decides whether an object passes a request's namespace and selectors. */
export type ObjectFilter = (obj: StoredObject) => boolean;

/** Builds the filter of a list or watch request. */
export function objectFilter(
  served: ServedResource,
  namespace: string,
  labelSelector: string,
  fieldSelector: string,
): ObjectFilter {
  const labels = parseLabelSelector(labelSelector);
  const fields = parseFieldSelector(fieldSelector);
  checkFieldLabels(fields, served.strategy.fieldLabels, served.strategy.fieldLabelStyle);
  const fieldNames = fields.requirements.map((r) => r.field);
  return (obj) => {
    const meta = metadataOf(obj);
    if (namespace && meta.namespace !== namespace) return false;
    if (!labels.empty && !labels.matches(meta.labels as Record<string, string> | undefined)) {
      return false;
    }
    if (fieldNames.length > 0) {
      const view = served.codec ? served.codec.fromStorage(obj) : obj;
      const values = served.strategy.fieldValues
        ? served.strategy.fieldValues(view, fieldNames)
        : fieldsOf(view, fieldNames);
      if (!fields.matches(values)) return false;
    }
    return true;
  };
}

/** Gives an object the apiVersion and kind of the endpoint it is read through. */
export function asServed(obj: StoredObject, served: ServedResource): JsonObject {
  const { group, version, kind } = served.info;
  const out: JsonObject = { apiVersion: group ? `${group}/${version}` : version, kind };
  const view = served.codec ? served.codec.fromStorage(obj) : obj;
  for (const [k, v] of Object.entries(view)) {
    if (k !== "apiVersion" && k !== "kind") out[k] = cloneJson(v);
  }
  return out;
}

/**
 * The 504 a read or a watch-list answers when asked for a resourceVersion the server
 * has not reached (the real server first waits up to 3 s for it; the fake answers at once).
 *
 * @param requested The resourceVersion asked for.
 * @param current The server's current resourceVersion.
 * @returns The error, with `Retry-After: 1`.
 */
export function tooLargeResourceVersion(requested: number, current: number): StatusError {
  return new StatusError(
    failure(
      504,
      "Timeout",
      `Timeout: Too large resource version: ${requested}, current: ${current}`,
      {
        causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
        retryAfterSeconds: 1,
      },
    ),
    { "retry-after": "1" },
  );
}

/**
 * Reads one object.
 *
 * @param resourceVersion The `resourceVersion` parameter: unset or `"0"` reads the
 *   latest state, `N` a state not older than N (also the latest).
 * @throws StatusError 404 when missing, 500 (no reason, like the real server) for a
 *   malformed resourceVersion, 504 for one the server has not reached.
 */
export function getObject(
  store: ObjectStore,
  served: ServedResource,
  namespace: string,
  name: string,
  resourceVersion?: string,
): JsonObject {
  let requested: number | undefined;
  try {
    requested = parseResourceVersion(resourceVersion);
  } catch (e) {
    throw new StatusError(failure(500, "", (e as Error).message));
  }
  if (requested !== undefined && requested > store.revision) {
    throw tooLargeResourceVersion(requested, store.revision);
  }
  const obj = store.get(served.storeKey, namespace, name);
  if (!obj) throw notFound({ group: served.info.group, resource: served.info.plural }, name);
  return asServed(obj, served);
}

interface Snapshot {
  items: StoredObject[];
  resourceVersion: number;
  offset: number;
  hadSelector: boolean;
}

/** How many list snapshots continue tokens keep; older tokens expire (410). */
const MAX_SNAPSHOTS = 1000;

/**
 * Continue tokens and their snapshots. Like the real server's tokens (which name an etcd
 * revision), a token can be used again until it expires, so a client may retry a page.
 */
export class ContinueTokens {
  #snapshots = new Map<string, Snapshot>();
  #next = 0;

  /** Stores the rest of a list for the next page. */
  issue(snapshot: Snapshot): string {
    const token = btoa(
      JSON.stringify({ v: "meta.k8s.io/v1", rv: snapshot.resourceVersion, n: ++this.#next }),
    );
    this.#snapshots.set(token, snapshot);
    if (this.#snapshots.size > MAX_SNAPSHOTS) {
      const oldest = this.#snapshots.keys().next().value;
      if (oldest !== undefined) this.#snapshots.delete(oldest);
    }
    return token;
  }

  /**
   * Checks that a token is well-formed (the server decodes it before anything else).
   *
   * @throws StatusError 400 `invalid continue token: …`.
   */
  check(token: string): void {
    if (this.#snapshots.has(token)) return;
    try {
      const decoded = JSON.parse(atob(token));
      if (typeof decoded?.rv !== "number") throw new Error("no resourceVersion");
    } catch (e) {
      throw badRequest(`invalid continue token: ${(e as Error).message}`);
    }
  }

  /**
   * The snapshot a token points at.
   *
   * @throws StatusError 400 for a malformed token, 410 Expired for an expired one.
   */
  take(token: string): Snapshot {
    this.check(token);
    const snapshot = this.#snapshots.get(token);
    if (snapshot) return snapshot;
    throw expired(
      "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
    );
  }

  /** Forgets every token, so continuing an old list gets 410 Expired. */
  expireAll(): void {
    this.#snapshots.clear();
  }
}

function rollBack(
  current: StoredObject[],
  events: StoreEvent[],
  keyOf: (o: StoredObject) => string,
) {
  const byKey = new Map(current.map((o) => [keyOf(o), o]));
  for (let i = events.length - 1; i >= 0; i--) {
    const ev = events[i];
    if (!ev) continue;
    const key = keyOf(ev.object);
    if (ev.type === "ADDED") byKey.delete(key);
    else if (ev.previous) byKey.set(key, ev.previous);
  }
  return [...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((
    [, o],
  ) => o);
}

/** Lists objects as the real server does. */
export function listObjects(
  store: ObjectStore,
  tokens: ContinueTokens,
  served: ServedResource,
  namespace: string,
  options: ListOptions,
): JsonObject {
  const filter = objectFilter(served, namespace, options.labelSelector, options.fieldSelector);
  const hasSelector = options.labelSelector !== "" || options.fieldSelector !== "";
  let items: StoredObject[];
  let rv: number;
  let offset = 0;
  if (options.continueToken) {
    tokens.check(options.continueToken);
    if (options.resourceVersion && options.resourceVersion !== "0") {
      throw badRequest("specifying resource version is not allowed when using continue");
    }
    const snapshot = tokens.take(options.continueToken);
    items = snapshot.items;
    rv = snapshot.resourceVersion;
    offset = snapshot.offset;
  } else {
    let requested: number | undefined;
    try {
      requested = parseResourceVersion(options.resourceVersion);
    } catch (e) {
      throw badRequest(`invalid resource version: ${(e as Error).message}`);
    }
    const match = options.resourceVersionMatch || undefined;
    // resourceVersion=N with a limit and no resourceVersionMatch is the legacy "exact".
    const exact = match === "Exact" ||
      (match === undefined && options.limit !== undefined && options.limit > 0);
    rv = store.revision;
    if (requested !== undefined) {
      if (requested > store.revision) throw tooLargeResourceVersion(requested, store.revision);
      if (exact && requested !== store.revision) {
        const events = store.bucket(served.storeKey).since(requested);
        if (!events) throw expired("The resourceVersion for the provided list is too old.");
        items = rollBack(store.list(served.storeKey), events, (o) => {
          const m = metadataOf(o);
          return `${String(m.namespace ?? "")}/${String(m.name ?? "")}`;
        }).filter(filter);
        rv = requested;
      }
    }
    items ??= store.list(
      served.storeKey,
      served.info.namespaced && namespace ? namespace : undefined,
    ).filter(filter);
  }
  const unpaged = options.resourceVersion === "0" && !options.continueToken;
  const limit = !unpaged && options.limit && options.limit > 0 ? options.limit : undefined;
  const page = limit === undefined ? items.slice(offset) : items.slice(offset, offset + limit);
  const listMeta: JsonObject = { resourceVersion: String(rv) };
  const rest = items.length - offset - page.length;
  if (limit !== undefined && rest > 0) {
    listMeta.continue = tokens.issue({
      items,
      resourceVersion: rv,
      offset: offset + page.length,
      hadSelector: hasSelector,
    });
    if (!hasSelector) listMeta.remainingItemCount = rest;
  }
  const { group, version, listKind } = served.info;
  return {
    kind: listKind,
    apiVersion: group ? `${group}/${version}` : version,
    metadata: listMeta,
    items: page.map((o) => {
      const out = asServed(o, served);
      if (!served.info.custom) {
        delete out.apiVersion;
        delete out.kind;
      }
      return out;
    }),
  };
}
