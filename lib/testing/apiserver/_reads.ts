/**
 * Reads: get and list, with resourceVersion semantics, label and field selectors,
 * consistent pages with continue tokens, and the shape rules of list items.
 *
 * @module
 */
import { cloneJson, type JsonObject } from "../../core/json.ts";
import { badRequest, expired, failure, notFound, StatusError } from "./_errors.ts";
import type { ListOptions } from "./_list_options.ts";
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
    if (fieldNames.length > 0 && !fields.matches(fieldsOf(obj, fieldNames))) return false;
    return true;
  };
}

/** Gives an object the apiVersion and kind of the endpoint it is read through. */
export function asServed(obj: StoredObject, served: ServedResource): JsonObject {
  const { group, version, kind } = served.info;
  const out: JsonObject = { apiVersion: group ? `${group}/${version}` : version, kind };
  for (const [k, v] of Object.entries(obj)) {
    if (k !== "apiVersion" && k !== "kind") out[k] = cloneJson(v);
  }
  return out;
}

/** Reads one object. */
export function getObject(
  store: ObjectStore,
  served: ServedResource,
  namespace: string,
  name: string,
): JsonObject {
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

/** Continue tokens and their snapshots. */
export class ContinueTokens {
  #snapshots = new Map<string, Snapshot>();
  #next = 0;

  /** Stores the rest of a list for the next page. */
  issue(snapshot: Snapshot): string {
    const token = btoa(
      JSON.stringify({ v: "meta.k8s.io/v1", rv: snapshot.resourceVersion, n: ++this.#next }),
    );
    this.#snapshots.set(token, snapshot);
    return token;
  }

  /** Takes the snapshot a token points at. */
  take(token: string): Snapshot {
    const snapshot = this.#snapshots.get(token);
    if (snapshot) {
      this.#snapshots.delete(token);
      return snapshot;
    }
    try {
      const decoded = JSON.parse(atob(token));
      if (typeof decoded?.rv !== "number") throw new Error("no resourceVersion");
    } catch (e) {
      throw badRequest(`invalid continue token: ${(e as Error).message}`);
    }
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
    if (options.resourceVersion && options.resourceVersion !== "0") {
      throw badRequest("specifying resource version is not allowed when using continue");
    }
    const snapshot = tokens.take(options.continueToken);
    items = snapshot.items;
    rv = snapshot.resourceVersion;
    offset = snapshot.offset;
  } else {
    const requested = options.resourceVersion;
    const exact = options.resourceVersionMatch === "Exact" ||
      (requested !== undefined && requested !== "0" && options.limit !== undefined &&
        options.limit > 0 &&
        options.resourceVersionMatch === undefined);
    rv = store.revision;
    if (requested !== undefined && requested !== "" && requested !== "0") {
      const n = Number(requested);
      if (!Number.isInteger(n) || n < 0) {
        throw badRequest(`invalid resource version: ${JSON.stringify(requested)}`);
      }
      if (n > store.revision) {
        throw new StatusError(
          failure(
            504,
            "Timeout",
            `Timeout: Too large resource version: ${n}, current: ${store.revision}`,
            {
              causes: [{
                reason: "ResourceVersionTooLarge",
                message: "Too large resource version",
              }],
              retryAfterSeconds: 1,
            },
          ),
          { "retry-after": "1" },
        );
      }
      if (exact && n !== store.revision) {
        const events = store.bucket(served.storeKey).since(n);
        if (!events) throw expired("The resourceVersion for the provided list is too old.");
        items = rollBack(store.list(served.storeKey), events, (o) => {
          const m = metadataOf(o);
          return `${String(m.namespace ?? "")}/${String(m.name ?? "")}`;
        }).filter(filter);
        rv = n;
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
