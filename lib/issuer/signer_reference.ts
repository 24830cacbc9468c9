/**
 * The reference check for Kubernetes CSRs that name a namespaced issuer (the spec's
 * difference 10, after cert-manager's own CSR signers): the CSR's requester must be
 * allowed the verb `reference` on the resource `signers` in the issuer type's API group,
 * in the issuer's namespace, for the issuer's name or `*`. Otherwise anyone allowed to
 * create a CSR could use any namespace's issuer.
 *
 * An operator grants it with a Role in the issuer's namespace:
 *
 * ```yaml
 * rules:
 *   - apiGroups: ["ca.example.com"]
 *     resources: ["signers"]
 *     verbs: ["reference"]
 *     resourceNames: ["my-issuer"] # or "*" for every issuer of the namespace
 * ```
 *
 * @module
 */

import type { JsonObject } from "../core/json.ts";
import type { IssuerType } from "./issuer_type.ts";
import type { IssuerKey } from "./matching.ts";
import type { CertificateSigningRequestObject } from "./request.ts";

/**
 * The SubjectAccessReviews to create for a CSR that names a namespaced issuer: one for the
 * issuer's name and one for `*`. The requester may reference the issuer when any review
 * answers `status.allowed: true`.
 *
 * @param csr The CSR (its requester: username, UID, groups, extra).
 * @param type The issuer type (its group).
 * @param key The issuer's namespace and name.
 * @returns `authorization.k8s.io/v1` SubjectAccessReview bodies, to `POST` in order.
 */
export function signerReferenceReviews(
  csr: CertificateSigningRequestObject,
  type: IssuerType,
  key: IssuerKey,
): JsonObject[] {
  const spec = csr.spec;
  return [key.name, "*"].map((name) => ({
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    spec: {
      user: spec.username ?? "",
      ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
      groups: [...(spec.groups ?? [])],
      extra: Object.fromEntries(Object.entries(spec.extra ?? {}).map(([k, v]) => [k, [...v]])),
      resourceAttributes: {
        group: type.group,
        resource: "signers",
        verb: "reference",
        namespace: key.namespace,
        name,
        version: "*",
      },
    },
  }));
}
