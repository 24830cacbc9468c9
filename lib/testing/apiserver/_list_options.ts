/**
 * List and watch query parameters (`ListOptions`): decoded like apimachinery's query
 * parameter conversion (400 on numbers `strconv` rejects) and validated like
 * `ValidateListOptions` (422 on forbidden combinations), with the server's texts.
 *
 * @module
 */
import { badRequest, invalid } from "./_errors.ts";
import type { FieldError } from "./_types.ts";

/** The list/watch options the fake reads from the query string. */
export interface ListOptions {
  resourceVersion: string | undefined;
  resourceVersionMatch: string | undefined;
  sendInitialEvents: boolean | undefined;
  allowWatchBookmarks: boolean;
  timeoutSeconds: number | undefined;
  limit: number | undefined;
  continueToken: string | undefined;
  labelSelector: string;
  fieldSelector: string;
}

function optional(params: URLSearchParams, key: string): string | undefined {
  const v = params.get(key);
  return v === null ? undefined : v;
}

/**
 * Go's query-parameter conversion to bool: `0` and `false` (any case) are false,
 * every other value, even `""` or `yes`, is true.
 */
function bool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return !(value === "0" || value.toLowerCase() === "false");
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Go's `strconv.ParseInt(text, 10, 64)`: optional sign, decimal digits only.
 *
 * @throws StatusError 400 BadRequest with Go's error text.
 */
function parseInt64(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) {
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
  }
  const n = BigInt(text);
  if (n < INT64_MIN || n > INT64_MAX) {
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(text)}: value out of range`);
  }
  return Number(n);
}

/**
 * Parses a `resourceVersion` the way the storage layer does (`strconv.ParseUint`),
 * returning `undefined` for unset, `""` and `"0"`.
 *
 * @param text The `resourceVersion` parameter.
 * @returns The resourceVersion, or `undefined` for "any".
 * @throws Error The bare `resourceVersion: Invalid value: …` text, which list requests
 *   answer as 400 (`invalid resource version: …`) and get and watch requests as 500.
 */
export function parseResourceVersion(text: string | undefined): number | undefined {
  if (text === undefined || text === "" || text === "0") return undefined;
  const invalidValue = (why: string) =>
    new Error(
      `resourceVersion: Invalid value: ${JSON.stringify(text)}: strconv.ParseUint: parsing ${
        JSON.stringify(text)
      }: ${why}`,
    );
  if (!/^\d+$/.test(text)) throw invalidValue("invalid syntax");
  const n = BigInt(text);
  if (n > UINT64_MAX) throw invalidValue("value out of range");
  return Number(n);
}

/**
 * Reads and validates list/watch options.
 *
 * @param params The query string.
 * @param watch Whether the request is a watch.
 * @returns The options.
 * @throws StatusError 400 for numbers that do not parse, 422 for forbidden combinations
 *   (all of them, in the order `ValidateListOptions` reports them).
 */
export function readListOptions(params: URLSearchParams, watch: boolean): ListOptions {
  const limitText = optional(params, "limit");
  const timeoutText = optional(params, "timeoutSeconds");
  const options: ListOptions = {
    resourceVersion: optional(params, "resourceVersion"),
    resourceVersionMatch: optional(params, "resourceVersionMatch"),
    sendInitialEvents: bool(optional(params, "sendInitialEvents")),
    allowWatchBookmarks: bool(optional(params, "allowWatchBookmarks")) ?? false,
    timeoutSeconds: timeoutText === undefined ? undefined : parseInt64(timeoutText),
    limit: limitText === undefined ? undefined : parseInt64(limitText),
    continueToken: optional(params, "continue") || undefined,
    labelSelector: params.get("labelSelector") ?? "",
    fieldSelector: params.get("fieldSelector") ?? "",
  };
  const errors = watch ? watchErrors(options) : listErrors(options);
  if (errors.length > 0) throw invalid("ListOptions", "meta.k8s.io", "", errors);
  return options;
}

function forbidden(field: string, detail: string): FieldError {
  return { type: "FieldValueForbidden", field, detail };
}

function notSupported(field: string, value: string, supported: string[]): FieldError {
  return { type: "FieldValueNotSupported", field, value, detail: "", supported };
}

/** `ValidateListOptions` for a list (and deletecollection). */
function listErrors(options: ListOptions): FieldError[] {
  const errors: FieldError[] = [];
  const match = options.resourceVersionMatch;
  if (match) {
    if (!options.resourceVersion) {
      errors.push(forbidden(
        "resourceVersionMatch",
        "resourceVersionMatch is forbidden unless resourceVersion is provided",
      ));
    }
    if (options.continueToken) {
      errors.push(forbidden(
        "resourceVersionMatch",
        "resourceVersionMatch is forbidden when continue is provided",
      ));
    }
    if (match !== "Exact" && match !== "NotOlderThan") {
      errors.push(notSupported("resourceVersionMatch", match, ["Exact", "NotOlderThan", ""]));
    }
    if (match === "Exact" && options.resourceVersion === "0") {
      errors.push(forbidden(
        "resourceVersionMatch",
        `resourceVersionMatch "exact" is forbidden for resourceVersion "0"`,
      ));
    }
  }
  if (options.sendInitialEvents !== undefined) {
    errors.push(forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
  }
  return errors;
}

/** `validateWatchOptions` (the WatchList feature is on, as in 1.32+). */
function watchErrors(options: ListOptions): FieldError[] {
  const errors: FieldError[] = [];
  const match = options.resourceVersionMatch;
  if (options.sendInitialEvents !== undefined && match !== "NotOlderThan") {
    errors.push(forbidden(
      "resourceVersionMatch",
      "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
    ));
  }
  if (match) {
    if (options.sendInitialEvents === undefined) {
      errors.push(forbidden(
        "resourceVersionMatch",
        "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
      ));
    }
    if (match !== "NotOlderThan") {
      errors.push(notSupported("resourceVersionMatch", match, ["NotOlderThan"]));
    }
    if (options.continueToken) {
      errors.push(forbidden(
        "resourceVersionMatch",
        "resourceVersionMatch is forbidden when continue is provided",
      ));
    }
  }
  return errors;
}
