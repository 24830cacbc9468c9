/**
 * The update-event filters of the watches (spec §9): an update event is reconciled only
 * when its `resourceVersion` changed **and** the watch's predicate says yes. Create,
 * delete and generic events always pass. Each predicate ignores what the controller
 * itself writes, so its own status writes do not re-trigger it.
 *
 * @module
 */

import type { KubeObject } from "../client/object.ts";
import { type ConditionLike, findCondition } from "./conditions.ts";
import type { IssuerType } from "./issuer_type.ts";

/** Decides whether an update event (old object, new object) is reconciled. */
export type UpdatePredicate = (
  oldObject: KubeObject | undefined,
  newObject: KubeObject | undefined,
) => boolean;

/**
 * Passes updates whose `metadata.resourceVersion` changed; drops periodic resyncs (same
 * version) and events missing either object (spec §1.5).
 *
 * @param oldObject The object before the update.
 * @param newObject The object after the update.
 * @returns `true` when both are present and their versions differ.
 */
export function resourceVersionChanged(
  oldObject: KubeObject | undefined,
  newObject: KubeObject | undefined,
): boolean {
  if (oldObject === undefined || newObject === undefined) return false;
  return oldObject.metadata.resourceVersion !== newObject.metadata.resourceVersion;
}

/** Annotations compared as whole maps; absent and empty differ, as in Go. */
function annotationsDiffer(a: KubeObject, b: KubeObject): boolean {
  const x = a.metadata.annotations;
  const y = b.metadata.annotations;
  if (x === undefined || y === undefined) return x !== y;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return true;
  return keys.some((k) => !Object.hasOwn(y, k) || x[k] !== y[k]);
}

function conditionsOf(object: KubeObject): readonly ConditionLike[] {
  const status = (object as { status?: { conditions?: ConditionLike[] } }).status;
  return status?.conditions ?? [];
}

function isKind(object: KubeObject, apiVersion: string, kind: string): boolean {
  return (object.kind === undefined || object.kind === kind) &&
    (object.apiVersion === undefined || object.apiVersion === apiVersion);
}

/**
 * IssuerPredicate (spec §9.1), for an issuer controller's own watch: reconcile on a
 * generation change, on `Ready` being added or removed, or on an annotation change — not
 * on the controller's own Ready updates.
 *
 * @param type The watched issuer type.
 * @returns The predicate.
 */
export function issuerPredicate(type: IssuerType): UpdatePredicate {
  return (oldObject, newObject) => {
    if (oldObject === undefined || newObject === undefined) return true;
    if (oldObject.metadata.generation !== newObject.metadata.generation) return true;
    if (!type.is(oldObject) || !type.is(newObject)) return true;
    const oldReady = findCondition(conditionsOf(oldObject), "Ready");
    const newReady = findCondition(conditionsOf(newObject), "Ready");
    if ((oldReady === undefined) !== (newReady === undefined)) return true;
    return annotationsDiffer(oldObject, newObject);
  };
}

/**
 * LinkedIssuerPredicate (spec §9.2), for the request controllers' watch of an issuer type:
 * reconcile the linked requests when the issuer's `Ready` is added or removed, or its
 * status or observedGeneration changes.
 *
 * @param type The watched issuer type.
 * @returns The predicate.
 */
export function linkedIssuerPredicate(type: IssuerType): UpdatePredicate {
  return (oldObject, newObject) => {
    if (oldObject === undefined || newObject === undefined) return true;
    if (!type.is(oldObject) || !type.is(newObject)) return true;
    const oldReady = findCondition(conditionsOf(oldObject), "Ready");
    const newReady = findCondition(conditionsOf(newObject), "Ready");
    if (oldReady === undefined || newReady === undefined) {
      return (oldReady === undefined) !== (newReady === undefined);
    }
    return oldReady.status !== newReady.status ||
      (oldReady.observedGeneration ?? 0) !== (newReady.observedGeneration ?? 0);
  };
}

function requestPredicate(
  apiVersion: string,
  kind: string,
  exempt: string | undefined,
): UpdatePredicate {
  return (oldObject, newObject) => {
    if (oldObject === undefined || newObject === undefined) return true;
    if (!isKind(oldObject, apiVersion, kind) || !isKind(newObject, apiVersion, kind)) return true;
    const oldConditions = conditionsOf(oldObject);
    const newConditions = conditionsOf(newObject);
    if (oldConditions.length !== newConditions.length) return true;
    for (const c of oldConditions) {
      if (c.type === exempt) continue;
      const now = findCondition(newConditions, c.type);
      if (now === undefined || now.status !== c.status) return true;
    }
    return annotationsDiffer(oldObject, newObject);
  };
}

/**
 * CertificateRequestPredicate (spec §9.2): reconcile when a condition is added or
 * removed, when a condition other than `Ready` changes status, or when annotations change.
 * Ready changes, reasons, messages, labels, spec and other status fields are ignored.
 */
export const certificateRequestPredicate: UpdatePredicate = requestPredicate(
  "cert-manager.io/v1",
  "CertificateRequest",
  "Ready",
);

/**
 * CertificateSigningRequestPredicate (spec §9.2): as
 * {@linkcode certificateRequestPredicate}, but no condition type is exempt.
 */
export const certificateSigningRequestPredicate: UpdatePredicate = requestPredicate(
  "certificates.k8s.io/v1",
  "CertificateSigningRequest",
  undefined,
);
