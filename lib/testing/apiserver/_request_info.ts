/**
 * Parses a request's method and URL into what it asks for, the way kube-apiserver's
 * `RequestInfoFactory` does: API group, version, namespace, resource, name,
 * subresource and verb.
 *
 * @module
 */

/** What a request asks for. */
export interface RequestInfo {
  /** `true` for `/api/v1/<resource>…` and `/apis/<group>/<version>/<resource>…` paths. */
  isResourceRequest: boolean;
  /** The URL path. */
  path: string;
  /** The Kubernetes verb (`get`, `list`, `watch`, `create`, …), or the lower-case method for non-resource paths. */
  verb: string;
  /** `api` or `apis` for resource requests. */
  apiPrefix: string;
  /** API group (`""` for core). */
  apiGroup: string;
  /** API version. */
  apiVersion: string;
  /** Namespace, `""` when none. */
  namespace: string;
  /** Plural resource name. */
  resource: string;
  /** Object name, `""` for collections. */
  name: string;
  /** Subresource, `""` when none. */
  subresource: string;
  /** Path segments past the subresource (the real server answers them with 404). */
  extra: string[];
}

const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/**
 * Tells whether a `watch` query parameter turns a list into a watch: present and not
 * `0` or `false` (case-insensitive).
 */
export function isWatchParam(value: string | null): boolean {
  if (value === null) return false;
  const v = value.toLowerCase();
  return v !== "0" && v !== "false";
}

/**
 * Parses a request into a {@linkcode RequestInfo}.
 *
 * @param method The HTTP method.
 * @param url The request URL.
 * @returns What the request asks for.
 */
export function parseRequestInfo(method: string, url: URL): RequestInfo {
  const path = url.pathname;
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: "",
    apiGroup: "",
    apiVersion: "",
    namespace: "",
    resource: "",
    name: "",
    subresource: "",
    extra: [],
  };
  let parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  const prefix = parts[0];
  if (prefix !== "api" && prefix !== "apis") return info;
  info.apiPrefix = prefix;
  parts = parts.slice(1);
  if (prefix === "apis") {
    if (parts.length < 3) return info; // /apis, /apis/<g>, /apis/<g>/<v>: discovery
    info.apiGroup = parts[0] ?? "";
    parts = parts.slice(1);
  } else if (parts.length < 2) {
    return info; // /api, /api/v1: discovery
  }
  info.apiVersion = parts[0] ?? "";
  parts = parts.slice(1);
  info.isResourceRequest = true;

  if (parts[0] === "namespaces" && parts.length > 1) {
    info.namespace = parts[1] ?? "";
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] ?? "")) parts = parts.slice(2);
  }
  info.resource = parts[0] ?? "";
  info.name = parts[1] ?? "";
  info.subresource = parts[2] ?? "";
  info.extra = parts.slice(3);
  if (info.resource === "namespaces" && info.name) info.namespace = "";

  switch (method.toUpperCase()) {
    case "GET":
    case "HEAD":
      info.verb = info.name
        ? "get"
        : isWatchParam(url.searchParams.get("watch"))
        ? "watch"
        : "list";
      break;
    case "POST":
      info.verb = "create";
      break;
    case "PUT":
      info.verb = "update";
      break;
    case "PATCH":
      info.verb = "patch";
      break;
    case "DELETE":
      info.verb = info.name ? "delete" : "deletecollection";
      break;
    default:
      info.verb = method.toLowerCase();
  }
  return info;
}
