/**
 * The request-cache index behind the linked-issuer fan-out (spec §9.3): each request is
 * indexed by the issuer it refers to, so an issuer event lists exactly its requests
 * (O(matching), never a scan).
 *
 * @module
 */

import type { KubeObject } from "../client/object.ts";
import type { IssuerType } from "./issuer_type.ts";
import { matchCertificateRequestIssuer, matchCertificateSigningRequestIssuer } from "./matching.ts";
import type { SigningRequest } from "./request.ts";

/** A request's index entry: the matched issuer type and `"<namespace>/<name>"`. */
export interface IssuerRefIndexEntry {
  /** The matched issuer type. */
  issuerType: IssuerType;
  /** `"<issuerNamespace>/<issuerName>"`; `"/<name>"` for a cluster issuer. */
  value: string;
}

/**
 * The index entry of a request: the issuer type it matches (spec §4) and the issuer's
 * `"<namespace>/<name>"`.
 *
 * @param request The request.
 * @param issuerTypes The registered types.
 * @returns The entry, or `undefined` when the request refers to no registered type.
 */
export function issuerRefIndex(
  request: SigningRequest,
  issuerTypes: readonly IssuerType[],
): IssuerRefIndexEntry | undefined {
  const match = request.kind === "CertificateRequest"
    ? matchCertificateRequestIssuer(request.object, issuerTypes)
    : matchCertificateSigningRequestIssuer(request.object, issuerTypes);
  if (!match.matched) return undefined;
  return { issuerType: match.issuerType, value: `${match.key.namespace}/${match.key.name}` };
}

/**
 * The index function for one issuer type, as a cache index takes it: the request's
 * `"<namespace>/<name>"` when it refers to an issuer of `type`, else no value.
 *
 * @param type The issuer type of this index.
 * @param issuerTypes All registered types (matching order matters).
 * @returns A function from a request to its index values.
 */
export function issuerRefIndexFor(
  type: IssuerType,
  issuerTypes: readonly IssuerType[],
): (request: SigningRequest) => string[] {
  return (request) => {
    const entry = issuerRefIndex(request, issuerTypes);
    return entry !== undefined && entry.issuerType === type ? [entry.value] : [];
  };
}

/**
 * The value to look up for an issuer event: `"<metadata.namespace>/<metadata.name>"`.
 *
 * @param issuer The issuer object.
 * @returns Its index value.
 */
export function issuerIndexValue(issuer: KubeObject): string {
  return `${issuer.metadata.namespace ?? ""}/${issuer.metadata.name ?? ""}`;
}
