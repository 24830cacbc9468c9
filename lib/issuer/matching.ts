/**
 * Which registered issuer type and which issuer object a request refers to (spec §4): a
 * CertificateRequest through `spec.issuerRef`, a Kubernetes CSR through `spec.signerName`.
 *
 * @module
 */

import { goQuote } from "./_go_quote.ts";
import type { IssuerType } from "./issuer_type.ts";
import type { CertificateRequestObject, CertificateSigningRequestObject } from "./request.ts";

/** Which issuer object: namespace (empty for cluster-scoped types) and name. */
export interface IssuerKey {
  /** The namespace; `""` for a cluster-scoped issuer. */
  namespace: string;
  /** The name. */
  name: string;
}

/** The answer of a matcher: the issuer type and key, or why nothing matched. */
export type IssuerMatch =
  | { matched: true; issuerType: IssuerType; key: IssuerKey }
  | { matched: false; message: string };

/** cert-manager's group: what an empty `issuerRef.group` means. */
export const CERT_MANAGER_GROUP = "cert-manager.io";

/**
 * The registered types in matching order: all namespaced types, then all cluster types,
 * each in registration order (spec §4.1).
 *
 * @param issuerTypes The registered types.
 * @returns The same types, namespaced first.
 */
export function matchingOrder(issuerTypes: readonly IssuerType[]): IssuerType[] {
  return [...issuerTypes.filter((t) => t.namespaced), ...issuerTypes.filter((t) => !t.namespaced)];
}

/**
 * Matches a CertificateRequest's `issuerRef` to a registered type (spec §4.1): the group
 * must equal the type's group and the kind must be empty or equal; the first match in
 * {@linkcode matchingOrder} wins. An empty group means `cert-manager.io`, as in
 * cert-manager, so it never matches an author's own group (the spec's difference 13).
 *
 * @param request The request, or `undefined` when it was not found.
 * @param issuerTypes The registered types.
 * @returns The type and the issuer key (the request's namespace for namespaced types).
 */
export function matchCertificateRequestIssuer(
  request: CertificateRequestObject | undefined,
  issuerTypes: readonly IssuerType[],
): IssuerMatch {
  if (request === undefined) {
    return { matched: false, message: "invalid reference, CertificateRequest is nil" };
  }
  const ref = request.spec.issuerRef;
  const group = ref.group ?? "";
  const kind = ref.kind ?? "";
  const effectiveGroup = group === "" ? CERT_MANAGER_GROUP : group;
  for (const t of matchingOrder(issuerTypes)) {
    if (t.group !== effectiveGroup || (kind !== "" && kind !== t.kind)) continue;
    const namespace = t.namespaced ? request.metadata.namespace ?? "" : "";
    return { matched: true, issuerType: t, key: { namespace, name: ref.name } };
  }
  return {
    matched: false,
    message: `no issuer found for reference: [Group=${goQuote(group)}, Kind=${
      goQuote(kind)
    }, Name=${goQuote(ref.name)}]`,
  };
}

/**
 * Matches a Kubernetes CSR's `spec.signerName` to a registered type (spec §4.2):
 * `<plural>.<group>/<name>` for a cluster type and — the spec's difference 10 —
 * `<plural>.<group>/<namespace>.<name>` for a namespaced type, split at the first dot
 * after the slash (namespace names cannot contain dots). A cluster issuer's name is taken
 * verbatim (dots allowed, empty accepted).
 *
 * @param request The CSR, or `undefined` when it was not found.
 * @param issuerTypes The registered types.
 * @returns The type and the issuer key.
 */
export function matchCertificateSigningRequestIssuer(
  request: CertificateSigningRequestObject | undefined,
  issuerTypes: readonly IssuerType[],
): IssuerMatch {
  const format = "invalid signer name, should have format <issuer-type-id>/<issuer-id>";
  if (request === undefined) return { matched: false, message: format };
  const signerName = request.spec.signerName;
  const parts = signerName.split("/");
  if (parts.length !== 2) return { matched: false, message: `${format}: ${goQuote(signerName)}` };
  const [typeId = "", issuerId = ""] = parts;
  const t = matchingOrder(issuerTypes).find((candidate) => candidate.typeIdentifier === typeId);
  if (t === undefined) {
    return { matched: false, message: `no issuer found for signer name: ${goQuote(signerName)}` };
  }
  if (!t.namespaced) {
    return { matched: true, issuerType: t, key: { namespace: "", name: issuerId } };
  }
  const dot = issuerId.indexOf(".");
  const namespace = dot < 0 ? "" : issuerId.slice(0, dot);
  const name = dot < 0 ? "" : issuerId.slice(dot + 1);
  if (namespace === "" || name === "") {
    return {
      matched: false,
      message:
        `invalid signer name, should have format <issuer-type-id>/<namespace>.<issuer-name> for namespaced issuer type ${
          goQuote(typeId)
        }: ${goQuote(signerName)}`,
    };
  }
  return { matched: true, issuerType: t, key: { namespace, name } };
}
