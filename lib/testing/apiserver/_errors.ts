/**
 * The API server's error answers: a `StatusError` carries a meta/v1 `Status` with the
 * code, reason and message text the real kube-apiserver uses.
 *
 * @module
 */
import type { Status, StatusCause, StatusDetails } from "../../core/status.ts";
import type { JsonValue } from "../../core/json.ts";
import type { FieldError } from "./_types.ts";

/** An error the fake answers with a `Status` body. */
export class StatusError extends Error {
  /** The Status body sent to the client. */
  readonly status: Status;
  /** Extra response headers, such as `Retry-After`. */
  readonly headers: Record<string, string>;

  constructor(status: Status, headers: Record<string, string> = {}) {
    super(status.message ?? status.reason ?? "error");
    this.name = "StatusError";
    this.status = status;
    this.headers = headers;
  }

  /** The HTTP status code. */
  get code(): number {
    return this.status.code ?? 500;
  }
}

/** Builds a failure `Status` with empty members left out. */
export function failure(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): Status {
  const status: Status = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
  };
  if (reason) status.reason = reason;
  const d = details ? compactDetails(details) : undefined;
  if (d) status.details = d;
  status.code = code;
  return status;
}

function compactDetails(details: StatusDetails): StatusDetails | undefined {
  const out: StatusDetails = {};
  if (details.name) out.name = details.name;
  if (details.group) out.group = details.group;
  if (details.kind) out.kind = details.kind;
  if (details.uid) out.uid = details.uid;
  if (details.causes && details.causes.length > 0) out.causes = details.causes;
  if (details.retryAfterSeconds) out.retryAfterSeconds = details.retryAfterSeconds;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A resource as error messages name it: `<plural>.<group>`, or `<plural>` for core. */
export interface QualifiedResource {
  group: string;
  resource: string;
}

/** Renders a qualified resource the way `schema.GroupResource.String()` does. */
export function qualified(qr: QualifiedResource): string {
  return qr.group ? `${qr.resource}.${qr.group}` : qr.resource;
}

/** 404 NotFound: `<qr> "<name>" not found`. */
export function notFound(qr: QualifiedResource, name: string): StatusError {
  return new StatusError(
    failure(404, "NotFound", `${qualified(qr)} "${name}" not found`, {
      name,
      group: qr.group,
      kind: qr.resource,
    }),
  );
}

/** 409 AlreadyExists: `<qr> "<name>" already exists`. */
export function alreadyExists(qr: QualifiedResource, name: string, suffix = ""): StatusError {
  return new StatusError(
    failure(409, "AlreadyExists", `${qualified(qr)} "${name}" already exists${suffix}`, {
      name,
      group: qr.group,
      kind: qr.resource,
    }),
  );
}

/** 409 Conflict for a stale resourceVersion. */
export function conflict(qr: QualifiedResource, name: string, detail?: string): StatusError {
  const message = `Operation cannot be fulfilled on ${qualified(qr)} "${name}": ${
    detail ??
      "the object has been modified; please apply your changes to the latest version and try again"
  }`;
  return new StatusError(
    failure(409, "Conflict", message, { name, group: qr.group, kind: qr.resource }),
  );
}

/** Renders a value the way field errors do: strings quoted, numbers and booleans bare. */
export function renderFieldValue(value: JsonValue | undefined): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "null";
  return JSON.stringify(value);
}

/** The body of a field error: `Invalid value: "x": detail`, `Required value: detail`, … */
export function fieldErrorBody(e: FieldError): string {
  switch (e.type) {
    case "FieldValueInvalid":
      return `Invalid value: ${e.bareValue ?? renderFieldValue(e.value)}: ${e.detail}`;
    case "FieldValueRequired":
      return `Required value${e.detail ? `: ${e.detail}` : ""}`;
    case "FieldValueForbidden":
      return `Forbidden${e.detail ? `: ${e.detail}` : ""}`;
    case "FieldValueNotSupported": {
      const supported = (e.supported ?? []).map((s) => JSON.stringify(s)).join(", ");
      return `Unsupported value: ${renderFieldValue(e.value)}${
        supported ? `: supported values: ${supported}` : ""
      }`;
    }
    case "FieldValueDuplicate":
      return `Duplicate value: ${renderFieldValue(e.value)}`;
    case "FieldValueTooLong":
      return `Too long: ${e.detail}`;
    case "FieldValueTypeInvalid":
      return `Invalid value: ${renderFieldValue(e.value)}: ${e.detail}`;
  }
}

/**
 * 422 Invalid: `<Kind>.<group> "<name>" is invalid: <field>: <body>, …` with one cause
 * per field error. `kind` is the Kind for object validation, or the plural for the
 * resourceVersion quirk of updates.
 */
export function invalid(
  kind: string,
  group: string,
  name: string,
  errors: FieldError[],
): StatusError {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const causes: StatusCause[] = errors.map((e) => ({
    reason: e.type,
    message: fieldErrorBody(e),
    field: e.field,
  }));
  const text = errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
  const joined = text.length === 1 ? text[0] : `[${text.join(", ")}]`;
  return new StatusError(
    failure(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${joined}`, {
      name,
      group,
      kind,
      causes,
    }),
  );
}

/** 400 BadRequest with the given message. */
export function badRequest(message: string): StatusError {
  return new StatusError(failure(400, "BadRequest", message));
}

/** 405 MethodNotAllowed: `<verb> is not supported on resources of kind "<qr>"`. */
export function methodNotAllowed(verb: string, qr: QualifiedResource): StatusError {
  return new StatusError(
    failure(
      405,
      "MethodNotAllowed",
      `${verb} is not supported on resources of kind "${qualified(qr)}"`,
      {
        group: qr.group,
        kind: qr.resource,
      },
    ),
  );
}

/** 415 UnsupportedMediaType for a body in a format the endpoint does not take. */
export function unsupportedMediaType(accepted: string[]): StatusError {
  return new StatusError(
    failure(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${
        accepted.join(", ")
      }`,
    ),
  );
}

/** 410 Expired with the given message. */
export function expired(message: string, continueToken?: string): StatusError {
  const status = failure(410, "Expired", message);
  if (continueToken) status.metadata = { continue: continueToken };
  return new StatusError(status);
}

/** 429 TooManyRequests as a Status, with `Retry-After`. */
export function tooManyRequests(message: string, retryAfterSeconds: number): StatusError {
  return new StatusError(
    failure(429, "TooManyRequests", message, { retryAfterSeconds }),
    { "retry-after": String(retryAfterSeconds) },
  );
}

/** 500 InternalError: `Internal error occurred: <err>`. */
export function internalError(message: string): StatusError {
  return new StatusError(
    failure(500, "InternalError", `Internal error occurred: ${message}`, {
      causes: [{ message }],
    }),
  );
}

/** 401 Unauthorized. */
export function unauthorized(): StatusError {
  return new StatusError(failure(401, "Unauthorized", "Unauthorized"));
}

/** 403 Forbidden with a complete message and the resource details. */
export function forbidden(message: string, qr?: QualifiedResource, name?: string): StatusError {
  return new StatusError(
    failure(403, "Forbidden", message, {
      ...(name ? { name } : {}),
      ...(qr ? { group: qr.group, kind: qr.resource } : {}),
    }),
  );
}

/** 413 RequestEntityTooLarge. */
export function requestEntityTooLarge(message: string): StatusError {
  return new StatusError(
    failure(413, "RequestEntityTooLarge", `Request entity too large: ${message}`),
  );
}

/** 406 NotAcceptable. */
export function notAcceptable(accepted: string[]): StatusError {
  return new StatusError(
    failure(
      406,
      "NotAcceptable",
      `only the following media types are accepted: ${accepted.join(", ")}`,
    ),
  );
}

/** 422 with the generic message the server uses for JSON-patch failures. */
export function genericInvalid(): StatusError {
  return new StatusError(
    failure(422, "Invalid", "the server rejected our request due to an error in our request"),
  );
}
