/**
 * Status patches: what the library writes to `/status` by server-side apply (spec §5), and
 * whether a patch would change anything (the spec's difference 2: a patch equal to the
 * current status is not sent).
 *
 * @module
 */

import type { JsonObject } from "../core/json.ts";
import type {
  CertificateRequestCondition,
  CertificateSigningRequestCondition,
  ConditionLike,
  IssuerCondition,
} from "./conditions.ts";
import type { SigningRequest } from "./request.ts";

/** The CertificateRequest status fields the library owns. */
export interface CertificateRequestStatusPatch {
  /** `Ready` and, at most, custom conditions from `sign`. */
  conditions?: CertificateRequestCondition[];
  /** Base64 of the signed PEM chain. */
  certificate?: string;
  /** Base64 of the CA PEM (only with the `setCAOnCertificateRequest` option). */
  ca?: string;
  /** When the request failed (RFC 3339). */
  failureTime?: string;
}

/** The CertificateSigningRequest status fields the library owns. */
export interface CertificateSigningRequestStatusPatch {
  /** `Failed` and, at most, custom conditions from `sign`. */
  conditions?: CertificateSigningRequestCondition[];
  /** Base64 of the signed PEM chain. */
  certificate?: string;
}

/** The issuer status fields the library owns: the `Ready` condition. */
export interface IssuerStatusPatch {
  /** Only `Ready`. */
  conditions: IssuerCondition[];
}

/** A request status patch of either kind. */
export type RequestStatusPatch =
  | CertificateRequestStatusPatch
  | CertificateSigningRequestStatusPatch;

/** Any status patch. */
export type StatusPatch = RequestStatusPatch | IssuerStatusPatch;

/** A current status as read: its conditions (other fields are read by name). */
export interface CurrentStatus {
  /** The current conditions. */
  conditions?: readonly ConditionLike[] | undefined;
}

const CONDITION_DEFAULTS: Record<string, unknown> = {
  reason: "",
  message: "",
  observedGeneration: 0,
  lastTransitionTime: "",
};

function conditionChanged(current: ConditionLike | undefined, wanted: object): boolean {
  if (current === undefined) return true;
  const a = current as unknown as Record<string, unknown>;
  const b = wanted as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete("lastUpdateTime"); // always "now": not a change by itself
  for (const key of keys) {
    const fallback = CONDITION_DEFAULTS[key];
    if ((a[key] ?? fallback) !== (b[key] ?? fallback)) return true;
  }
  return false;
}

/**
 * Tells whether applying a status patch would change the object's status. Each condition
 * of the patch is compared with the current condition of its type, field by field, except
 * `lastUpdateTime` (always "now"); absent and empty/zero count as equal. Other fields are
 * compared by value. Conditions the patch does not mention are not considered.
 *
 * @param current The object's current status.
 * @param patch The patch the decision built.
 * @returns `true` when the patch sets something the status does not already say.
 */
export function patchChangesStatus(
  current: CurrentStatus | undefined,
  patch: StatusPatch,
): boolean {
  for (const [field, value] of Object.entries(patch)) {
    if (field === "conditions") {
      for (const wanted of value as readonly { type: string }[]) {
        const existing = current?.conditions?.find((c) => c.type === wanted.type);
        if (conditionChanged(existing, wanted)) return true;
      }
    } else if ((current as Record<string, unknown> | undefined)?.[field] !== value) {
      return true;
    }
  }
  return false;
}

/**
 * The body of a server-side apply to `/status` (spec §5.1): `apiVersion`, `kind`,
 * `metadata.name`, `metadata.namespace` (omitted when empty) and the status patch.
 *
 * @param apiVersion The object's API version.
 * @param kind The object's kind.
 * @param metadata The object's name and namespace.
 * @param status The status patch.
 * @returns The JSON body to send with `application/apply-patch+yaml`.
 */
export function statusApplyBody(
  apiVersion: string,
  kind: string,
  metadata: { name?: string; namespace?: string },
  status: StatusPatch,
): JsonObject {
  return {
    apiVersion,
    kind,
    metadata: {
      name: metadata.name ?? "",
      ...(metadata.namespace !== undefined && metadata.namespace !== ""
        ? { namespace: metadata.namespace }
        : {}),
    },
    status: structuredClone(status) as unknown as JsonObject,
  };
}

/**
 * The apply body of a request status patch.
 *
 * @param request The request.
 * @param status Its status patch.
 * @returns The JSON body for `PATCH …/status?fieldManager=…&force=true`.
 */
export function requestApplyBody(request: SigningRequest, status: RequestStatusPatch): JsonObject {
  return request.kind === "CertificateRequest"
    ? statusApplyBody("cert-manager.io/v1", "CertificateRequest", request.object.metadata, status)
    : statusApplyBody(
      "certificates.k8s.io/v1",
      "CertificateSigningRequest",
      request.object.metadata,
      status,
    );
}
