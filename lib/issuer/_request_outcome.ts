/**
 * Building a request outcome from the state a decision reached: the status patch (the
 * state's condition, custom conditions, certificate, failure time), the event, and the
 * difference-2 rule that drops a patch — and, for a CR, the event — that repeats what the
 * status already says. Also the pending-since rule of the pending back-off.
 *
 * @module
 */

import { parseTime } from "../core/time.ts";
import {
  type CertificateRequestCondition,
  type CertificateSigningRequestCondition,
  type ConditionInput,
  findCondition,
  setCertificateRequestCondition,
  setCertificateSigningRequestCondition,
} from "./conditions.ts";
import type { IssuerObject, IssuerType } from "./issuer_type.ts";
import type { IssuerKey } from "./matching.ts";
import type { DecisionEvent, DecisionResult } from "./outcome.ts";
import { requestConditions, type SigningRequest } from "./request.ts";
import { retryWindowStart } from "./retry_window.ts";
import { patchChangesStatus, type RequestStatusPatch } from "./status_patch.ts";
import { PENDING_PREFIX, type RequestState, stateWrite } from "./_request_states.ts";

/** What the reconciler does at the end of a request reconcile. */
export interface RequestOutcome {
  /** The status to apply, or `undefined` when nothing changes. */
  patch: RequestStatusPatch | undefined;
  /** Annotations to apply before the status, or `undefined`. */
  annotations: Record<string, string> | undefined;
  /** Events to record on the request. */
  events: DecisionEvent[];
  /** How the reconcile ends. */
  result: DecisionResult;
  /** An issuer error to report to the issuer's reconciler before writing. */
  reportIssuerError: { issuerType: IssuerType; issuerKey: IssuerKey; error: unknown } | undefined;
}

/**
 * Since when the request has been pending: never before the retry window started or the
 * issuer became ready; for a CR, `undefined` (first pending answer) unless its Ready
 * condition already says Pending, and then not before that condition's transition.
 */
export function pendingSince(request: SigningRequest, issuer: IssuerObject): number | undefined {
  const issuerReady = findCondition(issuer.status?.conditions, "Ready")?.lastTransitionTime;
  const base = Math.max(retryWindowStart(request), parseTime(issuerReady ?? "") ?? -Infinity);
  if (request.kind === "CertificateSigningRequest") return Number.isFinite(base) ? base : undefined;
  const ready = findCondition(requestConditions(request), "Ready");
  if (
    ready?.status !== "False" || ready.reason !== "Pending" ||
    !(ready.message ?? "").startsWith(PENDING_PREFIX)
  ) {
    return undefined;
  }
  const since = Math.max(base, parseTime(ready.lastTransitionTime ?? "") ?? -Infinity);
  return Number.isFinite(since) ? since : undefined;
}

export interface OutcomeExtras {
  result: DecisionResult;
  custom?: readonly ConditionInput[];
  certificate?: string | undefined;
  ca?: string | undefined;
  annotations?: Readonly<Record<string, string>> | undefined;
  report?: RequestOutcome["reportIssuerError"];
}

/** Builds the patch and events of a state, dropping what repeats the current state. */
export function buildOutcome(
  request: SigningRequest,
  state: RequestState,
  now: number,
  extras: OutcomeExtras,
): RequestOutcome {
  const write = stateWrite(request.kind, state);
  const current = requestConditions(request);
  const inputs = [
    ...(extras.custom ?? []),
    ...(write.condition === undefined ? [] : [write.condition]),
  ];
  let patch: RequestStatusPatch | undefined;
  if (state.name !== "UnexpectedError") {
    if (request.kind === "CertificateRequest") {
      let conditions: CertificateRequestCondition[] = [];
      let time = "";
      for (const input of inputs) {
        ({ conditions, time } = setCertificateRequestCondition(conditions, current, input, now));
      }
      patch = {
        ...(conditions.length > 0 ? { conditions } : {}),
        ...(extras.certificate !== undefined ? { certificate: extras.certificate } : {}),
        ...(extras.ca !== undefined ? { ca: extras.ca } : {}),
        ...(write.failureTime ? { failureTime: time } : {}),
      };
    } else {
      let conditions: CertificateSigningRequestCondition[] = [];
      for (const input of inputs) {
        ({ conditions } = setCertificateSigningRequestCondition(conditions, current, input, now));
      }
      patch = {
        ...(conditions.length > 0 ? { conditions } : {}),
        ...(extras.certificate !== undefined ? { certificate: extras.certificate } : {}),
      };
    }
  }
  let events = [write.event];
  if (patch !== undefined && !patchChangesStatus(request.object.status, patch)) {
    patch = undefined;
    // A CR's status already tells this state: the event would repeat it. A CSR's waiting
    // and retry states are visible only as events, so those are kept.
    if (request.kind === "CertificateRequest") events = [];
  }
  return {
    patch,
    annotations: changedAnnotations(request, extras.annotations),
    events,
    result: extras.result,
    reportIssuerError: extras.report,
  };
}

function changedAnnotations(
  request: SigningRequest,
  wanted: Readonly<Record<string, string>> | undefined,
): Record<string, string> | undefined {
  if (wanted === undefined) return undefined;
  const current = request.object.metadata.annotations ?? {};
  const changed = Object.entries(wanted).filter(([k, v]) => current[k] !== v);
  return changed.length === 0 ? undefined : Object.fromEntries(changed);
}

export function base64(text: string): string {
  let binary = "";
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}
