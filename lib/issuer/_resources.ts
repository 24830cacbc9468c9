/**
 * Where the reconcilers' objects are served: the two request kinds, SubjectAccessReviews,
 * and an issuer type as a resource; and the cache key of an issuer.
 *
 * @module
 */

import type { KubeObject } from "../client/object.ts";
import type { ResourceDescriptor } from "../client/resource.ts";
import type { IssuerObject, IssuerType } from "./issuer_type.ts";
import type { IssuerKey } from "./matching.ts";
import type {
  CertificateRequestObject,
  CertificateSigningRequestObject,
  RequestKind,
} from "./request.ts";

/** cert-manager's CertificateRequests. */
export const CERTIFICATE_REQUESTS: ResourceDescriptor<CertificateRequestObject> = Object.freeze({
  group: "cert-manager.io",
  version: "v1",
  plural: "certificaterequests",
  kind: "CertificateRequest",
  namespaced: true,
});

/** Kubernetes CertificateSigningRequests. */
export const CERTIFICATE_SIGNING_REQUESTS: ResourceDescriptor<CertificateSigningRequestObject> =
  Object.freeze({
    group: "certificates.k8s.io",
    version: "v1",
    plural: "certificatesigningrequests",
    kind: "CertificateSigningRequest",
    namespaced: false,
  });

/** A SubjectAccessReview, as created and answered. */
export interface SubjectAccessReview extends KubeObject {
  /** What is asked. */
  spec?: Record<string, unknown>;
  /** The answer. */
  status?: { allowed?: boolean; denied?: boolean; reason?: string };
}

/** authorization.k8s.io/v1 SubjectAccessReviews. */
export const SUBJECT_ACCESS_REVIEWS: ResourceDescriptor<SubjectAccessReview> = Object.freeze({
  group: "authorization.k8s.io",
  version: "v1",
  plural: "subjectaccessreviews",
  kind: "SubjectAccessReview",
  namespaced: false,
});

/** The resource of a request kind. */
export function requestResource(kind: RequestKind): ResourceDescriptor<KubeObject> {
  return kind === "CertificateRequest" ? CERTIFICATE_REQUESTS : CERTIFICATE_SIGNING_REQUESTS;
}

/** An issuer type as a resource. */
export function issuerResource(type: IssuerType): ResourceDescriptor<IssuerObject> {
  return {
    group: type.group,
    version: type.version,
    plural: type.plural,
    kind: type.kind,
    namespaced: type.namespaced,
  };
}

/** The cache key of an issuer: `namespace/name`, or `name` for a cluster issuer. */
export function issuerCacheKey(key: IssuerKey): string {
  return key.namespace === "" ? key.name : `${key.namespace}/${key.name}`;
}

/** The issuer key of a cache key. */
export function issuerKeyOf(cacheKey: string): IssuerKey {
  const slash = cacheKey.indexOf("/");
  return slash < 0
    ? { namespace: "", name: cacheKey }
    : { namespace: cacheKey.slice(0, slash), name: cacheKey.slice(slash + 1) };
}

/** `controller` names: `<plural>.<group>`, as in `certificaterequests.cert-manager.io`. */
export function controllerName(resource: { plural: string; group: string }): string {
  return `${resource.plural}.${resource.group}`;
}
