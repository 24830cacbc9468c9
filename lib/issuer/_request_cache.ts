/**
 * Bounded memory for the request caches: the transform of the CertificateRequest and
 * CertificateSigningRequest informers drops `metadata.managedFields` from every request
 * and, from a request in a final state, its bulky fields — `spec.request` (the CSR),
 * `status.certificate` and `status.ca` — which the library never reads again.
 *
 * The reconcile still decides on the trimmed object: {@linkcode decisionView} puts a
 * short placeholder where a field was dropped, so "has a certificate" stays true. When a
 * decision goes past the gates (which a final request never does), the reconciler reads
 * the full object from the API instead of deciding on placeholders.
 *
 * @module
 */

import type { KubeObject } from "../client/object.ts";
import type { CacheTransform } from "../cache/transform.ts";
import { dropManagedFields } from "../cache/transform.ts";
import { findCondition, hasCondition } from "./conditions.ts";
import type {
  CertificateRequestObject,
  CertificateSigningRequestObject,
  RequestKind,
  SigningRequest,
} from "./request.ts";

/** What a dropped field holds in a {@linkcode decisionView}. */
export const DROPPED_PLACEHOLDER = "(dropped from the cache)";

/** The fields the transform may drop, as paths. */
export type DroppedField = "spec.request" | "status.certificate" | "status.ca";

const dropped = new WeakMap<object, readonly DroppedField[]>();

interface RequestShape extends KubeObject {
  spec?: { request?: string; [field: string]: unknown };
  status?: {
    conditions?: { type: string; status: string; reason?: string }[];
    certificate?: string;
    ca?: string;
    [field: string]: unknown;
  };
}

/**
 * Tells whether a request is in a final state, where the library never signs it again:
 * a CertificateRequest with `Ready` `True`, or `False` for `Failed` or `Denied`; a
 * Kubernetes CSR with a certificate, or a `Failed` or `Denied` condition.
 *
 * @param kind The request kind.
 * @param object The request.
 * @returns `true` when the request is final.
 */
export function isFinalRequest(kind: RequestKind, object: KubeObject): boolean {
  const status = (object as RequestShape).status;
  const conditions = status?.conditions ?? [];
  if (kind === "CertificateRequest") {
    return hasCondition(conditions, "Ready", "True") ||
      hasCondition(conditions, "Ready", "False", "Failed") ||
      hasCondition(conditions, "Ready", "False", "Denied");
  }
  return (status?.certificate ?? "") !== "" || findCondition(conditions, "Failed") !== undefined ||
    findCondition(conditions, "Denied") !== undefined;
}

/**
 * The cache transform of a request kind: drops `managedFields` always, and the bulky
 * fields of a final request.
 *
 * @param kind The request kind.
 * @returns The transform (the argument is not changed).
 */
function requestTransform<T extends KubeObject>(kind: RequestKind): CacheTransform<T> {
  return (object) => {
    const slim = dropManagedFields(object);
    if (!isFinalRequest(kind, slim)) return slim;
    const source = slim as RequestShape;
    const fields: DroppedField[] = [];
    let spec = source.spec;
    if (spec?.request !== undefined) {
      const { request: _csr, ...rest } = spec;
      spec = rest;
      fields.push("spec.request");
    }
    let status = source.status;
    for (const field of ["certificate", "ca"] as const) {
      if (status?.[field] !== undefined) {
        const { [field]: _bulk, ...rest } = status;
        status = rest;
        fields.push(`status.${field}`);
      }
    }
    if (fields.length === 0) return slim;
    const trimmed = { ...slim, ...(spec ? { spec } : {}), ...(status ? { status } : {}) } as T;
    dropped.set(trimmed, fields);
    return trimmed;
  };
}

/** The transform of the CertificateRequest informer. */
export const certificateRequestTransform: CacheTransform<CertificateRequestObject> =
  requestTransform("CertificateRequest");

/** The transform of the CertificateSigningRequest informer. */
export const certificateSigningRequestTransform: CacheTransform<CertificateSigningRequestObject> =
  requestTransform("CertificateSigningRequest");

/**
 * The fields the transform dropped from a cached object.
 *
 * @param object A cached object.
 * @returns The dropped fields, or `undefined` when nothing was dropped.
 */
export function droppedFields(object: object): readonly DroppedField[] | undefined {
  return dropped.get(object);
}

/**
 * The request to decide on: the request itself, or — when the cache dropped fields — a
 * copy with {@linkcode DROPPED_PLACEHOLDER} in their place.
 *
 * @param request The cached request.
 * @returns The view and whether it holds placeholders.
 */
export function decisionView(request: SigningRequest): { view: SigningRequest; trimmed: boolean } {
  const fields = dropped.get(request.object);
  if (fields === undefined) return { view: request, trimmed: false };
  const object = structuredClone(request.object) as RequestShape;
  for (const field of fields) {
    if (field === "spec.request") object.spec = { ...object.spec, request: DROPPED_PLACEHOLDER };
    else {
      const name = field === "status.certificate" ? "certificate" : "ca";
      object.status = { ...object.status, [name]: DROPPED_PLACEHOLDER };
    }
  }
  return { view: { kind: request.kind, object } as SigningRequest, trimmed: true };
}
