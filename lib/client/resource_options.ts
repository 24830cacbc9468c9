/**
 * The options of resource operations (list, watch, writes, patches, deletes) and the
 * patch kinds with their content types.
 *
 * @module
 */
import type { KubeObject, ObjectMeta } from "./object.ts";
import type { RestJsonValue } from "./rest_client.ts";

/** Options of a list. */
export interface ListOptions {
  /** The namespace; omit for all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  /** A label selector such as `app=issuer,tier!=db`. */
  labelSelector?: string;
  /** A field selector such as `metadata.name=cr-1`. */
  fieldSelector?: string;
  /** The page size. */
  limit?: number;
  /** The continue token of the previous page. */
  continue?: string;
  /** `0` (any, from the cache) or a version to be at least as new as. */
  resourceVersion?: string;
  /** How `resourceVersion` is read. */
  resourceVersionMatch?: "Exact" | "NotOlderThan";
}

/** Options of a watch. */
export interface WatchOptions {
  /** The namespace; omit for all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  /** A label selector. */
  labelSelector?: string;
  /** A field selector. */
  fieldSelector?: string;
  /** Where to resume from: the list's or the last event's resourceVersion. */
  resourceVersion?: string;
  /** Ask for BOOKMARK events (default `true`). */
  allowWatchBookmarks?: boolean;
  /** Ask the server to end the watch after this many seconds. */
  timeoutSeconds?: number;
  /** Ask for the current objects as ADDED events first, then a bookmark (streaming list). */
  sendInitialEvents?: boolean;
}

/** Options of create, update and patch. */
export interface WriteOptions {
  /** Validate and answer without persisting (`dryRun=All`). */
  dryRun?: boolean;
  /** Who owns the written fields (required for server-side apply). */
  fieldManager?: string;
  /** What the server does with unknown or duplicate fields. */
  fieldValidation?: "Ignore" | "Warn" | "Strict";
}

/** Options of a patch: those of a write, and `force` for server-side apply. */
export interface PatchOptions extends WriteOptions {
  /** Take ownership of conflicting fields (server-side apply only). */
  force?: boolean;
}

/** Options of a delete. */
export interface DeleteOptions {
  /** Validate without deleting (`dryRun=All`). */
  dryRun?: boolean;
  /** What happens to dependents. */
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  /** Seconds before the object is deleted (0: at once). */
  gracePeriodSeconds?: number;
  /** Delete only if the object still has this UID and/or resourceVersion. */
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** One JSON patch (RFC 6902) operation. */
export type JsonPatchOperation =
  | { op: "add" | "replace" | "test"; path: string; value: RestJsonValue }
  | { op: "remove"; path: string }
  | { op: "move" | "copy"; from: string; path: string };

/** A patch body and its kind. */
export type Patch =
  | { type: "merge"; body: RestJsonValue }
  | { type: "strategic"; body: RestJsonValue }
  | { type: "json"; operations: JsonPatchOperation[] }
  | { type: "apply"; body: RestJsonValue };

/**
 * The content type each patch kind is sent with.
 *
 * @example The content type of server-side apply
 * ```ts
 * import { PATCH_CONTENT_TYPES } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(PATCH_CONTENT_TYPES.apply, "application/apply-patch+yaml");
 * ```
 */
export const PATCH_CONTENT_TYPES: Readonly<Record<Patch["type"], string>> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

/** Which namespace a single-object call is about. */
export interface NamespaceOption {
  /** The namespace; defaults to the object's, then the client's. */
  namespace?: string;
}

/** Options of a call that can be cancelled. */
export interface SignalOption {
  /** Cancels the request. */
  signal?: AbortSignal;
}

/** A partial object to apply: the fields its field manager owns, and a name. */
export type ApplyConfiguration<T extends KubeObject> = Partial<T> & {
  metadata: ObjectMeta & { name: string };
};

/** Options of a server-side apply. */
export interface ApplyOptions extends NamespaceOption, SignalOption {
  /** Who owns the applied fields. */
  fieldManager: string;
  /** Take ownership of fields another manager owns instead of failing with a conflict. */
  force?: boolean;
  /** Validate and answer without persisting. */
  dryRun?: boolean;
}
