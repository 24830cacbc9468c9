/**
 * The two request kinds the library signs — cert-manager `CertificateRequest` (CR) and
 * Kubernetes `CertificateSigningRequest` (CSR) — as one abstraction, with the state
 * predicates of spec §6.1.
 *
 * @module
 */

import type { KubeObject } from "../client/object.ts";
import { parseTime } from "../core/time.ts";
import {
  type CertificateRequestCondition,
  type CertificateSigningRequestCondition,
  type ConditionLike,
  findCondition,
  hasCondition,
} from "./conditions.ts";

/** Which kind of request. */
export type RequestKind = "CertificateRequest" | "CertificateSigningRequest";

/** A cert-manager `CertificateRequest` (`cert-manager.io/v1`), the fields the library reads. */
export interface CertificateRequestObject extends KubeObject {
  /** The request. */
  spec: {
    /** The issuer that should sign. */
    issuerRef: { name: string; kind?: string; group?: string };
    /** Base64 of the PEM PKCS#10 request. */
    request: string;
    /** Other fields (duration, isCA, usages, …) pass through. */
    [field: string]: unknown;
  };
  /** The status. */
  status?: {
    /** Conditions keyed by type. */
    conditions?: CertificateRequestCondition[];
    /** Base64 of the signed PEM chain. */
    certificate?: string;
    /** Base64 of the CA PEM. */
    ca?: string;
    /** When the request failed (RFC 3339). */
    failureTime?: string;
  };
}

/**
 * A Kubernetes `CertificateSigningRequest` (`certificates.k8s.io/v1`), the fields the
 * library reads.
 */
export interface CertificateSigningRequestObject extends KubeObject {
  /** The request. */
  spec: {
    /** `<issuer-type-id>/<issuer-id>`. */
    signerName: string;
    /** Base64 of the PEM PKCS#10 request. */
    request: string;
    /** The requesting user (for the reference check of namespaced issuers). */
    username?: string;
    /** The requesting user's UID. */
    uid?: string;
    /** The requesting user's groups. */
    groups?: string[];
    /** The requesting user's extra attributes. */
    extra?: Record<string, string[]>;
    /** Other fields (usages, expirationSeconds, …) pass through. */
    [field: string]: unknown;
  };
  /** The status. */
  status?: {
    /** Conditions keyed by type. */
    conditions?: CertificateSigningRequestCondition[];
    /** Base64 of the signed PEM chain. */
    certificate?: string;
  };
}

/** A request of either kind, tagged with its kind. */
export type SigningRequest =
  | { kind: "CertificateRequest"; object: CertificateRequestObject }
  | { kind: "CertificateSigningRequest"; object: CertificateSigningRequestObject };

/** The request's conditions, as read. */
export function requestConditions(request: SigningRequest): readonly ConditionLike[] {
  return request.object.status?.conditions ?? [];
}

/**
 * Approved (spec §6.1): CR — `Approved=True`; CSR — an `Approved` condition of any status.
 */
export function isApproved(request: SigningRequest): boolean {
  const conditions = requestConditions(request);
  if (request.kind === "CertificateRequest") return hasCondition(conditions, "Approved", "True");
  return findCondition(conditions, "Approved") !== undefined;
}

/** A CR that an approver denied: `Denied=True` (always `false` for a CSR). */
export function isDeniedByApprover(request: SigningRequest): boolean {
  return request.kind === "CertificateRequest" &&
    hasCondition(requestConditions(request), "Denied", "True");
}

/**
 * Finished as denied (spec §6.1): CR — the library's own `Ready=False/Denied` marker; CSR —
 * a `Denied` condition of any status.
 */
export function isFinishedDenied(request: SigningRequest): boolean {
  const conditions = requestConditions(request);
  if (request.kind === "CertificateRequest") {
    return hasCondition(conditions, "Ready", "False", "Denied");
  }
  return findCondition(conditions, "Denied") !== undefined;
}

/** Ready (spec §6.1): CR — `Ready=True`; CSR — a non-empty `status.certificate`. */
export function isReady(request: SigningRequest): boolean {
  if (request.kind === "CertificateRequest") {
    return hasCondition(requestConditions(request), "Ready", "True");
  }
  return (request.object.status?.certificate ?? "") !== "";
}

/** Failed (spec §6.1): CR — `Ready=False/Failed`; CSR — a `Failed` condition of any status. */
export function isFailed(request: SigningRequest): boolean {
  const conditions = requestConditions(request);
  if (request.kind === "CertificateRequest") {
    return hasCondition(conditions, "Ready", "False", "Failed");
  }
  return findCondition(conditions, "Failed") !== undefined;
}

/** The request's creation time in milliseconds, or `undefined` when unset or unreadable. */
export function creationTime(request: SigningRequest): number | undefined {
  const text = request.object.metadata.creationTimestamp;
  return text === undefined ? undefined : parseTime(text);
}

/**
 * When the request was approved, in milliseconds: the `Approved` condition's
 * `lastTransitionTime` (a CSR's `lastUpdateTime` when that is missing), or `undefined`.
 */
export function approvalTime(request: SigningRequest): number | undefined {
  const approved = findCondition(requestConditions(request), "Approved");
  if (approved === undefined) return undefined;
  if (request.kind === "CertificateRequest" && approved.status !== "True") return undefined;
  const text = approved.lastTransitionTime ?? approved.lastUpdateTime;
  return text === undefined ? undefined : parseTime(text);
}

/** The request's key: `<namespace>/<name>` (empty namespace for a CSR). */
export function requestKey(request: SigningRequest): string {
  const m = request.object.metadata;
  return `${m.namespace ?? ""}/${m.name ?? ""}`;
}

/** The request's CSR as PEM text: `spec.request` base64-decoded ("" when unreadable). */
export function requestCsrPem(request: SigningRequest): string {
  try {
    const binary = atob(request.object.spec.request ?? "");
    return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return "";
  }
}
