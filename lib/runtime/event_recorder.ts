/**
 * Kubernetes Events for operators: an events.k8s.io/v1 recorder with client-go's
 * `tools/events` semantics — writes off the caller's path, repeats folded into a series —
 * and the {@linkcode EventRecorder} interface the rest of the library records through.
 *
 * @module
 */
import { type Clock, systemClock } from "../core/clock.ts";
import { formatMicroTime } from "../core/time.ts";
import { isNotFound, KubeApiError } from "../client/kube_api_error.ts";
import type { KubeObject } from "../client/object.ts";
import type { ResourceDescriptor } from "../client/resource.ts";
import { ResourceClient } from "../client/resource_client.ts";
import type { RestClient } from "../client/rest_client.ts";
import { libraryLogger, type Logger } from "./logging.ts";
import { type ObjectReference, objectReference } from "./object_reference.ts";
import { SeriesCache, type SeriesEntry, seriesKey } from "./_event_series.ts";
import { KeyedWriteScheduler } from "./_event_write_scheduler.ts";

/**
 * What happened, in an Event's terms (the `regarding` object is passed separately).
 *
 * @example A failed sign, about a CertificateRequest, involving its issuer's Secret
 * ```ts
 * import type { EventDetails } from "@certkit/issuer-lib";
 *
 * const event: EventDetails = {
 *   type: "Warning",
 *   reason: "RetryableError",
 *   action: "SyncFailed",
 *   note: "Failed to sign the certificate: the CA is unreachable.",
 *   related: { apiVersion: "v1", kind: "Secret", namespace: "issuers", name: "ca" },
 * };
 * console.log(event.reason);
 * ```
 */
export interface EventDetails {
  /** `Normal`, or `Warning` for something an operator should look at. */
  type: "Normal" | "Warning";
  /** Why: a PascalCase word such as `Issued` (at most 128 characters). */
  reason: string;
  /** What the controller did or failed to do, such as `Synced` (at most 128 characters). */
  action: string;
  /** A sentence for a human; cut to 1024 bytes. */
  note: string;
  /** A second object the event involves, if any. */
  related?: KubeObject | ObjectReference;
}

/**
 * Records Kubernetes Events. Implementations never block and never fail the caller
 * because of the API server: events are best effort. {@linkcode KubeEventRecorder} writes
 * them; {@linkcode noopEventRecorder} drops them; tests use `FakeEventRecorder` from
 * `@certkit/issuer-lib/testing`.
 *
 * @example A recorder that logs instead
 * ```ts
 * import type { EventRecorder } from "@certkit/issuer-lib";
 *
 * const consoleRecorder: EventRecorder = {
 *   record(regarding, event) {
 *     const name = "metadata" in regarding ? regarding.metadata.name : regarding.name;
 *     console.log(`${event.type} ${event.reason} ${name}: ${event.note}`);
 *   },
 * };
 * consoleRecorder.record({ name: "cr-1" }, { type: "Normal", reason: "Issued", action: "Synced", note: "Signed." });
 * ```
 */
export interface EventRecorder {
  /**
   * Records an event about `regarding`.
   *
   * @param regarding The object the event is about, or a reference to it.
   * @param event What happened.
   */
  record(regarding: KubeObject | ObjectReference, event: EventDetails): void;
}

/**
 * A recorder that drops every event: for code paths and tests that do not care.
 *
 * @example Recording nowhere
 * ```ts
 * import { noopEventRecorder } from "@certkit/issuer-lib";
 *
 * noopEventRecorder.record({ name: "cr-1", namespace: "default" }, {
 *   type: "Normal", reason: "Issued", action: "Synced", note: "Succeeded signing the certificate.",
 * });
 * ```
 */
export const noopEventRecorder: EventRecorder = Object.freeze({ record(): void {} });

/**
 * events.k8s.io/v1 `EventSeries`.
 *
 * @example The fifth occurrence
 * ```ts
 * import type { EventSeries } from "@certkit/issuer-lib";
 *
 * const series: EventSeries = { count: 5, lastObservedTime: "2024-01-01T00:02:00.000000Z" };
 * console.log(series.count);
 * ```
 */
export interface EventSeries {
  /** How often the event happened (at least 2). */
  count: number;
  /** When it last happened (`metav1.MicroTime`). */
  lastObservedTime: string;
}

/**
 * An events.k8s.io/v1 `Event`, as {@linkcode KubeEventRecorder} creates it.
 *
 * @example Listing the events of a namespace
 * ```ts
 * import { EVENTS, type EventsV1Event, KubeClient, ResourceClient } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * const events: EventsV1Event[] = (await new ResourceClient(client, EVENTS).list({ namespace: "default" })).items;
 * assert.deepEqual(events, []);
 * ```
 */
export interface EventsV1Event extends KubeObject {
  /** When the event first happened (`metav1.MicroTime`). */
  eventTime: string;
  /** Repeats, once there are any. */
  series?: EventSeries;
  /** The controller that reported it, such as `example.com/issuer`. */
  reportingController: string;
  /** The instance of that controller, such as the pod name. */
  reportingInstance: string;
  /** What the controller did or failed to do. */
  action: string;
  /** Why. */
  reason: string;
  /** The object the event is about. */
  regarding: ObjectReference;
  /** A second object, if any. */
  related?: ObjectReference;
  /** A sentence for a human. */
  note: string;
  /** `Normal` or `Warning`. */
  type: "Normal" | "Warning";
}

/**
 * Where events.k8s.io/v1 Events are served.
 *
 * @example The collection of a namespace
 * ```ts
 * import { EVENTS, resourcePath } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(resourcePath(EVENTS, { namespace: "default" }), "/apis/events.k8s.io/v1/namespaces/default/events");
 * ```
 */
export const EVENTS: ResourceDescriptor<EventsV1Event> = Object.freeze({
  group: "events.k8s.io",
  version: "v1",
  plural: "events",
  kind: "Event",
  namespaced: true,
});

/** The API server's limit on `note`, in bytes. */
const MAX_NOTE_BYTES = 1024;

/**
 * Cuts a note to the API server's 1024-byte limit, at a character boundary, ending it in
 * `...` when it was cut.
 *
 * @param note The note.
 * @returns The note, at most 1024 bytes of UTF-8.
 *
 * @example A long note
 * ```ts
 * import { truncateEventNote } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const note = truncateEventNote("x".repeat(2000));
 * assert.equal(note.length, 1024);
 * assert.ok(note.endsWith("..."));
 * ```
 */
export function truncateEventNote(note: string): string {
  const bytes = new TextEncoder().encode(note);
  if (bytes.length <= MAX_NOTE_BYTES) return note;
  let end = MAX_NOTE_BYTES - 3;
  // Step back over UTF-8 continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${new TextDecoder().decode(bytes.subarray(0, end))}...`;
}

/**
 * Options of {@linkcode KubeEventRecorder}.
 *
 * @example The reporter and client-go's tuning, spelled out
 * ```ts
 * import { KubeClient, KubeEventRecorder, type KubeEventRecorderOptions } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * const options: KubeEventRecorderOptions = {
 *   reportingController: "example.com/issuer",
 *   reportingInstance: "issuer-7d9f",
 *   seriesWindowMs: 6 * 60_000,
 *   seriesFlushIntervalMs: 30_000,
 *   queueSize: 1000,
 *   concurrency: 8,
 * };
 * await using recorder = new KubeEventRecorder(client, options);
 * ```
 */
export interface KubeEventRecorderOptions {
  /** `reportingController`: the controller's qualified name, such as `example.com/issuer`. */
  reportingController: string;
  /** `reportingInstance`: which replica, such as the pod name (at most 128 characters). */
  reportingInstance: string;
  /** Where time comes from (default {@linkcode systemClock}). */
  clock?: Clock;
  /** Random numbers in `[0, 1)` for retry jitter (default `Math.random`). */
  random?: () => number;
  /** How long after its last occurrence a repeat still joins a series (default 6 min, as client-go). */
  seriesWindowMs?: number;
  /** How often pending series counts are written (default 30 s). */
  seriesFlushIntervalMs?: number;
  /** How many events may wait to be written; more are dropped (default 1000, as client-go). */
  queueSize?: number;
  /**
   * How many writes may be in flight at once (default 8). Writes of one event (its create
   * and its series updates) still go one at a time and in order. One write at a time
   * manages about one event per round trip to the API server (some 30 per second over
   * HTTPS, busy); in the load bench four wrote 81% of the events of 113 certificates a
   * second and eight all of them. client-go starts a
   * goroutine per event and relies on the client's rate limit instead.
   */
  concurrency?: number;
  /** How many distinct events are remembered for series (default 4096). */
  maxCachedEvents?: number;
  /** Attempts per write when the API server cannot be reached (default 12, as client-go). */
  maxTries?: number;
  /** The pause between such attempts, ±25 % (default 10 s, as client-go). */
  retryDelayMs?: number;
  /** How long stopping may take to write what is left before it gives up (default 10 s). */
  stopTimeoutMs?: number;
  /** Where failures are logged (default the logtape category `["certkit", "events"]`). */
  logger?: Logger;
}

interface Pending {
  regarding: ObjectReference;
  related: ObjectReference | undefined;
  details: EventDetails;
  note: string;
  time: number;
}

const QNAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isQualifiedName(value: string): boolean {
  const parts = value.split("/");
  if (parts.length > 2) return false;
  const name = parts.at(-1) ?? "";
  if (name.length > 63 || !QNAME.test(name)) return false;
  if (parts.length === 1) return true;
  const prefix = parts[0] ?? "";
  return prefix.length <= 253 && SUBDOMAIN.test(prefix);
}

function positive(what: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`KubeEventRecorder: ${what} must be a positive number, got ${value}`);
  }
  return value;
}

function checkText(what: string, value: unknown, max: number): void {
  if (typeof value !== "string" || value === "" || value.length > max) {
    throw new TypeError(
      `EventRecorder.record: ${what} must be a non-empty string of at most ${max} characters, got ${
        JSON.stringify(value)
      }`,
    );
  }
}

/**
 * Records events.k8s.io/v1 Events as client-go's `tools/events` does:
 * 1. {@linkcode KubeEventRecorder.record} only queues (at most `queueSize`; more are
 *    dropped and counted in {@linkcode KubeEventRecorder.dropped}). A worker started with
 *    {@linkcode KubeEventRecorder.start} takes them in order and writes up to
 *    `concurrency` at once.
 * 2. A new event is created as `<regarding.name>.<hex Unix nanoseconds>` in the
 *    regarding object's namespace (`default` for cluster-scoped objects), with
 *    `eventTime` as a `metav1.MicroTime`.
 * 3. An identical event — same regarding and related objects, type, reason, action, note,
 *    reporting controller and instance — recorded within `seriesWindowMs` of the last one
 *    is not created again: the second occurrence patches `series: {count: 2,
 *    lastObservedTime}` onto the first event at once, and later ones only raise the count,
 *    which is written every `seriesFlushIntervalMs`. A request that fails the same way 100
 *    times in 50 s costs four writes (create, series start, two flushes), not 100.
 * 4. A series update that finds the event gone (404) creates it again, series included.
 * 5. The API server refusing a write (any `Status` answer) drops that write, logged;
 *    failing to reach it retries up to `maxTries` times, `retryDelayMs` apart.
 * 6. Stopping writes what is queued and every pending series count, within `stopTimeoutMs`;
 *    events not created by then are dropped and counted.
 *
 * The writes of one event — its create, then its series updates — run one at a time and in
 * order; writes of different events run side by side.
 *
 * @example Recording an event in the in-process fake
 * ```ts
 * import { EVENTS, KubeClient, KubeEventRecorder, ResourceClient } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * await using recorder = new KubeEventRecorder(client, {
 *   reportingController: "example.com/issuer", reportingInstance: "issuer-0",
 * });
 * const stop = new AbortController();
 * const running = recorder.start(stop.signal);
 * const cr = { apiVersion: "cert-manager.io/v1", kind: "CertificateRequest", metadata: { name: "cr-1", namespace: "default" } };
 * recorder.record(cr, { type: "Normal", reason: "Issued", action: "Synced", note: "Succeeded signing the certificate." });
 * stop.abort();
 * await running; // writes what is queued before it resolves
 * const { items: [event] } = await new ResourceClient(client, EVENTS).list({ namespace: "default" });
 * assert.equal(event?.note, "Succeeded signing the certificate.");
 * assert.equal(event?.reportingController, "example.com/issuer");
 * ```
 */
export class KubeEventRecorder implements EventRecorder, AsyncDisposable {
  /** The `reportingController` of every event. */
  readonly reportingController: string;
  /** The `reportingInstance` of every event. */
  readonly reportingInstance: string;
  readonly #events: ResourceClient<EventsV1Event>;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #log: Logger;
  readonly #queueSize: number;
  readonly #flushIntervalMs: number;
  readonly #maxTries: number;
  readonly #retryDelayMs: number;
  readonly #stopTimeoutMs: number;
  readonly #cache: SeriesCache<EventsV1Event>;
  #queue: Pending[] = [];
  #lastNanos = 0n;
  #dropped = 0;
  /** Series counts a flush wants written, waiting for a free write slot. */
  readonly #backlog = new Set<SeriesEntry<EventsV1Event>>();
  readonly #writer: KeyedWriteScheduler;
  #settled: PromiseWithResolvers<void> | undefined;
  #state: "new" | "running" | "stopping" | "stopped" = "new";
  readonly #stop = new AbortController();
  /** Aborts writes still running when stopping takes too long. */
  readonly #writes = new AbortController();
  readonly #stopped = Promise.withResolvers<void>();
  #wake: (() => void) | undefined;
  #flushRequested = false;
  #idleWaiters: (() => void)[] = [];

  /**
   * Creates a recorder; nothing is written until {@linkcode KubeEventRecorder.start}.
   *
   * @param client The client writes go through.
   * @param options The reporting controller and instance, and tuning.
   * @throws {TypeError} When `reportingController` is not a qualified name or
   * `reportingInstance` is empty or longer than 128 characters.
   * @throws {RangeError} When a duration or size is not positive, or `concurrency` is not a
   * positive integer.
   */
  constructor(client: RestClient, options: KubeEventRecorderOptions) {
    const { reportingController, reportingInstance } = options;
    if (typeof reportingController !== "string" || !isQualifiedName(reportingController)) {
      throw new TypeError(
        `KubeEventRecorder: reportingController must be a qualified name such as "example.com/issuer", got ${
          JSON.stringify(reportingController)
        }`,
      );
    }
    if (
      typeof reportingInstance !== "string" || reportingInstance === "" ||
      reportingInstance.length > 128
    ) {
      throw new TypeError(
        `KubeEventRecorder: reportingInstance must be 1 to 128 characters, got ${
          JSON.stringify(reportingInstance)
        }`,
      );
    }
    this.reportingController = reportingController;
    this.reportingInstance = reportingInstance;
    this.#events = new ResourceClient(client, EVENTS);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#log = options.logger ?? libraryLogger("events");
    this.#queueSize = positive("queueSize", options.queueSize, 1000);
    const concurrency = options.concurrency ?? 8;
    if (!(Number.isInteger(concurrency) && concurrency > 0)) {
      throw new RangeError(
        `KubeEventRecorder: concurrency must be a positive integer, got ${concurrency}`,
      );
    }
    this.#writer = new KeyedWriteScheduler(concurrency, (error) => this.#onWritten(error));
    this.#flushIntervalMs = positive(
      "seriesFlushIntervalMs",
      options.seriesFlushIntervalMs,
      30_000,
    );
    this.#maxTries = positive("maxTries", options.maxTries, 12);
    this.#retryDelayMs = positive("retryDelayMs", options.retryDelayMs, 10_000);
    this.#stopTimeoutMs = positive("stopTimeoutMs", options.stopTimeoutMs, 10_000);
    this.#cache = new SeriesCache(
      positive("seriesWindowMs", options.seriesWindowMs, 6 * 60_000),
      positive("maxCachedEvents", options.maxCachedEvents, 4096),
    );
  }

  /** How many events were dropped because the queue was full or the recorder had stopped. */
  get dropped(): number {
    return this.#dropped;
  }

  /** How many events wait to be written. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Queues an event; never blocks and never throws because of the API server.
   *
   * @param regarding The object the event is about, or a reference to it.
   * @param event What happened.
   * @throws {TypeError} When `regarding` has no name, `type` is not `Normal` or `Warning`,
   * or `reason` or `action` is empty or longer than 128 characters.
   */
  record(regarding: KubeObject | ObjectReference, event: EventDetails): void {
    const reference = objectReference(regarding);
    if (event.type !== "Normal" && event.type !== "Warning") {
      throw new TypeError(
        `EventRecorder.record: type must be "Normal" or "Warning", got ${
          JSON.stringify(event.type)
        }`,
      );
    }
    checkText("reason", event.reason, 128);
    checkText("action", event.action, 128);
    if (this.#state === "stopping" || this.#state === "stopped") {
      this.#drop(`the recorder has stopped`, reference, event);
      return;
    }
    if (this.#queue.length >= this.#queueSize) {
      this.#drop(`the queue is full (${this.#queueSize} events)`, reference, event);
      return;
    }
    this.#queue.push({
      regarding: reference,
      related: event.related ? objectReference(event.related) : undefined,
      details: event,
      note: truncateEventNote(String(event.note ?? "")),
      time: this.#clock.now(),
    });
    if (!this.#writer.full) this.#wake?.();
  }

  /**
   * Runs the worker until `signal` aborts or the recorder is disposed, then writes what is
   * queued and every pending series count (within `stopTimeoutMs`).
   *
   * @param signal Stops the recorder.
   * @returns A promise that resolves once everything is written or given up.
   * @throws {TypeError} When it was started before.
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.#state !== "new") {
      throw new TypeError(`KubeEventRecorder.start: the recorder is already ${this.#state}`);
    }
    this.#state = "running";
    const onAbort = () => this.#stop.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#run().catch((e) => this.#log.error("The event recorder failed: {error}", { error: e }))
      .finally(() => {
        signal?.removeEventListener("abort", onAbort);
        this.#state = "stopped";
        this.#notifyIdle();
        this.#stopped.resolve();
      });
    return this.#stopped.promise;
  }

  /**
   * Stops the recorder.
   *
   * @returns A promise that resolves once it has stopped.
   */
  stop(): Promise<void> {
    this.#stop.abort();
    if (this.#state === "new") {
      this.#state = "stopped";
      this.#stopped.resolve();
    }
    return this.#stopped.promise;
  }

  /** Same as {@linkcode KubeEventRecorder.stop}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Writes pending series counts now instead of at the next flush, and waits until
   * everything queued is written.
   *
   * @returns A promise that resolves once the worker is idle (or the recorder stopped).
   */
  flush(): Promise<void> {
    if (this.#state === "running") {
      this.#flushRequested = true;
      this.#wake?.();
    }
    return this.whenIdle();
  }

  /**
   * Waits until the queue is empty and no write is in flight.
   *
   * @returns A promise that resolves once the worker is idle (or the recorder stopped).
   */
  whenIdle(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #idle(): boolean {
    if (this.#state === "stopped") return true;
    return this.#state === "running" && this.#queue.length === 0 && this.#backlog.size === 0 &&
      this.#writer.size === 0 && !this.#flushRequested;
  }

  /** After each write: wakes the worker for the free slot and the idle waiters. */
  #onWritten(error: unknown): void {
    if (error !== undefined) {
      this.#log.error("An event write failed: {error}", { error });
    }
    const settled = this.#settled;
    this.#settled = undefined;
    settled?.resolve();
    this.#wake?.();
    this.#notifyIdle();
  }

  #notifyIdle(): void {
    if (!this.#idle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #drop(why: string, regarding: ObjectReference, event: EventDetails): void {
    this.#dropped++;
    this.#log.warning("Dropped the event {reason} about {regarding}: {why}.", {
      reason: event.reason,
      regarding: `${regarding.namespace ?? ""}/${regarding.name}`,
      why,
    });
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    // Stopping may take stopTimeoutMs from the moment it is asked for, writes in flight included.
    const deadline = new AbortController();
    let timer: Promise<void> = Promise.resolve();
    const stopping = () => {
      this.#state = "stopping";
      timer = this.#clock.sleep(this.#stopTimeoutMs, deadline.signal).then(() => {
        this.#log.error(
          "The event recorder stopped writing after {ms} ms of stopping; {count} queued events are dropped and {writes} writes in flight given up.",
          { count: this.#queue.length, writes: this.#writer.size, ms: this.#stopTimeoutMs },
        );
        this.#writes.abort(new DOMException("the event recorder stopped", "AbortError"));
      }, () => {});
    };
    if (stop.aborted) stopping();
    else stop.addEventListener("abort", stopping, { once: true });
    try {
      let nextFlush = this.#clock.now() + this.#flushIntervalMs;
      while (!stop.aborted) {
        this.#dispatch(true);
        // A flush counts what was recorded before it, so it waits until the queue is taken.
        const now = this.#clock.now();
        if (this.#queue.length === 0 && (this.#flushRequested || now >= nextFlush)) {
          this.#flushRequested = false;
          for (const entry of this.#cache.due(now)) this.#backlog.add(entry);
          nextFlush = now + this.#flushIntervalMs;
          this.#dispatch(true);
        }
        this.#notifyIdle();
        await this.#waitForWork(
          this.#queue.length === 0 ? nextFlush - this.#clock.now() : Infinity,
        );
      }
      await this.#drain();
      if (!this.#writes.signal.aborted) {
        for (const entry of this.#cache.dirty()) this.#backlog.add(entry);
        await this.#drain();
      }
      this.#dropped += this.#queue.length;
      this.#queue = [];
      this.#backlog.clear();
    } finally {
      stop.removeEventListener("abort", stopping);
      deadline.abort();
      await timer;
    }
  }

  /** Hands queued events and series counts to the writer while it has free slots. */
  #dispatch(retry: boolean): void {
    while (!this.#writer.full && !this.#writes.signal.aborted) {
      const entry = this.#backlog.values().next().value;
      if (entry) {
        this.#backlog.delete(entry);
        this.#submit(entry, retry);
        continue;
      }
      const item = this.#queue.shift();
      if (!item) return;
      this.#process(item, retry);
    }
  }

  /** Writes everything left, without retries, until done or stopping runs out of time. */
  async #drain(): Promise<void> {
    for (;;) {
      this.#dispatch(false);
      if (this.#writer.size === 0) return;
      this.#settled ??= Promise.withResolvers();
      await this.#settled.promise;
    }
  }

  /** Whether the worker has something to do now. */
  #ready(): boolean {
    if (this.#stop.signal.aborted) return true;
    if (this.#flushRequested && this.#queue.length === 0) return true;
    return !this.#writer.full && (this.#backlog.size > 0 || this.#queue.length > 0);
  }

  /** Waits `ms` (Infinity: no timer) or until record(), flush(), stop or a write wakes it. */
  async #waitForWork(ms: number): Promise<void> {
    if (this.#ready()) return;
    const woken = new AbortController();
    const wake = () => woken.abort();
    this.#wake = wake;
    this.#stop.signal.addEventListener("abort", wake, { once: true });
    try {
      if (Number.isFinite(ms)) {
        await this.#clock.sleep(Math.max(0, ms), woken.signal);
      } else {
        await new Promise<void>((resolve) => {
          woken.signal.addEventListener("abort", () => resolve(), { once: true });
        });
      }
    } catch {
      // woken
    } finally {
      this.#stop.signal.removeEventListener("abort", wake);
      this.#wake = undefined;
    }
  }

  /** Folds a queued event into the series cache and submits the writes that needs. */
  #process(item: Pending, retry: boolean): void {
    const identity = {
      regarding: item.regarding,
      related: item.related,
      type: item.details.type,
      reason: item.details.reason,
      action: item.details.action,
      note: item.note,
      reportingController: this.reportingController,
      reportingInstance: this.reportingInstance,
    };
    const observed = this.#cache.observe(seriesKey(identity), item.time, () => this.#make(item));
    for (const entry of observed.finished) this.#submit(entry, retry);
    if (observed.write !== "none") this.#submit(observed.entry, retry);
  }

  /** Writes an entry after the writes of it submitted before (same series key). */
  #submit(entry: SeriesEntry<EventsV1Event>, retry: boolean): void {
    this.#writer.submit(entry.key, () => this.#write(entry, retry));
  }

  #make(item: Pending): EventsV1Event {
    const nanos = BigInt(Math.floor(item.time)) * 1_000_000n;
    this.#lastNanos = nanos > this.#lastNanos ? nanos : this.#lastNanos + 1n;
    const event: EventsV1Event = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: {
        name: `${item.regarding.name}.${this.#lastNanos.toString(16)}`,
        namespace: item.regarding.namespace ?? "default",
      },
      eventTime: formatMicroTime(item.time),
      reportingController: this.reportingController,
      reportingInstance: this.reportingInstance,
      action: item.details.action,
      reason: item.details.reason,
      regarding: item.regarding,
      note: item.note,
      type: item.details.type,
    };
    if (item.related) event.related = item.related;
    return event;
  }

  /**
   * Writes an entry: creates it when the server has nothing yet, else patches its series.
   * Runs only after the entry's earlier writes settled, so it sees what they wrote.
   */
  async #write(entry: SeriesEntry<EventsV1Event>, retry: boolean): Promise<void> {
    const count = entry.count;
    // An earlier write carried this count already (it read the count when it started).
    if (entry.written === count) return;
    const series: EventSeries | undefined = count >= 2
      ? { count, lastObservedTime: formatMicroTime(entry.lastObserved) }
      : undefined;
    const { name, namespace } = entry.event.metadata as { name: string; namespace: string };
    const signal = this.#writes.signal;
    if (signal.aborted) {
      this.#giveUp(entry);
      return;
    }
    for (let attempt = 1;; attempt++) {
      try {
        if (entry.written > 0 && series) {
          try {
            await this.#events.patch(name, { type: "strategic", body: { series: { ...series } } }, {
              namespace,
              signal,
            });
            entry.written = count;
            return;
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
        }
        const body = series ? { ...entry.event, series } : entry.event;
        await this.#events.create(body, { namespace, signal });
        entry.written = count;
        return;
      } catch (e) {
        if (e instanceof KubeApiError || signal.aborted) {
          // The server refused it (or stopping ran out of time): sending the same
          // write again would not help.
          if (signal.aborted && !(e instanceof KubeApiError)) {
            this.#giveUp(entry);
            return;
          }
          entry.written = count;
          if (e instanceof KubeApiError && e.reason === "AlreadyExists") {
            this.#log.debug("The event {name} exists already; not writing it again.", { name });
          } else {
            this.#log.error("The API server refused the event {namespace}/{name}: {error}", {
              namespace,
              name,
              error: e instanceof Error ? e.message : String(e),
            });
          }
          return;
        }
        if (!retry || attempt >= this.#maxTries) {
          this.#log.error(
            "Could not write the event {namespace}/{name} after {attempts} attempts: {error}",
            {
              namespace,
              name,
              attempts: attempt,
              error: e instanceof Error ? e.message : String(e),
            },
          );
          return;
        }
        const delay = this.#retryDelayMs * (0.75 + 0.5 * this.#random());
        try {
          await this.#clock.sleep(delay, this.#stop.signal);
        } catch {
          retry = false; // stopping: one last attempt
        }
      }
    }
  }

  /** Stopping ran out of time before this write: an event never created is dropped. */
  #giveUp(entry: SeriesEntry<EventsV1Event>): void {
    if (entry.written === 0) this.#dropped++;
    entry.written = entry.count;
  }
}
