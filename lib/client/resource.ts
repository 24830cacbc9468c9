/**
 * Resource descriptors: which API group, version and plural a kind is served at, and
 * whether it lives in namespaces; and the URL paths that follow from them.
 *
 * @module
 */
import type { KubeObject } from "./object.ts";

/**
 * Where a kind is served. The type parameter `T` is the object type the
 * {@linkcode ResourceClient} for it returns.
 *
 * @example cert-manager's CertificateRequest
 * ```ts
 * import { apiVersionOf, type KubeObject, type ResourceDescriptor } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * interface CertificateRequest extends KubeObject {
 *   spec: { request: string; issuerRef: { name: string; kind?: string; group?: string } };
 *   status?: { certificate?: string };
 * }
 * const certificateRequests: ResourceDescriptor<CertificateRequest> = {
 *   group: "cert-manager.io", version: "v1", plural: "certificaterequests",
 *   kind: "CertificateRequest", namespaced: true,
 * };
 * assert.equal(apiVersionOf(certificateRequests), "cert-manager.io/v1");
 * ```
 */
export interface ResourceDescriptor<T extends KubeObject = KubeObject> {
  /** The API group, `""` for the core group. */
  readonly group: string;
  /** The version, such as `v1`. */
  readonly version: string;
  /** The plural resource name used in URLs, such as `certificaterequests`. */
  readonly plural: string;
  /** The kind, such as `CertificateRequest`. */
  readonly kind: string;
  /** Whether objects live in namespaces. */
  readonly namespaced: boolean;
  /** Never set: carries the object type `T` so clients infer it from the descriptor. */
  readonly objectType?: T;
}

/**
 * The `apiVersion` of a resource's objects: `group/version`, or `version` for core.
 *
 * @param resource The descriptor.
 * @returns Such as `cert-manager.io/v1` or `v1`.
 *
 * @example Core and group
 * ```ts
 * import { apiVersionOf } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(apiVersionOf({ group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true }), "v1");
 * assert.equal(apiVersionOf({ group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true }), "coordination.k8s.io/v1");
 * ```
 */
export function apiVersionOf(resource: ResourceDescriptor<KubeObject>): string {
  return resource.group === "" ? resource.version : `${resource.group}/${resource.version}`;
}

/** Which object or collection a path names. */
export interface ResourcePathOptions {
  /** The namespace; omit for cluster-scoped resources or for all namespaces. */
  namespace?: string | undefined;
  /** The object name; omit for the collection. */
  name?: string | undefined;
  /** A subresource such as `status` (needs `name`). */
  subresource?: string | undefined;
}

/**
 * The URL path of a collection, an object or a subresource:
 * `/api/v1/...` for core, `/apis/<group>/<version>/...` otherwise, with
 * `namespaces/<ns>/` for namespaced resources when a namespace is given. Each segment is
 * URL-encoded.
 *
 * @param resource The descriptor.
 * @param options Namespace, name and subresource.
 * @returns The path, without a query.
 * @throws {TypeError} When a segment is empty or contains `/`, a namespace is given for a
 * cluster-scoped resource, or a subresource without a name.
 *
 * @example The status of a CertificateRequest
 * ```ts
 * import { resourcePath } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const crs = { group: "cert-manager.io", version: "v1", plural: "certificaterequests", kind: "CertificateRequest", namespaced: true };
 * assert.equal(
 *   resourcePath(crs, { namespace: "team-a", name: "cr-1", subresource: "status" }),
 *   "/apis/cert-manager.io/v1/namespaces/team-a/certificaterequests/cr-1/status",
 * );
 * ```
 */
export function resourcePath(
  resource: ResourceDescriptor<KubeObject>,
  options: ResourcePathOptions = {},
): string {
  const { namespace, name, subresource } = options;
  const parts = [resource.group === "" ? "/api" : `/apis/${segment("group", resource.group)}`];
  parts.push(segment("version", resource.version));
  if (namespace !== undefined) {
    if (!resource.namespaced) {
      throw new TypeError(
        `resourcePath: ${resource.plural} is cluster-scoped, but namespace ${
          JSON.stringify(namespace)
        } was given`,
      );
    }
    parts.push("namespaces", segment("namespace", namespace));
  }
  parts.push(segment("plural", resource.plural));
  if (name !== undefined) parts.push(segment("name", name));
  if (subresource !== undefined) {
    if (name === undefined) {
      throw new TypeError(
        `resourcePath: subresource ${JSON.stringify(subresource)} needs an object name`,
      );
    }
    parts.push(segment("subresource", subresource));
  }
  return parts.join("/");
}

function segment(what: string, value: string): string {
  if (value === "" || value.includes("/") || value === "." || value === "..") {
    throw new TypeError(
      `resourcePath: ${what} must be a non-empty path segment, got ${JSON.stringify(value)}`,
    );
  }
  return encodeURIComponent(value);
}
