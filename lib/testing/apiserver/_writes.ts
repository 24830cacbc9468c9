/**
 * The write pipeline: create, update (PUT), patch (merge, JSON, strategic, apply) and
 * delete, with the order of checks kube-apiserver uses — decode, preconditions,
 * strategy, immutable metadata, validation, admission, managed fields, no-op
 * detection, commit.
 *
 * @module
 */
import {
  cloneJson,
  isJsonObject,
  jsonEqual,
  type JsonObject,
  type JsonValue,
} from "../../core/json.ts";
import { formatTime } from "../../core/time.ts";
import {
  alreadyExists,
  badRequest,
  conflict,
  failure,
  forbidden,
  genericInvalid,
  invalid,
  notFound,
  requestEntityTooLarge,
  StatusError,
  unsupportedMediaType,
} from "./_errors.ts";
import type { ServedResource } from "./_registry.ts";
import type { ObjectStore } from "./_store.ts";
import { metadataOf, objectField, type WriteContext } from "./_strategy.ts";
import type { FieldError, StoredObject } from "./_types.ts";
import { generateName, validateObjectMeta } from "./_validation.ts";
import { pruneUnknownFields } from "./_prune.ts";
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  BUILTIN_SMP_STRATEGY,
  PatchError,
} from "./_patch/mod.ts";
import { applyPatch, conflictError, recordUpdate, takeClientManagedFields } from "./_ssa/mod.ts";
import type { ManagedFieldsEntry } from "./_ssa/mod.ts";
import { parse as parseYaml } from "yaml";

/** Everything a write needs besides the body. */
export interface WriteRequest {
  /** The resource written. */
  served: ServedResource;
  /** Namespace from the URL (`""` for cluster scope). */
  namespace: string;
  /** Name from the URL (`""` for create). */
  name: string;
  /** Subresource from the URL. */
  subresource: string;
  /** The field manager (explicit or derived from the User-Agent). */
  manager: string;
  /** `dryRun=All`. */
  dryRun: boolean;
  /** `fieldValidation`: Ignore, Warn or Strict. */
  fieldValidation: "Ignore" | "Warn" | "Strict";
  /** Context handed to the strategy. */
  ctx: WriteContext;
  /** Warnings to return in `Warning` headers. */
  warnings: string[];
  /** Random numbers for generated names and UIDs. */
  random: () => number;
}

/** The result of a write. */
export interface WriteResult {
  /** HTTP status code. */
  code: number;
  /** The body: the object, or a Status for some deletes. */
  body: JsonObject;
}

const DECODE_TYPES_CR = ["application/json", "application/yaml"];
const DECODE_TYPES_BUILTIN = [
  "application/json",
  "application/yaml",
  "application/vnd.kubernetes.protobuf",
];
const PATCH_TYPES_CR = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/apply-patch+yaml",
];
const PATCH_TYPES_BUILTIN = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
];

function qr(served: ServedResource) {
  return { group: served.info.group, resource: served.info.plural };
}

function gv(served: ServedResource): string {
  const { group, version } = served.info;
  return group ? `${group}/${version}` : version;
}

function str(value: JsonValue | undefined): string {
  return typeof value === "string" ? value : "";
}

/** Parses a request body given as JSON or YAML text into an object. */
export async function decodeObject(
  text: string,
  contentType: string,
  served: ServedResource,
): Promise<JsonObject> {
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const accepted = served.info.custom ? DECODE_TYPES_CR : DECODE_TYPES_BUILTIN;
  if (mediaType !== "" && !accepted.includes(mediaType)) throw unsupportedMediaType(accepted);
  let value: unknown;
  if (mediaType === "application/yaml") {
    try {
      value = parseYaml(text);
    } catch (e) {
      throw badRequest(`error converting YAML to JSON: ${(e as Error).message}`);
    }
  } else {
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
    }
  }
  if (!isJsonObject(value)) {
    throw badRequest(
      `couldn't get version/kind; json parse error: json: cannot unmarshal ${
        Array.isArray(value) ? "array" : typeof value
      } into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
    );
  }
  return value;
}

/** Checks `apiVersion`/`kind` of a body against the endpoint, and MicroTime-style decoding. */
export function checkTypeMeta(obj: JsonObject, served: ServedResource, allowMissing = false): void {
  const { kind } = served.info;
  if (obj.kind === undefined || obj.kind === "") {
    if (allowMissing) obj.kind = kind;
    else throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(obj).slice(0, 200)}'`);
  }
  if (obj.apiVersion === undefined || obj.apiVersion === "") {
    if (allowMissing) obj.apiVersion = gv(served);
    else {throw badRequest(
        `Object 'apiVersion' is missing in '${JSON.stringify(obj).slice(0, 200)}'`,
      );}
  }
  if (obj.apiVersion !== gv(served)) {
    throw badRequest(
      `the API version in the data (${
        String(obj.apiVersion)
      }) does not match the expected API version (${gv(served)})`,
    );
  }
  if (obj.kind !== kind) {
    throw badRequest(
      `the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: kind ${
        String(obj.kind)
      } does not match ${kind}`,
    );
  }
  served.strategy.decode(obj);
}

function pruneAndCheckFields(obj: JsonObject, req: WriteRequest): void {
  const schema = req.served.info.schema;
  if (!req.served.info.custom || !schema) return;
  const dropped = pruneUnknownFields(obj, schema);
  if (dropped.length === 0) return;
  if (req.fieldValidation === "Strict") {
    const list = dropped.map((p) => `unknown field "${p}"`).join(", ");
    throw badRequest(
      `${req.served.info.kind} in version "${req.served.info.version}" cannot be handled as a ${req.served.info.kind}: strict decoding error: ${list}`,
    );
  }
  if (req.fieldValidation === "Warn") {
    for (const p of dropped) req.warnings.push(`unknown field "${p}"`);
  }
}

function checkNamespaceAndName(obj: JsonObject, req: WriteRequest, urlName: string): void {
  const meta = metadataOf(obj);
  if (req.served.info.namespaced) {
    const ns = str(meta.namespace);
    if (ns === "") meta.namespace = req.namespace;
    else if (ns !== req.namespace) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
  } else {
    delete meta.namespace;
  }
  if (urlName !== "") {
    const name = str(meta.name);
    if (name === "") meta.name = urlName;
    else if (name !== urlName) {
      throw badRequest(
        `the name of the object (${name}) does not match the name on the URL (${urlName})`,
      );
    }
  }
}

function validationErrors(obj: StoredObject, req: WriteRequest): FieldError[] {
  const meta = metadataOf(obj);
  const errors = validateObjectMeta(meta, {
    namespaced: req.served.info.namespaced,
    nameValidator: "subdomain",
  });
  return errors;
}

function throwInvalid(obj: StoredObject, req: WriteRequest, errors: FieldError[]): void {
  if (errors.length === 0) return;
  throw invalid(req.served.info.kind, req.served.info.group, str(metadataOf(obj).name), errors);
}

function uuid(random: () => number): string {
  const hex = [...Array(32)].map(() => Math.floor(random() * 16).toString(16));
  hex[12] = "4";
  hex[16] = ((parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function checkNamespaceExists(store: ObjectStore, req: WriteRequest): void {
  if (!req.served.info.namespaced) return;
  const ns = store.get("/namespaces", "", req.namespace);
  if (!ns) throw notFound({ group: "", resource: "namespaces" }, req.namespace);
  if (objectField(ns, "metadata")?.deletionTimestamp) {
    const meta = metadataOf(ns);
    throw forbidden(
      `${req.served.info.plural}${
        req.served.info.group ? `.${req.served.info.group}` : ""
      } "${req.name}" is forbidden: unable to create new content in namespace ${
        str(meta.name)
      } because it is being terminated`,
      qr(req.served),
      req.name,
    );
  }
}

/** The create pipeline (POST to a collection, and apply or PUT that creates). */
export function createObject(
  store: ObjectStore,
  req: WriteRequest,
  body: JsonObject,
  managedFields?: ManagedFieldsEntry[],
): WriteResult {
  const { served, ctx } = req;
  const obj = cloneJson(body);
  checkNamespaceAndName(obj, req, req.name);
  const meta = metadataOf(obj);
  if (str(meta.resourceVersion) !== "") {
    throw new StatusError(
      failure(500, "InternalError", "resourceVersion should not be set on objects to be created"),
    );
  }
  if (str(meta.name) === "" && str(meta.generateName) !== "") {
    meta.name = generateName(str(meta.generateName), req.random);
  }
  const name = str(meta.name);
  checkNamespaceExists(store, { ...req, name });
  pruneAndCheckFields(obj, req);
  meta.uid = uuid(req.random);
  meta.creationTimestamp = formatTime(ctx.now);
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.selfLink;
  if (served.strategy.generation) meta.generation = 1;
  else delete meta.generation;
  served.strategy.prepareForCreate(obj, ctx);
  throwInvalid(obj, req, [...validationErrors(obj, req), ...served.strategy.validate(obj, ctx)]);
  served.strategy.admit(obj, undefined, ctx);
  if (store.get(served.storeKey, str(meta.namespace), name)) {
    const generated = str(
      body.metadata && isJsonObject(body.metadata) ? body.metadata.generateName : "",
    );
    throw alreadyExists(
      qr(served),
      name,
      generated && !str(isJsonObject(body.metadata) ? body.metadata.name : "")
        ? ", the server was not able to generate a unique name for the object"
        : "",
    );
  }
  if (managedFields) meta.managedFields = managedFields as unknown as JsonValue;
  else {
    delete meta.managedFields;
    const entries = recordUpdate({
      old: undefined,
      updated: obj,
      managedFields: [],
      manager: req.manager,
      subresource: "",
      apiVersion: gv(served),
      now: formatTime(ctx.now),
      schema: served.info.schema,
    });
    if (entries.length > 0) meta.managedFields = entries as unknown as JsonValue;
  }
  if (req.dryRun) {
    meta.resourceVersion = String(store.revision);
    return { code: 201, body: obj };
  }
  return { code: 201, body: cloneJson(store.commit(served.storeKey, "ADDED", obj, undefined)) };
}

function restoreImmutableMeta(next: StoredObject, old: StoredObject): void {
  const meta = metadataOf(next);
  const oldMeta = metadataOf(old);
  for (
    const key of [
      "uid",
      "creationTimestamp",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "generation",
      "name",
      "namespace",
    ]
  ) {
    if (key in oldMeta) meta[key] = cloneJson(oldMeta[key] ?? null);
    else delete meta[key];
  }
  delete meta.selfLink;
  delete meta.generateName;
  if ("generateName" in oldMeta) meta.generateName = oldMeta.generateName ?? null;
}

function withoutVolatile(obj: StoredObject): JsonObject {
  const copy = cloneJson(obj);
  const meta = metadataOf(copy);
  delete meta.resourceVersion;
  if (Array.isArray(meta.managedFields)) {
    for (const entry of meta.managedFields) if (isJsonObject(entry)) delete entry.time;
  }
  return copy;
}

/**
 * The update pipeline shared by PUT, patch and apply once the new object is known:
 * strategy, immutable metadata, generation, finalizer rules, validation, admission,
 * managed fields, no-op detection and commit.
 */
export function finishUpdate(
  store: ObjectStore,
  req: WriteRequest,
  old: StoredObject,
  requested: StoredObject,
  managedFields: ManagedFieldsEntry[] | undefined,
): WriteResult {
  const { served, ctx } = req;
  let next: StoredObject;
  if (req.subresource) {
    next = served.strategy.prepareForSubresourceUpdate(req.subresource, requested, old, ctx);
  } else {
    next = cloneJson(requested);
    served.strategy.prepareForUpdate(next, old, ctx);
  }
  restoreImmutableMeta(next, old);
  const meta = metadataOf(next);
  const oldMeta = metadataOf(old);
  if (
    served.strategy.generation && !req.subresource && served.strategy.generationChanged(next, old)
  ) {
    meta.generation = Number(oldMeta.generation ?? 0) + 1;
  }
  const errors: FieldError[] = [];
  if (oldMeta.deletionTimestamp) {
    const oldFinalizers = new Set(
      (Array.isArray(oldMeta.finalizers) ? oldMeta.finalizers : []).map(String),
    );
    const added = (Array.isArray(meta.finalizers) ? meta.finalizers : []).map(String).filter((f) =>
      !oldFinalizers.has(f)
    );
    if (added.length > 0) {
      errors.push({
        type: "FieldValueForbidden",
        field: "metadata.finalizers",
        detail:
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${
            added.map((f) => JSON.stringify(f)).join(", ")
          }}`,
      });
    }
  }
  throwInvalid(next, req, [
    ...validationErrors(next, req),
    ...errors,
    ...served.strategy.validateUpdate(next, old, ctx),
  ]);
  served.strategy.admit(next, old, ctx);

  if (managedFields) {
    if (managedFields.length > 0) meta.managedFields = managedFields as unknown as JsonValue;
    else delete meta.managedFields;
  } else {
    const base = takeClientManagedFields({
      requested: objectField(requested, "metadata")?.managedFields,
      live: oldMeta.managedFields,
      subresource: req.subresource,
    });
    const forOwnership = cloneJson(next);
    delete metadataOf(forOwnership).managedFields;
    const entries = recordUpdate({
      old,
      updated: forOwnership,
      managedFields: base,
      manager: req.manager,
      subresource: req.subresource,
      apiVersion: gv(served),
      now: formatTime(ctx.now),
      schema: served.info.schema,
    });
    if (entries.length > 0) meta.managedFields = entries as unknown as JsonValue;
    else delete meta.managedFields;
  }
  meta.resourceVersion = oldMeta.resourceVersion ?? null;

  if (jsonEqual(withoutVolatile(next), withoutVolatile(old))) {
    return { code: 200, body: cloneJson(old) };
  }

  const finalizers = Array.isArray(meta.finalizers) ? meta.finalizers : [];
  const deleting = Boolean(meta.deletionTimestamp) && finalizers.length === 0;
  if (req.dryRun) return { code: 200, body: next };
  const committed = store.commit(served.storeKey, deleting ? "DELETED" : "MODIFIED", next, old);
  return { code: 200, body: cloneJson(committed) };
}

function currentOrThrow(store: ObjectStore, req: WriteRequest): StoredObject {
  const current = store.get(req.served.storeKey, req.namespace, req.name);
  if (!current) throw notFound(qr(req.served), req.name);
  return current;
}

/** PUT of an item or a subresource. */
export function updateObject(store: ObjectStore, req: WriteRequest, body: JsonObject): WriteResult {
  const { served } = req;
  const obj = cloneJson(body);
  checkNamespaceAndName(obj, req, req.name);
  const current = store.get(served.storeKey, req.namespace, req.name);
  if (!current) {
    if (served.strategy.allowCreateOnUpdate && !req.subresource) {
      const meta = metadataOf(obj);
      delete meta.resourceVersion;
      return createObject(store, req, obj);
    }
    throw notFound(qr(served), req.name);
  }
  pruneAndCheckFields(obj, req);
  const rv = str(metadataOf(obj).resourceVersion);
  if (rv === "") {
    if (!served.strategy.allowUnconditionalUpdate) {
      throw invalid(served.info.plural, served.info.group, req.name, [{
        type: "FieldValueInvalid",
        field: "metadata.resourceVersion",
        bareValue: "0x0",
        detail: "must be specified for an update",
      }]);
    }
  } else if (rv !== str(metadataOf(current).resourceVersion)) {
    throw conflict(qr(served), req.name);
  }
  return finishUpdate(store, req, current, obj, undefined);
}

/** PATCH of an item or a subresource, in any of the four patch formats. */
export async function patchObject(
  store: ObjectStore,
  req: WriteRequest,
  bodyText: string,
  contentType: string,
  force: string | null,
): Promise<WriteResult> {
  const { served } = req;
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const accepted = served.info.custom ? PATCH_TYPES_CR : PATCH_TYPES_BUILTIN;
  if (!accepted.includes(mediaType)) throw unsupportedMediaType(accepted);
  if (mediaType === "application/apply-patch+yaml") {
    return await applyObject(store, req, bodyText, force);
  }
  if (force !== null) {
    throw invalid("PatchOptions", "meta.k8s.io", "", [{
      type: "FieldValueForbidden",
      field: "force",
      detail: "may not be specified for non-apply patch",
    }]);
  }
  let patch: JsonValue;
  try {
    patch = JSON.parse(bodyText);
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
  const current = currentOrThrow(store, req);
  let patched: JsonValue;
  try {
    if (mediaType === "application/json-patch+json") patched = applyJsonPatch(current, patch);
    else if (mediaType === "application/merge-patch+json") {
      patched = applyMergePatch(current, patch);
    } else {
      if (!isJsonObject(patch)) {
        throw new PatchError("decode", "strategic merge patch must be an object");
      }
      patched = applyStrategicMergePatch(current, patch, BUILTIN_SMP_STRATEGY);
    }
  } catch (e) {
    if (e instanceof PatchError) {
      if (e.kind === "tooLarge") throw requestEntityTooLarge(e.message);
      if (e.kind === "apply") throw genericInvalid();
      throw badRequest(e.message);
    }
    throw e;
  }
  if (!isJsonObject(patched)) throw badRequest("the patched object is not a JSON object");
  checkTypeMeta(patched, served);
  checkNamespaceAndName(patched, req, req.name);
  pruneAndCheckFields(patched, req);
  if (str(metadataOf(patched).resourceVersion) !== str(metadataOf(current).resourceVersion)) {
    throw conflict(qr(served), req.name);
  }
  return finishUpdate(store, req, current, patched, undefined);
}

function stripForApply(
  applied: JsonObject,
  resetFields: string[][],
  subresource: string,
): JsonObject {
  const out = cloneJson(applied);
  for (const path of resetFields) {
    if (path.length === 1 && path[0]) delete out[path[0]];
  }
  if (subresource) {
    const meta = objectField(out, "metadata") ?? {};
    out.metadata = {
      ...(meta.name ? { name: meta.name } : {}),
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
    };
  }
  return out;
}

async function applyObject(
  store: ObjectStore,
  req: WriteRequest,
  bodyText: string,
  force: string | null,
): Promise<WriteResult> {
  const { served, ctx } = req;
  if (!req.manager || req.manager === "" || !req.ctx) {
    throw invalid("PatchOptions", "meta.k8s.io", "", [{
      type: "FieldValueRequired",
      field: "fieldManager",
      detail: "is required for apply patch",
    }]);
  }
  let applied: unknown;
  try {
    applied = parseYaml(bodyText);
  } catch (e) {
    throw badRequest(`error decoding YAML: ${(e as Error).message}`);
  }
  if (!isJsonObject(applied)) {
    throw badRequest("error decoding YAML: the applied configuration is not an object");
  }
  if (applied.apiVersion !== gv(served)) {
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${
        String(applied.apiVersion ?? "")
      }, expected: ${gv(served)}`,
    );
  }
  if (applied.kind !== served.info.kind) {
    throw badRequest(`invalid object type: ${gv(served)}, Kind=${String(applied.kind ?? "")}`);
  }
  served.strategy.decode(applied);
  const appliedMeta = objectField(applied, "metadata") ?? {};
  if (appliedMeta.managedFields !== undefined && appliedMeta.managedFields !== null) {
    throw badRequest("metadata.managedFields must be nil");
  }
  checkNamespaceAndName(applied, req, req.name);
  pruneAndCheckFields(applied, req);
  const current = store.get(served.storeKey, req.namespace, req.name);
  if (!current && req.subresource) throw notFound(qr(served), req.name);
  const appliedRv = str(objectField(applied, "metadata")?.resourceVersion);
  if (current && appliedRv !== "" && appliedRv !== str(metadataOf(current).resourceVersion)) {
    throw conflict(qr(served), req.name);
  }
  const config = stripForApply(
    applied,
    served.strategy.resetFields(req.subresource),
    req.subresource,
  );
  const live = current ? cloneJson(current) : undefined;
  const result = applyPatch({
    live,
    applied: config,
    schema: served.info.schema,
    manager: req.manager,
    subresource: req.subresource,
    force: force === "true",
    apiVersion: gv(served),
    now: formatTime(ctx.now),
    resetFields: served.strategy.resetFields(req.subresource),
  });
  if ("conflicts" in result) throw conflictError(result.conflicts);
  if (!current) {
    const obj = result.object;
    delete metadataOf(obj).managedFields;
    return createObject(store, req, obj, result.managedFields);
  }
  const merged = result.object;
  metadataOf(merged).resourceVersion = metadataOf(current).resourceVersion ?? null;
  return finishUpdate(store, req, current, merged, result.managedFields);
}

/** DELETE of an item: finalizers mark, otherwise remove. */
export function deleteObject(
  store: ObjectStore,
  req: WriteRequest,
  options: JsonObject,
): WriteResult {
  const { served, ctx } = req;
  const current = currentOrThrow(store, req);
  const meta = metadataOf(current);
  const pre = objectField(options, "preconditions");
  if (pre) {
    if (typeof pre.uid === "string" && pre.uid !== meta.uid) {
      throw conflict(
        qr(served),
        req.name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${
          str(meta.uid)
        }`,
      );
    }
    if (typeof pre.resourceVersion === "string" && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(
        qr(served),
        req.name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${
          str(meta.resourceVersion)
        }`,
      );
    }
  }
  const policy = str(options.propagationPolicy);
  const finalizers = (Array.isArray(meta.finalizers) ? meta.finalizers : []).map(String);
  if (policy === "Foreground" && !finalizers.includes("foregroundDeletion")) {
    finalizers.push("foregroundDeletion");
  }
  if (policy === "Orphan" && !finalizers.includes("orphan")) finalizers.push("orphan");
  if (finalizers.length > 0) {
    if (meta.deletionTimestamp) return { code: 200, body: cloneJson(current) };
    const next = cloneJson(current);
    const nextMeta = metadataOf(next);
    nextMeta.finalizers = finalizers;
    nextMeta.deletionTimestamp = formatTime(ctx.now);
    nextMeta.deletionGracePeriodSeconds = 0;
    if (typeof nextMeta.generation === "number" && nextMeta.generation > 0) {
      nextMeta.generation += 1;
    }
    if (req.dryRun) return { code: 200, body: next };
    return { code: 200, body: cloneJson(store.commit(served.storeKey, "MODIFIED", next, current)) };
  }
  const status: JsonObject = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: {
      name: req.name,
      group: served.info.group,
      kind: served.info.plural,
      uid: str(meta.uid),
    },
  };
  if (!served.info.group) delete (status.details as JsonObject).group;
  if (!req.dryRun) store.commit(served.storeKey, "DELETED", cloneJson(current), current);
  return { code: 200, body: status };
}
