/**
 * Describing a set of API requests, for fault injection and for counting requests in
 * the log.
 *
 * @module
 */

/**
 * Which requests a rule applies to. Every given field must match; an empty match
 * matches every request.
 */
export interface RequestMatch {
  /** Kubernetes verbs such as `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`. */
  verb?: string | readonly string[];
  /** API group (`""` for core). */
  group?: string;
  /** Plural resource name, such as `certificaterequests`. */
  resource?: string;
  /** Subresource such as `status`; `""` matches only main-resource requests. */
  subresource?: string;
  /** Namespace. */
  namespace?: string;
  /** Object name. */
  name?: string;
  /** The URL path, exactly or by regular expression. */
  path?: string | RegExp;
}

/** The facts about a request that a {@linkcode RequestMatch} is checked against. */
export interface RequestFacts {
  /** Kubernetes verb (or lower-case HTTP method for non-resource paths). */
  verb: string;
  /** API group. */
  group: string;
  /** Plural resource, `""` for non-resource paths. */
  resource: string;
  /** Subresource, `""` when none. */
  subresource: string;
  /** Namespace, `""` when none. */
  namespace: string;
  /** Object name, `""` for collections. */
  name: string;
  /** URL path. */
  path: string;
}

/**
 * Tells whether a request matches.
 *
 * @param match The description.
 * @param facts The request.
 * @returns `true` when every given field of `match` agrees with `facts`.
 *
 * @example Matching status writes of CertificateRequests
 * ```ts
 * import { matchesRequest } from "@certkit/issuer-lib/testing";
 * import { ok as assert } from "node:assert";
 *
 * const match = { verb: "patch", resource: "certificaterequests", subresource: "status" };
 * assert(matchesRequest(match, {
 *   verb: "patch", group: "cert-manager.io", resource: "certificaterequests",
 *   subresource: "status", namespace: "t", name: "r1",
 *   path: "/apis/cert-manager.io/v1/namespaces/t/certificaterequests/r1/status",
 * }));
 * ```
 */
export function matchesRequest(match: RequestMatch, facts: RequestFacts): boolean {
  if (match.verb !== undefined) {
    const verbs = typeof match.verb === "string" ? [match.verb] : match.verb;
    if (!verbs.includes(facts.verb)) return false;
  }
  if (match.group !== undefined && match.group !== facts.group) return false;
  if (match.resource !== undefined && match.resource !== facts.resource) return false;
  if (match.subresource !== undefined && match.subresource !== facts.subresource) return false;
  if (match.namespace !== undefined && match.namespace !== facts.namespace) return false;
  if (match.name !== undefined && match.name !== facts.name) return false;
  if (match.path !== undefined) {
    if (typeof match.path === "string" ? match.path !== facts.path : !match.path.test(facts.path)) {
      return false;
    }
  }
  return true;
}
