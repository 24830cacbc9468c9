/**
 * Helpers shared by the write-pipeline conformance files (create, update, status, patch,
 * apply, delete, dry run): widget bodies, request shorthands, Status and managedFields
 * comparisons, and a watch that shows which write came next.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { json, type Target, WIDGET_CRD } from "./_target.ts";

/** A Kubernetes object as the tests see it. */
export type Obj = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata: Record<string, unknown> & {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    managedFields?: ManagedFieldsEntry[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown> & { conditions?: Condition[] };
};

/** One `metadata.managedFields` entry. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** A status condition. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A `Status` body. */
export interface StatusBody {
  kind: string;
  apiVersion: string;
  status: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

/** A response read to the end. */
export interface Reply<T = Obj> {
  status: number;
  headers: Headers;
  body: T;
}

/** Content types of the four patch formats (and a wrong one). */
export const MERGE = "application/merge-patch+json";
export const JSON_PATCH = "application/json-patch+json";
export const APPLY = "application/apply-patch+yaml";
export const SMP = "application/strategic-merge-patch+json";

/** The 415 text a custom resource answers for patch types it does not take. */
export const CR_PATCH_415 =
  "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";

/** The RFC 3339 whole-second UTC format of `metav1.Time`. */
export const SECONDS_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** The widget collection of one namespace, and the paths below it. */
export interface Widgets {
  ns: string;
  coll: string;
  item(name: string): string;
  status(name: string): string;
}

/**
 * Serves the widget CRD, waits until widgets answer (a real server answers 429 for a
 * moment after Established while the resource's watch cache starts; the fake never
 * waits) and creates a fresh namespace.
 */
export async function widgets(target: Target, prefix: string): Promise<Widgets> {
  await target.crd(WIDGET_CRD);
  await untilListable(target, "/apis/example.com/v1/widgets?limit=1");
  const ns = await target.namespace(prefix);
  const coll = `/apis/example.com/v1/namespaces/${ns}/widgets`;
  return { ns, coll, item: (n) => `${coll}/${n}`, status: (n) => `${coll}/${n}/status` };
}

/** Waits until `path` lists (200); only a real server ever answers 429 here. */
export async function untilListable(target: Target, path: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await target.request("GET", path);
    await res.body?.cancel();
    if (res.status === 200) return;
    if (res.status !== 429) throw new Error(`listing ${path}: HTTP ${res.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} did not become listable`);
}

/** A widget body. */
export function widget(name: string, rest: Partial<Obj> = {}): Obj {
  const { metadata, ...others } = rest;
  return {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name, ...metadata },
    spec: { size: 1 },
    ...others,
  };
}

/** Sends a request and reads the JSON answer. */
export async function send<T = Obj>(
  target: Target,
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
): Promise<Reply<T>> {
  const res = await target.request(method, path, {
    ...(body !== undefined ? { body } : {}),
    ...(contentType ? { contentType } : {}),
  });
  return { status: res.status, headers: res.headers, body: await json<T>(res) };
}

/** Sends a request that must answer `code`, and returns the body. */
export async function must<T = Obj>(
  code: number,
  target: Target,
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
): Promise<T> {
  const reply = await send<T>(target, method, path, body, contentType);
  assert.equal(reply.status, code, `${method} ${path}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Creates a widget (201). */
export function create(target: Target, w: Widgets, body: Obj, query = ""): Promise<Obj> {
  return must(201, target, "POST", `${w.coll}${query}`, body);
}

/** GETs an object (200). */
export function get(target: Target, path: string): Promise<Obj> {
  return must(200, target, "GET", path);
}

/** Sends a merge patch (200). */
export function mergePatch(target: Target, path: string, patch: unknown): Promise<Obj> {
  return must(200, target, "PATCH", path, patch, MERGE);
}

/**
 * Checks a failure `Status`: code, reason and (when given) the exact message. Causes are
 * compared as a set of `reason field` pairs, because the real server may list the same
 * field error more than once.
 */
export function assertStatus(
  reply: Reply<unknown>,
  code: number,
  reason: string | undefined,
  message?: string | RegExp,
  causes?: string[],
): StatusBody {
  const body = reply.body as StatusBody;
  const text = JSON.stringify(body);
  assert.equal(reply.status, code, text);
  assert.equal(body.kind, "Status", text);
  assert.equal(body.apiVersion, "v1", text);
  assert.equal(body.status, "Failure", text);
  assert.equal(body.code, code, text);
  assert.equal(body.reason, reason, text);
  if (typeof message === "string") assert.equal(body.message, message);
  else if (message) assert.match(body.message ?? "", message);
  if (causes) assert.deepEqual(causeSet(body), [...new Set(causes)].sort());
  return body;
}

/** The distinct `reason field` pairs of a Status' causes, sorted. */
export function causeSet(body: StatusBody): string[] {
  const all = (body.details?.causes ?? []).map((c) => `${c.reason} ${c.field}`);
  return [...new Set(all)].sort();
}

/** `details` without `causes`. */
export function detailsOf(body: StatusBody): Record<string, unknown> {
  const { causes: _causes, ...rest } = body.details ?? {};
  return rest;
}

/** The object's resourceVersion as a number. */
export function rvOf(o: Obj): number {
  const rv = Number(o.metadata.resourceVersion);
  assert.ok(Number.isInteger(rv) && rv > 0, `resourceVersion ${o.metadata.resourceVersion}`);
  return rv;
}

/** `manager/operation/subresource` of every managedFields entry, sorted. */
export function managers(o: Obj): string[] {
  return (o.metadata.managedFields ?? [])
    .map((e) => `${e.manager}/${e.operation}/${e.subresource ?? ""}`)
    .sort();
}

/** Status conditions as a map keyed by `type` (list-maps compare as sets). */
export function conditionsByType(o: Obj): Record<string, Condition> {
  const out: Record<string, Condition> = {};
  for (const c of o.status?.conditions ?? []) out[c.type] = c;
  return out;
}

/** The object without the fields a write changes anyway. */
export function withoutVolatile(o: Obj): Obj {
  const copy = structuredClone(o);
  delete copy.metadata.resourceVersion;
  delete copy.metadata.managedFields;
  return copy;
}

/** One event of a watch stream. */
export interface WatchEvent {
  type: string;
  object: Obj;
}

/**
 * A watch opened from a resourceVersion. {@linkcode Watch.next} returns the next event;
 * tests show "no event for this write" by making a later, different write and checking
 * that it is the next event seen.
 */
export class Watch implements AsyncDisposable {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";

  private constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** Opens `GET <coll>?watch=true&resourceVersion=<rv>`. */
  static async open(target: Target, coll: string, rv: string | number): Promise<Watch> {
    const res = await target.request("GET", `${coll}?watch=true&resourceVersion=${rv}`);
    if (res.status !== 200 || !res.body) {
      throw new Error(`watch ${coll}: HTTP ${res.status}: ${await res.text()}`);
    }
    return new Watch(res.body);
  }

  /** The next event; fails when the stream ends first. */
  async next(): Promise<WatchEvent> {
    for (;;) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl).trim();
        this.#buffer = this.#buffer.slice(nl + 1);
        if (line) return JSON.parse(line);
        continue;
      }
      const { done, value } = await this.#reader.read();
      if (done) throw new Error("the watch ended before the next event");
      this.#buffer += value;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

/**
 * Shows that nothing was emitted since the watch opened: makes a sentinel write (a new
 * label on `path`) and checks that it is the next event, with the sentinel's
 * resourceVersion.
 */
export async function assertNoEventBefore(
  target: Target,
  watch: Watch,
  path: string,
): Promise<void> {
  const sentinel = await mergePatch(target, path, {
    metadata: { labels: { sentinel: String(Date.now()) } },
  });
  const ev = await watch.next();
  assert.equal(ev.type, "MODIFIED", JSON.stringify(ev));
  assert.equal(
    ev.object.metadata.resourceVersion,
    sentinel.metadata.resourceVersion,
    "the first event after the no-op is the sentinel write",
  );
}
