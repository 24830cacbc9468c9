/**
 * The built-in resource types the fake serves (the ones an issuer touches), with the
 * verbs and subresources a real kube-apiserver 1.32 lists for them in discovery, and
 * hand-written schemas that carry the list and map types server-side apply needs.
 *
 * @module
 */
import type { ResourceInfo, SchemaNode } from "./_types.ts";

const string: SchemaNode = { type: "string" };
const bytes: SchemaNode = { type: "string", format: "byte" };
const int32: SchemaNode = { type: "integer", format: "int32" };
const boolean: SchemaNode = { type: "boolean" };
const time: SchemaNode = { type: "string", format: "date-time" };

function object(properties: Record<string, SchemaNode>, extra: SchemaNode = {}): SchemaNode {
  return { type: "object", properties, ...extra };
}

function mapOf(values: SchemaNode): SchemaNode {
  return { type: "object", additionalProperties: values };
}

function atomicList(items: SchemaNode): SchemaNode {
  return { type: "array", items, "x-kubernetes-list-type": "atomic" };
}

function mapList(keys: string[], items: SchemaNode): SchemaNode {
  return {
    type: "array",
    items,
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": keys,
  };
}

/** A top-level object: `apiVersion`, `kind`, `metadata` plus the type's own fields. */
function topLevel(properties: Record<string, SchemaNode>): SchemaNode {
  return object({ apiVersion: string, kind: string, metadata: { type: "object" }, ...properties });
}

const objectReference = object({
  apiVersion: string,
  fieldPath: string,
  kind: string,
  name: string,
  namespace: string,
  resourceVersion: string,
  uid: string,
}, { "x-kubernetes-map-type": "atomic" });

const eventSource = object({ component: string, host: string });
const eventSeries = object({ count: int32, lastObservedTime: time });

const condition = (extra: Record<string, SchemaNode>): SchemaNode =>
  object({ type: string, status: string, reason: string, message: string, ...extra }, {
    required: ["type", "status"],
  });

const anyObject: SchemaNode = { type: "object", "x-kubernetes-preserve-unknown-fields": true };

interface Builtin {
  group: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: string[];
  schema: SchemaNode;
}

const BUILTINS: Builtin[] = [
  {
    group: "",
    plural: "configmaps",
    kind: "ConfigMap",
    namespaced: true,
    shortNames: ["cm"],
    schema: topLevel({ data: mapOf(string), binaryData: mapOf(bytes), immutable: boolean }),
  },
  {
    group: "",
    plural: "events",
    kind: "Event",
    namespaced: true,
    shortNames: ["ev"],
    schema: topLevel({
      action: string,
      count: int32,
      eventTime: time,
      firstTimestamp: time,
      involvedObject: objectReference,
      lastTimestamp: time,
      message: string,
      reason: string,
      related: objectReference,
      reportingComponent: string,
      reportingInstance: string,
      series: eventSeries,
      source: eventSource,
      type: string,
    }),
  },
  {
    group: "",
    plural: "namespaces",
    kind: "Namespace",
    namespaced: false,
    shortNames: ["ns"],
    subresources: ["finalize", "status"],
    schema: topLevel({
      spec: object({ finalizers: atomicList(string) }),
      status: object({
        phase: string,
        conditions: mapList(["type"], condition({ lastTransitionTime: time })),
      }),
    }),
  },
  {
    group: "",
    plural: "secrets",
    kind: "Secret",
    namespaced: true,
    schema: topLevel({
      data: { ...mapOf(bytes), "x-kubernetes-map-type": "granular" },
      stringData: { ...mapOf(string), "x-kubernetes-map-type": "granular" },
      immutable: boolean,
      type: string,
    }),
  },
  {
    group: "",
    plural: "serviceaccounts",
    kind: "ServiceAccount",
    namespaced: true,
    shortNames: ["sa"],
    subresources: ["token"],
    schema: topLevel({
      automountServiceAccountToken: boolean,
      imagePullSecrets: atomicList(object({ name: string }, { "x-kubernetes-map-type": "atomic" })),
      secrets: mapList(["name"], objectReference),
    }),
  },
  {
    group: "events.k8s.io",
    plural: "events",
    kind: "Event",
    namespaced: true,
    shortNames: ["ev"],
    schema: topLevel({
      action: string,
      deprecatedCount: int32,
      deprecatedFirstTimestamp: time,
      deprecatedLastTimestamp: time,
      deprecatedSource: eventSource,
      eventTime: time,
      note: string,
      reason: string,
      regarding: objectReference,
      related: objectReference,
      reportingController: string,
      reportingInstance: string,
      series: eventSeries,
      type: string,
    }),
  },
  {
    group: "coordination.k8s.io",
    plural: "leases",
    kind: "Lease",
    namespaced: true,
    schema: topLevel({
      spec: object({
        acquireTime: time,
        holderIdentity: string,
        leaseDurationSeconds: int32,
        leaseTransitions: int32,
        preferredHolder: string,
        renewTime: time,
        strategy: string,
      }),
    }),
  },
  {
    group: "certificates.k8s.io",
    plural: "certificatesigningrequests",
    kind: "CertificateSigningRequest",
    namespaced: false,
    shortNames: ["csr"],
    subresources: ["approval", "status"],
    schema: topLevel({
      spec: object({
        expirationSeconds: int32,
        extra: mapOf(atomicList(string)),
        groups: atomicList(string),
        request: bytes,
        signerName: string,
        uid: string,
        usages: atomicList(string),
        username: string,
      }, { required: ["request", "signerName"] }),
      status: object({
        certificate: bytes,
        conditions: mapList(
          ["type"],
          condition({ lastTransitionTime: time, lastUpdateTime: time }),
        ),
      }),
    }),
  },
  {
    group: "apiextensions.k8s.io",
    plural: "customresourcedefinitions",
    kind: "CustomResourceDefinition",
    namespaced: false,
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    subresources: ["status"],
    schema: topLevel({ spec: anyObject, status: anyObject }),
  },
  ...["subjectaccessreviews", "selfsubjectaccessreviews"].map((plural): Builtin => ({
    group: "authorization.k8s.io",
    plural,
    kind: plural === "subjectaccessreviews" ? "SubjectAccessReview" : "SelfSubjectAccessReview",
    namespaced: false,
    schema: topLevel({
      spec: object({
        extra: mapOf(atomicList(string)),
        groups: atomicList(string),
        nonResourceAttributes: object({ path: string, verb: string }),
        resourceAttributes: object({
          fieldSelector: anyObject,
          group: string,
          labelSelector: anyObject,
          name: string,
          namespace: string,
          resource: string,
          subresource: string,
          verb: string,
          version: string,
        }),
        uid: string,
        user: string,
      }),
      status: object({
        allowed: boolean,
        denied: boolean,
        evaluationError: string,
        reason: string,
      }),
    }),
  })),
];

/** `storageVersionHash` values a real 1.32 server lists (hash of the storage GVK). */
const STORAGE_VERSION_HASHES: Record<string, string> = {
  "/configmaps": "qFsyl6wFWjQ=",
  "/events": "r2yiGXH7wu8=",
  "/namespaces": "Q3oi5N2YM8M=",
  "/secrets": "S6u1pOWzb84=",
  "/serviceaccounts": "pbx9ZvyFpBE=",
  "events.k8s.io/events": "r2yiGXH7wu8=",
  "coordination.k8s.io/leases": "gqkMMb/YqFM=",
  "certificates.k8s.io/certificatesigningrequests": "95fRKMXA+00=",
  "apiextensions.k8s.io/customresourcedefinitions": "jfWCUB31mvA=",
};

/**
 * The built-in resources the fake serves: core/v1 configmaps, events, namespaces,
 * secrets and serviceaccounts; events.k8s.io/v1 events; coordination.k8s.io/v1 leases;
 * certificates.k8s.io/v1 certificatesigningrequests; apiextensions.k8s.io/v1
 * customresourcedefinitions; authorization.k8s.io/v1 subjectaccessreviews and
 * selfsubjectaccessreviews.
 *
 * @returns Fresh copies (callers may change them).
 *
 * @example Finding Secrets
 * ```ts
 * import { builtinResources } from "./_builtin_resources.ts";
 * import { strict as assert } from "node:assert";
 *
 * const secrets = builtinResources().find((r) => r.group === "" && r.plural === "secrets");
 * assert.equal(secrets?.kind, "Secret");
 * assert.equal(secrets?.custom, false);
 * ```
 */
export function builtinResources(): ResourceInfo[] {
  return BUILTINS.map((b) => ({
    group: b.group,
    version: "v1",
    plural: b.plural,
    singular: b.kind.toLowerCase(),
    kind: b.kind,
    listKind: `${b.kind}List`,
    namespaced: b.namespaced,
    shortNames: [...(b.shortNames ?? [])],
    categories: [...(b.categories ?? [])],
    subresources: [...(b.subresources ?? [])],
    custom: false,
    schema: structuredClone(b.schema),
    printerColumns: [],
    selectableFields: [],
    storageVersion: "v1",
  }));
}

/**
 * The built-in resources, built once and shared (see {@linkcode builtinResources} for
 * copies that may be changed).
 */
export const BUILTIN_RESOURCES: readonly ResourceInfo[] = Object.freeze(builtinResources());

const CRD_VERBS = [
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "create",
  "update",
  "watch",
];
const BUILTIN_VERBS = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];

/**
 * The verbs discovery lists for a resource. Custom resources get the CRD discovery
 * controller's order (`delete, deletecollection, get, list, patch, create, update,
 * watch`); built-in types get the sorted list the generic API installer produces
 * (namespaces have no `deletecollection`; access reviews only `create`).
 *
 * @param info The resource.
 * @returns The verbs, in the order the real server lists them.
 */
export function verbsOf(info: ResourceInfo): string[] {
  if (info.custom) return [...CRD_VERBS];
  if (info.group === "authorization.k8s.io") return ["create"];
  if (info.group === "" && info.plural === "namespaces") {
    return BUILTIN_VERBS.filter((v) => v !== "deletecollection");
  }
  return [...BUILTIN_VERBS];
}

/**
 * The verbs discovery lists for a subresource: `status` and `approval` →
 * `get, patch, update`; `token` → `create`; `finalize` → `update`.
 *
 * @param info The parent resource.
 * @param subresource The subresource name.
 * @returns The verbs, or `[]` when the resource has no such subresource.
 */
export function subresourceVerbs(info: ResourceInfo, subresource: string): string[] {
  if (!info.subresources.includes(subresource)) return [];
  switch (subresource) {
    case "status":
    case "approval":
      return ["get", "patch", "update"];
    case "token":
      return ["create"];
    case "finalize":
      return ["update"];
    default:
      return [];
  }
}

/** The group, version and kind a subresource takes and returns. */
export interface SubresourceKind {
  /** API group (`""` for core). */
  group: string;
  /** Version. */
  version: string;
  /** Kind. */
  kind: string;
  /** Whether discovery names the group and version explicitly (they differ from the parent's). */
  explicit: boolean;
}

/**
 * The kind of a subresource's body: the parent's kind, except `serviceaccounts/token`,
 * which takes and returns an `authentication.k8s.io/v1` `TokenRequest`.
 *
 * @param info The parent resource.
 * @param subresource The subresource name.
 * @returns The subresource's group, version and kind.
 */
export function subresourceKind(info: ResourceInfo, subresource: string): SubresourceKind {
  if (!info.custom && info.group === "" && subresource === "token") {
    return { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest", explicit: true };
  }
  return { group: info.group, version: info.version, kind: info.kind, explicit: false };
}

/**
 * The `storageVersionHash` a real 1.32 server lists for a built-in resource (for
 * custom resources it is computed from the CRD's storage version, see discovery).
 *
 * @param info A built-in resource.
 * @returns The hash, or `undefined` for resources that are not stored (access reviews).
 */
export function builtinStorageVersionHash(info: ResourceInfo): string | undefined {
  return STORAGE_VERSION_HASHES[`${info.group}/${info.plural}`];
}
