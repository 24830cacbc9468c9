/**
 * The error the client throws when the API server refuses a request: it carries the
 * server's meta/v1 `Status`, and helpers tell the common reasons apart the way
 * client-go's `apierrors` package does.
 *
 * @module
 */
import { isStatus, type Status } from "../core/status.ts";

/** Options of {@linkcode KubeApiError}. */
export interface KubeApiErrorOptions {
  /** The HTTP method of the failed request. */
  method?: string;
  /** The path (and query) of the failed request. */
  path?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * An error answer of the Kubernetes API: a `Status` with a code, a reason, a message and
 * details. Plain-text answers (a `404 page not found` from the mux, API Priority and
 * Fairness' `429`) become one too, with a synthesized `Status` that quotes the body.
 *
 * @example Telling a missing object from other failures
 * ```ts
 * import { isNotFound, KubeApiError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const error = new KubeApiError({
 *   kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
 *   reason: "NotFound", code: 404, message: 'secrets "ca" not found',
 * }, { method: "GET", path: "/api/v1/namespaces/default/secrets/ca" });
 * assert(isNotFound(error));
 * assert.equal(error.code, 404);
 * assert.equal(
 *   error.message,
 *   'GET /api/v1/namespaces/default/secrets/ca: 404 NotFound: secrets "ca" not found',
 * );
 * ```
 */
export class KubeApiError extends Error {
  /** The server's `Status`. */
  readonly status: Status;
  /** The HTTP method of the failed request, when known. */
  readonly method: string | undefined;
  /** The path of the failed request, when known. */
  readonly path: string | undefined;

  /**
   * Wraps a `Status`.
   *
   * @param status The server's answer.
   * @param options The request it answered, and an underlying cause.
   */
  constructor(status: Status, options: KubeApiErrorOptions = {}) {
    const where = options.method || options.path
      ? `${[options.method, options.path].filter(Boolean).join(" ")}: `
      : "";
    const what = [status.code ?? "", status.reason ?? ""].filter((s) => s !== "").join(" ");
    super(
      `${where}${what}${what && status.message ? ": " : ""}${status.message ?? ""}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "KubeApiError";
    this.status = status;
    this.method = options.method;
    this.path = options.path;
  }

  /** The HTTP status code (`status.code`, or 500 when the server gave none). */
  get code(): number {
    return this.status.code ?? 500;
  }

  /** The machine-readable reason, such as `NotFound`, or `""`. */
  get reason(): string {
    return this.status.reason ?? "";
  }

  /** How long the server asked the client to wait, in seconds, if it said. */
  get retryAfterSeconds(): number | undefined {
    return this.status.details?.retryAfterSeconds;
  }

  /**
   * Builds the error for a response whose body is not a `Status` (or not JSON at all).
   *
   * @param code The HTTP status code.
   * @param body The response body text.
   * @param options The request, and the `Retry-After` seconds if the response had them.
   * @returns An error whose message quotes the body.
   *
   * @example A plain-text 404
   * ```ts
   * import { isNotFound, KubeApiError } from "@certkit/issuer-lib";
   * import { strict as assert } from "node:assert";
   *
   * const error = KubeApiError.fromBody(404, "404 page not found\n", { method: "GET", path: "/apis/x" });
   * assert(isNotFound(error));
   * assert.equal(error.message, 'GET /apis/x: 404 NotFound: the server responded with "404 page not found"');
   * ```
   */
  static fromBody(
    code: number,
    body: string,
    options: KubeApiErrorOptions & { retryAfterSeconds?: number } = {},
  ): KubeApiError {
    let parsed: unknown;
    try {
      parsed = body.trim() === "" ? undefined : JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    const { retryAfterSeconds, ...rest } = options;
    if (isStatus(parsed)) {
      const status: Status = { ...parsed, code: parsed.code || code };
      return new KubeApiError(status, rest);
    }
    const text = body.trim();
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    const status: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      code,
      message: text === ""
        ? `the server responded with status ${code} and an empty body`
        : `the server responded with ${JSON.stringify(shown)}`,
    };
    const reason = REASONS[code];
    if (reason) status.reason = reason;
    if (retryAfterSeconds !== undefined) status.details = { retryAfterSeconds };
    return new KubeApiError(status, rest);
  }
}

/** The reasons client-go assumes for codes whose body says nothing (`reasonForCode`). */
const REASONS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/** Whether `error` is a KubeApiError with `reason`, or with no known reason and `code`. */
function hasReason(error: unknown, reasons: readonly string[], code: number): boolean {
  if (!(error instanceof KubeApiError)) return false;
  if (reasons.includes(error.reason)) return true;
  return (error.reason === "" || error.reason === "Unknown") && error.code === code;
}

/**
 * Tells whether an error is the API server's `404 NotFound`.
 *
 * @param error Anything thrown.
 * @returns `true` for a {@linkcode KubeApiError} with reason `NotFound` (or code 404 and no reason).
 *
 * @example Ignoring a missing object
 * ```ts
 * import { isNotFound } from "@certkit/issuer-lib";
 * import { ok as assert } from "node:assert";
 *
 * assert(!isNotFound(new Error("boom")));
 * ```
 */
export function isNotFound(error: unknown): boolean {
  return hasReason(error, ["NotFound"], 404);
}

/**
 * Tells whether an error is a `409 Conflict` (a stale resourceVersion, an apply conflict).
 *
 * @param error Anything thrown.
 * @returns `true` for reason `Conflict` (or code 409 and no reason).
 *
 * @example A write lost a race
 * ```ts
 * import { isConflict, KubeApiError } from "@certkit/issuer-lib";
 * import { ok as assert } from "node:assert";
 *
 * assert(isConflict(KubeApiError.fromBody(409, "")));
 * ```
 */
export function isConflict(error: unknown): boolean {
  return hasReason(error, ["Conflict"], 409);
}

/**
 * Tells whether an error is `409 AlreadyExists` (a create of an existing name).
 *
 * @param error Anything thrown.
 * @returns `true` for reason `AlreadyExists`.
 *
 * @example Creating twice
 * ```ts
 * import { isAlreadyExists, KubeApiError } from "@certkit/issuer-lib";
 * import { ok as assert } from "node:assert";
 *
 * const error = new KubeApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "AlreadyExists", code: 409 });
 * assert(isAlreadyExists(error));
 * ```
 */
export function isAlreadyExists(error: unknown): boolean {
  return error instanceof KubeApiError && error.reason === "AlreadyExists";
}

/**
 * Tells whether an error means the requested resourceVersion or continue token is too
 * old: reason `Gone` or `Expired`, or code 410. A watcher re-lists on it.
 *
 * @param error Anything thrown.
 * @returns `true` for a 410.
 *
 * @example An expired watch
 * ```ts
 * import { isGone, KubeApiError } from "@certkit/issuer-lib";
 * import { ok as assert } from "node:assert";
 *
 * const error = new KubeApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "Expired", code: 410 });
 * assert(isGone(error));
 * ```
 */
export function isGone(error: unknown): boolean {
  if (!(error instanceof KubeApiError)) return false;
  return error.reason === "Gone" || error.reason === "Expired" || error.code === 410;
}

/**
 * Tells whether an error is `429 TooManyRequests` (the client retries these itself; this
 * answers when retries ran out).
 *
 * @param error Anything thrown.
 * @returns `true` for reason `TooManyRequests` or code 429.
 *
 * @example Throttled
 * ```ts
 * import { isTooManyRequests, KubeApiError } from "@certkit/issuer-lib";
 * import { ok as assert } from "node:assert";
 *
 * assert(isTooManyRequests(KubeApiError.fromBody(429, "Too many requests, please try again later.")));
 * ```
 */
export function isTooManyRequests(error: unknown): boolean {
  if (!(error instanceof KubeApiError)) return false;
  return error.reason === "TooManyRequests" || error.code === 429;
}

/**
 * Tells whether an error is `403 Forbidden` (RBAC refused the request).
 *
 * @param error Anything thrown.
 * @returns `true` for reason `Forbidden` (or code 403 and no reason).
 *
 * @example Missing RBAC
 * ```ts
 * import { isForbidden, KubeApiError } from "@certkit/issuer-lib";
 * import { ok as assert } from "node:assert";
 *
 * assert(isForbidden(KubeApiError.fromBody(403, "")));
 * ```
 */
export function isForbidden(error: unknown): boolean {
  return hasReason(error, ["Forbidden"], 403);
}

/**
 * Tells whether an error is `401 Unauthorized` (no or a rejected credential).
 *
 * @param error Anything thrown.
 * @returns `true` for reason `Unauthorized` (or code 401 and no reason).
 *
 * @example An expired token
 * ```ts
 * import { isUnauthorized, KubeApiError } from "@certkit/issuer-lib";
 * import { ok as assert } from "node:assert";
 *
 * assert(isUnauthorized(KubeApiError.fromBody(401, "")));
 * ```
 */
export function isUnauthorized(error: unknown): boolean {
  return hasReason(error, ["Unauthorized"], 401);
}

/**
 * Tells whether an error is `422 Invalid` (validation failed; `status.details.causes`
 * names the fields).
 *
 * @param error Anything thrown.
 * @returns `true` for reason `Invalid` (or code 422 and no reason).
 *
 * @example A rejected object
 * ```ts
 * import { isInvalid, KubeApiError } from "@certkit/issuer-lib";
 * import { ok as assert } from "node:assert";
 *
 * assert(isInvalid(KubeApiError.fromBody(422, "")));
 * ```
 */
export function isInvalid(error: unknown): boolean {
  return hasReason(error, ["Invalid"], 422);
}
