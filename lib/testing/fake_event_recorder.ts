/**
 * An {@linkcode EventRecorder} for unit tests that keeps what was recorded.
 *
 * @module
 */
import type { KubeObject } from "../client/object.ts";
import type { EventDetails, EventRecorder } from "../runtime/event_recorder.ts";
import { type ObjectReference, objectReference } from "../runtime/object_reference.ts";

/**
 * One event a {@linkcode FakeEventRecorder} heard.
 *
 * @example Checking the object an event was about
 * ```ts
 * import { FakeEventRecorder, type FakeRecordedEvent } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const recorder = new FakeEventRecorder();
 * recorder.record({ name: "cr-1", namespace: "default" }, { type: "Normal", reason: "Issued", action: "Synced", note: "Signed." });
 * const [event]: FakeRecordedEvent[] = recorder.recorded;
 * assert.equal(event?.regarding.name, "cr-1");
 * ```
 */
export interface FakeRecordedEvent extends EventDetails {
  /** The object the event is about. */
  regarding: ObjectReference;
}

/**
 * Keeps every event in memory instead of writing it, rendering each as
 * `"<type> <reason> <note>"` in {@linkcode FakeEventRecorder.events}, as client-go's
 * `events.FakeRecorder` does, so tests written after the Go library's compare the same
 * strings.
 *
 * @example Asserting the events of a reconcile
 * ```ts
 * import { FakeEventRecorder } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const recorder = new FakeEventRecorder();
 * recorder.record({ metadata: { name: "cr-1", namespace: "default" } }, {
 *   type: "Warning", reason: "RetryableError", action: "SyncFailed", note: "Failed to sign: boom",
 * });
 * assert.deepEqual(recorder.events, ["Warning RetryableError Failed to sign: boom"]);
 * assert.equal(recorder.recorded[0]?.regarding.name, "cr-1");
 * ```
 */
export class FakeEventRecorder implements EventRecorder {
  /** Every event as `"<type> <reason> <note>"`, oldest first. */
  readonly events: string[] = [];
  /** Every event in full, oldest first. */
  readonly recorded: FakeRecordedEvent[] = [];

  /**
   * Keeps an event.
   *
   * @param regarding The object the event is about, or a reference to it.
   * @param event What happened.
   * @throws {TypeError} When `regarding` has no name.
   */
  record(regarding: KubeObject | ObjectReference, event: EventDetails): void {
    this.recorded.push({ ...event, regarding: objectReference(regarding) });
    this.events.push(`${event.type} ${event.reason} ${event.note}`);
  }

  /** Forgets every event kept so far. */
  clear(): void {
    this.events.length = 0;
    this.recorded.length = 0;
  }
}
