import { strict as assert } from "node:assert";
import { coreEventToEventsV1, EVENTS_V1_CODEC, eventsV1ToCoreEvent } from "./_event_conversion.ts";

// The expected objects are what kube-apiserver 1.34 answered (metadata trimmed), field order
// included.
const META = { name: "e1", namespace: "s", resourceVersion: "221" };
const REGARDING = {
  kind: "Widget",
  namespace: "s",
  name: "w1",
  uid: "u1",
  apiVersion: "example.com/v1",
};

Deno.test("an events.k8s.io/v1 Event as core/v1 sees it", () => {
  const written = {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: META,
    eventTime: "2024-01-01T00:00:00.123456Z",
    series: { count: 2, lastObservedTime: "2024-01-01T00:00:01.000000Z" },
    reportingController: "example.com/ctl",
    reportingInstance: "ctl-1",
    action: "Issue",
    reason: "Issued",
    regarding: REGARDING,
    related: { kind: "Secret", namespace: "s", name: "x" },
    note: "hello",
    type: "Normal",
  };
  const core = eventsV1ToCoreEvent(written);
  assert.deepEqual(core, {
    kind: "Event",
    apiVersion: "v1",
    metadata: META,
    involvedObject: REGARDING,
    reason: "Issued",
    message: "hello",
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    type: "Normal",
    eventTime: "2024-01-01T00:00:00.123456Z",
    series: { count: 2, lastObservedTime: "2024-01-01T00:00:01.000000Z" },
    action: "Issue",
    related: { kind: "Secret", namespace: "s", name: "x" },
    reportingComponent: "example.com/ctl",
    reportingInstance: "ctl-1",
  });
  assert.deepEqual(Object.keys(core), [
    "kind",
    "apiVersion",
    "metadata",
    "involvedObject",
    "reason",
    "message",
    "source",
    "firstTimestamp",
    "lastTimestamp",
    "type",
    "eventTime",
    "series",
    "action",
    "related",
    "reportingComponent",
    "reportingInstance",
  ]);
  // And back: what events.k8s.io/v1 answers for it.
  assert.deepEqual(coreEventToEventsV1(core), {
    ...written,
    kind: "Event",
    apiVersion: "events.k8s.io/v1",
    deprecatedSource: {},
    deprecatedFirstTimestamp: null,
    deprecatedLastTimestamp: null,
  });
});

Deno.test("a client-go tools/record Event as events.k8s.io/v1 sees it", () => {
  const core = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "w1.17a0b0c0d0e0f000", namespace: "s" },
    involvedObject: { ...REGARDING, resourceVersion: "5" },
    reason: "Issued",
    message: "cert issued",
    source: { component: "ctl", host: "h" },
    firstTimestamp: "2024-01-01T00:00:00Z",
    lastTimestamp: "2024-01-01T00:00:05Z",
    count: 1,
    type: "Normal",
    eventTime: null,
    reportingComponent: "",
    reportingInstance: "",
  };
  const events = coreEventToEventsV1(core);
  assert.deepEqual(events, {
    kind: "Event",
    apiVersion: "events.k8s.io/v1",
    metadata: core.metadata,
    eventTime: null,
    reason: "Issued",
    regarding: { ...REGARDING, resourceVersion: "5" },
    note: "cert issued",
    type: "Normal",
    deprecatedSource: { component: "ctl", host: "h" },
    deprecatedFirstTimestamp: "2024-01-01T00:00:00Z",
    deprecatedLastTimestamp: "2024-01-01T00:00:05Z",
    deprecatedCount: 1,
  });
  assert.deepEqual(eventsV1ToCoreEvent(events), core);
});

Deno.test("an empty Event gets the fields Go always writes", () => {
  const minimal = { apiVersion: "v1", kind: "Event", metadata: { name: "min" } };
  assert.deepEqual(EVENTS_V1_CODEC.fromStorage(minimal), {
    kind: "Event",
    apiVersion: "events.k8s.io/v1",
    metadata: { name: "min" },
    eventTime: null,
    regarding: {},
    deprecatedSource: {},
    deprecatedFirstTimestamp: null,
    deprecatedLastTimestamp: null,
  });
  assert.deepEqual(EVENTS_V1_CODEC.toStorage(EVENTS_V1_CODEC.fromStorage(minimal)), {
    kind: "Event",
    apiVersion: "v1",
    metadata: { name: "min" },
    involvedObject: {},
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    eventTime: null,
    reportingComponent: "",
    reportingInstance: "",
  });
});

Deno.test("conversion copies: changing the result leaves the input alone", () => {
  const core = { apiVersion: "v1", kind: "Event", metadata: { name: "a" }, involvedObject: {} };
  const events = coreEventToEventsV1(core);
  (events.regarding as Record<string, unknown>).name = "changed";
  (events.metadata as Record<string, unknown>).name = "changed";
  assert.deepEqual(core, {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "a" },
    involvedObject: {},
  });
});
