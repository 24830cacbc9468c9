/**
 * The request reconciler (spec §6): one reconciler for cert-manager CertificateRequests
 * and Kubernetes CertificateSigningRequests, the *doing* half around the pure phases of
 * `request_decision.ts`.
 *
 * @module
 */

import type { Clock } from "../core/clock.ts";
import { isNotFound } from "../client/kube_api_error.ts";
import type { KubeObject } from "../client/object.ts";
import { ResourceClient } from "../client/resource_client.ts";
import type { ApplyConfiguration } from "../client/resource_options.ts";
import type { RestClient } from "../client/rest_client.ts";
import type { CacheTransform } from "../cache/transform.ts";
import type { EventRecorder } from "../runtime/event_recorder.ts";
import { objectReference } from "../runtime/object_reference.ts";
import type { ReconcileContext, ReconcileResult } from "../runtime/reconciler.ts";
import { classifySignError } from "./classify_sign_error.ts";
import { RequestDetailsError } from "./certificate/errors.ts";
import { errorMessage } from "./errors.ts";
import { issuanceRequest } from "./issuance_request.ts";
import type {
  IgnoreCertificateRequestFunction,
  IgnoreIssuerFunction,
  IssuerContext,
  SignFunction,
} from "./issuer_functions.ts";
import type { IssuerMetrics, SignOutcomeLabel } from "./issuer_metrics.ts";
import type { IssuerObject, IssuerType } from "./issuer_type.ts";
import { resultAfterReportFailure, resultAfterWrite, type WriteResult } from "./outcome.ts";
import type { ReportedErrors } from "./reported_errors.ts";
import type { RequestKind, SigningRequest } from "./request.ts";
import {
  decideAfterSign,
  decideBeforeIssuer,
  decideWithIssuer,
  type IssuerRead,
  type NeedSign,
  type RequestDecisionOptions,
  type RequestOutcome,
  type SignOutcome,
} from "./request_decision.ts";
import { requestApplyBody, type RequestStatusPatch } from "./status_patch.ts";
import {
  certificateRequestTransform,
  certificateSigningRequestTransform,
  decisionView,
} from "./_request_cache.ts";
import { RecentWrites } from "./_recent_writes.ts";
import { type CacheReader, toReconcileResult } from "./_reconcile_result.ts";
import {
  issuerCacheKey,
  requestResource,
  SUBJECT_ACCESS_REVIEWS,
  type SubjectAccessReview,
} from "./_resources.ts";

/**
 * How long `sign` may take before a CertificateRequest without a Ready condition is marked
 * Initializing meanwhile (the `slowSignAfterMs` option): two seconds. A `sign` that
 * answers sooner costs one status write per issuance.
 *
 * @example The default in seconds
 * ```ts
 * import { DEFAULT_SLOW_SIGN_AFTER_MS } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(DEFAULT_SLOW_SIGN_AFTER_MS / 1000, 2);
 * ```
 */
export const DEFAULT_SLOW_SIGN_AFTER_MS = 2000;

/** Options of {@linkcode RequestReconciler}. */
export interface RequestReconcilerOptions {
  /** Which request kind this reconciler handles. */
  kind: RequestKind;
  /** The request cache (an informer's store, with the request transform). */
  requests: CacheReader<KubeObject>;
  /** The issuer caches, by type. */
  issuers: (type: IssuerType) => CacheReader<IssuerObject>;
  /** The client writes, full reads and reviews go through; also handed to `sign`. */
  client: RestClient;
  /** The decision options (field manager, issuer types, retry window, …). */
  decision: RequestDecisionOptions;
  /** The signer. */
  sign: SignFunction;
  /** Leaves issuers of another controller instance alone. */
  ignoreIssuer?: IgnoreIssuerFunction | undefined;
  /** Leaves requests of another controller instance alone. */
  ignoreCertificateRequest?: IgnoreCertificateRequestFunction | undefined;
  /** The reported-error channel shared with the issuer reconcilers. */
  reportedErrors: ReportedErrors;
  /** Where events go. */
  recorder: EventRecorder;
  /** The issuer metrics. */
  metrics: IssuerMetrics;
  /**
   * When `sign` has not answered after this long, a CertificateRequest without a Ready
   * condition gets the Initializing condition so users see progress (default
   * {@linkcode DEFAULT_SLOW_SIGN_AFTER_MS}; `Infinity` never writes it).
   */
  slowSignAfterMs?: number | undefined;
}

/**
 * Reconciles one request kind, reading the request and its issuer from the caches:
 * 1. Decide before the issuer (`decideBeforeIssuer`) on the cached request — with
 *    placeholders where the cache dropped bulky fields of a final request; when the
 *    decision goes on although fields were dropped, read the full request from the API
 *    and decide again.
 * 2. Call the `ignoreCertificateRequest` hook; read the issuer from its cache; call the
 *    `ignoreIssuer` hook; for a CSR naming a namespaced issuer, create the
 *    SubjectAccessReviews (allowed when any allows).
 * 3. `decideWithIssuer`; on `needSign`, call `sign` — writing the Initializing condition
 *    meanwhile if it is slow — then `decideAfterSign`.
 * 4. Act on the outcome: report an issuer error (failure: back off, write nothing), merge
 *    the annotations, apply the status (server-side apply on `/status`, the field manager,
 *    `force`), record the events once the writes succeeded, and end as
 *    `resultAfterWrite` says (a terminal result throws a `TerminalError`).
 *
 * A status write's answer is used instead of the cached request until the cache has caught
 * up, so a reconcile queued meanwhile never signs a request twice on a stale read.
 */
export class RequestReconciler {
  /** The request kind. */
  readonly kind: RequestKind;
  readonly #o: RequestReconcilerOptions;
  readonly #requests: ResourceClient<KubeObject>;
  readonly #reviews: ResourceClient<SubjectAccessReview>;
  readonly #transform: CacheTransform<KubeObject>;
  readonly #writes = new RecentWrites<KubeObject>();
  readonly #slowSignAfterMs: number;

  /**
   * Creates the reconciler.
   *
   * @param options The caches, client, decision options, user functions and sinks.
   * @throws {RangeError} When `slowSignAfterMs` is negative or not a number.
   */
  constructor(options: RequestReconcilerOptions) {
    const slow = options.slowSignAfterMs ?? DEFAULT_SLOW_SIGN_AFTER_MS;
    if (!(slow >= 0)) {
      throw new RangeError(
        `RequestReconciler: slowSignAfterMs must be a number of milliseconds >= 0, got ${slow}`,
      );
    }
    this.kind = options.kind;
    this.#o = options;
    this.#slowSignAfterMs = slow;
    this.#requests = new ResourceClient(options.client, requestResource(options.kind));
    this.#reviews = new ResourceClient(options.client, SUBJECT_ACCESS_REVIEWS);
    this.#transform =
      (options.kind === "CertificateRequest"
        ? certificateRequestTransform
        : certificateSigningRequestTransform) as unknown as CacheTransform<KubeObject>;
  }

  /** The reconcile function, for a `Controller`. */
  readonly reconcile = (key: string, ctx: ReconcileContext): Promise<ReconcileResult> =>
    this.#reconcile(key, ctx);

  /**
   * Tells the reconciler what the request cache now holds for `key`, so the answers of its
   * own writes are dropped once the cache has them (register it as an informer handler).
   *
   * @param key The request's cache key.
   * @param cached The cached object, or `undefined` after a delete.
   */
  observe(key: string, cached: KubeObject | undefined): void {
    this.#writes.observe(key, cached);
  }

  async #reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const o = this.#o;
    const log = ctx.log;
    const cached = this.#writes.latest(key, o.requests.get(key));
    let request = cached === undefined ? undefined : this.#tag(cached);
    const { view, trimmed } = request === undefined
      ? { view: undefined, trimmed: false }
      : decisionView(request);
    let step = decideBeforeIssuer(view, o.decision);
    if (step.kind === "needIssuer" && trimmed && cached !== undefined) {
      log.debug("Reading the full request: the cache dropped its bulky fields.");
      const full = await this.#readFull(cached, ctx.signal);
      request = full === undefined ? undefined : this.#tag(full);
      step = decideBeforeIssuer(request, o.decision);
    }
    if (step.kind === "ignore" || request === undefined) {
      log.debug("Ignoring the request: {reason}.", {
        reason: step.kind === "ignore" ? step.reason : "it is gone",
      });
      return {};
    }
    const uctx: IssuerContext = {
      signal: ctx.signal,
      log,
      client: o.client,
      clock: ctx.clock,
    };
    const issuance = issuanceRequest(request);
    if (
      o.ignoreCertificateRequest !== undefined &&
      await askHook(() =>
        o.ignoreCertificateRequest!(issuance, step.issuerType, step.issuerKey, uctx)
      )
    ) {
      log.debug("Ignoring the request: the ignoreCertificateRequest hook said so.");
      return {};
    }
    const issuer = o.issuers(step.issuerType).get(issuerCacheKey(step.issuerKey));
    if (
      issuer !== undefined && o.ignoreIssuer !== undefined &&
      await askHook(() => o.ignoreIssuer!(issuer, uctx))
    ) {
      log.debug("Ignoring the request: the ignoreIssuer hook said its issuer is not ours.");
      return {};
    }
    const read: IssuerRead = issuer === undefined
      ? { kind: "notFound" }
      : { kind: "found", issuer };
    const referenceAllowed = step.referenceReviews === undefined
      ? undefined
      : await this.#reviewReference(step.referenceReviews, ctx.signal);
    const decided = decideWithIssuer(
      request,
      step,
      { issuer: read, referenceAllowed },
      o.decision,
      ctx.clock.now(),
    );
    if (decided.kind === "done") return await this.#act(key, request, decided.outcome, ctx);
    const signed = await this.#sign(key, request, decided, uctx);
    const outcome = decideAfterSign(request, decided, signed, o.decision, ctx.clock.now());
    this.#countSign(request.kind, decided.issuerType, signed, outcome);
    return await this.#act(key, request, outcome, ctx);
  }

  #tag(object: KubeObject): SigningRequest {
    return { kind: this.kind, object } as SigningRequest;
  }

  async #readFull(cached: KubeObject, signal: AbortSignal): Promise<KubeObject | undefined> {
    const { name = "", namespace } = cached.metadata;
    try {
      return await this.#requests.get(name, { ...(namespace ? { namespace } : {}), signal });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw new Error(`unexpected get error: ${errorMessage(e)}`, { cause: e });
    }
  }

  async #reviewReference(reviews: readonly object[], signal: AbortSignal): Promise<boolean> {
    for (const review of reviews) {
      let answer: SubjectAccessReview;
      try {
        answer = await this.#reviews.create(review as SubjectAccessReview, { signal });
      } catch (e) {
        throw new Error(`failed to review the signer reference: ${errorMessage(e)}`, { cause: e });
      }
      if (answer.status?.allowed === true) return true;
    }
    return false;
  }

  async #sign(
    key: string,
    request: SigningRequest,
    step: NeedSign,
    uctx: IssuerContext,
  ): Promise<SignOutcome> {
    const clock: Clock = uctx.clock;
    const started = clock.now();
    const signing: Promise<SignOutcome> =
      (async () => await this.#o.sign(issuanceRequest(request), step.issuer, uctx))().then(
        (result) => ({ ok: true, result }),
        (error: unknown) => ({ ok: false, error }),
      );
    if (step.slowSignPatch !== undefined && Number.isFinite(this.#slowSignAfterMs)) {
      const timer = new AbortController();
      const slow = clock.sleep(this.#slowSignAfterMs, timer.signal).then(() => true, () => false);
      const isSlow = await Promise.race([signing.then(() => false), slow]);
      timer.abort();
      if (isSlow) {
        uctx.log.debug("sign is slow: writing the Initializing condition meanwhile.");
        const write = await this.#applyStatus(key, request, step.slowSignPatch, uctx.signal);
        if (!write.ok) {
          uctx.log.warning("Could not write the Initializing condition: {error}", {
            error: errorMessage(write.error),
          });
        }
      }
    }
    const outcome = await signing;
    const labels = [request.kind, step.issuerType.group, step.issuerType.kind] as const;
    this.#o.metrics.signDuration.labels(...labels).observe(
      Math.max(0, clock.now() - started) / 1000,
    );
    return outcome;
  }

  #countSign(
    kind: RequestKind,
    type: IssuerType,
    signed: SignOutcome,
    outcome: RequestOutcome,
  ): void {
    let label: SignOutcomeLabel;
    if (signed.ok) label = "error" in outcome.result ? "invalid" : "success";
    else {
      const c = classifySignError(signed.error, {
        now: 0,
        retryDeadline: Infinity,
        isPermanent: (e) => e instanceof RequestDetailsError,
      });
      label = c.kind === "issuer" ? "issuer_error" : c.kind;
    }
    this.#o.metrics.signs.labels(kind, type.group, type.kind, label).inc();
  }

  async #act(
    key: string,
    request: SigningRequest,
    outcome: RequestOutcome,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult> {
    const report = outcome.reportIssuerError;
    if (report !== undefined) {
      try {
        this.#o.reportedErrors.report(report.issuerType, report.issuerKey, report.error);
      } catch (e) {
        return toReconcileResult(resultAfterReportFailure(e));
      }
    }
    let write: WriteResult = { ok: true };
    if (outcome.annotations !== undefined) {
      write = await this.#mergeAnnotations(key, request, outcome.annotations, ctx.signal);
    }
    if (write.ok && outcome.patch !== undefined) {
      write = await this.#applyStatus(key, request, outcome.patch, ctx.signal);
    }
    if (write.ok) {
      const regarding = objectReference(request.object, requestResource(this.kind));
      for (const event of outcome.events) this.#o.recorder.record(regarding, event);
    } else if (write.notFound) {
      ctx.log.debug("The request is gone; nothing was written.");
    }
    return toReconcileResult(resultAfterWrite(outcome.result, write));
  }

  async #applyStatus(
    key: string,
    request: SigningRequest,
    patch: RequestStatusPatch,
    signal: AbortSignal,
  ): Promise<WriteResult> {
    const body = requestApplyBody(request, patch) as unknown as ApplyConfiguration<KubeObject>;
    return await this.#write(key, () =>
      this.#requests.applyStatus(body, {
        fieldManager: this.#o.decision.fieldManager,
        force: true,
        signal,
      }));
  }

  async #mergeAnnotations(
    key: string,
    request: SigningRequest,
    annotations: Record<string, string>,
    signal: AbortSignal,
  ): Promise<WriteResult> {
    const { name = "", namespace } = request.object.metadata;
    return await this.#write(
      key,
      () =>
        this.#requests.patch(name, { type: "merge", body: { metadata: { annotations } } }, {
          ...(namespace ? { namespace } : {}),
          fieldManager: this.#o.decision.fieldManager,
          signal,
        }),
    );
  }

  async #write(key: string, send: () => Promise<KubeObject>): Promise<WriteResult> {
    try {
      this.#writes.remember(key, this.#transform(await send()));
      return { ok: true };
    } catch (error) {
      return { ok: false, error, notFound: isNotFound(error) };
    }
  }
}

/** Calls a hook; a throw becomes the back-off error of spec §2.5. */
async function askHook(hook: () => Promise<boolean>): Promise<boolean> {
  try {
    return await hook();
  } catch (e) {
    throw new Error(`failed to check if Request should be ignored: ${errorMessage(e)}`, {
      cause: e,
    });
  }
}
