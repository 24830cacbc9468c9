/**
 * The per-state writes and events of the request reconcilers: the tables of spec §6.2
 * (CertificateRequest) and §6.3 (CertificateSigningRequest), with the spec's differences 3
 * (single Pending prefix, event reason `Pending` for both kinds) and 10 (namespaced CSR
 * issuers: the reference check).
 *
 * @module
 */

import type { ConditionInput } from "./conditions.ts";
import type { IssuerKey } from "./matching.ts";
import type { DecisionEvent } from "./outcome.ts";
import type { RequestKind } from "./request.ts";

/** The state a request reconcile ends in. */
export type RequestState =
  | { name: "Denied" }
  | { name: "DeniedReference"; key: IssuerKey }
  | { name: "WaitingForIssuerExist"; notFoundMessage: string }
  | { name: "WaitingForIssuerReady"; message: string }
  | { name: "Pending"; err: string }
  | { name: "RetryableError"; err: string }
  | { name: "PermanentError"; err: string }
  | { name: "Issued" }
  | { name: "UnexpectedError" };

/** What a state writes: a condition (CR: `Ready`; CSR: `Failed`), failure time, event. */
export interface StateWrite {
  /** The condition to set, if the state has one for this kind. */
  condition: ConditionInput | undefined;
  /** Whether `status.failureTime` is set (CRs only). */
  failureTime: boolean;
  /** The event to record. */
  event: DecisionEvent;
}

/** The start of every Pending message (difference 3: written once). */
export const PENDING_PREFIX = "Signing still in progress. Reason: ";

/** The message of the Initializing state of a CR. */
export function initializingMessage(fieldManager: string): string {
  return `${fieldManager} has started reconciling this CertificateRequest`;
}

/** The three "waiting for the issuer to be ready" messages of §6.2. */
export const waitingForIssuerReady = {
  none: "Waiting for issuer to become ready. Current issuer ready condition: <none>.",
  outdated: "Waiting for issuer to become ready. Current issuer ready condition is outdated.",
  notReady: (reason: string, message: string) =>
    `Waiting for issuer to become ready. Current issuer ready condition is "${reason}": ${message}.`,
};

const DENIED = "Detected that the CertificateRequest is denied, so it will never be Ready.";

function ev(
  type: DecisionEvent["type"],
  reason: string,
  action: DecisionEvent["action"],
  note: string,
): DecisionEvent {
  return { type, reason, action, note };
}

function ready(status: ConditionInput["status"], reason: string, message: string): ConditionInput {
  return { type: "Ready", status, reason, message };
}

/**
 * The write and event of a state for a request kind.
 *
 * @param kind The request kind.
 * @param state The state.
 * @returns The condition, failure-time flag and event.
 */
export function stateWrite(kind: RequestKind, state: RequestState): StateWrite {
  const cr = kind === "CertificateRequest";
  const none = { condition: undefined, failureTime: false };
  switch (state.name) {
    case "Denied":
      return {
        condition: ready("False", "Denied", DENIED),
        failureTime: true,
        event: ev("Warning", "PermanentError", "SyncFailed", DENIED),
      };
    case "DeniedReference": {
      const note =
        `Requester may not reference Namespaced Issuer ${state.key.namespace}/${state.key.name}`;
      return {
        condition: { type: "Failed", status: "True", reason: "DeniedReference", message: note },
        failureTime: false,
        event: ev("Warning", "DeniedReference", "SyncFailed", note),
      };
    }
    case "WaitingForIssuerExist": {
      const note = `${state.notFoundMessage}. Waiting for it to be created.`;
      return {
        condition: cr ? ready("False", "Pending", note) : undefined,
        failureTime: false,
        event: ev("Normal", "WaitingForIssuerExist", "Synced", note),
      };
    }
    case "WaitingForIssuerReady":
      return {
        condition: cr ? ready("False", "Pending", state.message) : undefined,
        failureTime: false,
        event: ev("Normal", "WaitingForIssuerReady", "Synced", state.message),
      };
    case "Pending": {
      const note = `${PENDING_PREFIX}${state.err}`;
      return {
        condition: cr ? ready("False", "Pending", note) : undefined,
        failureTime: false,
        event: ev("Warning", "Pending", "Synced", note),
      };
    }
    case "RetryableError": {
      const note = `Failed to sign ${kind}, will retry: ${state.err}`;
      return {
        condition: cr ? ready("False", "Pending", note) : undefined,
        failureTime: false,
        event: ev("Warning", "RetryableError", "SyncFailed", note),
      };
    }
    case "PermanentError": {
      const note = cr
        ? `Failed permanently to sign CertificateRequest: ${state.err}`
        : `CertificateSigningRequest has failed permanently: ${state.err}`;
      return {
        condition: cr
          ? ready("False", "Failed", note)
          : { type: "Failed", status: "True", reason: "Failed", message: note },
        failureTime: cr,
        event: ev("Warning", "PermanentError", "SyncFailed", note),
      };
    }
    case "Issued": {
      const note = `Succeeded signing the ${kind}`;
      return {
        condition: cr ? ready("True", "Issued", note) : undefined,
        failureTime: false,
        event: ev("Normal", "Issued", "Synced", note),
      };
    }
    case "UnexpectedError":
      return {
        ...none,
        event: ev(
          "Warning",
          "UnexpectedError",
          "SyncFailed",
          `Got an unexpected error while processing the ${kind}`,
        ),
      };
  }
}
