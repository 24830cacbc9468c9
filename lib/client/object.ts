/**
 * The shape every Kubernetes object and list shares: type meta, `metadata` (meta/v1
 * `ObjectMeta`) and, for lists, `ListMeta`.
 *
 * @module
 */

/** A reference from an object to its owner (meta/v1 `OwnerReference`). */
export interface OwnerReference {
  /** The owner's API version. */
  apiVersion: string;
  /** The owner's kind. */
  kind: string;
  /** The owner's name. */
  name: string;
  /** The owner's UID. */
  uid: string;
  /** Whether the owner is the managing controller. */
  controller?: boolean;
  /** Whether the owner cannot be deleted before this object (foreground deletion). */
  blockOwnerDeletion?: boolean;
}

/** meta/v1 `ObjectMeta`. Fields not declared here pass through untouched at run time. */
export interface ObjectMeta {
  /** The name, unique in the namespace. */
  name?: string;
  /** A prefix the server completes into a unique name on create. */
  generateName?: string;
  /** The namespace; absent for cluster-scoped objects. */
  namespace?: string;
  /** The server-assigned unique ID. */
  uid?: string;
  /** The version for optimistic concurrency and for resuming watches. */
  resourceVersion?: string;
  /** The generation of the desired state (bumped on spec changes). */
  generation?: number;
  /** When the object was created (RFC 3339). */
  creationTimestamp?: string;
  /** When deletion was requested (RFC 3339); set while finalizers run. */
  deletionTimestamp?: string;
  /** How long the object has left to go, once deletion was requested. */
  deletionGracePeriodSeconds?: number;
  /** Labels. */
  labels?: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Finalizers that must be removed before the object goes away. */
  finalizers?: string[];
  /** Owners, for garbage collection. */
  ownerReferences?: OwnerReference[];
  /** Server-side apply field ownership. */
  managedFields?: unknown[];
}

/** Any Kubernetes object: type meta and metadata; the rest depends on the kind. */
export interface KubeObject {
  /** `group/version`, or `version` for the core group. */
  apiVersion?: string;
  /** The kind, such as `CertificateRequest`. */
  kind?: string;
  /** The object's metadata. */
  metadata: ObjectMeta;
}

/** meta/v1 `ListMeta`. */
export interface ListMeta {
  /** The resourceVersion the list is consistent at: where a watch starts from. */
  resourceVersion?: string;
  /** A token for the next page, when a `limit` cut the list short. */
  continue?: string;
  /** An estimate of the items left after this page. */
  remainingItemCount?: number;
}

/**
 * A list of objects, as `GET` on a collection answers.
 *
 * @example Reading a list's resourceVersion
 * ```ts
 * import type { KubeList, KubeObject } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const list: KubeList<KubeObject> = { metadata: { resourceVersion: "12" }, items: [] };
 * assert.equal(list.metadata.resourceVersion, "12");
 * ```
 */
export interface KubeList<T extends KubeObject> {
  /** `group/version` of the list. */
  apiVersion?: string;
  /** The list kind, such as `CertificateRequestList`. */
  kind?: string;
  /** List metadata. */
  metadata: ListMeta;
  /** The objects. */
  items: T[];
}
