/**
 * `metadata.managedFields`: the entries, manager identity, decoding and encoding
 * (apimachinery `managedfields/internal/managedfields.go`), and what a client may do
 * to them on a non-apply write.
 *
 * @module
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../../../core/json.ts";
import { goJson } from "./field_path.ts";
import { FieldSet } from "./field_set.ts";

/** One `metadata.managedFields` entry. */
export interface ManagedFieldsEntry {
  /** The field manager, such as `kubectl` or `my-issuer`. */
  manager: string;
  /** `Apply` for server-side apply, `Update` for every other write. */
  operation: "Apply" | "Update";
  /** The API version the fields were written at, such as `cert-manager.io/v1`. */
  apiVersion: string;
  /** When the entry last changed, RFC 3339 with whole seconds; entries a client wrote may lack it. */
  time?: string;
  /** Always `FieldsV1`. */
  fieldsType: "FieldsV1";
  /** The owned fields, encoded (`{"f:spec":{"f:size":{}}}`). */
  fieldsV1: JsonObject;
  /** The subresource written through, such as `status`; absent for the main resource. */
  subresource?: string;
}

/**
 * What identifies a manager: its name, operation, subresource, and for `Update` also
 * the API version (apimachinery `BuildManagerIdentifier`). An apply to the main
 * resource and one to `/status` by the same field manager are two managers.
 */
export interface ManagerIdentity {
  /** The field manager name. */
  manager: string;
  /** `Apply` or `Update`. */
  operation: "Apply" | "Update";
  /** The API version; part of the identity for `Update` only. */
  apiVersion: string;
  /** The subresource, `""` or absent for the main resource. */
  subresource?: string;
}

/** A manager with the fields it owns, as the algorithms work on them. */
export interface ManagerState {
  /** Who. */
  identity: ManagerIdentity;
  /** The owned fields. */
  set: FieldSet;
  /** The entry's time, if any. */
  time?: string;
}

/** Managers keyed by {@link managerIdentifier}. */
export type Managers = Map<string, ManagerState>;

/**
 * The manager identifier: the JSON of the identity fields in Go's field order, which
 * is also what conflict messages sort managers by.
 *
 * @param id The identity.
 * @returns Text such as `{"manager":"kubectl","operation":"Apply"}`.
 */
export function managerIdentifier(id: ManagerIdentity): string {
  const parts = [`"manager":${goJson(id.manager)}`, `"operation":${goJson(id.operation)}`];
  if (id.operation === "Update" && id.apiVersion) {
    parts.push(`"apiVersion":${goJson(id.apiVersion)}`);
  }
  if (id.subresource) parts.push(`"subresource":${goJson(id.subresource)}`);
  return `{${parts.join(",")}}`;
}

/**
 * Reads `metadata.managedFields` as stored or sent: every entry must have operation
 * `Apply` or `Update`, a non-empty `apiVersion`, `fieldsType: FieldsV1` and a valid
 * `fieldsV1` (apimachinery `DecodeManagedFields`).
 *
 * @param value The `metadata.managedFields` value.
 * @returns The managers (later entries with the same identity win), or `undefined`
 *   when the value is absent or any entry is invalid.
 */
export function decodeManagers(value: JsonValue | undefined): Managers | undefined {
  if (!Array.isArray(value)) return undefined;
  const managers: Managers = new Map();
  for (const raw of value) {
    const state = decodeEntry(raw);
    if (state === undefined) return undefined;
    managers.set(managerIdentifier(state.identity), state);
  }
  return managers;
}

function decodeEntry(raw: JsonValue): ManagerState | undefined {
  if (!isJsonObject(raw)) return undefined;
  const { manager = "", operation, apiVersion, time, fieldsType, fieldsV1 = {}, subresource = "" } =
    raw;
  if (operation !== "Apply" && operation !== "Update") return undefined;
  if (typeof apiVersion !== "string" || apiVersion === "") return undefined;
  if (fieldsType !== "FieldsV1") return undefined;
  if (typeof manager !== "string" || typeof subresource !== "string") return undefined;
  if (time !== undefined && time !== null && typeof time !== "string") return undefined;
  let set: FieldSet;
  try {
    set = FieldSet.fromFieldsV1(fieldsV1);
  } catch {
    return undefined;
  }
  const identity: ManagerIdentity = { manager, operation, apiVersion };
  if (subresource) identity.subresource = subresource;
  const state: ManagerState = { identity, set };
  if (typeof time === "string") state.time = time;
  return state;
}

/**
 * Encodes managers as `metadata.managedFields` entries, in the real server's order:
 * `Apply` before `Update`, then by time, manager, apiVersion and subresource.
 *
 * @param managers The managers; those with empty sets are left out.
 * @returns The entries.
 */
export function encodeManagers(managers: Managers): ManagedFieldsEntry[] {
  const entries: ManagedFieldsEntry[] = [];
  for (const { identity, set, time } of managers.values()) {
    if (set.isEmpty()) continue;
    const entry: ManagedFieldsEntry = {
      manager: identity.manager,
      operation: identity.operation,
      apiVersion: identity.apiVersion,
      fieldsType: "FieldsV1",
      fieldsV1: set.toFieldsV1(),
    };
    if (time !== undefined) entry.time = time;
    if (identity.subresource) entry.subresource = identity.subresource;
    entries.push(entry);
  }
  return entries.sort(compareEntries);
}

function compareEntries(p: ManagedFieldsEntry, q: ManagedFieldsEntry): number {
  const seconds = (e: ManagedFieldsEntry) => (e.time ? Date.parse(e.time) / 1000 : 0);
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return byText(p.operation, q.operation) || seconds(p) - seconds(q) ||
    byText(p.manager, q.manager) || byText(p.apiVersion, q.apiVersion) ||
    byText(p.subresource ?? "", q.subresource ?? "");
}

/**
 * Renders an entry as JSON, with keys in the real server's order.
 *
 * @param entry The entry.
 * @returns The JSON object to store in `metadata.managedFields`.
 */
export function entryToJson(entry: ManagedFieldsEntry): JsonObject {
  const out: JsonObject = {
    manager: entry.manager,
    operation: entry.operation,
    apiVersion: entry.apiVersion,
  };
  if (entry.time !== undefined) out.time = entry.time;
  out.fieldsType = entry.fieldsType;
  out.fieldsV1 = entry.fieldsV1;
  if (entry.subresource) out.subresource = entry.subresource;
  return out;
}

/**
 * Returns a copy of an object with `metadata.managedFields` set to `entries`, or
 * removed when there are none.
 *
 * @param obj The object.
 * @param entries The entries.
 * @returns A new object.
 */
export function withManagedFields(obj: JsonObject, entries: ManagedFieldsEntry[]): JsonObject {
  const metadata: JsonObject = isJsonObject(obj.metadata) ? { ...obj.metadata } : {};
  if (entries.length > 0) metadata.managedFields = entries.map(entryToJson);
  else delete metadata.managedFields;
  return { ...obj, metadata };
}

/**
 * Returns a copy of an object without `metadata.managedFields` (ownership is never
 * computed over the managedFields themselves).
 *
 * @param obj The object.
 * @returns A new object (sharing nested values with `obj`).
 */
export function withoutManagedFields(obj: JsonObject): JsonObject {
  if (!isJsonObject(obj.metadata) || !("managedFields" in obj.metadata)) return obj;
  const { managedFields: _, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/**
 * The managers a non-apply write starts from, given the `metadata.managedFields` the
 * client sent (apimachinery `decodeLiveOrNew`):
 * - writes through a subresource ignore what the client sent;
 * - `[]` or `[{}]` resets them (nothing is owned before this write is recorded);
 * - absent, unreadable, or entries with no fields: the stored managers are kept;
 * - otherwise the client's entries replace the stored ones.
 *
 * (The API docs say an empty list is ignored; the 1.32 code and its
 * `TestResetManagedFieldsEmptyList` reset on it, and this follows the code.)
 *
 * @param input.requested `metadata.managedFields` of the object the client sent.
 * @param input.live `metadata.managedFields` of the stored object (absent on create).
 * @param input.subresource The subresource written through, `""` for the main resource.
 * @returns The entries to pass to `recordUpdate`.
 *
 * @example Clearing managedFields with `[{}]`
 * ```ts
 * import { takeClientManagedFields } from "./managed_fields.ts";
 * import { strict as assert } from "node:assert";
 *
 * const live = [{ manager: "m", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:data": {} } }];
 * assert.deepEqual(takeClientManagedFields({ requested: [{}], live, subresource: "" }), []);
 * assert.equal(takeClientManagedFields({ requested: undefined, live, subresource: "" }).length, 1);
 * ```
 */
export function takeClientManagedFields(input: {
  requested: JsonValue | undefined;
  live: JsonValue | undefined;
  subresource: string;
}): ManagedFieldsEntry[] {
  const stored = () => encodeManagers(decodeManagers(input.live) ?? new Map());
  const requested = input.requested;
  if (input.subresource !== "") return stored();
  if (Array.isArray(requested)) {
    const only = requested[0];
    if (requested.length === 0) return [];
    if (requested.length === 1 && isJsonObject(only) && Object.keys(only).length === 0) return [];
  }
  const sent = decodeManagers(requested);
  if (sent === undefined || sent.size === 0) return stored();
  return encodeManagers(sent);
}

/**
 * Decodes entries produced by {@link encodeManagers} or {@link takeClientManagedFields}.
 *
 * @param entries The entries.
 * @returns The managers.
 * @throws {TypeError} When an entry is invalid.
 */
export function managersOf(entries: ManagedFieldsEntry[]): Managers {
  const managers = decodeManagers(entries.map(entryToJson));
  if (managers === undefined) throw new TypeError("managedFields entries are invalid");
  return managers;
}
