/**
 * Write rules of Events, through both APIs: core/v1 (client-go `tools/record`, legacy
 * validation only) and events.k8s.io/v1 (client-go `tools/events`, strict validation).
 * Validation runs on the core/v1 form, as kube-apiserver validates its internal type,
 * with the field names and texts of `pkg/apis/core/validation/events.go` (1.34).
 *
 * @module
 */
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../../core/json.ts";
import { eventsV1ToCoreEvent } from "./_event_conversion.ts";
import { goDecode, type GoType } from "./_go_decode.ts";
import { fieldsOf } from "./_selectors/mod.ts";
import { BuiltinStrategy, metadataOf, objectField, type WriteContext } from "./_strategy.ts";
import type { FieldError, ResourceInfo, StoredObject } from "./_types.ts";
import { invalid as invalidStatus } from "./_errors.ts";
import { isQualifiedName, validateObjectMeta } from "./_validation.ts";

const str: GoType = { kind: "string" };
const objectReference: GoType = {
  kind: "struct",
  name: "v1.ObjectReference",
  fields: {
    kind: str,
    namespace: str,
    name: str,
    uid: { kind: "string", name: "types.UID" },
    apiVersion: str,
    resourceVersion: str,
    fieldPath: str,
  },
};
const eventSource: GoType = {
  kind: "struct",
  name: "v1.EventSource",
  fields: { component: str, host: str },
};
const eventSeries: GoType = {
  kind: "struct",
  name: "v1.EventSeries",
  fields: { count: { kind: "int32" }, lastObservedTime: { kind: "microTime" } },
};

/** The Go struct of core/v1 `Event`. */
export const CORE_EVENT_TYPE = {
  name: "v1.Event",
  fields: {
    involvedObject: objectReference,
    reason: str,
    message: str,
    source: eventSource,
    firstTimestamp: { kind: "time" },
    lastTimestamp: { kind: "time" },
    count: { kind: "int32" },
    type: str,
    eventTime: { kind: "microTime" },
    series: eventSeries,
    action: str,
    related: objectReference,
    reportingComponent: str,
    reportingInstance: str,
  },
} satisfies { name: string; fields: Record<string, GoType> };

/** The Go struct of events.k8s.io/v1 `Event`. */
export const EVENTS_V1_EVENT_TYPE = {
  name: "v1.Event",
  fields: {
    eventTime: { kind: "microTime" },
    series: eventSeries,
    reportingController: str,
    reportingInstance: str,
    action: str,
    reason: str,
    regarding: objectReference,
    related: objectReference,
    note: str,
    type: str,
    deprecatedSource: eventSource,
    deprecatedFirstTimestamp: { kind: "time" },
    deprecatedLastTimestamp: { kind: "time" },
    deprecatedCount: { kind: "int32" },
  },
} satisfies { name: string; fields: Record<string, GoType> };

function text(obj: JsonObject, key: string): string {
  const v = obj[key];
  return typeof v === "string" ? v : "";
}

function isZero(value: JsonValue | undefined): boolean {
  return value === undefined || value === null || value === "" || value === 0;
}

const invalid = (field: string, value: JsonValue, detail: string): FieldError => ({
  type: "FieldValueInvalid",
  field,
  value,
  detail,
});
const required = (field: string): FieldError => ({ type: "FieldValueRequired", field, detail: "" });

/** `legacyValidateEvent`: the rules every Event passes, whichever API wrote it. */
function legacyErrors(event: JsonObject, namespace: string, core: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const involved = objectField(event, "involvedObject") ?? {};
  const ins = text(involved, "namespace");
  const mismatch = () => invalid("involvedObject.namespace", ins, "does not match event.namespace");
  if (isZero(event.eventTime)) {
    if (ins === "" ? namespace !== "" && namespace !== "default" : namespace !== ins) {
      errors.push(mismatch());
    }
    return errors;
  }
  if (ins === "" && namespace !== "default" && namespace !== "kube-system") errors.push(mismatch());
  const controllerField = core ? "reportingComponent" : "reportingController";
  const controller = text(event, "reportingComponent");
  if (controller === "") errors.push(required(controllerField));
  for (const msg of isQualifiedName(controller)) {
    errors.push(invalid(controllerField, controller, msg));
  }
  const limited = (field: string, value: string, limit: number) => {
    if (value.length > limit) {
      errors.push(invalid(field, "", `can have at most ${limit} characters`));
    }
  };
  const instance = text(event, "reportingInstance");
  if (instance === "") errors.push(required("reportingInstance"));
  limited("reportingInstance", instance, 128);
  const action = text(event, "action");
  if (action === "") errors.push(required("action"));
  limited("action", action, 128);
  const reason = text(event, "reason");
  if (reason === "") errors.push(required("reason"));
  limited("reason", reason, 128);
  limited("message", text(event, "message"), 1024);
  return errors;
}

function seriesErrors(event: JsonObject): FieldError[] {
  const series = objectField(event, "series");
  if (!series) return [];
  const errors: FieldError[] = [];
  const count = series.count;
  if (!(typeof count === "number" && count >= 2)) {
    errors.push(invalid("series.count", "", "should be at least 2"));
  }
  if (isZero(series.lastObservedTime)) errors.push(required("series.lastObservedTime"));
  return errors;
}

/** The strict rules of events.k8s.io/v1 creates. */
function strictCreateErrors(event: JsonObject): FieldError[] {
  const errors = seriesErrors(event);
  if (isZero(event.eventTime)) errors.push(required("eventTime"));
  const type = text(event, "type");
  if (type !== "Normal" && type !== "Warning") {
    errors.push(invalid("type", "", `has invalid value: ${type}`));
  }
  const unset = (field: string) => errors.push(invalid(field, "", "needs to be unset"));
  if (!isZero(event.firstTimestamp)) unset("firstTimestamp");
  if (!isZero(event.lastTimestamp)) unset("lastTimestamp");
  if (!isZero(event.count)) unset("count");
  const source = objectField(event, "source") ?? {};
  if (text(source, "component") !== "" || text(source, "host") !== "") unset("source");
  return errors;
}

/** Renders a struct the way 1.34 shows it in a field error: JSON with Go's field names. */
function goStruct(value: JsonValue | undefined, fields: [string, string][]): string {
  const obj = isJsonObject(value) ? value : {};
  const out: Record<string, JsonValue> = {};
  for (const [json, go] of fields) out[go] = obj[json] ?? "";
  return JSON.stringify(out);
}

const REFERENCE_FIELDS: [string, string][] = [
  ["kind", "Kind"],
  ["namespace", "Namespace"],
  ["name", "Name"],
  ["uid", "UID"],
  ["apiVersion", "APIVersion"],
  ["resourceVersion", "ResourceVersion"],
  ["fieldPath", "FieldPath"],
];
const SOURCE_FIELDS: [string, string][] = [["component", "Component"], ["host", "Host"]];

function normalised(value: JsonValue | undefined, zero: JsonValue): JsonValue {
  if (isZero(value)) return zero;
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) if (!isZero(v)) out[k] = v;
    return out;
  }
  return value ?? zero;
}

/** The strict rules of events.k8s.io/v1 updates: most fields are immutable. */
function strictUpdateErrors(event: JsonObject, old: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  if (!jsonEqual(event.series ?? null, old.series ?? null)) errors.push(...seriesErrors(event));
  const immutable = (
    field: string,
    zero: JsonValue,
    bare?: (v: JsonValue | undefined) => string,
  ) => {
    const now = event[field];
    if (jsonEqual(normalised(now, zero), normalised(old[field], zero))) return;
    errors.push({
      type: "FieldValueInvalid",
      field,
      value: isZero(now) ? zero : now ?? zero,
      ...(bare ? { bareValue: bare(now) } : {}),
      detail: "field is immutable",
    });
  };
  immutable("involvedObject", {}, (v) => goStruct(v, REFERENCE_FIELDS));
  immutable("reason", "");
  immutable("message", "");
  immutable("source", {}, (v) => goStruct(v, SOURCE_FIELDS));
  immutable("firstTimestamp", null);
  immutable("lastTimestamp", null);
  immutable("count", 0);
  immutable("type", "");
  immutable("eventTime", null);
  return errors;
}

/** core/v1 Events, as client-go's `tools/record` writes them: legacy validation only. */
export class CoreEventStrategy extends BuiltinStrategy {
  constructor(info: ResourceInfo) {
    super(info, [
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
    ]);
  }

  override decode(obj: StoredObject): void {
    goDecode(obj, CORE_EVENT_TYPE, "Event", "v1");
  }

  /**
   * The values field selectors see. Like the event registry's `ToSelectableFields`,
   * `source` is `source.component`, or `reportingComponent` when that is empty.
   *
   * @param obj The Event (core/v1 form).
   * @param labels The field labels a selector names.
   * @returns Each label's value.
   */
  fieldValues(obj: StoredObject, labels: readonly string[]): Record<string, string> {
    const values = fieldsOf(obj, labels.filter((l) => l !== "source"));
    if (labels.includes("source")) {
      const component = text(objectField(obj, "source") ?? {}, "component");
      values.source = component || text(obj, "reportingComponent");
    }
    return values;
  }

  override validate(obj: StoredObject): FieldError[] {
    return legacyErrors(obj, String(metadataOf(obj).namespace ?? ""), true);
  }

  override validateUpdate(obj: StoredObject): FieldError[] {
    return this.validate(obj);
  }
}

/** events.k8s.io/v1 Events, as client-go's `tools/events` writes them: strict validation. */
export class EventsV1Strategy extends BuiltinStrategy {
  constructor(info: ResourceInfo) {
    super(info, [
      "metadata.name",
      "metadata.namespace",
      "regarding.kind",
      "regarding.namespace",
      "regarding.name",
      "regarding.uid",
      "regarding.apiVersion",
      "regarding.resourceVersion",
      "regarding.fieldPath",
      "reason",
      "reportingController",
      "type",
    ]);
  }

  override decode(obj: StoredObject): void {
    goDecode(obj, EVENTS_V1_EVENT_TYPE, "Event", "v1");
  }

  /**
   * Validation errors of events.k8s.io/v1 name the stored kind (`Event "x" is invalid`,
   * not `Event.events.k8s.io`), and list metadata errors between the legacy and the strict
   * ones; so this strategy throws the 422 itself, metadata errors included.
   */
  #refuse(obj: StoredObject, legacy: FieldError[], strict: FieldError[]): FieldError[] {
    const meta = validateObjectMeta(obj.metadata, { namespaced: true, nameValidator: "subdomain" });
    const errors = [...legacy, ...meta, ...strict];
    if (errors.length > 0) {
      throw invalidStatus("Event", "", String(metadataOf(obj).name ?? ""), errors);
    }
    return [];
  }

  override validate(obj: StoredObject, _ctx?: WriteContext): FieldError[] {
    const core = eventsV1ToCoreEvent(obj);
    const ns = String(metadataOf(obj).namespace ?? "");
    return this.#refuse(obj, legacyErrors(core, ns, false), strictCreateErrors(core));
  }

  override validateUpdate(obj: StoredObject, old: StoredObject): FieldError[] {
    const core = eventsV1ToCoreEvent(obj);
    const ns = String(metadataOf(obj).namespace ?? "");
    return this.#refuse(
      obj,
      legacyErrors(core, ns, false),
      strictUpdateErrors(core, eventsV1ToCoreEvent(old)),
    );
  }
}
