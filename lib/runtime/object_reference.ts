/**
 * core/v1 `ObjectReference`: how an Event points at the object it is about, and how to
 * build one from an object (client-go's `reference.GetReference`).
 *
 * @module
 */
import type { KubeObject } from "../client/object.ts";
import { apiVersionOf, type ResourceDescriptor } from "../client/resource.ts";

/**
 * core/v1 `ObjectReference`.
 *
 * @example A reference to a Secret
 * ```ts
 * import type { ObjectReference } from "@certkit/issuer-lib";
 *
 * const ca: ObjectReference = { apiVersion: "v1", kind: "Secret", namespace: "issuers", name: "ca" };
 * console.log(ca.name);
 * ```
 */
export interface ObjectReference {
  /** The object's `apiVersion`, such as `cert-manager.io/v1`. */
  apiVersion?: string;
  /** The object's kind, such as `CertificateRequest`. */
  kind?: string;
  /** The object's namespace; absent for cluster-scoped objects. */
  namespace?: string;
  /** The object's name. */
  name: string;
  /** The object's UID. */
  uid?: string;
  /** The object's resourceVersion when the reference was made. */
  resourceVersion?: string;
  /** A field within the object, such as `spec.containers{app}`. */
  fieldPath?: string;
}

const FIELDS = [
  "apiVersion",
  "kind",
  "namespace",
  "name",
  "uid",
  "resourceVersion",
  "fieldPath",
] as const;

/**
 * Builds the reference to an object, as client-go's `reference.GetReference` does:
 * type meta from the object (or from `resource` when the object lacks it, as list items
 * of built-in types do), and namespace, name, UID and resourceVersion from its metadata.
 * A reference passes through with its empty fields dropped.
 *
 * @param object An object, or a reference.
 * @param resource Where the object's kind is served, to fill a missing `apiVersion`/`kind`.
 * @returns The reference.
 * @throws {TypeError} When the object has no name.
 *
 * @example A reference to a CertificateRequest
 * ```ts
 * import { objectReference } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const cr = {
 *   apiVersion: "cert-manager.io/v1", kind: "CertificateRequest",
 *   metadata: { name: "cr-1", namespace: "team-a", uid: "1234", resourceVersion: "7" },
 * };
 * assert.deepEqual(objectReference(cr), {
 *   apiVersion: "cert-manager.io/v1", kind: "CertificateRequest",
 *   namespace: "team-a", name: "cr-1", uid: "1234", resourceVersion: "7",
 * });
 * ```
 */
export function objectReference(
  object: KubeObject | ObjectReference,
  resource?: ResourceDescriptor<KubeObject>,
): ObjectReference {
  const source: Partial<Record<(typeof FIELDS)[number], unknown>> = "metadata" in object
    ? {
      apiVersion: object.apiVersion ?? (resource ? apiVersionOf(resource) : undefined),
      kind: object.kind ?? resource?.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
    }
    : object;
  const name = source.name;
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `objectReference: the object needs a name, got ${JSON.stringify(name)}`,
    );
  }
  const reference: ObjectReference = { name };
  for (const field of FIELDS) {
    const value = source[field];
    if (typeof value === "string" && value !== "") reference[field] = value;
  }
  return reference;
}
