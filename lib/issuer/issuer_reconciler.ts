/**
 * The issuer reconciler (spec §7): one per issuer type, the *doing* half around the pure
 * phases of `issuer_decision.ts`.
 *
 * @module
 */

import type { RestClient } from "../client/rest_client.ts";
import { isNotFound } from "../client/kube_api_error.ts";
import { ResourceClient } from "../client/resource_client.ts";
import type { ApplyConfiguration } from "../client/resource_options.ts";
import { dropManagedFields } from "../cache/transform.ts";
import type { EventRecorder } from "../runtime/event_recorder.ts";
import { objectReference } from "../runtime/object_reference.ts";
import type { ReconcileContext, ReconcileResult } from "../runtime/reconciler.ts";
import { findCondition } from "./conditions.ts";
import { errorMessage, findErrorInChain, PermanentError } from "./errors.ts";
import {
  type CheckOutcome,
  decideIssuerAfterCheck,
  decideIssuerBeforeCheck,
  type IssuerDecisionOptions,
  type IssuerOutcome,
} from "./issuer_decision.ts";
import type { CheckFunction, IgnoreIssuerFunction, IssuerContext } from "./issuer_functions.ts";
import type { IssuerMetrics } from "./issuer_metrics.ts";
import type { IssuerObject, IssuerType } from "./issuer_type.ts";
import { resultAfterWrite, type WriteResult } from "./outcome.ts";
import type { ReportedErrors } from "./reported_errors.ts";
import { statusApplyBody } from "./status_patch.ts";
import { RecentWrites } from "./_recent_writes.ts";
import { issuerKeyOf, issuerResource } from "./_resources.ts";
import { type CacheReader, toReconcileResult } from "./_reconcile_result.ts";

/** Options of {@linkcode IssuerReconciler}. */
export interface IssuerReconcilerOptions {
  /** The issuer type. */
  type: IssuerType;
  /** The issuer cache of that type. */
  issuers: CacheReader<IssuerObject>;
  /** The client status writes go through; also handed to `check`. */
  client: RestClient;
  /** The decision options (field manager, re-check interval, retry window). */
  decision: IssuerDecisionOptions;
  /** The check. */
  check: CheckFunction;
  /** Leaves issuers of another controller instance alone. */
  ignoreIssuer?: IgnoreIssuerFunction | undefined;
  /** The reported-error channel (its errors for this type are taken here). */
  reportedErrors: ReportedErrors;
  /** Where events go. */
  recorder: EventRecorder;
  /** The issuer metrics. */
  metrics: IssuerMetrics;
}

/**
 * Reconciles the issuers of one type:
 * 1. Take the error reported against the issuer (always first, so it is cleared).
 * 2. Read the issuer from the cache (gone: done) and call the `ignoreIssuer` hook.
 * 3. `decideIssuerBeforeCheck`; on `needCheck` call `check`, then
 *    `decideIssuerAfterCheck`.
 * 4. Apply the Ready condition (server-side apply on `/status`), record the events once
 *    it is written, set `certkit_issuer_ready`, and end as `resultAfterWrite` says — a
 *    Ready issuer is queued again after the re-check interval.
 */
export class IssuerReconciler {
  /** The issuer type. */
  readonly type: IssuerType;
  readonly #o: IssuerReconcilerOptions;
  readonly #issuers: ResourceClient<IssuerObject>;
  readonly #writes = new RecentWrites<IssuerObject>();

  /**
   * Creates the reconciler.
   *
   * @param options The cache, client, decision options, user functions and sinks.
   */
  constructor(options: IssuerReconcilerOptions) {
    this.type = options.type;
    this.#o = options;
    this.#issuers = new ResourceClient(options.client, issuerResource(options.type));
  }

  /** The reconcile function, for a `Controller`. */
  readonly reconcile = (key: string, ctx: ReconcileContext): Promise<ReconcileResult> =>
    this.#reconcile(key, ctx);

  /**
   * Tells the reconciler what the issuer cache now holds (register it as an informer
   * handler), so the answers of its own writes are dropped once the cache has them.
   *
   * @param key The issuer's cache key.
   * @param cached The cached object, or `undefined` after a delete.
   */
  observe(key: string, cached: IssuerObject | undefined): void {
    this.#writes.observe(key, cached);
  }

  async #reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const o = this.#o;
    const type = this.type;
    const issuerKey = issuerKeyOf(key);
    const reported = o.reportedErrors.take(type, issuerKey);
    const issuer = this.#writes.latest(key, o.issuers.get(key));
    if (issuer === undefined) {
      o.metrics.issuerReady.remove(type.group, type.kind, issuerKey.namespace, issuerKey.name);
      ctx.log.debug("The issuer is gone.");
      return {};
    }
    const uctx: IssuerContext = {
      signal: ctx.signal,
      log: ctx.log,
      client: o.client,
      clock: ctx.clock,
    };
    if (o.ignoreIssuer !== undefined) {
      let ignore: boolean;
      try {
        ignore = await o.ignoreIssuer(issuer, uctx);
      } catch (e) {
        throw new Error(`failed to check if issuer should be ignored: ${errorMessage(e)}`, {
          cause: e,
        });
      }
      if (ignore) {
        ctx.log.debug("Ignoring the issuer: the ignoreIssuer hook said so.");
        return {};
      }
    }
    const before = decideIssuerBeforeCheck(issuer, type, reported, o.decision, ctx.clock.now());
    if (before.kind === "ignore") {
      this.#setReady(issuer, undefined);
      ctx.log.debug("Ignoring the issuer: {reason}.", { reason: before.reason });
      return {};
    }
    if (before.kind === "done") return await this.#act(key, issuer, before.outcome, ctx);
    let checked: CheckOutcome;
    try {
      await o.check(issuer, uctx);
      checked = { ok: true };
    } catch (error) {
      checked = { ok: false, error };
    }
    const outcome = checked.ok
      ? "success"
      : findErrorInChain(checked.error, PermanentError) !== undefined
      ? "permanent"
      : "retryable";
    o.metrics.checks.labels(type.group, type.kind, outcome).inc();
    const after = decideIssuerAfterCheck(issuer, type, checked, o.decision, ctx.clock.now());
    return await this.#act(key, issuer, after, ctx);
  }

  async #act(
    key: string,
    issuer: IssuerObject,
    outcome: IssuerOutcome,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult> {
    let write: WriteResult = { ok: true };
    if (outcome.patch !== undefined) {
      const body = statusApplyBody(
        this.type.apiVersion,
        this.type.kind,
        issuer.metadata,
        outcome.patch,
      ) as unknown as ApplyConfiguration<IssuerObject>;
      try {
        const written = await this.#issuers.applyStatus(body, {
          fieldManager: this.#o.decision.fieldManager,
          force: true,
          signal: ctx.signal,
        });
        this.#writes.remember(key, dropManagedFields(written));
      } catch (error) {
        write = { ok: false, error, notFound: isNotFound(error) };
      }
    }
    if (write.ok) {
      const regarding = objectReference(issuer, issuerResource(this.type));
      for (const event of outcome.events) this.#o.recorder.record(regarding, event);
      this.#setReady(issuer, outcome.patch?.conditions);
    }
    return toReconcileResult(resultAfterWrite(outcome.result, write));
  }

  #setReady(
    issuer: IssuerObject,
    written: readonly { type: string; status: string }[] | undefined,
  ) {
    const ready = findCondition(written, "Ready") ??
      findCondition(issuer.status?.conditions, "Ready");
    const { namespace = "", name = "" } = issuer.metadata;
    this.#o.metrics.issuerReady.labels(this.type.group, this.type.kind, namespace, name)
      .set(ready?.status === "True" ? 1 : 0);
  }
}
