/**
 * Routes the non-resource paths kubectl reads: `/version`, legacy and aggregated
 * discovery, and OpenAPI v2 (404, as kubectl expects) and v3. Documents are rebuilt
 * only when the set of served resources changes.
 *
 * @module
 */
import type { JsonObject } from "../../core/json.ts";
import {
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  wantsAggregated,
} from "./_discovery.ts";
import { openApiDocument, openApiRoot } from "./_openapi.ts";
import type { ResourceRegistry } from "./_registry.ts";
import type { ResourceInfo } from "./_types.ts";

/** A discovery answer. */
export interface DiscoveryAnswer {
  status: number;
  body: string;
  contentType: string;
}

/** What `/version` reports: minor 32, so the machine's kubectl dispatcher stays on 1.32. */
export const VERSION_INFO: JsonObject = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.5-certkit-fake",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2025-05-15T00:00:00Z",
  goVersion: "go1.23.8",
  compiler: "gc",
  platform: "linux/amd64",
};

const cache = new WeakMap<ResourceRegistry, { generation: number; docs: Map<string, string> }>();

function cached(
  registry: ResourceRegistry,
  key: string,
  build: () => JsonObject | undefined,
): string | undefined {
  let entry = cache.get(registry);
  if (!entry || entry.generation !== registry.generation) {
    entry = { generation: registry.generation, docs: new Map() };
    cache.set(registry, entry);
  }
  const hit = entry.docs.get(key);
  if (hit !== undefined) return hit;
  const doc = build();
  if (doc === undefined) return undefined;
  const text = JSON.stringify(doc);
  entry.docs.set(key, text);
  return text;
}

const json = (body: string): DiscoveryAnswer => ({
  status: 200,
  body,
  contentType: "application/json",
});

/**
 * Answers a discovery, version or OpenAPI path.
 *
 * @param path The URL path without a trailing slash.
 * @param url The full URL (for the query).
 * @param accept The Accept header.
 * @param registry The served resources.
 * @param host The `host:port` the client used.
 * @returns The answer, or `undefined` when the path is not one of these (404).
 */
export function serveDiscovery(
  path: string,
  url: URL,
  accept: string | null,
  registry: ResourceRegistry,
  host: string,
): DiscoveryAnswer | undefined {
  void url;
  const resources = (): ResourceInfo[] => registry.all().map((s) => s.info);
  if (path === "/version") return json(JSON.stringify(VERSION_INFO));
  if (path === "/api" || path === "/apis") {
    const core = path === "/api";
    if (wantsAggregated(accept)) {
      const body = cached(registry, `agg:${path}`, () => aggregatedDiscovery(resources(), core));
      return { status: 200, body: body ?? "{}", contentType: AGGREGATED_DISCOVERY_CONTENT_TYPE };
    }
    if (core) return json(JSON.stringify(apiVersions(host)));
    return json(cached(registry, "apis", () => apiGroupList(resources())) ?? "{}");
  }
  if (path === "/api/v1") {
    const body = cached(registry, "gv:/v1", () => apiResourceList(resources(), "", "v1"));
    return body === undefined ? undefined : json(body);
  }
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "apis" && parts.length === 2) {
    const body = cached(registry, `g:${parts[1]}`, () => apiGroup(resources(), parts[1] ?? ""));
    return body === undefined ? undefined : json(body);
  }
  if (parts[0] === "apis" && parts.length === 3) {
    const body = cached(
      registry,
      `gv:${parts[1]}/${parts[2]}`,
      () => apiResourceList(resources(), parts[1] ?? "", parts[2] ?? ""),
    );
    return body === undefined ? undefined : json(body);
  }
  if (path === "/openapi/v3") {
    // kube-apiserver serves the root with http.ServeContent, which sniffs the type.
    return {
      ...json(cached(registry, "openapi", () => openApiRoot(resources())) ?? "{}"),
      contentType: "text/plain; charset=utf-8",
    };
  }
  if (path.startsWith("/openapi/v3/")) {
    const rest = path.slice("/openapi/v3/".length);
    const body = cached(registry, `openapi:${rest}`, () => openApiDocument(resources(), rest));
    return body === undefined ? undefined : json(body);
  }
  return undefined;
}
