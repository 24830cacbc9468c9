/**
 * A running conformance kit: the target cluster, the library's controllers running the
 * author's `check` and `sign` (wrapped to inject failures), the author's issuers, and the
 * helpers the cases use to make requests and wait for their outcomes.
 *
 * @module
 */
import "reflect-metadata";
import { systemClock } from "../../core/clock.ts";
import type { JsonObject } from "../../core/json.ts";
import { formatTime } from "../../core/time.ts";
import type { KubeClient } from "../../client/kube_client.ts";
import type { RestJsonValue } from "../../client/rest_client.ts";
import { Manager } from "../../runtime/manager.ts";
import { ExponentialFailureRateLimiter } from "../../runtime/rate_limiter.ts";
import { PermanentError } from "../../issuer/errors.ts";
import { IssuerControllers } from "../../issuer/issuer_controllers.ts";
import type { SignFunction } from "../../issuer/issuer_functions.ts";
import type { IssuerType } from "../../issuer/issuer_type.ts";
import { generateCsr } from "../../issuer/certificate/generate_csr.ts";
import { FakeEventRecorder } from "../fake_event_recorder.ts";
import {
  CaseFailure,
  checkIssued,
  type Condition,
  conditionOf,
  fail,
  type IssuedCertificate,
  type RequestShape,
  statusField,
} from "./_checks.ts";
import type {
  ConformanceIssuer,
  ConformanceIssuerRef,
  ConformanceIssuerScope,
  ConformanceOptions,
} from "./conformance_options.ts";
import type { KitResource, KitTarget } from "./_target.ts";

/** cert-manager's CertificateRequests. */
export const CERTIFICATE_REQUESTS: KitResource = {
  resource: "certificaterequests.cert-manager.io",
  apiPath: "/apis/cert-manager.io/v1",
  plural: "certificaterequests",
  namespaced: true,
};

/** Kubernetes CSRs. */
export const CERTIFICATE_SIGNING_REQUESTS: KitResource = {
  resource: "certificatesigningrequests.certificates.k8s.io",
  apiPath: "/apis/certificates.k8s.io/v1",
  plural: "certificatesigningrequests",
  namespaced: false,
};

/** The resource of an issuer type. */
export function issuerResource(type: IssuerType<JsonObject>): KitResource {
  return {
    resource: `${type.plural}.${type.group}`,
    apiPath: `/apis/${type.group}/${type.version}`,
    plural: type.plural,
    namespaced: type.namespaced,
  };
}

function goDuration(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

function csrFor(shape: RequestShape): Promise<{ csrPem: string }> {
  return generateCsr({
    ...(shape.subject !== undefined ? { subject: shape.subject } : {}),
    ...(shape.dnsNames ? { dnsNames: shape.dnsNames } : {}),
    ...(shape.ipAddresses ? { ipAddresses: shape.ipAddresses } : {}),
    ...(shape.uris ? { uris: shape.uris } : {}),
    ...(shape.emailAddresses ? { emailAddresses: shape.emailAddresses } : {}),
    keyAlgorithm: shape.keyAlgorithm ?? "ECDSA-P256",
  });
}

/** How a kit-made request is approved. */
export type Approval = "approved" | "unapproved" | "denied" | "approvedAndDenied";

/** Options of {@linkcode KitEnv.createCsr}. */
export interface CsrOptions {
  /** The scope of the issuer to name (default `cluster`). */
  scope?: "cluster" | "namespaced";
  /** A signer name instead of the issuer's. */
  signerName?: string;
  /** How the CSR is approved (default `approved`; `approvedAndDenied` is not allowed). */
  approval?: Exclude<Approval, "approvedAndDenied">;
  /** Who creates it (default the admin client). */
  client?: KubeClient;
  expirationSeconds?: number;
  annotations?: Record<string, string>;
}

/** The running kit. */
export class KitEnv {
  readonly recorder = new FakeEventRecorder();
  readonly manager: Manager;
  /** Failures to inject into `sign`, by request name. */
  readonly faults = new Map<string, "transient" | "permanent">();
  /** How often `sign` was called, by request name. */
  readonly signCalls = new Map<string, number>();
  readonly #stop = new AbortController();
  readonly #issuers = new Map<ConformanceIssuerScope, ConformanceIssuer>();
  /** Every issuer `createIssuer` made, to clean up. */
  readonly #made: ConformanceIssuer[] = [];
  #running: Promise<void> | undefined;
  #count = 0;
  /** Set once the first case made a Ready issuer for CertificateRequests. */
  issuerReady = false;

  constructor(readonly options: ConformanceOptions<JsonObject>, readonly target: KitTarget) {
    this.manager = new Manager({ client: target.controllerClient });
    const sign: SignFunction<JsonObject> = (request, issuer, ctx) => {
      const name = request.metadata.name ?? "";
      this.signCalls.set(name, (this.signCalls.get(name) ?? 0) + 1);
      const fault = this.faults.get(name);
      if (fault === "transient") {
        this.faults.delete(name);
        return Promise.reject(new Error("conformance: injected transient sign failure"));
      }
      if (fault === "permanent") {
        return Promise.reject(new PermanentError("conformance: injected permanent sign failure"));
      }
      return options.sign(request, issuer, ctx);
    };
    new IssuerControllers<JsonObject>({
      issuerTypes: options.issuerTypes,
      fieldManager: options.fieldManager,
      check: options.check,
      sign,
      eventRecorder: this.recorder,
      // Quick retries that still let timers run (a failing check must not spin).
      rateLimiter: () => new ExponentialFailureRateLimiter<string>(1, 100),
    }).addTo(this.manager);
  }

  get client(): KubeClient {
    return this.target.client;
  }

  get timeoutMs(): number {
    return this.options.timeoutMs ?? (this.target.isFake ? 10_000 : 30_000);
  }

  async start(): Promise<void> {
    this.#running = this.manager.start(this.#stop.signal);
    await this.manager.informers.synced();
  }

  /** Stops the controllers, then removes the issuers (the author's cleanup first). */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    for (const issuer of this.#made) {
      await issuer.cleanup?.();
      const type = this.options.issuerTypes.find((t) =>
        t.group === issuer.ref.group && t.kind === issuer.ref.kind
      );
      if (type && !type.namespaced) {
        this.target.track(`${issuerResource(type).apiPath}/${type.plural}/${issuer.ref.name}`);
      }
    }
  }

  /** A fresh name; cluster-scoped names carry the run's prefix. */
  nextName(prefix: string, clusterScoped = false): string {
    const name = `${prefix}-${++this.#count}`;
    return clusterScoped ? `${this.target.prefix}-${name}` : name;
  }

  issuerTypeOf(ref: ConformanceIssuerRef): IssuerType<JsonObject> {
    const type = this.options.issuerTypes.find((t) => t.group === ref.group && t.kind === ref.kind);
    if (!type) {
      fail(`createIssuer returned ${ref.kind}.${ref.group}, which is not one of the issuerTypes`);
    }
    return type;
  }

  async waitFor(
    resource: KitResource,
    namespace: string,
    name: string,
    predicate: (o: JsonObject | undefined) => boolean,
    what: string,
  ): Promise<JsonObject> {
    const { held, last } = await this.target.waitFor(
      resource,
      namespace,
      name,
      predicate,
      this.timeoutMs,
    );
    if (!held) {
      fail(
        `${what} within ${this.timeoutMs} ms; last status: ${JSON.stringify(last?.status ?? null)}`,
      );
    }
    if (last === undefined) fail(`${what}: the object is gone`);
    return last;
  }

  /**
   * Lets in-process work settle: waits until the controllers' client has no request in
   * flight and sent none for a number of turns, or until the timeout (an issuer that keeps
   * retrying is never quiet).
   */
  async quiet(turns = 30): Promise<void> {
    const requests = this.target.requests;
    const deadline = systemClock.now() + this.timeoutMs;
    let last = -1;
    let stable = 0;
    const needed = this.target.isFake ? turns : 8;
    while (stable < needed && systemClock.now() < deadline) {
      await systemClock.sleep(this.target.settleTurnMs);
      const seq = requests.seq;
      stable = seq === last && requests.inFlight === 0 ? stable + 1 : 0;
      last = seq;
    }
  }

  /** Status writes the controllers sent for a request. */
  statusWrites(resource: KitResource, name: string): number {
    return this.target.requests.statusWrites(resource.plural, name);
  }

  /** The issuer of a scope, made (and waited Ready) on first use. */
  async issuerFor(scope: ConformanceIssuerScope): Promise<ConformanceIssuer> {
    const made = this.#issuers.get(scope);
    if (made) return made;
    const forKubernetesCsrs = scope !== "any";
    const issuer = await this.options.createIssuer({
      client: this.client,
      namespace: this.target.namespace,
      name: this.nextName("issuer", true),
      forKubernetesCsrs,
      scope,
    });
    this.#made.push(issuer);
    const type = this.issuerTypeOf(issuer.ref);
    if (scope === "cluster" && type.namespaced) {
      fail(`createIssuer was asked for a cluster-scoped issuer but returned ${type.kind}`);
    }
    if (scope === "namespaced" && !type.namespaced) {
      fail(`createIssuer was asked for a namespaced issuer but returned ${type.kind}`);
    }
    if (type.namespaced && issuer.ref.namespace === undefined) {
      fail(
        `createIssuer returned the namespaced ${type.kind} ${issuer.ref.name} without a namespace`,
      );
    }
    this.#issuers.set(scope, issuer);
    await this.waitForIssuerReady(issuer.ref);
    return issuer;
  }

  async waitForIssuerReady(ref: ConformanceIssuerRef): Promise<JsonObject> {
    const type = this.issuerTypeOf(ref);
    return await this.waitFor(
      issuerResource(type),
      ref.namespace ?? "",
      ref.name,
      (o) => conditionOf(o, "Ready")?.status === "True",
      `the ${ref.kind} ${JSON.stringify(ref.name)} did not become Ready=True`,
    );
  }

  requireIssuer(): ConformanceIssuer {
    const issuer = this.#issuers.get("any");
    if (!issuer || !this.issuerReady) {
      fail("the issuer never became Ready, so no request can be issued (see the first case)");
    }
    return issuer;
  }

  get requestNamespace(): string {
    return this.#issuers.get("any")?.ref.namespace ?? this.target.namespace;
  }

  /** Creates a CertificateRequest (approved unless told); returns its name and CSR. */
  async createCertificateRequest(
    shape: RequestShape,
    options: {
      approval?: Approval;
      issuerRef?: { name: string; kind?: string; group?: string };
      name?: string;
    } = {},
  ): Promise<{ name: string; csrPem: string }> {
    const issuer = this.requireIssuer();
    const name = options.name ?? this.nextName("cr");
    const { csrPem } = await csrFor(shape);
    const issuerRef = options.issuerRef ??
      { name: issuer.ref.name, kind: issuer.ref.kind, group: issuer.ref.group };
    await this.client.performRequest({
      method: "POST",
      path:
        `${CERTIFICATE_REQUESTS.apiPath}/namespaces/${this.requestNamespace}/certificaterequests`,
      bodyJson: {
        apiVersion: "cert-manager.io/v1",
        kind: "CertificateRequest",
        metadata: { name, namespace: this.requestNamespace },
        spec: {
          issuerRef,
          request: btoa(csrPem),
          ...(shape.usages ? { usages: shape.usages } : {}),
          ...(shape.durationMs !== undefined ? { duration: goDuration(shape.durationMs) } : {}),
          ...(shape.isCA ? { isCA: true } : {}),
        },
      },
      expectJson: true,
    });
    const approval = options.approval ?? "approved";
    const conditions: Condition[] = [];
    if (approval === "approved" || approval === "approvedAndDenied") {
      conditions.push({ type: "Approved", status: "True", reason: "Conformance" });
    }
    if (approval === "denied" || approval === "approvedAndDenied") {
      conditions.push({ type: "Denied", status: "True", reason: "Conformance" });
    }
    if (conditions.length > 0) await this.setConditions(name, conditions);
    return { name, csrPem };
  }

  /** Sets approver conditions on a CertificateRequest, as cert-manager's approver would. */
  async setConditions(name: string, conditions: Condition[]): Promise<void> {
    const now = formatTime(systemClock.now());
    await this.client.performRequest({
      method: "PATCH",
      path:
        `${CERTIFICATE_REQUESTS.apiPath}/namespaces/${this.requestNamespace}/certificaterequests/${name}/status`,
      querystring: new URLSearchParams({ fieldManager: "conformance-approver", force: "true" }),
      contentType: "application/apply-patch+yaml",
      bodyJson: {
        apiVersion: "cert-manager.io/v1",
        kind: "CertificateRequest",
        metadata: { name, namespace: this.requestNamespace },
        status: {
          conditions: conditions.map((c) => ({
            message: `${c.type} by the conformance kit`,
            ...c,
            lastTransitionTime: now,
          })),
        },
      } as RestJsonValue,
      expectJson: true,
    });
  }

  async waitForCertificate(name: string): Promise<{ cr: JsonObject; chainPem: string }> {
    const cr = await this.waitFor(
      CERTIFICATE_REQUESTS,
      this.requestNamespace,
      name,
      (o) =>
        conditionOf(o, "Ready")?.status === "True" || conditionOf(o, "Ready")?.reason === "Failed",
      `the approved CertificateRequest ${name} did not become Ready=True`,
    );
    const ready = conditionOf(cr, "Ready");
    if (ready?.status !== "True") {
      fail(`the CertificateRequest ${name} failed instead: ${ready?.reason}: ${ready?.message}`);
    }
    const certificate = statusField(cr, "certificate");
    if (!certificate) fail(`the CertificateRequest ${name} is Ready but has no status.certificate`);
    return { cr, chainPem: atob(certificate) };
  }

  /** Issues a CertificateRequest and checks its certificate against the request. */
  async issue(shape: RequestShape): Promise<IssuedCertificate> {
    const { name, csrPem } = await this.createCertificateRequest(shape);
    const { cr, chainPem } = await this.waitForCertificate(name);
    return checkIssued(shape, csrPem, chainPem, statusField(cr, "ca"));
  }

  signerName(ref: ConformanceIssuerRef): string {
    const type = this.issuerTypeOf(ref);
    const scope = type.namespaced ? `${ref.namespace}.` : "";
    return `${type.typeIdentifier}/${scope}${ref.name}`;
  }

  /** Creates a Kubernetes CSR (approved unless told); returns its name and CSR. */
  async createCsr(
    shape: RequestShape,
    options: CsrOptions = {},
  ): Promise<{ name: string; csrPem: string }> {
    const issuer = await this.issuerFor(options.scope ?? "cluster");
    const name = this.nextName("csr", true);
    const { csrPem } = await csrFor(shape);
    const path = `${CERTIFICATE_SIGNING_REQUESTS.apiPath}/certificatesigningrequests`;
    await (options.client ?? this.client).performRequest({
      method: "POST",
      path,
      bodyJson: {
        apiVersion: "certificates.k8s.io/v1",
        kind: "CertificateSigningRequest",
        metadata: { name, ...(options.annotations ? { annotations: options.annotations } : {}) },
        spec: {
          signerName: options.signerName ?? this.signerName(issuer.ref),
          request: btoa(csrPem),
          usages: shape.usages ?? ["digital signature", "key encipherment", "server auth"],
          ...(options.expirationSeconds !== undefined
            ? { expirationSeconds: options.expirationSeconds }
            : {}),
        },
      },
      expectJson: true,
    });
    this.target.track(`${path}/${name}`);
    const approval = options.approval ?? "approved";
    if (approval !== "unapproved") {
      const type = approval === "approved" ? "Approved" : "Denied";
      await this.client.performRequest({
        method: "PATCH",
        path: `${path}/${name}/approval`,
        contentType: "application/merge-patch+json",
        bodyJson: {
          status: {
            conditions: [{
              type,
              status: "True",
              reason: "Conformance",
              message: `${type.toLowerCase()} by the conformance kit`,
            }],
          },
        },
        expectJson: true,
      });
    }
    return { name, csrPem };
  }

  /** Waits for a CSR's certificate or Failed condition; fails when it failed. */
  async waitForCsrCertificate(name: string): Promise<string> {
    const csr = await this.waitFor(
      CERTIFICATE_SIGNING_REQUESTS,
      "",
      name,
      (o) => statusField(o, "certificate") !== undefined || conditionOf(o, "Failed") !== undefined,
      `the approved CertificateSigningRequest ${name} got no certificate`,
    );
    const certificate = statusField(csr, "certificate");
    if (!certificate) {
      const failed = conditionOf(csr, "Failed");
      fail(`the CertificateSigningRequest ${name} failed: ${failed?.reason}: ${failed?.message}`);
    }
    return atob(certificate);
  }

  /** Issues an approved Kubernetes CSR and checks its certificate. */
  async issueCsr(shape: RequestShape, options: CsrOptions = {}): Promise<IssuedCertificate> {
    const { name, csrPem } = await this.createCsr(shape, options);
    return checkIssued(shape, csrPem, await this.waitForCsrCertificate(name), undefined);
  }

  /** Reads a CSR. */
  async getCsr(name: string): Promise<JsonObject | undefined> {
    const { last } = await this.target.waitFor(
      CERTIFICATE_SIGNING_REQUESTS,
      "",
      name,
      () => true,
      0,
    );
    return last;
  }
}

/** Reports an unexpected error of a case as its message. */
export function caseMessage(error: unknown): string {
  return error instanceof CaseFailure
    ? error.message
    : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}
