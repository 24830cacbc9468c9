/**
 * The issuer library: what an issuer author uses to describe issuer kinds, run the
 * controllers, and tell the library what `check` and `sign` found.
 *
 * - {@linkcode runIssuer} runs an issuer program: the issuer, CertificateRequest and
 *   CertificateSigningRequest controllers on a manager, with leader election, metrics and
 *   probes; {@linkcode IssuerControllers} adds the same controllers to your own manager.
 * - {@linkcode CheckFunction} and {@linkcode SignFunction} are what you write;
 *   {@linkcode IssuanceRequest} is the request `sign` gets.
 * - {@linkcode issuerType} describes an Issuer or ClusterIssuer kind;
 *   {@linkcode issuerTypeCrd} is a CRD for it.
 * - {@linkcode PermanentError}, {@linkcode PendingError}, {@linkcode IssuerError} and
 *   {@linkcode SetCertificateRequestConditionError} tell the library whether to stop,
 *   wait, blame the issuer, or persist a condition.
 * - {@linkcode SignResult} is what `sign` returns.
 * - The condition helpers read and set conditions by the rules of the reconcilers.
 * - The certificate helpers parse CSRs, derive certificate templates and sign them.
 *
 * - {@linkcode issuerMetrics} are the issuer metrics served at `/metrics`.
 *
 * The reconcilers (`request_reconciler.ts`, `issuer_reconciler.ts`) and their decisions
 * (`request_decision.ts`, `issuer_decision.ts`, the predicates, the issuer-reference index
 * and the reported-error channel) are used by the controllers; they are not part of the
 * public API.
 *
 * @example Describing an issuer kind and failing a request for good
 * ```ts
 * import { issuerType, PermanentError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const myIssuer = issuerType<{ url: string }>({
 *   group: "ca.example.com",
 *   version: "v1alpha1",
 *   kind: "MyIssuer",
 *   plural: "myissuers",
 *   namespaced: true,
 * });
 * assert.equal(myIssuer.typeIdentifier, "myissuers.ca.example.com");
 * assert.equal(new PermanentError("the CA refuses *.example.org").name, "PermanentError");
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./classify_sign_error.ts";
export * from "./conditions.ts";
export * from "./issuer_type.ts";
export type { ChainValidator, SignResult } from "./sign_result.ts";
export {
  DEFAULT_MAX_RETRY_DURATION_MS,
  DEFAULT_PENDING_POLL_CAP_MS,
  MAX_RETRY_DURATION_ANNOTATION,
} from "./retry_window.ts";
export { DEFAULT_ISSUER_RECHECK_INTERVAL_MS } from "./issuer_decision.ts";
export * from "./certificate/mod.ts";
export * from "./run_issuer.ts";
export * from "./issuer_controllers.ts";
export type * from "./issuer_functions.ts";
export type { IssuanceRequest } from "./issuance_request.ts";
export * from "./issuer_metrics.ts";
export * from "./issuer_type_crd.ts";
export { DEFAULT_SLOW_SIGN_AFTER_MS } from "./request_reconciler.ts";
export type { IssuerKey } from "./matching.ts";
export type {
  CertificateRequestObject,
  CertificateSigningRequestObject,
  RequestKind,
} from "./request.ts";
