/**
 * The request reconcilers' decision (spec §6), one code path for CertificateRequests and
 * Kubernetes CSRs, split into three pure phases the reconciler calls in order, doing the
 * I/O in between:
 *
 * 1. {@linkcode decideBeforeIssuer}`(request, options)` — on `"ignore"` stop (done, no
 *    write). On `"needIssuer"`: call the `ignoreCertificateRequest` hook (error → back off
 *    with `failed to check if Request should be ignored: <err>`; `true` → stop); read the
 *    issuer `step.issuerKey` of `step.issuerType` from the cache; if it was found call
 *    the `ignoreIssuer` hook (same handling) — so nothing is written for a request another
 *    controller owns (difference 7); if `step.referenceReviews` is set, create those
 *    SubjectAccessReviews and pass `referenceAllowed` (any allowed).
 * 2. {@linkcode decideWithIssuer}`(request, step, { issuer, referenceAllowed }, options, now)`
 *    — on `"done"` act on the outcome. On `"needSign"` call `sign`; if it is slow, the
 *    reconciler may write `step.slowSignPatch` (the Initializing condition) meanwhile.
 * 3. {@linkcode decideAfterSign}`(request, step, signOutcome, options, now)` — act on the
 *    outcome.
 *
 * Acting on a {@linkcode RequestOutcome}: if `reportIssuerError` is set, report it to the
 * reported-error channel first (failure → `resultAfterReportFailure`, write nothing); write
 * `annotations` (metadata apply), then `patch` (status apply, see `requestApplyBody`);
 * record `events`; return `resultAfterWrite(outcome.result, write)`.
 *
 * Differences from the Go library (each tested): fewer writes (2) — no separate
 * Initializing write, and no patch or event that repeats the current state; the Pending
 * message and event (3); the retry window and pending back-off (4); Denied-only CRs end
 * Denied (1); `ignoreIssuer` before any write (7); `sign` output checked (8);
 * request-detail errors permanent (9); namespaced issuers for CSRs (10).
 *
 * @module
 */

import type { JsonObject } from "../core/json.ts";
import { InvalidSignedChainError, RequestDetailsError } from "./certificate/errors.ts";
import { findCondition, setCertificateRequestCondition } from "./conditions.ts";
import { classifySignError } from "./classify_sign_error.ts";
import { errorMessage } from "./errors.ts";
import type { IssuerObject, IssuerType } from "./issuer_type.ts";
import {
  type IssuerKey,
  matchCertificateRequestIssuer,
  matchCertificateSigningRequestIssuer,
} from "./matching.ts";
import { backoff, type DecisionResult, errorResult } from "./outcome.ts";
import {
  isApproved,
  isDeniedByApprover,
  isFailed,
  isFinishedDenied,
  isReady,
  requestConditions,
  requestCsrPem,
  type SigningRequest,
} from "./request.ts";
import {
  DEFAULT_PENDING_POLL_CAP_MS,
  pendingRequeueAfterMs,
  resolveMaxRetryDuration,
  retryWindowStart,
} from "./retry_window.ts";
import { type ChainValidator, type SignResult, signResultProblem } from "./sign_result.ts";
import { signerReferenceReviews } from "./signer_reference.ts";
import type { RequestStatusPatch } from "./status_patch.ts";
import {
  initializingMessage,
  type RequestState,
  waitingForIssuerReady,
} from "./_request_states.ts";
import { base64, buildOutcome, pendingSince, type RequestOutcome } from "./_request_outcome.ts";

export type { RequestOutcome };

/** The options of the request decision. */
export interface RequestDecisionOptions {
  /** The field manager: quoted in the Initializing message. */
  fieldManager: string;
  /** The registered issuer types. */
  issuerTypes: readonly IssuerType[];
  /** The controller-wide retry window (see `retry_window.ts`). */
  maxRetryDurationMs?: number | undefined;
  /** The longest pending poll delay the library picks (default five minutes). */
  pendingPollCapMs?: number | undefined;
  /** Deprecated: copy `caPem` to a CR's `status.ca`. */
  setCAOnCertificateRequest?: boolean | undefined;
  /** Checks a signed chain against the CSR (e.g. the leaf's key); see difference 8. */
  validateChain?: ChainValidator | undefined;
  /** Marks more `sign` errors permanent, besides `PermanentError` and request-detail errors. */
  isPermanentError?: ((error: unknown) => boolean) | undefined;
}

/** Phase 1's answer: leave the request alone, or read its issuer. */
export type BeforeIssuerDecision = { kind: "ignore"; reason: string } | NeedIssuer;

/** Read the issuer, then call {@linkcode decideWithIssuer}. */
export interface NeedIssuer {
  /** Discriminant. */
  kind: "needIssuer";
  /** The matched issuer type. */
  issuerType: IssuerType;
  /** The issuer to read. */
  issuerKey: IssuerKey;
  /** For a CSR naming a namespaced issuer: SubjectAccessReviews to create. */
  referenceReviews: JsonObject[] | undefined;
}

/** How reading the issuer went. */
export type IssuerRead =
  | { kind: "found"; issuer: IssuerObject }
  | { kind: "notFound" }
  | { kind: "error"; error: unknown };

/** Phase 2's inputs besides the request. */
export interface WithIssuerInputs {
  /** How reading the issuer went. */
  issuer: IssuerRead;
  /** Whether a reference review allowed the requester (required when reviews were asked for). */
  referenceAllowed?: boolean | undefined;
}

/** Phase 2's answer: an outcome, or call `sign`. */
export type WithIssuerDecision = { kind: "done"; outcome: RequestOutcome } | NeedSign;

/** Call `sign`, then {@linkcode decideAfterSign}. */
export interface NeedSign {
  /** Discriminant. */
  kind: "needSign";
  /** The issuer type. */
  issuerType: IssuerType;
  /** The issuer object to pass to `sign`. */
  issuer: IssuerObject;
  /**
   * The Initializing patch to write if `sign` takes long (a CR without a Ready condition
   * only); when `sign` answers quickly the one write of phase 3 is all (difference 2).
   */
  slowSignPatch: RequestStatusPatch | undefined;
}

/** What `sign` did. */
export type SignOutcome = { ok: true; result: SignResult } | { ok: false; error: unknown };

/**
 * Phase 1 (spec §6 steps 2–6): match the issuer type, then the approval and final-state
 * gates. A CR that an approver denied passes the gate even when never approved, so it can
 * be marked Denied (difference 1).
 *
 * @param request The request, or `undefined` when it was not found.
 * @param options The decision options.
 * @returns `ignore` (with the reason, for a debug log) or `needIssuer`.
 */
export function decideBeforeIssuer(
  request: SigningRequest | undefined,
  options: RequestDecisionOptions,
): BeforeIssuerDecision {
  if (request === undefined) return { kind: "ignore", reason: "the request was not found" };
  const match = request.kind === "CertificateRequest"
    ? matchCertificateRequestIssuer(request.object, options.issuerTypes)
    : matchCertificateSigningRequestIssuer(request.object, options.issuerTypes);
  if (!match.matched) return { kind: "ignore", reason: match.message };
  if (!isApproved(request) && !isDeniedByApprover(request) && !isFinishedDenied(request)) {
    return { kind: "ignore", reason: "the request is neither approved nor denied" };
  }
  if (isReady(request)) return { kind: "ignore", reason: "the request is already issued" };
  if (isFailed(request)) return { kind: "ignore", reason: "the request has already failed" };
  if (isFinishedDenied(request)) return { kind: "ignore", reason: "the request is denied" };
  const referenceReviews =
    request.kind === "CertificateSigningRequest" && match.issuerType.namespaced
      ? signerReferenceReviews(request.object, match.issuerType, match.key)
      : undefined;
  return {
    kind: "needIssuer",
    issuerType: match.issuerType,
    issuerKey: match.key,
    referenceReviews,
  };
}

/**
 * Phase 2 (spec §6 steps 9–12): the reference check (CSR, namespaced issuer), the Denied
 * marker (CR), the issuer's existence and readiness.
 *
 * @param request The request.
 * @param step Phase 1's `needIssuer`.
 * @param inputs The issuer read and the reference check.
 * @param options The decision options.
 * @param now The current time, in milliseconds since the epoch.
 * @returns An outcome, or `needSign`.
 * @throws {TypeError} When reviews were asked for but `referenceAllowed` is missing.
 */
export function decideWithIssuer(
  request: SigningRequest,
  step: NeedIssuer,
  inputs: WithIssuerInputs,
  options: RequestDecisionOptions,
  now: number,
): WithIssuerDecision {
  const read = inputs.issuer;
  const done = (state: RequestState, result: DecisionResult = {}): WithIssuerDecision => ({
    kind: "done",
    outcome: buildOutcome(request, state, now, { result }),
  });
  if (read.kind === "error") {
    return done({ name: "UnexpectedError" }, backoff("unexpected get error: ", read.error));
  }
  if (step.referenceReviews !== undefined) {
    if (inputs.referenceAllowed === undefined) {
      throw new TypeError(
        "decideWithIssuer: referenceAllowed is required when referenceReviews were asked for",
      );
    }
    if (!inputs.referenceAllowed) return done({ name: "DeniedReference", key: step.issuerKey });
  }
  if (isDeniedByApprover(request)) return done({ name: "Denied" });
  if (read.kind === "notFound") {
    const t = step.issuerType;
    const notFoundMessage = `${t.kind}.${t.group} "${step.issuerKey.name}" not found`;
    return done({ name: "WaitingForIssuerExist", notFoundMessage });
  }
  const issuer = read.issuer;
  const ready = findCondition(issuer.status?.conditions, "Ready");
  let waiting: string | undefined;
  if (ready === undefined) waiting = waitingForIssuerReady.none;
  else if ((ready.observedGeneration ?? 0) < (issuer.metadata.generation ?? 0)) {
    waiting = waitingForIssuerReady.outdated;
  } else if (ready.status !== "True") {
    waiting = waitingForIssuerReady.notReady(ready.reason ?? "", ready.message ?? "");
  }
  if (waiting !== undefined) return done({ name: "WaitingForIssuerReady", message: waiting });
  const hasReady = findCondition(requestConditions(request), "Ready") !== undefined;
  const slowSignPatch = request.kind === "CertificateRequest" && !hasReady
    ? {
      conditions: setCertificateRequestCondition([], [], {
        type: "Ready",
        status: "Unknown",
        reason: "Initializing",
        message: initializingMessage(options.fieldManager),
      }, now).conditions,
    }
    : undefined;
  return { kind: "needSign", issuerType: step.issuerType, issuer, slowSignPatch };
}

/**
 * Phase 3 (spec §6 steps 14–17): the outcome of `sign`.
 *
 * @param request The request.
 * @param step Phase 2's `needSign`.
 * @param sign What `sign` returned or threw.
 * @param options The decision options.
 * @param now The current time, in milliseconds since the epoch.
 * @returns The outcome.
 */
export function decideAfterSign(
  request: SigningRequest,
  step: NeedSign,
  sign: SignOutcome,
  options: RequestDecisionOptions,
  now: number,
): RequestOutcome {
  if (sign.ok) {
    const problem = signResultProblem(
      sign.result,
      request.kind,
      requestCsrPem(request),
      options.validateChain,
    );
    if (problem !== undefined) {
      return buildOutcome(request, { name: "PermanentError", err: problem.message }, now, {
        result: errorResult(problem, true),
      });
    }
    const r = sign.result;
    return buildOutcome(request, { name: "Issued" }, now, {
      result: {},
      custom: r.conditions ?? [],
      certificate: base64(r.chainPem),
      ca: request.kind === "CertificateRequest" && options.setCAOnCertificateRequest === true &&
          r.caPem !== undefined && r.caPem !== ""
        ? base64(r.caPem)
        : undefined,
      annotations: r.annotations,
    });
  }
  const err = errorMessage(sign.error);
  const window = resolveMaxRetryDuration(step.issuer, step.issuerType, options.maxRetryDurationMs);
  const extra = options.isPermanentError;
  const c = classifySignError(sign.error, {
    now,
    retryDeadline: retryWindowStart(request) + window.ms,
    isPermanent: (e) =>
      e instanceof RequestDetailsError || e instanceof InvalidSignedChainError ||
      (extra !== undefined && extra(e)),
  });
  if (c.kind === "issuer") {
    const m = step.issuer.metadata;
    return buildOutcome(
      request,
      { name: "WaitingForIssuerReady", message: waitingForIssuerReady.outdated },
      now,
      {
        result: {},
        report: {
          issuerType: step.issuerType,
          issuerKey: { namespace: m.namespace ?? "", name: m.name ?? "" },
          error: c.cause,
        },
      },
    );
  }
  const custom = c.condition === undefined ? [] : [c.condition];
  const existing = c.condition === undefined
    ? undefined
    : findCondition(requestConditions(request), c.condition.type);
  const transitioned = c.condition !== undefined && existing?.status !== c.condition.status;
  switch (c.kind) {
    case "pending": {
      const delay = pendingRequeueAfterMs(
        c.requeueAfterMs,
        pendingSince(request, step.issuer),
        now,
        options.pendingPollCapMs ?? DEFAULT_PENDING_POLL_CAP_MS,
      );
      return buildOutcome(request, { name: "Pending", err }, now, {
        result: transitioned ? {} : { requeueAfterMs: delay },
        custom,
        annotations: c.annotations,
      });
    }
    case "permanent":
      return buildOutcome(request, { name: "PermanentError", err }, now, {
        result: errorResult(sign.error, true),
        custom,
      });
    case "retryable":
      return buildOutcome(request, { name: "RetryableError", err }, now, {
        result: errorResult(sign.error, transitioned),
        custom,
      });
  }
}
