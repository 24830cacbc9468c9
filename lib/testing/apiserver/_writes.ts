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
import { dropNonNullableNulls, pruneUnknownFields } from "./_prune.ts";
import { validateAgainstSchema } from "./_schema_validation.ts";
import { typedPatchErrors, typedPatchMessage } from "./_typed_patch.ts";
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  BUILTIN_SMP_STRATEGY,
  goJsonMarshal,
  goJsonSyntaxError,
  goJsonTypeName,
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

/** The body types the 415 answer lists (custom resources cannot actually take protobuf). */
const DECODE_TYPES = [
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

/** Reads an object as the served resource sees it (converted when it is stored in another form). */
function readView(
  store: ObjectStore,
  served: ServedResource,
  namespace: string,
  name: string,
): StoredObject | undefined {
  const stored = store.get(served.storeKey, namespace, name);
  return stored && served.codec ? served.codec.fromStorage(stored) : stored;
}

/** Commits an object given in the served resource's form; returns it in that form. */
function commitView(
  store: ObjectStore,
  served: ServedResource,
  type: "ADDED" | "MODIFIED" | "DELETED",
  obj: StoredObject,
): StoredObject {
  const meta = metadataOf(obj);
  const previous = store.get(served.storeKey, str(meta.namespace), str(meta.name));
  if (!served.codec) return store.commit(served.storeKey, type, obj, previous);
  const committed = store.commit(served.storeKey, type, served.codec.toStorage(obj), previous);
  return served.codec.fromStorage(committed);
}

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

/** `summarizeData` of the handlers: a body opening as an object as text, others in hex. */
function summarize(text: string): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length === 0) return "<empty>";
  const head = bytes.slice(0, 30);
  const more = bytes.length > 30 ? " ..." : "";
  if (bytes[0] === 0x7b) return `${new TextDecoder().decode(head)}${more}`;
  return `${[...head].map((b) => b.toString(16).padStart(2, "0")).join("")}${more}`;
}

/** 400 `the object provided is unrecognized (must be of type <Kind>): <why> (<summary>)`. */
function unrecognized(served: ServedResource, why: string, body: string): StatusError {
  return badRequest(
    `the object provided is unrecognized (must be of type ${served.info.kind}): ${why} (${
      summarize(body)
    })`,
  );
}

const TYPE_META_STRUCT =
  'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/** Parses a request body given as JSON or YAML text into an object. */
export function decodeObject(
  text: string,
  contentType: string,
  served: ServedResource,
): JsonObject {
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const accepted = served.info.custom ? DECODE_TYPES.slice(0, 2) : DECODE_TYPES;
  if (mediaType !== "" && !accepted.includes(mediaType)) throw unsupportedMediaType(DECODE_TYPES);
  if (mediaType === "application/yaml") {
    let value: unknown;
    try {
      value = parseYaml(text);
    } catch (e) {
      throw badRequest(`error converting YAML to JSON: ${(e as Error).message}`);
    }
    if (!isJsonObject(value)) {
      throw unrecognized(
        served,
        `couldn't get version/kind; json parse error: json: cannot unmarshal ${
          goJsonTypeName(value as JsonValue)
        } into Go value of type ${TYPE_META_STRUCT}`,
        text,
      );
    }
    return value;
  }
  const syntax = goJsonSyntaxError(text);
  if (syntax !== undefined) {
    throw unrecognized(served, `couldn't get version/kind; json parse error: ${syntax}`, text);
  }
  const value = JSON.parse(text) as JsonValue;
  if (value === null) throw unrecognized(served, "Object 'Kind' is missing in 'null'", text);
  if (!isJsonObject(value)) {
    throw unrecognized(
      served,
      `couldn't get version/kind; json parse error: json: cannot unmarshal ${
        goJsonTypeName(value)
      } into Go value of type ${TYPE_META_STRUCT}`,
      text,
    );
  }
  return value;
}

/**
 * The first wrong JSON type in `metadata` (a label value that is a number, metadata that
 * is a string, …), in the words of Go's decoder, or `undefined`.
 */
function metadataDecodeError(obj: JsonObject, served: ServedResource): string | undefined {
  const typeError = validateObjectMeta(obj.metadata, {
    namespaced: served.info.namespaced,
    nameValidator: "subdomain",
  }).find((e) => e.type === "FieldValueTypeInvalid");
  if (!typeError) return undefined;
  // A built-in type is decoded as a whole, so Go names the field from the object's root.
  return served.info.custom ? typeError.detail : typeError.detail.replace(
    "Go struct field ObjectMeta.",
    "Go struct field ObjectMeta.metadata.",
  );
}

function cannotBeHandled(served: ServedResource, detail: string): StatusError {
  const { kind, version } = served.info;
  return badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${detail}`);
}

/** 422 on field `kind`, under the Kind the object claims, as custom-resource validation says. */
function wrongKind(obj: JsonObject, served: ServedResource): StatusError {
  return invalid(String(obj.kind), served.info.group, str(metadataOf(obj).name), [{
    type: "FieldValueInvalid",
    field: "kind",
    value: obj.kind ?? null,
    detail: `must be ${served.info.kind}`,
  }]);
}

/**
 * Checks `apiVersion`/`kind` of a create or update body against the endpoint, and that
 * it decodes: the type's own decoding (such as MicroTime) and the JSON types of
 * `metadata` (400 `<Kind> in version "v1" cannot be handled as a <Kind>: …`).
 */
export function checkTypeMeta(obj: JsonObject, served: ServedResource, allowMissing = false): void {
  const { kind } = served.info;
  if (obj.kind === undefined || obj.kind === null || obj.kind === "") {
    if (allowMissing) obj.kind = kind;
    else {
      const text = JSON.stringify(obj);
      throw unrecognized(served, `Object 'Kind' is missing in '${text}'`, text);
    }
  }
  if (obj.apiVersion === undefined || obj.apiVersion === null || obj.apiVersion === "") {
    if (allowMissing) obj.apiVersion = gv(served);
  }
  if (obj.apiVersion !== gv(served)) {
    throw badRequest(
      `the API version in the data (${
        str(obj.apiVersion ?? "")
      }) does not match the expected API version (${gv(served)})`,
    );
  }
  served.strategy.decode(obj);
  const metaError = metadataDecodeError(obj, served);
  if (metaError) throw cannotBeHandled(served, metaError);
  if (obj.kind !== kind) {
    if (served.info.custom) throw wrongKind(obj, served);
    throw badRequest(
      `the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: kind ${
        String(obj.kind)
      } does not match ${kind}`,
    );
  }
}

/**
 * 422 for a patched object that does not decode: kube-apiserver quotes the whole patched
 * object (as Go marshals it) in a cause on the field `patch`.
 */
function patchDecodeError(patched: JsonObject, detail: string): StatusError {
  return invalid("", "", "", [{
    type: "FieldValueInvalid",
    field: "patch",
    bareValue: JSON.stringify(goJsonMarshal(patched)),
    detail,
  }]);
}

/**
 * What a patched object must still be: decodable (`unpruned` is the patched object as it
 * was before pruning, which the error quotes) and of the same apiVersion and kind.
 */
function checkPatchedTypeMeta(
  patched: JsonObject,
  unpruned: JsonObject,
  served: ServedResource,
): void {
  const metaError = metadataDecodeError(patched, served);
  if (metaError) throw patchDecodeError(unpruned, metaError);
  if (!served.info.custom) {
    const { kind, version } = served.info;
    const prefix = `${kind} in version "${version}" cannot be handled as a ${kind}: `;
    try {
      checkTypeMeta(patched, served);
    } catch (e) {
      // What a create or update body fails to decode with 400, a patched object fails with 422.
      const message = e instanceof StatusError ? e.status.message ?? "" : "";
      if (e instanceof StatusError && e.code === 400 && message.startsWith(prefix)) {
        throw patchDecodeError(unpruned, message.slice(prefix.length));
      }
      throw e;
    }
    return;
  }
  served.strategy.decode(patched);
  if (patched.apiVersion !== gv(served)) {
    throw invalid(served.info.kind, served.info.group, str(metadataOf(patched).name), [{
      type: "FieldValueInvalid",
      field: "apiVersion",
      value: patched.apiVersion ?? null,
      detail: `must be ${gv(served)}`,
    }]);
  }
  if (patched.kind !== served.info.kind) throw wrongKind(patched, served);
}

/**
 * Prunes the fields a custom resource's schema does not declare and the `null`s it does
 * not allow; reports the unknown fields by `fieldValidation` (Warn: warnings, Strict:
 * the returned list is non-empty and the caller refuses the request).
 */
function pruneFields(obj: JsonObject, req: WriteRequest): string[] {
  const schema = req.served.info.schema;
  if (!req.served.info.custom || !schema) return [];
  const dropped = pruneUnknownFields(obj, schema);
  dropNonNullableNulls(obj, schema);
  if (req.fieldValidation === "Warn") {
    for (const p of dropped) req.warnings.push(`unknown field "${p}"`);
  }
  return req.fieldValidation === "Strict" ? dropped : [];
}

function strictDecodingError(unknown: string[]): string {
  return `strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(", ")}`;
}

function pruneAndCheckFields(obj: JsonObject, req: WriteRequest): void {
  const unknown = pruneFields(obj, req);
  if (unknown.length > 0) throw cannotBeHandled(req.served, strictDecodingError(unknown));
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

/** The `metav1.ObjectMeta` fields Go leaves out when empty (all but the pointers). */
const OMIT_EMPTY_METADATA = [
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
];

/**
 * Drops empty metadata members (`labels: {}`, `finalizers: []`, `generateName: ""`, …)
 * as the round trip through `ObjectMeta` does; for managedFields an empty list means
 * "keep the existing entries" either way.
 */
function dropEmptyMetadata(obj: JsonObject): void {
  const meta = obj.metadata;
  if (!isJsonObject(meta)) return;
  for (const key of OMIT_EMPTY_METADATA) {
    const v = meta[key];
    if (
      v === null || v === "" || (key === "generation" && v === 0) ||
      (Array.isArray(v) && v.length === 0) || (isJsonObject(v) && Object.keys(v).length === 0)
    ) {
      delete meta[key];
    }
  }
}

/** A resourceVersion of "0" means "unset", as for the server that parses it to 0. */
function requestedVersion(obj: JsonObject): string {
  const rv = str(metadataOf(obj).resourceVersion);
  return rv === "0" ? "" : rv;
}

function validationErrors(obj: StoredObject, req: WriteRequest): FieldError[] {
  const meta = metadataOf(obj);
  const errors = validateObjectMeta(meta, {
    namespaced: req.served.info.namespaced,
    nameValidator: "subdomain",
  });
  const { custom, schema } = req.served.info;
  if (custom && schema) errors.push(...validateAgainstSchema(obj, schema));
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
    const { group, plural } = req.served.info;
    throw new StatusError(
      failure(
        403,
        "Forbidden",
        `${plural}${
          group ? `.${group}` : ""
        } "${req.name}" is forbidden: unable to create new content in namespace ${req.namespace} because it is being terminated`,
        {
          name: req.name,
          group,
          kind: plural,
          causes: [{
            reason: "NamespaceTerminating",
            message: `namespace ${req.namespace} is being terminated`,
            field: "metadata.namespace",
          }],
        },
      ),
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
  dropEmptyMetadata(obj);
  checkNamespaceAndName(obj, req, req.name);
  const meta = metadataOf(obj);
  if (requestedVersion(obj) !== "") {
    throw new StatusError(
      failure(500, "", "resourceVersion should not be set on objects to be created"),
    );
  }
  const generated = str(meta.name) === "" && str(meta.generateName) !== "";
  if (generated) meta.name = generateName(str(meta.generateName), req.random);
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
  if (generated) {
    // RetryGenerateName (GA in 1.32): a generated name that is taken is generated again.
    for (let i = 0; i < 7 && store.get(served.storeKey, str(meta.namespace), str(meta.name)); i++) {
      meta.name = generateName(str(meta.generateName), req.random);
    }
  }
  if (store.get(served.storeKey, str(meta.namespace), str(meta.name))) {
    if (str(meta.generateName) === "") throw alreadyExists(qr(served), str(meta.name));
    throw new StatusError(
      failure(
        409,
        "AlreadyExists",
        `${served.info.plural}${served.info.group ? `.${served.info.group}` : ""} "${
          str(meta.name)
        }" already exists, the server was not able to generate a unique name for the object`,
        {
          name: str(meta.name),
          group: served.info.group,
          kind: served.info.plural,
          retryAfterSeconds: 1,
        },
      ),
      { "retry-after": "1" },
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
    // Never stored, so the answer carries no resourceVersion.
    delete meta.resourceVersion;
    return { code: 201, body: obj };
  }
  return { code: 201, body: cloneJson(commitView(store, served, "ADDED", obj)) };
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
  dropEmptyMetadata(next);
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
  if (req.dryRun) return { code: 200, body: next };
  if (meta.deletionTimestamp && finalizers.length === 0) {
    // The update is never stored: the server deletes the stored object instead, so the
    // answer is the updated object with the old resourceVersion, and the DELETED event
    // carries the last stored state with the deletion's resourceVersion.
    commitView(store, served, "DELETED", cloneJson(old));
    return { code: 200, body: next };
  }
  const committed = commitView(store, served, "MODIFIED", next);
  return { code: 200, body: cloneJson(committed) };
}

function currentOrThrow(store: ObjectStore, req: WriteRequest): StoredObject {
  const current = readView(store, req.served, req.namespace, req.name);
  if (!current) throw notFound(qr(req.served), req.name);
  return current;
}

/** The etcd key kube-apiserver names in storage errors. */
function storageKey(served: ServedResource, namespace: string, name: string): string {
  const { group, plural, custom, namespaced } = served.info;
  const resource = custom && group ? `${group}/${plural}` : plural;
  return `/registry/${resource}/${namespaced ? `${namespace}/` : ""}${name}`;
}

/** PUT of an item or a subresource. */
export function updateObject(store: ObjectStore, req: WriteRequest, body: JsonObject): WriteResult {
  const { served } = req;
  const obj = cloneJson(body);
  dropEmptyMetadata(obj);
  checkNamespaceAndName(obj, req, req.name);
  const current = readView(store, served, req.namespace, req.name);
  if (!current) {
    if (served.strategy.allowCreateOnUpdate && !req.subresource) {
      const meta = metadataOf(obj);
      delete meta.resourceVersion;
      return createObject(store, req, obj);
    }
    throw notFound(qr(served), req.name);
  }
  pruneAndCheckFields(obj, req);
  const meta = metadataOf(obj);
  const rv = requestedVersion(obj);
  if (rv === "") {
    if (!served.strategy.allowUnconditionalUpdate) {
      throw invalid(served.info.plural, served.info.group, req.name, [{
        type: "FieldValueInvalid",
        field: "metadata.resourceVersion",
        // kube-apiserver 1.32 printed this zero as 0x0, 1.34 prints 0.
        bareValue: "0",
        detail: "must be specified for an update",
      }]);
    }
  } else if (!/^[0-9]+$/.test(rv)) {
    throw new StatusError(
      failure(500, "", `strconv.ParseUint: parsing ${JSON.stringify(rv)}: invalid syntax`),
    );
  }
  const uid = str(meta.uid);
  const currentUid = str(metadataOf(current).uid);
  if (uid !== "" && uid !== currentUid) {
    // A UID in the body is a storage precondition.
    throw conflict(
      qr(served),
      req.name,
      `StorageError: invalid object, Code: 4, Key: ${
        storageKey(served, req.namespace, req.name)
      }, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${uid}, UID in object meta: ${currentUid}`,
    );
  }
  if (rv !== "" && rv !== str(metadataOf(current).resourceVersion)) {
    throw conflict(qr(served), req.name);
  }
  return finishUpdate(store, req, current, obj, undefined);
}

/** 422 with the generic message (and empty details) of a JSON patch that failed to apply. */
function patchRejected(): StatusError {
  return new StatusError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: "the server rejected our request due to an error in our request",
    reason: "Invalid",
    details: {},
    code: 422,
  });
}

/** Parses a patch body with Go's error texts. */
function decodePatch(text: string, mediaType: string): JsonValue {
  const syntax = goJsonSyntaxError(text);
  if (syntax !== undefined) throw badRequest(`error decoding patch: ${syntax}`);
  const patch = JSON.parse(text) as JsonValue;
  if (mediaType === "application/merge-patch+json") {
    // Decoded into map[string]interface{} first; `null` gets past that and fails in the
    // merge itself.
    if (patch === null) throw badRequest("Invalid JSON Patch");
    if (!isJsonObject(patch)) {
      throw badRequest(
        `error decoding patch: json: cannot unmarshal ${
          goJsonTypeName(patch)
        } into Go value of type map[string]interface {}`,
      );
    }
  }
  return patch;
}

/** PATCH of an item or a subresource, in any of the four patch formats. */
export function patchObject(
  store: ObjectStore,
  req: WriteRequest,
  bodyText: string,
  contentType: string,
  force: string | null,
): WriteResult {
  const { served } = req;
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const accepted = served.info.custom ? PATCH_TYPES_CR : PATCH_TYPES_BUILTIN;
  if (!accepted.includes(mediaType)) throw unsupportedMediaType(accepted);
  if (mediaType === "application/apply-patch+yaml") {
    return applyObject(store, req, bodyText, force);
  }
  if (force !== null) {
    throw invalid("PatchOptions", "meta.k8s.io", "", [{
      type: "FieldValueForbidden",
      field: "force",
      detail: "may not be specified for non-apply patch",
    }]);
  }
  // The object is read before the patch is decoded: a missing object is 404 whatever the body.
  const current = currentOrThrow(store, req);
  const patch = decodePatch(bodyText, mediaType);
  let patched: JsonValue;
  try {
    if (mediaType === "application/json-patch+json") patched = applyJsonPatch(current, patch);
    else if (mediaType === "application/merge-patch+json") {
      patched = applyMergePatch(current, patch);
    } else {
      patched = applyStrategicMergePatch(current, patch as JsonObject, BUILTIN_SMP_STRATEGY);
    }
  } catch (e) {
    if (e instanceof PatchError) {
      if (e.kind === "tooLarge") throw requestEntityTooLarge(e.message);
      if (e.kind === "apply") throw patchRejected();
      throw badRequest(e.message);
    }
    throw e;
  }
  if (!isJsonObject(patched)) throw badRequest("the patched object is not a JSON object");
  const unpruned = cloneJson(patched);
  dropEmptyMetadata(patched);
  const unknown = pruneFields(patched, req);
  if (unknown.length > 0) throw patchDecodeError(unpruned, strictDecodingError(unknown));
  checkPatchedTypeMeta(patched, unpruned, served);
  checkNamespaceAndName(patched, req, req.name);
  if (str(metadataOf(patched).resourceVersion) !== str(metadataOf(current).resourceVersion)) {
    throw conflict(qr(served), req.name);
  }
  const uid = str(metadataOf(patched).uid);
  if (!req.subresource && uid !== str(metadataOf(current).uid)) {
    throw invalid(served.info.kind, served.info.group, req.name, [{
      type: "FieldValueInvalid",
      field: "metadata.uid",
      value: uid,
      detail: "field is immutable",
    }]);
  }
  return finishUpdate(store, req, current, patched, undefined);
}

function stripForApply(
  applied: JsonObject,
  resetFields: string[][],
  subresource: string,
): JsonObject {
  const out = cloneJson(applied);
  void resetFields; // values of reset fields are merged; the strategy restores them
  if (subresource) {
    const meta = objectField(out, "metadata") ?? {};
    out.metadata = {
      ...(meta.name ? { name: meta.name } : {}),
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
    };
  }
  return out;
}

function applyObject(
  store: ObjectStore,
  req: WriteRequest,
  bodyText: string,
  force: string | null,
): WriteResult {
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
    throw badRequest(
      `error decoding YAML: error converting YAML to JSON: yaml: ${(e as Error).message}`,
    );
  }
  if (!isJsonObject(applied)) {
    throw badRequest(
      `error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${
        goJsonTypeName((applied ?? null) as JsonValue)
      } into Go value of type map[string]interface {}`,
    );
  }
  if (applied.apiVersion !== gv(served) || applied.kind !== served.info.kind) {
    const apiVersion = str(applied.apiVersion);
    throw badRequest(
      `invalid object type: ${apiVersion.includes("/") ? apiVersion : `/${apiVersion}`}, Kind=${
        str(applied.kind)
      }`,
    );
  }
  served.strategy.decode(applied);
  const appliedMeta = objectField(applied, "metadata") ?? {};
  if (appliedMeta.managedFields !== undefined && appliedMeta.managedFields !== null) {
    throw badRequest("metadata.managedFields must be nil");
  }
  const { custom, schema } = served.info;
  // Apply does not prune: what the schema does not declare fails the typed conversion.
  const typeErrors = custom && schema ? typedPatchErrors(applied, schema) : [];
  const typeMessage = typeErrors.length > 0 ? typedPatchMessage(applied, typeErrors) : "";
  checkNamespaceAndName(applied, req, req.name);
  if (typeMessage) throw new StatusError(failure(500, "", typeMessage));
  if (!custom) pruneAndCheckFields(applied, req);
  const current = readView(store, served, req.namespace, req.name);
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
    // A resourceVersion in the configuration is no precondition when there is nothing yet.
    delete metadataOf(obj).resourceVersion;
    return createObject(store, req, obj, result.managedFields);
  }
  const merged = result.object;
  metadataOf(merged).resourceVersion = metadataOf(current).resourceVersion ?? null;
  return finishUpdate(store, req, current, merged, result.managedFields);
}

const PROPAGATION_POLICIES = ["Foreground", "Background", "Orphan"];

/** DELETE of an item: finalizers mark, otherwise remove. */
export function deleteObject(
  store: ObjectStore,
  req: WriteRequest,
  options: JsonObject,
): WriteResult {
  const { served, ctx } = req;
  const policy = options.propagationPolicy;
  if (policy !== undefined && policy !== null && !PROPAGATION_POLICIES.includes(String(policy))) {
    throw invalid("DeleteOptions", "meta.k8s.io", "", [{
      type: "FieldValueNotSupported",
      field: "propagationPolicy",
      value: policy,
      detail: "",
      supported: [...PROPAGATION_POLICIES, "nil"],
    }]);
  }
  const current = currentOrThrow(store, req);
  const meta = metadataOf(current);
  const pre = objectField(options, "preconditions");
  if (pre) {
    // rest.BeforeDelete names the Kind, not the resource, in these conflicts.
    const byKind = { group: served.info.group, resource: served.info.kind };
    if (typeof pre.uid === "string" && pre.uid !== meta.uid) {
      throw conflict(
        byKind,
        req.name,
        `the UID in the precondition (${pre.uid}) does not match the UID in record (${
          str(meta.uid)
        }). The object might have been deleted and then recreated`,
      );
    }
    if (typeof pre.resourceVersion === "string" && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(
        byKind,
        req.name,
        `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${
          str(meta.resourceVersion)
        }). The object might have been modified`,
      );
    }
  }
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
    return { code: 200, body: cloneJson(commitView(store, served, "MODIFIED", next)) };
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
  if (!req.dryRun) commitView(store, served, "DELETED", cloneJson(current));
  return { code: 200, body: status };
}
