/**
 * Discovery documents, as kube-apiserver 1.32 serves them: legacy `/api`, `/apis`,
 * `/apis/<group>`, `/api/v1` and `/apis/<group>/<version>`, and aggregated discovery
 * (`apidiscovery.k8s.io/v2`) for `/api` and `/apis`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { JsonObject } from "../../core/json.ts";
import type { ResourceInfo } from "./_types.ts";
import {
  builtinStorageVersionHash,
  subresourceKind,
  subresourceVerbs,
  verbsOf,
} from "./_builtin_resources.ts";

/** The `Content-Type` of an aggregated discovery answer. */
export const AGGREGATED_DISCOVERY_CONTENT_TYPE =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** One media range of an `Accept` header. */
export interface MediaRange {
  /** Type, lower-cased, such as `application` or `*`. */
  type: string;
  /** Subtype, lower-cased, such as `json` or `*`. */
  subtype: string;
  /** Parameters other than `q`, such as `{ as: "Table", v: "v1", g: "meta.k8s.io" }`. */
  params: Record<string, string>;
  /** Quality, 1 when absent. */
  q: number;
}

/**
 * Parses an `Accept` header into its media ranges, best first (by `q`, then in the
 * order given); ranges with `q=0` are dropped.
 *
 * @param accept The header value, or `null` when absent.
 * @returns The media ranges.
 */
export function parseAccept(accept: string | null): MediaRange[] {
  if (!accept) return [];
  const ranges: MediaRange[] = [];
  for (const clause of accept.split(",")) {
    const [mediaType = "", ...rawParams] = clause.split(";").map((p) => p.trim());
    const [type, subtype] = mediaType.toLowerCase().split("/");
    if (!type || !subtype) continue;
    const params: Record<string, string> = {};
    let q = 1;
    for (const raw of rawParams) {
      const eq = raw.indexOf("=");
      if (eq < 0) continue;
      const key = raw.slice(0, eq).trim().toLowerCase();
      const value = raw.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
      if (key === "q") q = Number.isNaN(Number(value)) ? 0 : Number(value);
      else params[key] = value;
    }
    if (q > 0) ranges.push({ type, subtype, params, q });
  }
  return ranges.map((range, index) => ({ range, index }))
    .sort((a, b) => b.range.q - a.range.q || a.index - b.index)
    .map(({ range }) => range);
}

/**
 * Tells whether a media range asks for plain JSON (or anything the server can give as
 * plain JSON): `application/json`, `application/yaml`, protobuf and the wildcards.
 *
 * @param range A media range without an `as` parameter.
 * @returns `true` when the plain representation satisfies it.
 */
export function isPlainMediaRange(range: MediaRange): boolean {
  if (range.params.as) return false;
  if (range.type === "*" && range.subtype === "*") return true;
  if (range.type !== "application") return false;
  return ["*", "json", "yaml", "vnd.kubernetes.protobuf"].includes(range.subtype);
}

/**
 * Tells whether a discovery request (`/api`, `/apis`) should get aggregated discovery:
 * the best acceptable media range is `application/json` with `g=apidiscovery.k8s.io`,
 * `v=v2`, `as=APIGroupDiscoveryList`.
 *
 * @param accept The request's `Accept` header.
 * @returns `true` for aggregated discovery, `false` for the legacy documents.
 *
 * @example kubectl 1.32's discovery Accept header
 * ```ts
 * import { wantsAggregated } from "./_discovery.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert(wantsAggregated(
 *   "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList," +
 *     "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json",
 * ));
 * assert(!wantsAggregated("application/json"));
 * ```
 */
export function wantsAggregated(accept: string | null): boolean {
  for (const range of parseAccept(accept)) {
    if (range.params.as === "APIGroupDiscoveryList") {
      const json = range.type === "application" && range.subtype === "json";
      if (json && range.params.g === "apidiscovery.k8s.io" && range.params.v === "v2") return true;
      continue;
    }
    if (isPlainMediaRange(range)) return false;
  }
  return false;
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

function parseKubeVersion(v: string): [number, number, number] | undefined {
  const m = KUBE_VERSION.exec(v);
  if (!m) return undefined;
  const type = m[2] === "alpha" ? 0 : m[2] === "beta" ? 1 : 2;
  return [type, Number(m[1]), m[3] === undefined ? 0 : Number(m[3])];
}

/**
 * Compares API versions by Kubernetes' version priority
 * (`version.CompareKubeAwareVersionStrings`): GA before beta before alpha, higher
 * numbers first, and versions that are not Kubernetes-like last, in alphabetical order.
 *
 * @param a A version, such as `v1beta2`.
 * @param b Another version.
 * @returns A positive number when `a` has the higher priority, negative when `b` has, 0 when equal.
 *
 * @example Sorting versions
 * ```ts
 * import { compareKubeAwareVersions } from "./_discovery.ts";
 * import { strict as assert } from "node:assert";
 *
 * const sorted = ["v1alpha1", "foo", "v1", "v2beta1", "v2"].sort((a, b) =>
 *   compareKubeAwareVersions(b, a)
 * );
 * assert.deepEqual(sorted, ["v2", "v1", "v2beta1", "v1alpha1", "foo"]);
 * ```
 */
export function compareKubeAwareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const pa = parseKubeVersion(a);
  const pb = parseKubeVersion(b);
  if (!pa && !pb) return a < b ? 1 : -1;
  if (!pa) return -1;
  if (!pb) return 1;
  return pa[0] - pb[0] || pa[1] - pb[1] || pa[2] - pb[2];
}

/** Group priorities of the aggregator (`APIVersionPriorities`); CRD groups get 1000. */
const GROUP_PRIORITIES: Record<string, number> = {
  "": 18000,
  "apps": 17800,
  "events.k8s.io": 17750,
  "authentication.k8s.io": 17700,
  "authorization.k8s.io": 17600,
  "autoscaling": 17500,
  "batch": 17400,
  "certificates.k8s.io": 17300,
  "networking.k8s.io": 17200,
  "policy": 17100,
  "rbac.authorization.k8s.io": 17000,
  "storage.k8s.io": 16800,
  "admissionregistration.k8s.io": 16700,
  "apiextensions.k8s.io": 16700,
  "scheduling.k8s.io": 16600,
  "coordination.k8s.io": 16500,
  "node.k8s.io": 16300,
  "discovery.k8s.io": 16200,
  "flowcontrol.apiserver.k8s.io": 16100,
};

function groupOrder(a: string, b: string): number {
  const pa = GROUP_PRIORITIES[a] ?? 1000;
  const pb = GROUP_PRIORITIES[b] ?? 1000;
  return pb - pa || (a < b ? -1 : a > b ? 1 : 0);
}

/** The served groups (without the core group), in the order `/apis` lists them. */
function groupNames(resources: ResourceInfo[]): string[] {
  return [...new Set(resources.map((r) => r.group).filter((g) => g !== ""))].sort(groupOrder);
}

/** A group's versions, highest priority (the preferred version) first. */
function versionsOf(resources: ResourceInfo[], group: string): string[] {
  const versions = new Set(resources.filter((r) => r.group === group).map((r) => r.version));
  return [...versions].sort((a, b) => compareKubeAwareVersions(b, a));
}

function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

function inGroupVersion(resources: ResourceInfo[], group: string, version: string): ResourceInfo[] {
  return resources.filter((r) => r.group === group && r.version === version)
    .sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0));
}

/**
 * The `storageVersionHash` discovery lists for a resource: for custom resources the
 * first 8 bytes of SHA-256 over `<group>/<storage version>/<kind>`, base64-encoded
 * (`discovery.StorageVersionHash`); for built-ins the value a real server lists.
 *
 * @param info The resource.
 * @returns The hash, or `undefined` when the resource is not stored.
 */
export function storageVersionHash(info: ResourceInfo): string | undefined {
  if (!info.custom) return builtinStorageVersionHash(info);
  const digest = createHash("sha256").update(`${info.group}/${info.storageVersion}/${info.kind}`)
    .digest();
  return digest.subarray(0, 8).toString("base64");
}

/**
 * `GET /api`: the legacy `APIVersions` document.
 *
 * @param serverAddress The `host:port` clients should use, such as `127.0.0.1:6443`.
 * @returns The document.
 */
export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupEntry(resources: ResourceInfo[], group: string): JsonObject {
  const versions = versionsOf(resources, group).map((v) => ({
    groupVersion: groupVersion(group, v),
    version: v,
  }));
  return { name: group, versions, preferredVersion: versions[0] ?? null };
}

/**
 * `GET /apis`: the legacy `APIGroupList`, groups in the aggregator's priority order,
 * each group's versions by version priority with the first one preferred.
 *
 * @param resources Every served resource.
 * @returns The document.
 */
export function apiGroupList(resources: ResourceInfo[]): JsonObject {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: groupNames(resources).map((g) => groupEntry(resources, g)),
  };
}

/**
 * `GET /apis/<group>`: the `APIGroup` document.
 *
 * @param resources Every served resource.
 * @param group The group name.
 * @returns The document, or `undefined` when no resource is served in `group`.
 */
export function apiGroup(resources: ResourceInfo[], group: string): JsonObject | undefined {
  if (!group || !resources.some((r) => r.group === group)) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...groupEntry(resources, group) };
}

/**
 * `GET /api/v1` or `GET /apis/<group>/<version>`: the `APIResourceList`, one entry per
 * resource followed by one per subresource (such as `widgets/status`).
 *
 * @param resources Every served resource.
 * @param group The group (`""` for `/api/v1`).
 * @param version The version.
 * @returns The document, or `undefined` when nothing is served at that group-version.
 */
export function apiResourceList(
  resources: ResourceInfo[],
  group: string,
  version: string,
): JsonObject | undefined {
  const infos = inGroupVersion(resources, group, version);
  if (infos.length === 0) return undefined;
  const entries: JsonObject[] = [];
  for (const info of infos) {
    const main: JsonObject = {
      name: info.plural,
      singularName: info.singular,
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: verbsOf(info),
    };
    if (info.shortNames.length > 0) main.shortNames = [...info.shortNames];
    if (info.categories.length > 0) main.categories = [...info.categories];
    const hash = storageVersionHash(info);
    if (hash) main.storageVersionHash = hash;
    entries.push(main);
    for (const sub of [...info.subresources].sort()) {
      const kind = subresourceKind(info, sub);
      const entry: JsonObject = {
        name: `${info.plural}/${sub}`,
        singularName: "",
        namespaced: info.namespaced,
      };
      if (kind.explicit) Object.assign(entry, { group: kind.group, version: kind.version });
      entries.push(Object.assign(entry, { kind: kind.kind, verbs: subresourceVerbs(info, sub) }));
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupVersion(group, version),
    resources: entries,
  };
}

function responseKind(info: ResourceInfo, sub?: string): JsonObject {
  const kind = sub === undefined ? undefined : subresourceKind(info, sub);
  // Built-in resources come from the legacy list, where group and version are empty
  // unless they differ from the endpoint's (ConvertGroupVersionIntoToDiscovery).
  if (kind?.explicit) return { group: kind.group, version: kind.version, kind: kind.kind };
  if (!info.custom) return { group: "", version: "", kind: info.kind };
  return { group: info.group, version: info.version, kind: info.kind };
}

function aggregatedResource(info: ResourceInfo): JsonObject {
  const entry: JsonObject = {
    resource: info.plural,
    responseKind: responseKind(info),
    scope: info.namespaced ? "Namespaced" : "Cluster",
    singularResource: info.singular,
    verbs: verbsOf(info),
  };
  if (info.shortNames.length > 0) entry.shortNames = [...info.shortNames];
  if (info.categories.length > 0) entry.categories = [...info.categories];
  const subs = [...info.subresources].sort();
  if (subs.length > 0) {
    entry.subresources = subs.map((sub) => ({
      subresource: sub,
      responseKind: responseKind(info, sub),
      verbs: subresourceVerbs(info, sub),
    }));
  }
  return entry;
}

function aggregatedGroup(resources: ResourceInfo[], group: string): JsonObject {
  const metadata: JsonObject = group
    ? { name: group, creationTimestamp: null }
    : { creationTimestamp: null };
  return {
    metadata,
    versions: versionsOf(resources, group).map((version) => ({
      version,
      resources: inGroupVersion(resources, group, version).map(aggregatedResource),
      freshness: "Current",
    })),
  };
}

/**
 * Aggregated discovery (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`) for `/api`
 * (the core group, one item without a name) or `/apis` (every other group). Send it
 * with `Content-Type:` {@linkcode AGGREGATED_DISCOVERY_CONTENT_TYPE}.
 *
 * @param resources Every served resource.
 * @param core `true` for `/api`, `false` for `/apis`.
 * @returns The document.
 */
export function aggregatedDiscovery(resources: ResourceInfo[], core: boolean): JsonObject {
  const groups = core ? (resources.some((r) => r.group === "") ? [""] : []) : groupNames(resources);
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: "apidiscovery.k8s.io/v2",
    metadata: {},
    items: groups.map((g) => aggregatedGroup(resources, g)),
  };
}
