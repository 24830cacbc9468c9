/**
 * What an issuer author writes (spec §2.3, §2.5): `check`, `sign` and the optional hooks,
 * and the context each is called with.
 *
 * @module
 */

import type { Logger } from "../runtime/logging.ts";
import type { Clock } from "../core/clock.ts";
import type { JsonObject } from "../core/json.ts";
import type { RestClient } from "../client/rest_client.ts";
import type { IssuanceRequest } from "./issuance_request.ts";
import type { IssuerObject, IssuerType } from "./issuer_type.ts";
import type { IssuerKey } from "./matching.ts";
import type { SignResult } from "./sign_result.ts";

/**
 * What `check`, `sign` and the hooks are called with.
 *
 * @example Using the context in `check`
 * ```ts
 * import type { IssuerContext, IssuerObject } from "@certkit/issuer-lib";
 *
 * async function check(issuer: IssuerObject, ctx: IssuerContext): Promise<void> {
 *   ctx.log.debug("Checking {name} at {now}.", { name: issuer.metadata.name, now: ctx.clock.now() });
 *   if (ctx.signal.aborted) throw ctx.signal.reason;
 * }
 * ```
 */
export interface IssuerContext {
  /** Aborts when the reconcile is cancelled (shutdown, timeout): pass it to every call. */
  signal: AbortSignal;
  /** A logger whose lines carry the controller and the object. */
  log: Logger;
  /** The Kubernetes client the library uses (to read a Secret, for example). */
  client: RestClient;
  /** The library's clock: read time only from it. */
  clock: Clock;
}

/**
 * Checks that an issuer can sign (called when it is created or changed, after a reported
 * error, and periodically while Ready). Resolve when it is usable; throw a
 * `PermanentError` when it cannot become usable until its spec changes; throw anything
 * else to be retried with back-off.
 *
 * @typeParam TSpec The issuer's spec type.
 *
 * @example A check that wants a URL
 * ```ts
 * import { type CheckFunction, PermanentError } from "@certkit/issuer-lib";
 *
 * const check: CheckFunction<{ url?: string }> = async (issuer) => {
 *   if (!issuer.spec?.url) throw new PermanentError("spec.url is required");
 * };
 * await check({ metadata: { name: "ca" }, spec: { url: "https://ca.example" } }, {} as never);
 * ```
 */
export type CheckFunction<TSpec = JsonObject> = (
  issuer: IssuerObject<TSpec>,
  ctx: IssuerContext,
) => Promise<void>;

/**
 * Signs a request with an issuer that is Ready. Return the PEM chain (and optionally the
 * CA, conditions and annotations to persist); throw `PendingError` to be called again
 * later, `PermanentError` to fail the request, `IssuerError` when the issuer is at
 * fault, `SetCertificateRequestConditionError` to persist a condition, or anything else
 * to be retried within the retry window. `sign` may run more than once for a request
 * (after a restart, for example): make it idempotent.
 *
 * @typeParam TSpec The issuer's spec type.
 *
 * @example A signer that waits for an external CA
 * ```ts
 * import { PendingError, type SignFunction } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const sign: SignFunction = async (request) => {
 *   const order = request.metadata.annotations?.["ca.example.com/order"];
 *   if (order === undefined) {
 *     throw new PendingError("order placed", { annotations: { "ca.example.com/order": "17" } });
 *   }
 *   return { chainPem: "-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n" };
 * };
 * await assert.rejects(
 *   sign({ metadata: {} } as never, { metadata: { name: "ca" } }, {} as never),
 *   PendingError,
 * );
 * ```
 */
export type SignFunction<TSpec = JsonObject> = (
  request: IssuanceRequest,
  issuer: IssuerObject<TSpec>,
  ctx: IssuerContext,
) => Promise<SignResult>;

/**
 * Says whether an issuer belongs to another controller instance (for sharding): `true`
 * leaves it — and the requests that name it — alone, before anything is written. A throw
 * is retried with back-off.
 *
 * @typeParam TSpec The issuer's spec type.
 *
 * @example Only issuers labelled for this shard
 * ```ts
 * import type { IgnoreIssuerFunction } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const ignoreIssuer: IgnoreIssuerFunction = async (issuer) =>
 *   issuer.metadata.labels?.["ca.example.com/shard"] !== "a";
 * assert.equal(await ignoreIssuer({ metadata: { name: "x" } }, {} as never), true);
 * ```
 */
export type IgnoreIssuerFunction<TSpec = JsonObject> = (
  issuer: IssuerObject<TSpec>,
  ctx: IssuerContext,
) => Promise<boolean>;

/**
 * Says whether a request belongs to another controller instance: `true` leaves it alone,
 * before the issuer is read or anything is written. A throw is retried with back-off.
 *
 * @example Skipping requests of one namespace
 * ```ts
 * import type { IgnoreCertificateRequestFunction } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const ignore: IgnoreCertificateRequestFunction = async (request) =>
 *   request.metadata.namespace === "legacy";
 * assert.equal(await ignore({ metadata: { namespace: "legacy" } } as never, {} as never, { namespace: "legacy", name: "ca" }, {} as never), true);
 * ```
 */
export type IgnoreCertificateRequestFunction = (
  request: IssuanceRequest,
  issuerType: IssuerType,
  issuerKey: IssuerKey,
  ctx: IssuerContext,
) => Promise<boolean>;
