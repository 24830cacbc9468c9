/**
 * Write rules of the built-in types an issuer touches: Namespaces, Secrets, ConfigMaps,
 * core and events.k8s.io Events, Leases and CustomResourceDefinitions.
 *
 * @module
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.ts";
import { parseMicroTime } from "../../core/time.ts";
import { badRequest } from "./_errors.ts";
import {
  BuiltinStrategy,
  CustomResourceStrategy,
  metadataOf,
  objectField,
  restoreField,
  type WriteContext,
} from "./_strategy.ts";
import type { FieldError, ResourceInfo, StoredObject } from "./_types.ts";
import { validateCrd } from "./_crd.ts";

const MICRO_TIME_LAYOUT = "2006-01-02T15:04:05.000000Z07:00";

/** Throws the 400 the server gives when a MicroTime field does not decode. */
export function checkMicroTime(
  info: ResourceInfo,
  value: JsonValue | undefined,
): void {
  if (value === undefined || value === null) return;
  if (typeof value === "string" && parseMicroTime(value) !== undefined) return;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const rest = typeof value === "string" ? value.slice(19) : text;
  throw badRequest(
    `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: parsing time "${text}" as "${MICRO_TIME_LAYOUT}": cannot parse "${rest}" as ".000000"`,
  );
}

/** Namespaces: pre-set phase, finalizer and name label; status only through `/status`. */
export class NamespaceStrategy extends BuiltinStrategy {
  override readonly writableSubresources: readonly string[] = ["status", "finalize"];

  constructor(info: ResourceInfo) {
    super(info, ["metadata.name", "status.phase"]);
  }

  override prepareForCreate(obj: StoredObject, _ctx: WriteContext): void {
    obj.status = { phase: "Active" };
    const spec = objectField(obj, "spec") ?? {};
    if (!Array.isArray(spec.finalizers)) spec.finalizers = ["kubernetes"];
    obj.spec = spec;
    const meta = metadataOf(obj);
    const labels = objectField(meta, "labels") ?? {};
    labels["kubernetes.io/metadata.name"] = meta.name ?? null;
    meta.labels = labels;
  }

  override prepareForUpdate(obj: StoredObject, old: StoredObject, _ctx: WriteContext): void {
    restoreField(obj, old, "status");
    const meta = metadataOf(obj);
    const labels = objectField(meta, "labels") ?? {};
    labels["kubernetes.io/metadata.name"] = meta.name ?? null;
    meta.labels = labels;
  }
}

function base64Error(value: JsonValue | undefined): number | undefined {
  if (typeof value !== "string") return 0;
  const ok = /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0;
  if (ok) return undefined;
  const bad = value.search(/[^A-Za-z0-9+/=]/);
  return bad >= 0 ? bad : value.length - (value.length % 4);
}

function encodeBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Secrets: `stringData` folds into `data`, `type` is immutable, immutable secrets stay put. */
export class SecretStrategy extends BuiltinStrategy {
  constructor(info: ResourceInfo) {
    super(info, ["metadata.name", "metadata.namespace", "type"]);
  }

  override decode(obj: StoredObject): void {
    const data = obj.data;
    if (data === undefined || data === null) return;
    if (!isJsonObject(data)) {
      throw badRequest(
        `Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal ${typeof data} into Go struct field Secret.data of type map[string][]uint8`,
      );
    }
    for (const [key, value] of Object.entries(data)) {
      const at = base64Error(value);
      if (at !== undefined) {
        throw badRequest(
          `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${at}`,
        );
      }
      void key;
    }
  }

  #foldStringData(obj: StoredObject): void {
    const stringData = objectField(obj, "stringData");
    if (stringData) {
      const data = objectField(obj, "data") ?? {};
      for (const [k, v] of Object.entries(stringData)) data[k] = encodeBase64(String(v ?? ""));
      obj.data = data;
    }
    delete obj.stringData;
  }

  override prepareForCreate(obj: StoredObject, _ctx: WriteContext): void {
    this.#foldStringData(obj);
    if (typeof obj.type !== "string" || obj.type === "") obj.type = "Opaque";
  }

  override prepareForUpdate(obj: StoredObject, _old: StoredObject, _ctx: WriteContext): void {
    this.#foldStringData(obj);
    if (typeof obj.type !== "string" || obj.type === "") obj.type = "Opaque";
  }

  override validate(obj: StoredObject): FieldError[] {
    const errors: FieldError[] = [];
    const data = objectField(obj, "data") ?? {};
    for (const key of Object.keys(data)) {
      if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
        errors.push({
          type: "FieldValueInvalid",
          field: `data[${key}]`,
          value: key,
          detail:
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        });
      }
    }
    if (obj.type === "kubernetes.io/tls") {
      for (const key of ["tls.crt", "tls.key"]) {
        if (!(key in data)) {
          errors.push({ type: "FieldValueRequired", field: `data[${key}]`, detail: "" });
        }
      }
    }
    return errors;
  }

  override validateUpdate(obj: StoredObject, old: StoredObject): FieldError[] {
    const errors = this.validate(obj);
    if (obj.type !== old.type) {
      errors.push({
        type: "FieldValueInvalid",
        field: "type",
        value: obj.type ?? null,
        detail: "field is immutable",
      });
    }
    if (old.immutable === true) {
      if (JSON.stringify(obj.data ?? null) !== JSON.stringify(old.data ?? null)) {
        errors.push({
          type: "FieldValueForbidden",
          field: "data",
          detail: "field is immutable when `immutable` is set",
        });
      }
      if (obj.immutable !== true) {
        errors.push({
          type: "FieldValueForbidden",
          field: "immutable",
          detail: "field is immutable when `immutable` is set",
        });
      }
    }
    return errors;
  }
}

/** Leases: PUT creates, PUT needs a resourceVersion, times are MicroTime. */
export class LeaseStrategy extends BuiltinStrategy {
  override readonly allowUnconditionalUpdate: boolean = false;
  override readonly allowCreateOnUpdate: boolean = true;

  override decode(obj: StoredObject): void {
    const spec = objectField(obj, "spec");
    if (!spec) return;
    checkMicroTime(this.info, spec.acquireTime);
    checkMicroTime(this.info, spec.renewTime);
  }

  override validate(obj: StoredObject): FieldError[] {
    const spec = objectField(obj, "spec") ?? {};
    const errors: FieldError[] = [];
    const duration = spec.leaseDurationSeconds;
    if (
      duration !== undefined && duration !== null && !(typeof duration === "number" && duration > 0)
    ) {
      errors.push({
        type: "FieldValueInvalid",
        field: "spec.leaseDurationSeconds",
        value: duration,
        detail: "must be greater than 0",
      });
    }
    const transitions = spec.leaseTransitions;
    if (typeof transitions === "number" && transitions < 0) {
      errors.push({
        type: "FieldValueInvalid",
        field: "spec.leaseTransitions",
        value: transitions,
        detail: "must be greater than or equal to 0",
      });
    }
    return errors;
  }

  override validateUpdate(obj: StoredObject): FieldError[] {
    return this.validate(obj);
  }
}

const CORE_EVENT_FIELDS = [
  "metadata.name",
  "metadata.namespace",
  "involvedObject.kind",
  "involvedObject.namespace",
  "involvedObject.name",
  "involvedObject.uid",
  "involvedObject.apiVersion",
  "involvedObject.resourceVersion",
  "involvedObject.fieldPath",
  "reason",
  "reportingComponent",
  "source",
  "type",
];

/** core/v1 Events, as client-go's `tools/record` writes them. */
export class CoreEventStrategy extends BuiltinStrategy {
  constructor(info: ResourceInfo) {
    super(info, CORE_EVENT_FIELDS);
  }

  override validate(obj: StoredObject): FieldError[] {
    const involved = objectField(obj, "involvedObject") ?? {};
    const ns = metadataOf(obj).namespace;
    const ins = involved.namespace;
    if (typeof ins === "string" && ins !== "" && ins !== ns) {
      return [{
        type: "FieldValueInvalid",
        field: "involvedObject.namespace",
        value: ins,
        detail: "does not match event.namespace",
      }];
    }
    return [];
  }
}

/** events.k8s.io/v1 Events, as client-go's `tools/events` writes them. */
export class EventsV1Strategy extends BuiltinStrategy {
  constructor(info: ResourceInfo) {
    super(info, [
      "metadata.name",
      "metadata.namespace",
      "regarding.kind",
      "regarding.namespace",
      "regarding.name",
      "regarding.uid",
      "reason",
      "reportingController",
      "type",
    ]);
  }

  override decode(obj: StoredObject): void {
    checkMicroTime(this.info, obj.eventTime);
    const series = objectField(obj, "series");
    if (series) checkMicroTime(this.info, series.lastObservedTime);
  }

  override validate(obj: StoredObject): FieldError[] {
    const errors: FieldError[] = [];
    if (obj.eventTime === undefined || obj.eventTime === null) {
      errors.push({ type: "FieldValueRequired", field: "eventTime", detail: "" });
    }
    for (const field of ["reportingController", "reportingInstance", "action", "reason"]) {
      const v = obj[field];
      if (typeof v !== "string" || v === "") {
        errors.push({ type: "FieldValueRequired", field, detail: "" });
      } else if (field !== "reportingController" && v.length > 128) {
        errors.push({ type: "FieldValueTooLong", field, detail: "may not be more than 128 bytes" });
      }
    }
    if (typeof obj.note === "string" && obj.note.length > 1024) {
      errors.push({
        type: "FieldValueTooLong",
        field: "note",
        detail: "may not be more than 1024 bytes",
      });
    }
    if (obj.type !== undefined && obj.type !== "Normal" && obj.type !== "Warning") {
      errors.push({
        type: "FieldValueNotSupported",
        field: "type",
        value: obj.type ?? null,
        detail: "",
        supported: ["Normal", "Warning"],
      });
    }
    const series = objectField(obj, "series");
    if (series && !(typeof series.count === "number" && series.count >= 2)) {
      errors.push({
        type: "FieldValueInvalid",
        field: "series.count",
        value: series.count ?? null,
        detail: "should be at least 2",
      });
    }
    return errors;
  }

  override validateUpdate(obj: StoredObject): FieldError[] {
    return this.validate(obj);
  }
}

/** CustomResourceDefinitions: generation tracked, status set by the server. */
export class CrdStrategy extends CustomResourceStrategy {
  override validate(obj: StoredObject): FieldError[] {
    return validateCrd(obj);
  }

  override validateUpdate(obj: StoredObject): FieldError[] {
    return validateCrd(obj);
  }
}

/** SubjectAccessReviews and friends: create-only, never stored. */
export class ReviewStrategy extends BuiltinStrategy {}

/** Reads `spec` of an object, for strategies and admission. */
export function specOf(obj: JsonObject): JsonObject {
  return objectField(obj, "spec") ?? {};
}
