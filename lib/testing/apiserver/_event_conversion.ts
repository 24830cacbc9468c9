/**
 * core/v1 and events.k8s.io/v1 Events are two views of one stored object (kube-apiserver
 * stores the core/v1 form). These functions convert between them the way the server's
 * conversion and Go serialisation do: fields are renamed (`involvedObject`↔`regarding`,
 * `message`↔`note`, `source`↔`deprecatedSource`, `firstTimestamp`↔`deprecatedFirstTimestamp`,
 * `lastTimestamp`↔`deprecatedLastTimestamp`, `count`↔`deprecatedCount`,
 * `reportingComponent`↔`reportingController`), fields without a counterpart are dropped,
 * and the fields Go always writes (`{}` structs, `null` times, `""` core reporting fields)
 * are present.
 *
 * @module
 */
import { cloneJson, isJsonObject, type JsonObject, type JsonValue } from "../../core/json.ts";

/** How a field is written: always (Go struct or non-omitempty), or only when not empty. */
type Emit = "always" | "omitempty";

interface FieldRule {
  /** The field in the core/v1 form. */
  core: string;
  /** The field in the events.k8s.io/v1 form. */
  events: string;
  /** The value Go writes for an absent field (when written always). */
  zero: JsonValue;
  /** How core/v1 writes it. */
  coreEmit: Emit;
  /** How events.k8s.io/v1 writes it. */
  eventsEmit: Emit;
}

const rule = (
  core: string,
  events: string,
  zero: JsonValue,
  coreEmit: Emit,
  eventsEmit: Emit,
): FieldRule => ({ core, events, zero, coreEmit, eventsEmit });

/** Every Event field, in the order core/v1 serialises them. */
const RULES: FieldRule[] = [
  rule("involvedObject", "regarding", {}, "always", "always"),
  rule("reason", "reason", "", "omitempty", "omitempty"),
  rule("message", "note", "", "omitempty", "omitempty"),
  rule("source", "deprecatedSource", {}, "always", "always"),
  rule("firstTimestamp", "deprecatedFirstTimestamp", null, "always", "always"),
  rule("lastTimestamp", "deprecatedLastTimestamp", null, "always", "always"),
  rule("count", "deprecatedCount", 0, "omitempty", "omitempty"),
  rule("type", "type", "", "omitempty", "omitempty"),
  rule("eventTime", "eventTime", null, "always", "always"),
  rule("series", "series", null, "omitempty", "omitempty"),
  rule("action", "action", "", "omitempty", "omitempty"),
  rule("related", "related", null, "omitempty", "omitempty"),
  rule("reportingComponent", "reportingController", "", "always", "omitempty"),
  rule("reportingInstance", "reportingInstance", "", "always", "omitempty"),
];

/** The order events.k8s.io/v1 serialises its fields in. */
const EVENTS_ORDER = [
  "eventTime",
  "series",
  "reportingController",
  "reportingInstance",
  "action",
  "reason",
  "regarding",
  "related",
  "note",
  "type",
  "deprecatedSource",
  "deprecatedFirstTimestamp",
  "deprecatedLastTimestamp",
  "deprecatedCount",
];

function isEmpty(value: JsonValue | undefined): boolean {
  return value === undefined || value === null || value === "" || value === 0;
}

function convert(
  from: JsonObject,
  apiVersion: string,
  fromKey: (r: FieldRule) => string,
  toKey: (r: FieldRule) => string,
  emit: (r: FieldRule) => Emit,
  order: readonly string[],
): JsonObject {
  const fields: JsonObject = {};
  for (const r of RULES) {
    const value = from[fromKey(r)];
    if (!isEmpty(value)) fields[toKey(r)] = cloneJson(value as JsonValue);
    else if (emit(r) === "always") {
      fields[toKey(r)] = isJsonObject(value) ? cloneJson(value) : cloneJson(r.zero);
    }
  }
  const out: JsonObject = { kind: "Event", apiVersion };
  if (from.metadata !== undefined) out.metadata = cloneJson(from.metadata);
  for (const key of order) if (key in fields) out[key] = fields[key] ?? null;
  return out;
}

/**
 * Renders a stored (core/v1) Event as events.k8s.io/v1.
 *
 * @param core The core/v1 Event.
 * @returns A new events.k8s.io/v1 Event.
 *
 * @example The renamed fields
 * ```ts
 * import { coreEventToEventsV1 } from "./_event_conversion.ts";
 * import { strict as assert } from "node:assert";
 *
 * const ev = coreEventToEventsV1({
 *   apiVersion: "v1",
 *   kind: "Event",
 *   metadata: { name: "w1.1", namespace: "t" },
 *   involvedObject: { kind: "Widget", name: "w1", namespace: "t" },
 *   message: "issued",
 *   reportingComponent: "issuer",
 * });
 * assert.equal(ev.apiVersion, "events.k8s.io/v1");
 * assert.deepEqual(ev.regarding, { kind: "Widget", name: "w1", namespace: "t" });
 * assert.equal(ev.note, "issued");
 * assert.equal(ev.reportingController, "issuer");
 * ```
 */
export function coreEventToEventsV1(core: JsonObject): JsonObject {
  return convert(
    core,
    "events.k8s.io/v1",
    (r) => r.core,
    (r) => r.events,
    (r) => r.eventsEmit,
    EVENTS_ORDER,
  );
}

/**
 * Converts an events.k8s.io/v1 Event to the core/v1 form the server stores.
 *
 * @param event The events.k8s.io/v1 Event.
 * @returns A new core/v1 Event.
 *
 * @example What `kubectl describe` sees of an event written with `tools/events`
 * ```ts
 * import { eventsV1ToCoreEvent } from "./_event_conversion.ts";
 * import { strict as assert } from "node:assert";
 *
 * const core = eventsV1ToCoreEvent({
 *   apiVersion: "events.k8s.io/v1",
 *   kind: "Event",
 *   metadata: { name: "e", namespace: "t" },
 *   eventTime: "2024-01-01T00:00:00.000000Z",
 *   regarding: { kind: "Widget", name: "w1", namespace: "t" },
 *   note: "issued",
 *   reportingController: "example.com/issuer",
 * });
 * assert.deepEqual(core.involvedObject, { kind: "Widget", name: "w1", namespace: "t" });
 * assert.equal(core.message, "issued");
 * assert.equal(core.reportingComponent, "example.com/issuer");
 * assert.equal(core.firstTimestamp, null);
 * ```
 */
export function eventsV1ToCoreEvent(event: JsonObject): JsonObject {
  return convert(
    event,
    "v1",
    (r) => r.events,
    (r) => r.core,
    (r) => r.coreEmit,
    RULES.map((r) => r.core),
  );
}

/**
 * A pair of functions converting between the stored form of a resource and the form
 * one API version serves. Both return new objects.
 */
export interface StorageCodec {
  /** Renders a stored object as this version. */
  fromStorage(stored: JsonObject): JsonObject;
  /** Converts an object of this version to the stored form. */
  toStorage(obj: JsonObject): JsonObject;
}

/** The codec of `events.k8s.io/v1` Events, stored as core/v1 Events (bucket `/events`). */
export const EVENTS_V1_CODEC: StorageCodec = {
  fromStorage: coreEventToEventsV1,
  toStorage: eventsV1ToCoreEvent,
};
