/**
 * OpenAPI v3 documents as kube-apiserver 1.32 serves them under `/openapi/v3`: the root
 * listing every group-version with a content hash, and one document per group-version
 * whose operations carry `x-kubernetes-group-version-kind` and the `fieldValidation`
 * parameter (what `kubectl create/apply` check before sending `fieldValidation=Strict`).
 *
 * `/openapi/v2` is not served (answer 404): kubectl asks for protobuf there and copes
 * with a 404.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { JsonObject } from "../../core/json.ts";
import { canonicalJson, isJsonObject } from "../../core/json.ts";
import type { ResourceInfo } from "./_types.ts";
import { subresourceKind, verbsOf } from "./_builtin_resources.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const TOKEN_REQUEST = "io.k8s.api.authentication.v1.TokenRequest";
const CONVENTIONS =
  "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md";
const API_VERSION = {
  description:
    `APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: ${CONVENTIONS}#resources`,
  type: "string",
};
const KIND = {
  description:
    `Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: ${CONVENTIONS}#types-kinds`,
  type: "string",
};

function ref(name: string): JsonObject {
  return { $ref: `#/components/schemas/${name}` };
}

function gvk(group: string, version: string, kind: string): JsonObject {
  return { group, kind, version };
}

function allOf(name: string, description: string): JsonObject {
  return { allOf: [ref(name)], default: {}, description };
}

const str = { type: "string" };
const int64 = { type: "integer", format: "int64" };
const bool = { type: "boolean" };
const time = { type: "string", format: "date-time" };
const strMap = { type: "object", additionalProperties: { type: "string", default: "" } };

function object(description: string, properties: JsonObject, extra: JsonObject = {}): JsonObject {
  return { description, type: "object", properties, ...extra };
}

function array(items: JsonObject, listType: string, extra: JsonObject = {}): JsonObject {
  return { type: "array", items, "x-kubernetes-list-type": listType, ...extra };
}

const OBJECT_META = `Standard object's metadata. More info: ${CONVENTIONS}#metadata`;
const LIST_META = `Standard list metadata. More info: ${CONVENTIONS}#types-kinds`;
const OWNER_REFERENCE = object(
  "OwnerReference contains information to identify an owning object.",
  {
    apiVersion: str,
    blockOwnerDeletion: bool,
    controller: bool,
    kind: str,
    name: str,
    uid: str,
  },
  { required: ["apiVersion", "kind", "name", "uid"], "x-kubernetes-map-type": "atomic" },
);
const MANAGED_FIELDS_ENTRY = object(
  "ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.",
  {
    apiVersion: str,
    fieldsType: str,
    fieldsV1: { type: "object" },
    manager: str,
    operation: str,
    subresource: str,
    time,
  },
);

/** The apimachinery schemas every document refers to. */
const META_SCHEMAS: Record<string, JsonObject> = {
  [`${META}.DeleteOptions`]: object("DeleteOptions may be provided when deleting an API object.", {
    apiVersion: API_VERSION,
    dryRun: array({ type: "string", default: "" }, "atomic"),
    gracePeriodSeconds: int64,
    ignoreStoreReadErrorWithClusterBreakingPotential: bool,
    kind: KIND,
    orphanDependents: bool,
    preconditions: object("Preconditions must be fulfilled before an operation is carried out.", {
      resourceVersion: str,
      uid: str,
    }),
    propagationPolicy: str,
  }),
  [`${META}.ListMeta`]: object("ListMeta describes metadata that synthetic resources must have.", {
    continue: str,
    remainingItemCount: int64,
    resourceVersion: str,
    selfLink: str,
  }),
  [`${META}.ObjectMeta`]: object("ObjectMeta is metadata that all persisted resources must have.", {
    annotations: strMap,
    creationTimestamp: time,
    deletionGracePeriodSeconds: int64,
    deletionTimestamp: time,
    finalizers: array({ type: "string", default: "" }, "set"),
    generateName: str,
    generation: int64,
    labels: strMap,
    managedFields: array(MANAGED_FIELDS_ENTRY, "atomic"),
    name: str,
    namespace: str,
    ownerReferences: array(OWNER_REFERENCE, "map", { "x-kubernetes-list-map-keys": ["uid"] }),
    resourceVersion: str,
    selfLink: str,
    uid: str,
  }),
  [`${META}.Patch`]: object(
    "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
    {},
  ),
  [`${META}.Status`]: object(
    "Status is a return value for calls that don't return other objects.",
    {
      apiVersion: API_VERSION,
      code: { type: "integer", format: "int32" },
      details: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      kind: KIND,
      message: str,
      metadata: allOf(`${META}.ListMeta`, LIST_META),
      reason: str,
      status: str,
    },
    { "x-kubernetes-group-version-kind": [gvk("", "v1", "Status")] },
  ),
};

const TOKEN_REQUEST_SCHEMA = object("TokenRequest requests a token for a given service account.", {
  apiVersion: API_VERSION,
  kind: KIND,
  metadata: allOf(`${META}.ObjectMeta`, OBJECT_META),
  spec: object("TokenRequestSpec contains client provided parameters of a token request.", {
    audiences: array(str, "atomic"),
    boundObjectRef: object("BoundObjectReference is a reference to an object.", {
      apiVersion: str,
      kind: str,
      name: str,
      uid: str,
    }),
    expirationSeconds: int64,
  }),
  status: object("TokenRequestStatus is the result of a token request.", {
    expirationTimestamp: time,
    token: str,
  }),
}, {
  required: ["spec"],
  "x-kubernetes-group-version-kind": [gvk("authentication.k8s.io", "v1", "TokenRequest")],
});

/**
 * The name of a resource's schema in `components.schemas`: the reversed group, version
 * and kind for custom resources (`io.cert-manager.v1.CertificateRequest`), the Go
 * package path for built-ins (`io.k8s.api.core.v1.Secret`).
 *
 * @param info The resource.
 * @param kind The kind to name (defaults to the resource's kind; pass `listKind` for the list).
 * @returns The schema name.
 */
export function schemaName(info: ResourceInfo, kind: string = info.kind): string {
  if (info.custom) {
    const group = info.group.includes(".") ? info.group.split(".").reverse().join(".") : info.group;
    return `${group}.${info.version}.${kind}`;
  }
  if (info.group === "apiextensions.k8s.io") {
    return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${info.version}.${kind}`;
  }
  const pkg = info.group === "" ? "core" : info.group.replace(/\.k8s\.io$/, "");
  return `io.k8s.api.${pkg}.${info.version}.${kind}`;
}

function objectSchema(info: ResourceInfo): JsonObject {
  const base = info.schema
    ? JSON.parse(JSON.stringify(info.schema)) as JsonObject
    : { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = isJsonObject(base.properties)
    ? base.properties
    : {};
  return {
    ...base,
    type: "object",
    properties: {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: allOf(`${META}.ObjectMeta`, OBJECT_META),
      ...rest,
    },
    "x-kubernetes-group-version-kind": [gvk(info.group, info.version, info.kind)],
  };
}

function listSchema(info: ResourceInfo): JsonObject {
  return {
    description: `${info.listKind} is a list of ${info.kind}`,
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: API_VERSION,
      items: {
        description: `List of ${info.plural}. More info: ${CONVENTIONS}`,
        type: "array",
        items: { allOf: [ref(schemaName(info))], default: {} },
      },
      kind: KIND,
      metadata: allOf(`${META}.ListMeta`, LIST_META),
    },
    "x-kubernetes-group-version-kind": [gvk(info.group, info.version, info.listKind)],
  };
}

/** Query parameters: type and (shortened) description, as kube-openapi lists them. */
const QUERY: Record<string, [string, string]> = {
  allowWatchBookmarks: [
    "boolean",
    'allowWatchBookmarks requests watch events with type "BOOKMARK".',
  ],
  continue: ["string", "The continue option should be set when retrieving more results."],
  dryRun: ["string", "When present, indicates that modifications should not be persisted."],
  fieldManager: ["string", "fieldManager is a name associated with the actor making changes."],
  fieldSelector: ["string", "A selector to restrict the list of returned objects by fields."],
  fieldValidation: [
    "string",
    "fieldValidation instructs the server on how to handle objects in the request " +
    "(POST/PUT/PATCH) containing unknown or duplicate fields: Ignore, Warn or Strict.",
  ],
  force: ["boolean", 'Force is going to "force" Apply requests.'],
  gracePeriodSeconds: ["integer", "The duration in seconds before the object is deleted."],
  ignoreStoreReadErrorWithClusterBreakingPotential: [
    "boolean",
    "Unsafe deletion of corrupt objects.",
  ],
  labelSelector: ["string", "A selector to restrict the list of returned objects by labels."],
  limit: ["integer", "limit is a maximum number of responses to return for a list call."],
  orphanDependents: ["boolean", "Deprecated: please use the PropagationPolicy."],
  pretty: ["string", "If 'true', then the output is pretty printed."],
  propagationPolicy: ["string", "Whether and how garbage collection will be performed."],
  resourceVersion: ["string", "resourceVersion sets a constraint on what versions may serve."],
  resourceVersionMatch: ["string", "resourceVersionMatch determines how resourceVersion applies."],
  sendInitialEvents: ["boolean", "`sendInitialEvents=true` may be set together with `watch=true`."],
  timeoutSeconds: ["integer", "Timeout for the list/watch call."],
  watch: ["boolean", "Watch for changes to the described resources."],
};

function query(...names: string[]): JsonObject[] {
  return names.map((name) => {
    const [type, description] = QUERY[name] ?? ["string", ""];
    return { description, in: "query", name, schema: { type, uniqueItems: true } };
  });
}

function pathParam(name: string, description: string): JsonObject {
  const schema = { type: "string", uniqueItems: true };
  return { description, in: "path", name, required: true, schema };
}

const WRITE = query("dryRun", "fieldManager", "fieldValidation");
const LIST_NAMES = [
  "allowWatchBookmarks",
  "continue",
  "fieldSelector",
  "labelSelector",
  "limit",
  "resourceVersion",
  "resourceVersionMatch",
  "sendInitialEvents",
  "timeoutSeconds",
  "watch",
];
const LIST = query(...LIST_NAMES);
const DELETE_NAMES = [
  "gracePeriodSeconds",
  "ignoreStoreReadErrorWithClusterBreakingPotential",
  "orphanDependents",
  "propagationPolicy",
];
const DELETE = query("dryRun", ...DELETE_NAMES);
const DELETE_COLLECTION = query(...LIST_NAMES, "dryRun", ...DELETE_NAMES);
const PATCH = query("dryRun", "fieldManager", "fieldValidation", "force");

function media(schema: JsonObject): JsonObject {
  return { "application/json": { schema }, "application/yaml": { schema } };
}

const CODES: Record<string, string> = { "200": "OK", "201": "Created", "202": "Accepted" };
const PATCH_TYPES = [
  "application/apply-patch+yaml",
  "application/json-patch+json",
  "application/merge-patch+json",
];

/** What one kind of operation looks like; `resourcePaths` fills in the resource. */
interface OpTemplate {
  /** HTTP method (the key under the path). */
  method: "get" | "post" | "put" | "patch" | "delete";
  /** `x-kubernetes-action`. */
  action: string;
  /** Start of the operation id, such as `replace` or `deleteCollection`. */
  verb: string;
  /** Description; `%` is replaced by the kind, `@` by `status of ` and such for subresources. */
  description: string;
  /** Operation parameters. */
  params: JsonObject[];
  /** Request body: the object, the patch types, or DeleteOptions. */
  body?: "object" | "patch" | "delete";
  /** Response body schema. */
  result: "object" | "list" | "status";
  /** Success codes. */
  codes: string[];
}

const LIST_OP: OpTemplate = {
  method: "get",
  action: "list",
  verb: "list",
  description: "list or watch objects of kind %",
  params: LIST,
  result: "list",
  codes: ["200"],
};
const CREATE_OP: OpTemplate = {
  method: "post",
  action: "post",
  verb: "create",
  description: "create @a %",
  params: WRITE,
  body: "object",
  result: "object",
  codes: ["200", "201", "202"],
};
const DELETE_COLLECTION_OP: OpTemplate = {
  method: "delete",
  action: "deletecollection",
  verb: "deleteCollection",
  description: "delete collection of %",
  params: DELETE_COLLECTION,
  body: "delete",
  result: "status",
  codes: ["200"],
};
const READ_OP: OpTemplate = {
  method: "get",
  action: "get",
  verb: "read",
  description: "read @the specified %",
  params: [],
  result: "object",
  codes: ["200"],
};
const REPLACE_OP: OpTemplate = {
  method: "put",
  action: "put",
  verb: "replace",
  description: "replace @the specified %",
  params: WRITE,
  body: "object",
  result: "object",
  codes: ["200", "201"],
};
const PATCH_OP: OpTemplate = {
  method: "patch",
  action: "patch",
  verb: "patch",
  description: "partially update @the specified %",
  params: PATCH,
  body: "patch",
  result: "object",
  codes: ["200", "201"],
};
const DELETE_OP: OpTemplate = {
  method: "delete",
  action: "delete",
  verb: "delete",
  description: "delete @a %",
  params: DELETE,
  body: "delete",
  result: "status",
  codes: ["200", "202"],
};

function titled(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** The group as operation ids spell it: `CertManagerIo`, `Certificates`, `Core`. */
function groupCamel(group: string): string {
  if (!group) return "Core";
  return group.replace(/\.k8s\.io$/, "").split(/[.-]/).map(titled).join("");
}

/** Builds the paths of one resource (collection, all-namespaces list, item, subresources). */
function resourcePaths(info: ResourceInfo): Record<string, JsonObject> {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const collection = `${base}${info.namespaced ? "/namespaces/{namespace}" : ""}/${info.plural}`;
  const item = `${collection}/{name}`;
  const camel = groupCamel(info.group);
  const tag = `${camel.charAt(0).toLowerCase()}${camel.slice(1)}_${info.version}`;
  const gv = `${camel}${titled(info.version)}`;
  const scope = info.namespaced
    ? [pathParam("namespace", "object name and auth scope, such as for teams and projects")]
    : [];
  const itemParams = [pathParam("name", `name of the ${info.kind}`), ...scope, ...query("pretty")];
  const self = gvk(info.group, info.version, info.kind);
  const bodies: Record<string, JsonObject> = {
    object: ref(schemaName(info)),
    list: ref(schemaName(info, info.listKind)),
    status: ref(`${META}.Status`),
    delete: ref(`${META}.DeleteOptions`),
  };

  /** One operation; `sub` names a subresource, `allNamespaces` the cross-namespace list. */
  const operation = (t: OpTemplate, sub = "", allNamespaces = false): JsonObject => {
    const token = sub === "token";
    const [verb, collectionWord] = t.verb === "deleteCollection"
      ? ["delete", "Collection"]
      : [t.verb, ""];
    const scopeWord = info.namespaced && !allNamespaces ? "Namespaced" : "";
    const suffix = titled(sub) + (allNamespaces ? "ForAllNamespaces" : "");
    const op: JsonObject = {
      tags: [tag],
      description: t.description.replace("@", sub ? `${sub} of ` : "").replace("%", info.kind),
      operationId: `${verb}${gv}${collectionWord}${scopeWord}${info.kind}${suffix}`,
    };
    if (t.params.length > 0) op.parameters = t.params;
    if (t.body === "patch") {
      const content: JsonObject = {};
      for (const type of PATCH_TYPES) content[type] = { schema: ref(`${META}.Patch`) };
      op.requestBody = { content, required: true };
    } else if (t.body) {
      const schema = token ? ref(TOKEN_REQUEST) : bodies[t.body] ?? {};
      op.requestBody = { content: media(schema), required: t.body !== "delete" };
    }
    const result = token ? ref(TOKEN_REQUEST) : bodies[t.result] ?? {};
    const responses: JsonObject = {};
    for (const code of t.codes) {
      responses[code] = { description: CODES[code] ?? "", content: media(result) };
    }
    responses["401"] = { description: "Unauthorized" };
    op.responses = responses;
    op["x-kubernetes-action"] = t.action;
    const k = subresourceKind(info, sub);
    op["x-kubernetes-group-version-kind"] = k.explicit ? gvk(k.group, k.version, k.kind) : self;
    return op;
  };
  const paths: Record<string, JsonObject> = {};
  const add = (path: string, params: JsonObject[], templates: OpTemplate[], sub = "") => {
    if (templates.length === 0) return;
    const entry: JsonObject = {};
    for (const t of templates) entry[t.method] = operation(t, sub);
    paths[path] = { ...entry, parameters: params };
  };
  const verbs = verbsOf(info);
  const allowed = (pairs: [string, OpTemplate][]) =>
    pairs.filter(([v]) => verbs.includes(v)).map(([, t]) => t);
  add(
    collection,
    [...scope, ...query("pretty")],
    allowed([["list", LIST_OP], ["create", CREATE_OP], ["deletecollection", DELETE_COLLECTION_OP]]),
  );
  if (info.namespaced && verbs.includes("list")) {
    paths[`${base}/${info.plural}`] = {
      get: operation(LIST_OP, "", true),
      parameters: query("pretty"),
    };
  }
  add(
    item,
    itemParams,
    allowed([["get", READ_OP], ["update", REPLACE_OP], ["patch", PATCH_OP], ["delete", DELETE_OP]]),
  );
  for (const sub of info.subresources) {
    const path = `${item}/${sub}`;
    if (sub === "status" || sub === "approval") {
      add(path, itemParams, [READ_OP, REPLACE_OP, PATCH_OP], sub);
    }
    if (sub === "finalize") add(path, itemParams, [REPLACE_OP], sub);
    if (sub === "token") add(path, itemParams, [CREATE_OP], sub);
  }
  return paths;
}

function sortedObject(entries: [string, JsonObject][]): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out[key] = value;
  }
  return out;
}

/**
 * The OpenAPI v3 document of one group-version (`GET /openapi/v3/apis/<g>/<v>` or
 * `/openapi/v3/api/v1`): every resource's paths and schemas. Patch operations list
 * JSON patch, merge patch and apply patch, never strategic merge patch (kubectl would
 * then try to compute a strategic merge patch from these minimal schemas).
 *
 * @param resources Every served resource.
 * @param group The group (`""` for core).
 * @param version The version.
 * @returns The document, or `undefined` when nothing is served at that group-version.
 */
export function openApiGroupVersion(
  resources: ResourceInfo[],
  group: string,
  version: string,
): JsonObject | undefined {
  const infos = resources.filter((r) => r.group === group && r.version === version);
  if (infos.length === 0) return undefined;
  const paths: [string, JsonObject][] = [];
  const schemas: [string, JsonObject][] = Object.entries(META_SCHEMAS);
  for (const info of infos) {
    paths.push(...Object.entries(resourcePaths(info)));
    schemas.push([schemaName(info), objectSchema(info)]);
    if (verbsOf(info).includes("list")) {
      schemas.push([schemaName(info, info.listKind), listSchema(info)]);
    }
    if (info.subresources.includes("token") && !info.custom) {
      schemas.push([TOKEN_REQUEST, TOKEN_REQUEST_SCHEMA]);
    }
  }
  const custom = infos.every((r) => r.custom);
  return {
    openapi: "3.0.0",
    info: custom
      ? { title: "Kubernetes CRD Swagger", version: "v0.1.0" }
      : { title: "Kubernetes", version: "v1.32.5" },
    paths: sortedObject(paths),
    components: { schemas: sortedObject(schemas) },
  };
}

/**
 * The hash kube-openapi puts in `serverRelativeURL` (and the `ETag`): the upper-case
 * hex SHA-512 of the document, here of its canonical JSON.
 *
 * @param doc A group-version document.
 * @returns 128 upper-case hex digits.
 */
export function openApiHash(doc: JsonObject): string {
  return createHash("sha512").update(canonicalJson(doc)).digest("hex").toUpperCase();
}

function groupVersions(resources: ResourceInfo[]): [string, string][] {
  const seen = new Map<string, [string, string]>();
  for (const r of resources) seen.set(`${r.group}/${r.version}`, [r.group, r.version]);
  return [...seen.values()];
}

/**
 * `GET /openapi/v3`: one entry per group-version (`api/v1`, `apis/<g>/<v>`) whose
 * `serverRelativeURL` carries a `hash` that changes whenever that document changes.
 *
 * @param resources Every served resource.
 * @returns The root document.
 */
export function openApiRoot(resources: ResourceInfo[]): JsonObject {
  const entries: [string, JsonObject][] = [];
  for (const [group, version] of groupVersions(resources)) {
    const doc = openApiGroupVersion(resources, group, version);
    if (!doc) continue;
    const key = group ? `apis/${group}/${version}` : `api/${version}`;
    entries.push([key, { serverRelativeURL: `/openapi/v3/${key}?hash=${openApiHash(doc)}` }]);
  }
  return { paths: sortedObject(entries) };
}

/**
 * Resolves the path below `/openapi/v3/` (`api/v1` or `apis/<g>/<v>`) to its document.
 *
 * @param resources Every served resource.
 * @param path The path after `/openapi/v3/`, without query.
 * @returns The document, or `undefined` when the path names no served group-version.
 */
export function openApiDocument(resources: ResourceInfo[], path: string): JsonObject | undefined {
  const parts = path.replace(/^\/+|\/+$/g, "").split("/");
  if (parts.length === 2 && parts[0] === "api") {
    return openApiGroupVersion(resources, "", parts[1] ?? "");
  }
  if (parts.length === 3 && parts[0] === "apis" && parts[1]) {
    return openApiGroupVersion(resources, parts[1], parts[2] ?? "");
  }
  return undefined;
}
