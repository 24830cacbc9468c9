/**
 * Validation of list and watch query parameters (`ListOptions`), with the server's
 * 422 texts.
 *
 * @module
 */
import { invalid } from "./_errors.ts";
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

function bool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return value === "true" || value === "1";
}

/**
 * Reads and validates list/watch options.
 *
 * @param params The query string.
 * @param watch Whether the request is a watch.
 * @returns The options.
 * @throws StatusError 422 for forbidden combinations, 400 for unparsable numbers.
 */
export function readListOptions(params: URLSearchParams, watch: boolean): ListOptions {
  const limitText = optional(params, "limit");
  const timeoutText = optional(params, "timeoutSeconds");
  const options: ListOptions = {
    resourceVersion: optional(params, "resourceVersion"),
    resourceVersionMatch: optional(params, "resourceVersionMatch"),
    sendInitialEvents: bool(optional(params, "sendInitialEvents")),
    allowWatchBookmarks: bool(optional(params, "allowWatchBookmarks")) ?? false,
    timeoutSeconds: timeoutText === undefined ? undefined : Number(timeoutText),
    limit: limitText === undefined ? undefined : Number(limitText),
    continueToken: optional(params, "continue") || undefined,
    labelSelector: params.get("labelSelector") ?? "",
    fieldSelector: params.get("fieldSelector") ?? "",
  };
  const errors: FieldError[] = [];
  const match = options.resourceVersionMatch;
  if (match !== undefined && match !== "") {
    if (watch) {
      if (options.sendInitialEvents === undefined) {
        errors.push({
          type: "FieldValueForbidden",
          field: "resourceVersionMatch",
          detail:
            "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        });
      } else if (match !== "NotOlderThan") {
        errors.push({
          type: "FieldValueNotSupported",
          field: "resourceVersionMatch",
          value: match,
          detail: "",
          supported: ["NotOlderThan"],
        });
      }
    } else if (!options.resourceVersion) {
      errors.push({
        type: "FieldValueForbidden",
        field: "resourceVersionMatch",
        detail: "resourceVersionMatch is forbidden unless resourceVersion is provided",
      });
    } else if (options.continueToken) {
      errors.push({
        type: "FieldValueForbidden",
        field: "resourceVersionMatch",
        detail: "resourceVersionMatch is forbidden when continue is provided",
      });
    } else if (match === "Exact" && options.resourceVersion === "0") {
      errors.push({
        type: "FieldValueForbidden",
        field: "resourceVersionMatch",
        detail: `resourceVersionMatch "exact" is forbidden for resourceVersion "0"`,
      });
    } else if (match !== "Exact" && match !== "NotOlderThan") {
      errors.push({
        type: "FieldValueNotSupported",
        field: "resourceVersionMatch",
        value: match,
        detail: "",
        supported: ["Exact", "NotOlderThan"],
      });
    }
  }
  if (options.sendInitialEvents !== undefined) {
    if (!watch) {
      errors.push({
        type: "FieldValueForbidden",
        field: "sendInitialEvents",
        detail: "sendInitialEvents is forbidden for list",
      });
    } else if (match !== "NotOlderThan") {
      errors.push({
        type: "FieldValueForbidden",
        field: "resourceVersionMatch",
        detail: "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
      });
    }
  }
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 0)) {
    errors.push({
      type: "FieldValueInvalid",
      field: "limit",
      value: limitText ?? "",
      detail: "must be a non-negative integer",
    });
  }
  if (options.timeoutSeconds !== undefined && !(options.timeoutSeconds >= 0)) {
    errors.push({
      type: "FieldValueInvalid",
      field: "timeoutSeconds",
      value: timeoutText ?? "",
      detail: "must be a non-negative integer",
    });
  }
  if (errors.length > 0) throw invalid("ListOptions", "meta.k8s.io", "", errors);
  return options;
}
