/**
 * Shared fixtures of the issuer decision tests: the test issuer types of the spec
 * (§12.2), the times T1/T2 of §13.2, and builders for requests and issuers.
 *
 * @module
 */

import { formatTime } from "../core/time.ts";
import type {
  CertificateRequestCondition,
  CertificateSigningRequestCondition,
  IssuerCondition,
} from "./conditions.ts";
import { type IssuerObject, issuerType } from "./issuer_type.ts";
import type {
  CertificateRequestObject,
  CertificateSigningRequestObject,
  SigningRequest,
} from "./request.ts";
import type { DecisionEvent } from "./outcome.ts";
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

export const testIssuer = issuerType({
  group: "testing.cert-manager.io",
  version: "api",
  kind: "TestIssuer",
  plural: "testissuers",
  namespaced: true,
});

export const testClusterIssuer = issuerType({
  group: "testing.cert-manager.io",
  version: "api",
  kind: "TestClusterIssuer",
  plural: "testclusterissuers",
  namespaced: false,
});

export const T1ms = Date.UTC(2024, 4, 1, 10, 0, 0);
export const T2ms = T1ms + 4 * 3600_000;
export const T1 = formatTime(T1ms);
export const T2 = formatTime(T2ms);
export const minutes = (n: number) => n * 60_000;

export const CSR_PEM =
  "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
export const CSR_B64 = btoa(CSR_PEM);

/** cr1 of §13.2: Ready=Unknown/Initializing at T1 and Approved=True at T1. */
export function cr1(
  change: {
    conditions?: CertificateRequestCondition[];
    issuerRef?: CertificateRequestObject["spec"]["issuerRef"];
    creationTimestamp?: string;
    certificate?: string;
  } = {},
): SigningRequest {
  return {
    kind: "CertificateRequest",
    object: {
      apiVersion: "cert-manager.io/v1",
      kind: "CertificateRequest",
      metadata: {
        name: "cr1",
        namespace: "ns1",
        ...(change.creationTimestamp !== undefined
          ? { creationTimestamp: change.creationTimestamp }
          : {}),
      },
      spec: {
        issuerRef: change.issuerRef ??
          { group: "testing.cert-manager.io", kind: "TestIssuer", name: "issuer-1" },
        request: CSR_B64,
      },
      status: {
        conditions: change.conditions ?? [readyInitializing, approvedCR],
        ...(change.certificate !== undefined ? { certificate: change.certificate } : {}),
      },
    },
  };
}

export const readyInitializing: CertificateRequestCondition = {
  type: "Ready",
  status: "Unknown",
  reason: "Initializing",
  message:
    "test-certificate-request-reconciler-reconcile has started reconciling this CertificateRequest",
  lastTransitionTime: T1,
};
export const approvedCR: CertificateRequestCondition = {
  type: "Approved",
  status: "True",
  reason: "Approved",
  message: "approved",
  lastTransitionTime: T1,
};

/** The CSR of §13.4: signer of a namespaced type with no dot-free form, Approved=True at T1. */
export function csr1(
  change: {
    conditions?: CertificateSigningRequestCondition[];
    signerName?: string;
    creationTimestamp?: string;
    certificate?: string;
  } = {},
): SigningRequest {
  const object: CertificateSigningRequestObject = {
    apiVersion: "certificates.k8s.io/v1",
    kind: "CertificateSigningRequest",
    metadata: {
      name: "cr1",
      ...(change.creationTimestamp !== undefined
        ? { creationTimestamp: change.creationTimestamp }
        : {}),
    },
    spec: {
      signerName: change.signerName ??
        "testissuers.testing.cert-manager.io/unknown-namespace.unknown-name",
      request: CSR_B64,
      username: "alice",
      uid: "u-1",
      groups: ["devs"],
      extra: { scopes: ["a"] },
    },
    status: {
      conditions: change.conditions ?? [approvedCSR],
      ...(change.certificate !== undefined ? { certificate: change.certificate } : {}),
    },
  };
  return { kind: "CertificateSigningRequest", object };
}

export const approvedCSR: CertificateSigningRequestCondition = {
  type: "Approved",
  status: "True",
  reason: "Approved",
  message: "approved",
  lastUpdateTime: T1,
  lastTransitionTime: T1,
};

export const CLUSTER_SIGNER = "testclusterissuers.testing.cert-manager.io/cluster-issuer-1";

export const readyChecked: IssuerCondition = {
  type: "Ready",
  status: "True",
  reason: "Checked",
  message: "Succeeded checking the issuer",
  observedGeneration: 70,
  lastTransitionTime: T1,
};

/** issuer-1 in ns1 (or cluster-issuer-1): generation 70, Ready=True/Checked at T1. */
export function issuer(
  change: {
    cluster?: boolean;
    generation?: number;
    conditions?: IssuerCondition[];
    annotations?: Record<string, string>;
  } = {},
): IssuerObject {
  const t = change.cluster === true ? testClusterIssuer : testIssuer;
  return {
    apiVersion: t.apiVersion,
    kind: t.kind,
    metadata: {
      name: change.cluster === true ? "cluster-issuer-1" : "issuer-1",
      ...(change.cluster === true ? {} : { namespace: "ns1" }),
      generation: change.generation ?? 70,
      ...(change.annotations !== undefined ? { annotations: change.annotations } : {}),
    },
    status: { conditions: change.conditions ?? [readyChecked] },
  };
}

/** Renders events as the Go test fakes do: `<type> <reason> <note>`. */
export function rendered(events: readonly DecisionEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.reason} ${e.note}`);
}

export const FM = "test-certificate-request-reconciler-reconcile";

export const PEM_CHAIN =
  "-----BEGIN CERTIFICATE-----\nYS1zaWduZWQtY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
export const PEM_CHAIN_B64 = btoa(PEM_CHAIN);

/** What a simulated reconcile (the three phases, no I/O) ended with. */
export type Run =
  | { phase: "ignore"; reason: string }
  | { phase: "needSign"; step: NeedSign }
  | { phase: "outcome"; outcome: RequestOutcome; signed: boolean };

/**
 * Runs the three request phases as a reconciler would, with the issuer read and the sign
 * outcome given (defaults: the issuer the request names, Ready at generation 70).
 */
export function runRequest(
  request: SigningRequest | undefined,
  given: {
    issuer?: IssuerRead;
    sign?: SignOutcome;
    referenceAllowed?: boolean;
    options?: Partial<RequestDecisionOptions>;
    now?: number;
  } = {},
): Run {
  const options: RequestDecisionOptions = {
    fieldManager: FM,
    issuerTypes: [testIssuer, testClusterIssuer],
    maxRetryDurationMs: minutes(1),
    ...given.options,
  };
  const now = given.now ?? T2ms;
  const p1 = decideBeforeIssuer(request, options);
  if (p1.kind === "ignore") return { phase: "ignore", reason: p1.reason };
  const read: IssuerRead = given.issuer ??
    { kind: "found", issuer: issuer({ cluster: !p1.issuerType.namespaced }) };
  const p2 = decideWithIssuer(
    request!,
    p1,
    { issuer: read, referenceAllowed: given.referenceAllowed },
    options,
    now,
  );
  if (p2.kind === "done") return { phase: "outcome", outcome: p2.outcome, signed: false };
  if (given.sign === undefined) return { phase: "needSign", step: p2 };
  return {
    phase: "outcome",
    outcome: decideAfterSign(request!, p2, given.sign, options, now),
    signed: true,
  };
}

/** The outcome of a run that must have produced one. */
export function outcomeOf(run: Run): RequestOutcome & { signed: boolean } {
  if (run.phase !== "outcome") throw new Error(`expected an outcome, got ${run.phase}`);
  return { ...run.outcome, signed: run.signed };
}

/** The result as comparable data: `{ requeueAfterMs }` or `{ error: message, terminal }`. */
export function resultOf(
  outcome: RequestOutcome,
): { requeueAfterMs?: number } | { error: string; terminal: boolean } {
  const r = outcome.result;
  return "error" in r ? { error: r.error.message, terminal: r.terminal } : r;
}

export const fail = (error: unknown): SignOutcome => ({ ok: false, error });
export const signed = (chainPem = PEM_CHAIN): SignOutcome => ({ ok: true, result: { chainPem } });
export const at = (ms: number) => formatTime(ms);
