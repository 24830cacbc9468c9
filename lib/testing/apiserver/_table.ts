/**
 * Server-side printing: the `meta.k8s.io/v1` `Table` a real server returns when asked
 * with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl get` asks
 * for). Custom resources get a `Name` column plus the CRD's printer columns; built-in
 * types get the columns of kube-apiserver's own printers.
 *
 * @module
 */
import type { JsonObject, JsonValue } from "../../core/json.ts";
import { canonicalJson, cloneJson, isJsonObject } from "../../core/json.ts";
import { formatTime, parseTime } from "../../core/time.ts";
import type { PrinterColumn, ResourceInfo } from "./_types.ts";
import { isPlainMediaRange, parseAccept } from "./_discovery.ts";

/** One step of a JSONPath. */
type Step =
  | { kind: "field"; name: string }
  | { kind: "index"; index: number }
  | { kind: "wildcard" }
  | { kind: "filter"; path: Step[]; op: string; value: JsonValue };

const FILTER = /^@((?:\.[^\s=!<>]*|\[[^\]]*\])*)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*$/s;

function literal(raw: string): JsonValue {
  const quoted = /^(["'])(.*)\1$/s.exec(raw);
  if (quoted) return quoted[2] ?? "";
  if (raw === "true" || raw === "false") return raw === "true";
  const n = Number(raw);
  if (raw === "" || Number.isNaN(n)) throw new SyntaxError(`unrecognized literal ${raw}`);
  return n;
}

/** Parses the JSONPath subset CRD printer columns use; throws `SyntaxError` otherwise. */
function parseJsonPath(path: string): Step[] {
  const steps: Step[] = [];
  let i = path.startsWith("$") ? 1 : 0;
  while (i < path.length) {
    if (path[i] === ".") {
      let end = i + 1;
      while (end < path.length && path[end] !== "." && path[end] !== "[") end++;
      const name = path.slice(i + 1, end);
      if (!name) throw new SyntaxError(`empty field name in ${path}`);
      steps.push(name === "*" ? { kind: "wildcard" } : { kind: "field", name });
      i = end;
    } else if (path[i] === "[") {
      let depth = 0;
      let quote = "";
      let end = i;
      for (; end < path.length; end++) {
        const c = path[end];
        if (quote) {
          if (c === quote) quote = "";
        } else if (c === '"' || c === "'") quote = c;
        else if (c === "[") depth++;
        else if (c === "]" && --depth === 0) break;
      }
      if (end >= path.length) throw new SyntaxError(`unterminated [ in ${path}`);
      const inner = path.slice(i + 1, end).trim();
      i = end + 1;
      if (inner.startsWith("?(") && inner.endsWith(")")) {
        const m = FILTER.exec(inner.slice(2, -1).trim());
        if (!m) throw new SyntaxError(`unsupported filter ${inner}`);
        const op = m[2] ?? "exists";
        steps.push({
          kind: "filter",
          path: parseJsonPath(m[1] ?? ""),
          op,
          value: m[3] === undefined ? null : literal(m[3]),
        });
      } else if (inner === "*") steps.push({ kind: "wildcard" });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: "index", index: Number(inner) });
      else if (/^(["']).*\1$/s.test(inner)) steps.push({ kind: "field", name: inner.slice(1, -1) });
      else throw new SyntaxError(`unsupported subscript [${inner}] in ${path}`);
    } else {
      throw new SyntaxError(`unexpected ${path[i]} in ${path}`);
    }
  }
  return steps;
}

function compare(left: JsonValue, op: string, right: JsonValue): boolean {
  if (typeof left !== typeof right || (typeof left === "object" && left !== null)) {
    throw new TypeError("incompatible types for comparison");
  }
  switch (op) {
    case "==":
      return left === right;
    case "!=":
      return left !== right;
  }
  if (typeof left === "boolean" || left === null || right === null) {
    throw new TypeError(`invalid type for ${op}`);
  }
  switch (op) {
    case "<":
      return left < right;
    case ">":
      return left > right;
    case "<=":
      return left <= right;
    default:
      return left >= right;
  }
}

function walk(steps: Step[], root: JsonValue): JsonValue[] {
  let current: JsonValue[] = [root];
  for (const step of steps) {
    const next: JsonValue[] = [];
    for (const value of current) {
      if (step.kind === "field") {
        if (isJsonObject(value) && Object.hasOwn(value, step.name)) {
          next.push(value[step.name] as JsonValue);
        }
      } else if (step.kind === "index") {
        if (!Array.isArray(value)) continue;
        const at = step.index < 0 ? value.length + step.index : step.index;
        if (at >= 0 && at < value.length) next.push(value[at] as JsonValue);
      } else if (step.kind === "wildcard") {
        if (Array.isArray(value)) next.push(...value);
        else if (isJsonObject(value)) next.push(...Object.values(value));
      } else {
        if (!Array.isArray(value)) throw new TypeError("filter on a value that is not an array");
        for (const element of value) {
          const lefts = walk(step.path, element);
          if (step.op === "exists") {
            if (lefts.length > 0) next.push(element);
            continue;
          }
          if (lefts.length === 0) continue;
          if (lefts.length > 1) throw new TypeError("can only compare one element at a time");
          if (compare(lefts[0] as JsonValue, step.op, step.value)) next.push(element);
        }
      }
    }
    current = next;
  }
  return current;
}

/**
 * Evaluates the JSONPath subset that CRD printer columns and selectable fields use
 * (client-go `jsonpath` with missing keys allowed): `.a.b`, `['a.b']`, `[0]`, `[-1]`,
 * `[*]` and filters such as `[?(@.type == "Ready")]` (`==`, `!=`, `<`, `>`, `<=`, `>=`,
 * or existence `[?(@.x)]`).
 *
 * @param root The object.
 * @param path The path, starting with `.` (a leading `$` is allowed).
 * @returns Every matching value, in document order; `[]` when nothing matches.
 * @throws {SyntaxError} When the path is outside the subset.
 * @throws {TypeError} When a filter compares values of different types, as client-go does.
 *
 * @example The Ready condition's status
 * ```ts
 * import { evalJsonPath } from "./_table.ts";
 * import { strict as assert } from "node:assert";
 *
 * const cr = { status: { conditions: [{ type: "Ready", status: "True" }] } };
 * assert.deepEqual(evalJsonPath(cr, '.status.conditions[?(@.type == "Ready")].status'), ["True"]);
 * assert.deepEqual(evalJsonPath(cr, ".spec.missing"), []);
 * ```
 */
export function evalJsonPath(root: JsonValue, path: string): JsonValue[] {
  return walk(parseJsonPath(path.trim()), root);
}

/**
 * Tells whether a request asks for a Table: the best acceptable media range is
 * `application/json;as=Table;g=meta.k8s.io;v=v1` (or `v1beta1`).
 *
 * @param accept The request's `Accept` header.
 * @returns `true` when the answer should be a Table.
 *
 * @example kubectl get
 * ```ts
 * import { wantsTable } from "./_table.ts";
 * import { ok as assert } from "node:assert";
 *
 * assert(wantsTable(
 *   "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
 * ));
 * assert(!wantsTable("application/json"));
 * ```
 */
export function wantsTable(accept: string | null): boolean {
  for (const range of parseAccept(accept)) {
    if (range.params.as === "Table") {
      const json = range.type === "application" && range.subtype === "json";
      const version = range.params.v === "v1" || range.params.v === "v1beta1";
      if (json && range.params.g === "meta.k8s.io" && version) return true;
      continue;
    }
    if (isPlainMediaRange(range)) return false;
  }
  return false;
}

/**
 * Renders a duration the way `kubectl get` ages read (`duration.HumanDuration`):
 * `45s`, `5m30s`, `3h20m`, `2d4h`, `400d`, `3y12d`.
 *
 * @param ms The duration in milliseconds.
 * @returns The human-readable duration; `<invalid>` when more than a second negative.
 *
 * @example Ages
 * ```ts
 * import { humanDuration } from "./_table.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(humanDuration(90_000), "90s");
 * assert.equal(humanDuration(330_000), "5m30s");
 * assert.equal(humanDuration(26 * 3600_000), "26h");
 * ```
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

/** Go's zero `time.Time` (`0001-01-01T00:00:00Z`), which prints as `<unknown>`. */
const ZERO_TIME = Date.parse("0001-01-01T00:00:00Z");

/** `translateTimestampSince`: the age of a timestamp, `<unknown>` when unset. */
function since(value: JsonValue | undefined, now: number): string {
  if (typeof value !== "string") return "<unknown>";
  const t = parseTime(value);
  if (t === undefined || t === ZERO_TIME) return "<unknown>";
  return humanDuration(now - t);
}

const NAME_DESCRIPTION =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const CREATION_DESCRIPTION =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

function column(
  name: string,
  type: string,
  description: string,
  priority = 0,
  format = "",
): JsonObject {
  return { name, type, format, description, priority };
}

const NAME_COLUMN = column("Name", "string", NAME_DESCRIPTION, 0, "name");
const AGE_COLUMN = column("Age", "string", CREATION_DESCRIPTION);

function obj(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : {};
}

function text(value: JsonValue | undefined): string {
  return typeof value === "string" ? value : "";
}

function count(value: JsonValue | undefined): number {
  if (Array.isArray(value)) return value.length;
  return isJsonObject(value) ? Object.keys(value).length : 0;
}

/** A built-in printer: its columns and how to fill a row. */
interface Printer {
  columns: JsonObject[];
  cells(o: JsonObject, now: number): JsonValue[];
}

function name(o: JsonObject): string {
  return text(obj(o.metadata).name);
}

function age(o: JsonObject, now: number): string {
  return since(obj(o.metadata).creationTimestamp, now);
}

function csrCondition(o: JsonObject): string {
  const types = new Set(
    (Array.isArray(obj(o.status).conditions) ? obj(o.status).conditions as JsonValue[] : [])
      .map((c) => text(obj(c).type)),
  );
  let status = types.has("Denied") ? "Denied" : types.has("Approved") ? "Approved" : "Pending";
  if (types.has("Failed")) status += ",Failed";
  if (text(obj(o.status).certificate)) status += ",Issued";
  return status;
}

/** `printEvent` for core/v1 (`eventsV1` false) and events.k8s.io/v1 events. */
function eventCells(o: JsonObject, now: number, eventsV1: boolean): JsonValue[] {
  const involved = obj(eventsV1 ? o.regarding : o.involvedObject);
  const source = obj(eventsV1 ? o.deprecatedSource : o.source);
  const first = eventsV1 ? o.deprecatedFirstTimestamp : o.firstTimestamp;
  const last = eventsV1 ? o.deprecatedLastTimestamp : o.lastTimestamp;
  const series = isJsonObject(o.series) ? o.series : undefined;
  const firstSeen = since(first, now) === "<unknown>" ? since(o.eventTime, now) : since(first, now);
  let lastSeen = since(last, now) === "<unknown>" ? firstSeen : since(last, now);
  let times = Number(eventsV1 ? o.deprecatedCount ?? 0 : o.count ?? 0);
  if (series) {
    lastSeen = since(series.lastObservedTime, now);
    times = Number(series.count ?? 0);
  } else if (times === 0) times = 1;
  const kind = text(involved.kind).toLowerCase();
  const target = text(involved.name) ? `${kind}/${text(involved.name)}` : kind;
  const component = text(source.component) ||
    text(eventsV1 ? o.reportingController : o.reportingComponent);
  const host = text(source.host) || text(o.reportingInstance);
  const message = text(eventsV1 ? o.note : o.message).trim();
  return [
    lastSeen,
    text(o.type),
    text(o.reason),
    target,
    text(involved.fieldPath),
    host ? `${component}, ${host}` : component,
    message,
    firstSeen,
    times,
    name(o),
  ];
}

const EVENT_COLUMNS = [
  column(
    "Last Seen",
    "string",
    "The time at which the most recent occurrence of this event was recorded.",
  ),
  column(
    "Type",
    "string",
    "Type of this event (Normal, Warning), new types could be added in the future",
  ),
  column(
    "Reason",
    "string",
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  ),
  column("Object", "string", "The object that this event is about."),
  column(
    "Subobject",
    "string",
    "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.",
    1,
  ),
  column(
    "Source",
    "string",
    "The component reporting this event. Should be a short machine understandable string.",
    1,
  ),
  column("Message", "string", "A human-readable description of the status of this operation."),
  column(
    "First Seen",
    "string",
    "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
    1,
  ),
  column("Count", "string", "The number of times this event has occurred.", 1),
  column("Name", "string", NAME_DESCRIPTION, 1, "name"),
];

/** The printers of kube-apiserver (`pkg/printers/internalversion`) for the built-in types. */
const PRINTERS: Record<string, Printer> = {
  "/configmaps": {
    columns: [
      NAME_COLUMN,
      column("Data", "string", "Data contains the configuration data."),
      AGE_COLUMN,
    ],
    cells: (o, now) => [name(o), count(o.data) + count(o.binaryData), age(o, now)],
  },
  "/events": { columns: EVENT_COLUMNS, cells: (o, now) => eventCells(o, now, false) },
  "events.k8s.io/events": { columns: EVENT_COLUMNS, cells: (o, now) => eventCells(o, now, true) },
  "/namespaces": {
    columns: [NAME_COLUMN, column("Status", "string", "The status of the namespace"), AGE_COLUMN],
    cells: (o, now) => [name(o), text(obj(o.status).phase), age(o, now)],
  },
  "/secrets": {
    columns: [
      NAME_COLUMN,
      column(
        "Type",
        "string",
        "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
      ),
      column(
        "Data",
        "string",
        "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'.",
      ),
      AGE_COLUMN,
    ],
    cells: (o, now) => [name(o), text(o.type), count(o.data), age(o, now)],
  },
  "/serviceaccounts": {
    columns: [
      NAME_COLUMN,
      column(
        "Secrets",
        "string",
        "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
      ),
      AGE_COLUMN,
    ],
    cells: (o, now) => [name(o), count(o.secrets), age(o, now)],
  },
  "coordination.k8s.io/leases": {
    columns: [
      NAME_COLUMN,
      column(
        "Holder",
        "string",
        "holderIdentity contains the identity of the holder of a current lease.",
      ),
      AGE_COLUMN,
    ],
    cells: (o, now) => [name(o), text(obj(o.spec).holderIdentity), age(o, now)],
  },
  "certificates.k8s.io/certificatesigningrequests": {
    columns: [
      NAME_COLUMN,
      AGE_COLUMN,
      column(
        "SignerName",
        "string",
        "signerName indicates the requested signer, and is a qualified name.",
      ),
      column(
        "Requestor",
        "string",
        'request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block. When serialized as JSON or YAML, the data is additionally base64-encoded.',
      ),
      column(
        "RequestedDuration",
        "string",
        "expirationSeconds is the requested duration of validity of the issued certificate.",
      ),
      column(
        "Condition",
        "string",
        'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".',
      ),
    ],
    cells: (o, now) => {
      const spec = obj(o.spec);
      const seconds = spec.expirationSeconds;
      return [
        name(o),
        age(o, now),
        text(spec.signerName) || "<none>",
        text(spec.username),
        typeof seconds === "number" ? humanDuration(seconds * 1000) : "<none>",
        csrCondition(o),
      ];
    },
  },
};

/** The default table convertor (`rest.NewDefaultTableConvertor`): Name and Created At. */
const DEFAULT_PRINTER: Printer = {
  columns: [NAME_COLUMN, column("Created At", "date", CREATION_DESCRIPTION)],
  cells: (o) => {
    const t = parseTime(text(obj(o.metadata).creationTimestamp)) ?? ZERO_TIME;
    return [name(o), formatTime(t)];
  },
};

/** A custom-resource printer column cell (`tableconvertor.cellForJSONValue`). */
function customCell(col: PrinterColumn, o: JsonObject, now: number): JsonValue {
  let value: JsonValue | undefined;
  try {
    value = evalJsonPath(o, col.jsonPath)[0];
  } catch {
    return null;
  }
  if (value === undefined || value === null) return null;
  switch (col.type) {
    case "string":
      if (typeof value === "string") return value;
      return typeof value === "object" ? canonicalJson(value) : String(value);
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : null;
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    case "date": {
      if (typeof value !== "string") return null;
      if (value === "" || value === "null") return "<unknown>";
      const t = parseTime(value);
      if (t === undefined) return "<invalid>";
      return t === ZERO_TIME ? "<unknown>" : humanDuration(now - t);
    }
    default:
      return null;
  }
}

function customPrinter(info: ResourceInfo): Printer {
  const cols: PrinterColumn[] = info.printerColumns.length > 0 ? info.printerColumns : [
    {
      name: "Age",
      type: "date",
      description: CREATION_DESCRIPTION,
      priority: 0,
      jsonPath: ".metadata.creationTimestamp",
    },
  ];
  return {
    columns: [
      NAME_COLUMN,
      ...cols.map((c) =>
        column(
          c.name,
          c.type,
          c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
          c.priority,
          c.format ?? "",
        )
      ),
    ],
    cells: (o, now) => [name(o), ...cols.map((c) => customCell(c, o, now))],
  };
}

/**
 * Builds the `meta.k8s.io/v1` Table for objects of one resource, with every column
 * (priority 1 columns included, as the server sends them) and ages computed at `now`
 * (the server renders `date` columns and ages; kubectl prints the cells as they are).
 *
 * @param info The resource.
 * @param objects The objects, one row each.
 * @param listMeta The list metadata (`resourceVersion`, `continue`, `remainingItemCount`).
 * @param includeObject `Metadata` (the default: rows carry `PartialObjectMetadata`), `None` or `Object`.
 * @param now The current time in milliseconds since the epoch.
 * @returns The Table.
 */
export function toTable(
  info: ResourceInfo,
  objects: JsonObject[],
  listMeta: JsonObject,
  includeObject: "None" | "Metadata" | "Object",
  now: number,
): JsonObject {
  const printer = info.custom
    ? customPrinter(info)
    : PRINTERS[`${info.group}/${info.plural}`] ?? DEFAULT_PRINTER;
  const metadata: JsonObject = {};
  for (const key of ["resourceVersion", "continue", "remainingItemCount"]) {
    const value = listMeta[key];
    if (value !== undefined && value !== null && value !== "") metadata[key] = value;
  }
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  const rows = objects.map((o): JsonObject => {
    let object: JsonValue = null;
    if (includeObject === "Metadata") {
      object = {
        kind: "PartialObjectMetadata",
        apiVersion: "meta.k8s.io/v1",
        metadata: cloneJson(obj(o.metadata)),
      };
    } else if (includeObject === "Object") {
      object = { apiVersion, kind: info.kind, ...cloneJson(o) };
    }
    return { cells: printer.cells(o, now), object };
  });
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata,
    columnDefinitions: cloneJson(printer.columns),
    rows,
  };
}

/**
 * Turns a JSON watch stream (one event per line) into the Table form a watch with a Table
 * `Accept` gets from kube-apiserver: every event's object becomes a one-row Table whose
 * `metadata.resourceVersion` is the object's; only the first carries `columnDefinitions`
 * (later ones `null`); BOOKMARKs become rows too; ERROR events stay Status objects.
 *
 * @example A two-event watch
 * ```ts
 * import { tableWatchEvents } from "./_table.ts";
 * import { strict as assert } from "node:assert";
 *
 * const info = {
 *   group: "example.com", version: "v1", plural: "widgets", kind: "Widget", custom: true,
 *   printerColumns: [],
 * } as unknown as Parameters<typeof tableWatchEvents>[0];
 * const events = [
 *   { type: "ADDED", object: { kind: "Widget", metadata: { name: "a", resourceVersion: "5" } } },
 *   { type: "MODIFIED", object: { kind: "Widget", metadata: { name: "a", resourceVersion: "6" } } },
 * ].map((e) => JSON.stringify(e) + "\n").join("");
 * const text = await new Response(
 *   new Response(events).body!.pipeThrough(tableWatchEvents(info, "Metadata", () => 0)),
 * ).text();
 * const [first, second] = text.trim().split("\n").map((l) => JSON.parse(l));
 * assert.equal(first.object.kind, "Table");
 * assert.equal(first.object.metadata.resourceVersion, "5");
 * assert.equal(first.object.columnDefinitions[0].name, "Name");
 * assert.equal(second.object.columnDefinitions, null);
 * assert.equal(second.object.rows[0].cells[0], "a");
 * ```
 *
 * @param info The watched resource.
 * @param includeObject What each row's `object` carries.
 * @param now The clock, for ages.
 * @returns A transform from JSON watch lines to Table watch lines.
 */
export function tableWatchEvents(
  info: ResourceInfo,
  includeObject: "None" | "Metadata" | "Object",
  now: () => number,
): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let buffer = "";
  let first = true;
  const convert = (line: string): string => {
    const event = JSON.parse(line) as { type: string; object: JsonObject };
    if (event.type === "ERROR") return line;
    const rv = obj(event.object.metadata).resourceVersion;
    const table = toTable(
      info,
      [event.object],
      { resourceVersion: rv ?? null },
      includeObject,
      now(),
    );
    if (!first) table.columnDefinitions = null;
    first = false;
    return JSON.stringify({ type: event.type, object: table });
  };
  return new TransformStream({
    transform(chunk, controller) {
      buffer += decoder.decode(chunk, { stream: true });
      let out = "";
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim() !== "") out += `${convert(line)}\n`;
      }
      if (out) controller.enqueue(encoder.encode(out));
    },
    flush(controller) {
      if (buffer.trim() !== "") controller.enqueue(encoder.encode(`${convert(buffer)}\n`));
    },
  });
}
