/**
 * Typed reads of the untyped tree a YAML parser returns, with errors that name the
 * field (`users[0].user: client-key-data is not valid base64`).
 *
 * @module
 */

/** A malformed field; the message starts with the field's path. */
export class FieldError extends Error {
  override name = "FieldError";
}

/** A YAML mapping. */
export type Fields = Record<string, unknown>;

/** Describes a value's YAML kind for error messages. */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return "a mapping";
  return JSON.stringify(value);
}

/** `value` as a mapping; `null` counts as empty. */
export function mapping(value: unknown, field: string): Fields {
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new FieldError(`${field}: must be a mapping, got ${describe(value)}`);
  }
  return value as Fields;
}

/** `parent[key]` as a list; absent or `null` counts as empty. */
export function list(parent: Fields, key: string, field: string): unknown[] {
  const value = parent[key];
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new FieldError(`${field}: ${key} must be a list, got ${describe(value)}`);
  }
  return value;
}

/** `parent[key]` as a string; absent, `null` and `""` count as unset, as in client-go. */
export function string(parent: Fields, key: string, field: string): string | undefined {
  const value = parent[key];
  if (value === null || value === undefined || value === "") return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return String(value);
  throw new FieldError(`${field}: ${key} must be a string, got ${describe(value)}`);
}

/** `parent[key]` as a string that must be present and non-empty. */
export function requiredString(parent: Fields, key: string, field: string): string {
  const value = string(parent, key, field);
  if (value === undefined) throw new FieldError(`${field}: ${key} is required`);
  return value;
}

/** `parent[key]` as a boolean; absent or `null` is `false`. */
export function bool(parent: Fields, key: string, field: string): boolean {
  const value = parent[key];
  if (value === null || value === undefined) return false;
  if (typeof value === "boolean") return value;
  throw new FieldError(`${field}: ${key} must be true or false, got ${describe(value)}`);
}

/** `parent[key]` as a list of strings. */
export function strings(parent: Fields, key: string, field: string): string[] {
  return list(parent, key, field).map((item, i) => {
    if (typeof item === "string") return item;
    if (typeof item === "boolean") return String(item);
    throw new FieldError(`${field}: ${key}[${i}] must be a string, got ${describe(item)}`);
  });
}

/** `parent[key]`: base64 of PEM text (the `*-data` fields), decoded. */
export function pemData(parent: Fields, key: string, field: string): string | undefined {
  const encoded = string(parent, key, field);
  if (encoded === undefined) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(encoded.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    throw new FieldError(`${field}: ${key} is not valid base64`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new FieldError(`${field}: ${key} does not decode to PEM text`);
  }
  assertPem(text, `${field}: ${key}`);
  return text;
}

/** Throws unless `text` holds a PEM block; `what` starts the message. */
export function assertPem(text: string, what: string): void {
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text)) {
    throw new FieldError(`${what} does not hold PEM data (no "-----BEGIN …-----" line)`);
  }
}
