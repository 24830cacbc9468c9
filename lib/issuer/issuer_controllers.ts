/**
 * The issuer library's controllers on a {@linkcode Manager}: one issuer controller per
 * issuer type, a CertificateRequest controller and a CertificateSigningRequest
 * controller, their caches, watches and triggers (spec §9), and the reported-error
 * channel between them (spec §8).
 *
 * @module
 */

import type { JsonObject } from "../core/json.ts";
import type { KubeObject } from "../client/object.ts";
import type { Informer } from "../cache/informer.ts";
import { objectKey } from "../cache/object_key.ts";
import type { Controller } from "../runtime/controller.ts";
import { type EventRecorder, KubeEventRecorder } from "../runtime/event_recorder.ts";
import type { Manager } from "../runtime/manager.ts";
import type { Predicate } from "../runtime/predicate.ts";
import type { ItemRateLimiter } from "../runtime/rate_limiter.ts";
import type {
  CheckFunction,
  IgnoreCertificateRequestFunction,
  IgnoreIssuerFunction,
  SignFunction,
} from "./issuer_functions.ts";
import { type IssuerMetrics, issuerMetrics } from "./issuer_metrics.ts";
import { IssuerReconciler } from "./issuer_reconciler.ts";
import { issuerIndexValue, issuerRefIndexFor } from "./issuer_ref_index.ts";
import type { IssuerObject, IssuerType } from "./issuer_type.ts";
import {
  certificateRequestPredicate,
  certificateSigningRequestPredicate,
  issuerPredicate,
  linkedIssuerPredicate,
  resourceVersionChanged,
  type UpdatePredicate,
} from "./predicates.ts";
import { ReportedErrors } from "./reported_errors.ts";
import type { RequestKind, SigningRequest } from "./request.ts";
import type { RequestDecisionOptions } from "./request_decision.ts";
import { RequestReconciler } from "./request_reconciler.ts";
import type { ChainValidator } from "./sign_result.ts";
import { validateSignedChain } from "./certificate/validate_signed_chain.ts";
import {
  certificateRequestTransform,
  certificateSigningRequestTransform,
} from "./_request_cache.ts";
import {
  CERTIFICATE_REQUESTS,
  CERTIFICATE_SIGNING_REQUESTS,
  controllerName,
  issuerResource,
} from "./_resources.ts";

/**
 * What the issuer controllers need: the issuer types, the field manager, `check` and
 * `sign`, and the options that tune them.
 *
 * @typeParam TSpec The spec type of the issuer objects.
 *
 * @example The options of a CA issuer
 * ```ts
 * import { type IssuerControllersOptions, issuerType } from "@certkit/issuer-lib";
 *
 * const options: IssuerControllersOptions<{ secretName: string }> = {
 *   issuerTypes: [issuerType<{ secretName: string }>({
 *     group: "ca.example.com", version: "v1", kind: "CAIssuer", plural: "caissuers", namespaced: true,
 *   })],
 *   fieldManager: "ca.example.com",
 *   check: async () => {},
 *   sign: () => Promise.reject(new Error("not implemented")),
 *   maxRetryDurationMs: 30 * 60_000,
 * };
 * console.assert(options.issuerTypes.length === 1);
 * ```
 */
export interface IssuerControllersOptions<TSpec = JsonObject> {
  /**
   * The issuer kinds, namespaced and cluster-scoped, in priority order (a request whose
   * `issuerRef.kind` is empty matches the first type of its group).
   */
  issuerTypes: readonly IssuerType<TSpec>[];
  /**
   * The server-side apply field manager of every status write, such as `ca.example.com`;
   * also the events' reporting controller.
   */
  fieldManager: string;
  /** Checks an issuer. */
  check: CheckFunction<TSpec>;
  /** Signs a request. */
  sign: SignFunction<TSpec>;
  /**
   * How long ordinary `sign` errors are retried, from the request's creation or approval
   * (default one hour; per type and per issuer overrides win).
   */
  maxRetryDurationMs?: number | undefined;
  /** How often a Ready issuer is re-checked (default ten minutes; 0 turns it off). */
  recheckIntervalMs?: number | undefined;
  /** The longest delay between two polls of a pending request (default five minutes). */
  pendingPollCapMs?: number | undefined;
  /** Deprecated: copy the CA returned by `sign` to a CertificateRequest's `status.ca`. */
  setCaOnCertificateRequest?: boolean | undefined;
  /** Do not run the CertificateRequest controller (cert-manager's CRDs are absent). */
  disableCertificateRequests?: boolean | undefined;
  /** Do not run the Kubernetes CertificateSigningRequest controller. */
  disableCertificateSigningRequests?: boolean | undefined;
  /** Leaves issuers — and the requests that name them — to another controller instance. */
  ignoreIssuer?: IgnoreIssuerFunction<TSpec> | undefined;
  /** Leaves requests to another controller instance. */
  ignoreCertificateRequest?: IgnoreCertificateRequestFunction | undefined;
  /** How many keys each controller reconciles at once (default 1). */
  workers?: number | undefined;
  /**
   * When `sign` has not answered after this long, a CertificateRequest without a Ready
   * condition is marked Initializing meanwhile (default 2 s). A quick `sign` costs one
   * status write per issuance.
   */
  slowSignAfterMs?: number | undefined;
  /**
   * Checks what `sign` returned against the CSR (default: the leaf must certify the
   * CSR's public key, see `validateSignedChain`); `false` turns it off.
   */
  validateChain?: ChainValidator | false | undefined;
  /** Where events go (default: events.k8s.io/v1 Events written through the manager's client). */
  eventRecorder?: EventRecorder | undefined;
  /** A fresh per-key rate limiter for each controller (default controller-runtime's). */
  rateLimiter?: (() => ItemRateLimiter<string>) | undefined;
}

/**
 * Which controllers {@linkcode IssuerControllers.addTo} adds.
 *
 * @example Only the request controllers
 * ```ts
 * import type { IssuerControllersParts } from "@certkit/issuer-lib";
 *
 * const parts: IssuerControllersParts = { issuers: false };
 * console.assert(parts.requests !== false);
 * ```
 */
export interface IssuerControllersParts {
  /** The issuer controllers, one per issuer type (default `true`). */
  issuers?: boolean;
  /** The CertificateRequest and CertificateSigningRequest controllers (default `true`). */
  requests?: boolean;
}

function checkOptions<TSpec>(options: IssuerControllersOptions<TSpec>): void {
  if (typeof options.fieldManager !== "string" || options.fieldManager === "") {
    throw new TypeError(
      `IssuerControllers: fieldManager must be a non-empty string, got ${
        JSON.stringify(options.fieldManager)
      }`,
    );
  }
  for (const name of ["check", "sign"] as const) {
    if (typeof options[name] !== "function") {
      throw new TypeError(
        `IssuerControllers: ${name} must be a function, got ${typeof options[name]}`,
      );
    }
  }
  if (!Array.isArray(options.issuerTypes)) {
    throw new TypeError(
      "IssuerControllers: issuerTypes must be an array of issuerType(...) results",
    );
  }
  const seen = new Set<string>();
  for (const type of options.issuerTypes) {
    if (seen.has(type.gvkString)) {
      throw new TypeError(`IssuerControllers: the issuer type ${type.gvkString} is listed twice`);
    }
    seen.add(type.gvkString);
  }
  for (const name of ["maxRetryDurationMs", "recheckIntervalMs", "pendingPollCapMs"] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(
        `IssuerControllers: ${name} must be a finite number of milliseconds >= 0, got ${value}`,
      );
    }
  }
  if (options.slowSignAfterMs !== undefined && !(options.slowSignAfterMs >= 0)) {
    throw new RangeError(
      `IssuerControllers: slowSignAfterMs must be a number of milliseconds >= 0, got ${options.slowSignAfterMs}`,
    );
  }
  if (options.workers !== undefined && !Number.isFinite(options.workers)) {
    throw new RangeError(
      `IssuerControllers: workers must be a finite number, got ${options.workers}`,
    );
  }
  if (options.disableCertificateRequests && options.disableCertificateSigningRequests) {
    throw new Error(
      "both CertificateRequest and Kubernetes CSR controllers are disabled, must enable at least one",
    );
  }
}

function updateFilter(predicate: UpdatePredicate): Predicate<KubeObject> {
  return { update: (old, object) => resourceVersionChanged(old, object) && predicate(old, object) };
}

/**
 * The issuer library's controllers, to add to an existing {@linkcode Manager} (use
 * `runIssuer` for a whole program). {@linkcode IssuerControllers.addTo} sets up, in this
 * order:
 * 1. Per issuer type: a shared informer and an issuer controller named
 *    `<plural>.<group>`, triggered by creates, deletes, generation, annotation and
 *    Ready-added/removed changes (IssuerPredicate), errors reported by `sign`, back-off,
 *    and the periodic re-check of Ready issuers.
 * 2. Unless disabled, the CertificateRequest controller
 *    (`certificaterequests.cert-manager.io`) and the CertificateSigningRequest controller
 *    (`certificatesigningrequests.certificates.k8s.io`). Each is triggered by creates,
 *    deletes and updates that pass its request predicate, and by the issuers its requests
 *    name: an index of the request cache by issuer reference lists exactly the requests
 *    of an issuer whose Ready condition appeared, vanished or changed status or
 *    observedGeneration (LinkedIssuerPredicate).
 * 3. Every update must also change `resourceVersion` (resyncs are dropped).
 *
 * The request caches drop `managedFields`, and the CSR, certificate and CA of requests in
 * a final state.
 *
 * @typeParam TSpec The spec type of the issuer objects.
 *
 * @example Adding the controllers to a manager
 * ```ts
 * import { IssuerControllers, issuerType, KubeClient, Manager } from "@certkit/issuer-lib";
 * import { CERTIFICATE_REQUESTS_CRD, FakeApiServer } from "@certkit/issuer-lib/testing";
 *
 * await using server = new FakeApiServer({ crds: [CERTIFICATE_REQUESTS_CRD] });
 * using client = new KubeClient("http://fake", server.fetch);
 * const controllers = new IssuerControllers({
 *   issuerTypes: [issuerType({ group: "ca.example.com", version: "v1", kind: "CAIssuer", plural: "caissuers", namespaced: true })],
 *   fieldManager: "ca.example.com",
 *   check: async () => {},
 *   sign: () => Promise.reject(new Error("not implemented")),
 *   disableCertificateSigningRequests: true,
 *   eventRecorder: { record() {} },
 * });
 * await using manager = new Manager({ client });
 * controllers.addTo(manager);
 * console.assert(controllers.controllers.length === 2);
 * ```
 */
export class IssuerControllers<TSpec = JsonObject> {
  /** The options, as given. */
  readonly options: Readonly<IssuerControllersOptions<TSpec>>;
  /** The reported-error channel shared by the controllers. */
  readonly #reportedErrors: ReportedErrors = new ReportedErrors();
  #controllers: Controller<string>[] = [];
  #metrics: IssuerMetrics | undefined;
  #added = false;

  /**
   * Checks the options; nothing is created until {@linkcode IssuerControllers.addTo}.
   *
   * @param options The issuer types, field manager, `check`, `sign` and tuning.
   * @throws {TypeError} When `fieldManager` is empty, `check` or `sign` is not a function,
   *   or an issuer type is listed twice.
   * @throws {RangeError} When a duration or the worker count is invalid.
   * @throws {Error} `both CertificateRequest and Kubernetes CSR controllers are disabled,
   *   must enable at least one`.
   */
  constructor(options: IssuerControllersOptions<TSpec>) {
    checkOptions(options);
    this.options = options;
  }

  /** The controllers added by {@linkcode IssuerControllers.addTo}: issuer types first. */
  get controllers(): readonly Controller<string>[] {
    return this.#controllers;
  }

  /** The issuer metrics, once added to a manager. */
  get metrics(): IssuerMetrics | undefined {
    return this.#metrics;
  }

  /**
   * Adds the informers, controllers and (unless one was given) the event recorder to a
   * manager that has not started.
   *
   * @param manager The manager.
   * @param parts Which controllers to add (default both): to run the issuer and the
   *   request controllers in separate processes, or to test one side alone. Without the
   *   issuer controllers, an `IssuerError` from `sign` cannot be reported and is retried.
   * @throws {TypeError} When the controllers were added before, or the manager started.
   */
  addTo(manager: Manager, parts: IssuerControllersParts = {}): void {
    if (this.#added) {
      throw new TypeError(
        "IssuerControllers.addTo: the controllers were added to a manager already",
      );
    }
    this.#added = true;
    const o = this.options;
    const types = o.issuerTypes as unknown as readonly IssuerType[];
    const metrics = issuerMetrics(manager.registry);
    this.#metrics = metrics;
    let recorder = o.eventRecorder;
    if (recorder === undefined) {
      const kube = new KubeEventRecorder(manager.client, {
        reportingController: o.fieldManager,
        reportingInstance: `${o.fieldManager.slice(0, 90)}-${crypto.randomUUID().slice(0, 8)}`,
      });
      manager.add(kube, { needLeaderElection: false });
      recorder = kube;
    }
    const controllerOptions = (name: string) => ({
      name,
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
      ...(o.rateLimiter ? { rateLimiter: o.rateLimiter() } : {}),
    });
    const issuerInformers = new Map<IssuerType, Informer<IssuerObject>>();
    for (const type of types) issuerInformers.set(type, manager.informerFor(issuerResource(type)));
    const informerOf = (type: IssuerType) => {
      const informer = issuerInformers.get(type);
      if (informer === undefined) throw new TypeError(`no informer for ${type.gvkString}`);
      return informer;
    };

    for (const type of parts.issuers === false ? [] : types) {
      const informer = informerOf(type);
      const reconciler = new IssuerReconciler({
        type,
        issuers: informer.store,
        client: manager.client,
        decision: {
          fieldManager: o.fieldManager,
          recheckIntervalMs: o.recheckIntervalMs,
          maxRetryDurationMs: o.maxRetryDurationMs,
        },
        check: o.check as unknown as CheckFunction,
        ignoreIssuer: o.ignoreIssuer as unknown as IgnoreIssuerFunction | undefined,
        reportedErrors: this.#reportedErrors,
        recorder,
        metrics,
      });
      informer.addHandler(observer((key, object) => reconciler.observe(key, object)));
      const controller = manager.controller<string>({
        ...controllerOptions(controllerName(type)),
        reconcile: reconciler.reconcile,
      }).watch(informer, { predicates: [updateFilter(issuerPredicate(type))] });
      this.#reportedErrors.register(type, (key) => {
        controller.enqueue(key.namespace === "" ? key.name : `${key.namespace}/${key.name}`);
      });
      this.#controllers.push(controller);
    }

    const decision: RequestDecisionOptions = {
      fieldManager: o.fieldManager,
      issuerTypes: types,
      maxRetryDurationMs: o.maxRetryDurationMs,
      pendingPollCapMs: o.pendingPollCapMs,
      setCAOnCertificateRequest: o.setCaOnCertificateRequest,
      validateChain: o.validateChain === false ? undefined : o.validateChain ?? validateSignedChain,
    };
    const kinds: RequestKind[] = parts.requests === false ? [] : [
      ...(o.disableCertificateRequests ? [] : ["CertificateRequest" as const]),
      ...(o.disableCertificateSigningRequests ? [] : ["CertificateSigningRequest" as const]),
    ];
    for (const kind of kinds) {
      const cr = kind === "CertificateRequest";
      const informer = (cr
        ? manager.informerFor(CERTIFICATE_REQUESTS, { transform: certificateRequestTransform })
        : manager.informerFor(CERTIFICATE_SIGNING_REQUESTS, {
          transform: certificateSigningRequestTransform,
        })) as unknown as Informer<KubeObject>;
      const indexNames = new Map<IssuerType, string>();
      for (const type of types) {
        const name = `issuerRef:${type.gvkString}`;
        const index = issuerRefIndexFor(type, types);
        informer.addIndex(name, (object) =>
          index({ kind, object } as SigningRequest));
        indexNames.set(type, name);
      }
      const reconciler = new RequestReconciler({
        kind,
        requests: informer.store,
        issuers: (type) => informerOf(type).store,
        client: manager.client,
        decision,
        sign: o.sign as unknown as SignFunction,
        ignoreIssuer: o.ignoreIssuer as unknown as IgnoreIssuerFunction | undefined,
        ignoreCertificateRequest: o.ignoreCertificateRequest,
        reportedErrors: this.#reportedErrors,
        recorder,
        metrics,
        slowSignAfterMs: o.slowSignAfterMs,
      });
      informer.addHandler(observer((key, object) => reconciler.observe(key, object)));
      const controller = manager.controller<string>({
        ...controllerOptions(
          controllerName(cr ? CERTIFICATE_REQUESTS : CERTIFICATE_SIGNING_REQUESTS),
        ),
        reconcile: reconciler.reconcile,
      }).watch(informer, {
        predicates: [
          updateFilter(cr ? certificateRequestPredicate : certificateSigningRequestPredicate),
        ],
      });
      for (const type of types) {
        const index = indexNames.get(type) ?? "";
        controller.watch(informerOf(type), {
          predicates: [updateFilter(linkedIssuerPredicate(type))],
          map: (issuer) => informer.store.keysByIndex(index, issuerIndexValue(issuer)),
        });
      }
      this.#controllers.push(controller);
    }
  }
}

/** An informer handler that tells `observe` the cached state of every changed key. */
function observer<T extends KubeObject>(observe: (key: string, object: T | undefined) => void) {
  return {
    onAdd: (object: T) => observe(objectKey(object), object),
    onUpdate: (_old: T, object: T) => observe(objectKey(object), object),
    onDelete: (object: T) => observe(objectKey(object), undefined),
  };
}
