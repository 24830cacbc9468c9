/**
 * Field selectors, parsed like apimachinery's `fields.ParseSelector`, the per-type check
 * of which fields may be selected on, and the extraction of selectable fields from an
 * object.
 *
 * @module
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../../../core/json.ts";
import { badRequest } from "../_errors.ts";

/** One `field=value` or `field!=value` term. */
export interface FieldRequirement {
  /** The field label, such as `metadata.name`. */
  field: string;
  /** `=` (also written `==`) or `!=`. */
  op: "=" | "!=";
  /** The value, with backslash escapes removed. */
  value: string;
}

/** A parsed field selector. */
export interface FieldSelector {
  /** The terms, in the order Go keeps them (sorted by their text). */
  requirements: FieldRequirement[];
  /**
   * Whether an object with these field values is selected. A field missing from
   * `fields` counts as `""`.
   *
   * @param fields The object's field values, as {@linkcode fieldsOf} extracts them.
   * @returns `true` when every term holds.
   */
  matches(fields: Record<string, string>): boolean;
  /**
   * The value a `metadata.name=` (or `==`) term asks for, as `RequiresExactMatch`
   * reports it; the authorizer uses it as the request's name on list and watch (the
   * caller still checks that it is a valid path segment).
   *
   * @returns The name, or `undefined` when no such term exists.
   */
  nameEquals(): string | undefined;
}

/** Splits on commas that are not escaped; escapes stay in the terms (`splitTerms`). */
function splitTerms(text: string): string[] {
  if (text.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** Splits a term at the first operator; no escaping on the left (`splitTerm`). */
function splitTerm(term: string): [string, "!=" | "==" | "=", string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ["!=", "==", "="] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** Removes backslash escapes; unescaped `,` and `=` are errors (`UnescapeValue`). */
function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = "";
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== "\\" && c !== "," && c !== "=") {
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
      continue;
    }
    if (c === "\\") inSlash = true;
    else if (c === "," || c === "=") {
      // Go prints the rune with %v, that is as its number.
      throw badRequest(
        `invalid field selector: unescaped character in value: ${c.codePointAt(0)}`,
      );
    } else out += c;
  }
  if (inSlash) throw badRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

/**
 * Parses a field selector such as `metadata.name=w1,spec.color!=red`: terms `f=v`,
 * `f==v` and `f!=v` joined by commas (AND); in values, `\,`, `\=` and `\\` stand for
 * `,`, `=` and `\`. Empty terms are skipped.
 *
 * @param text The `fieldSelector` query parameter; `""` selects everything.
 * @returns The parsed selector.
 * @throws {StatusError} 400 BadRequest with Go's text, such as
 *   `invalid selector: 'x'; can't understand 'x'`.
 *
 * @example Selecting by name
 * ```ts
 * import { strict as assert } from "node:assert";
 *
 * const selector = parseFieldSelector("metadata.name=w1");
 * assert.equal(selector.matches({ "metadata.name": "w1" }), true);
 * assert.equal(selector.nameEquals(), "w1");
 * ```
 */
export function parseFieldSelector(text: string): FieldSelector {
  const parts = splitTerms(text).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === "") continue;
    const split = splitTerm(part);
    if (!split) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const [field, op, raw] = split;
    requirements.push({ field, op: op === "!=" ? "!=" : "=", value: unescapeValue(raw) });
  }
  return {
    requirements,
    matches(fields) {
      return requirements.every((r) => {
        const actual = Object.hasOwn(fields, r.field) ? fields[r.field] : "";
        return r.op === "=" ? actual === r.value : actual !== r.value;
      });
    },
    nameEquals() {
      return requirements.find((r) => r.field === "metadata.name" && r.op === "=")?.value;
    },
  };
}

/** Drops the leading dot of a CRD `selectableFields` JSON path (`.spec.color`). */
function normaliseLabel(label: string): string {
  return label.startsWith(".") ? label.slice(1) : label;
}

/**
 * Checks that every field of a selector may be selected on for a type, answering like the
 * type's field-label conversion function.
 *
 * @param selector The parsed selector.
 * @param supported The selectable fields (`.spec.color` and `spec.color` are the same).
 * @param style `custom` for custom resources and built-in types with their own conversion
 *   (`field label not supported: <f>`); `default` for types using the default conversion
 *   (`"<f>" is not a known field selector: only "metadata.name", "metadata.namespace"`).
 * @throws {StatusError} 400 BadRequest naming the first unsupported field.
 *
 * @example A custom resource supports metadata.name
 * ```ts
 * checkFieldLabels(parseFieldSelector("metadata.name=w1"), ["metadata.name"], "custom");
 * ```
 */
export function checkFieldLabels(
  selector: FieldSelector,
  supported: readonly string[],
  style: "custom" | "default",
): void {
  const allowed = new Set(supported.map(normaliseLabel));
  for (const { field } of selector.requirements) {
    if (allowed.has(field)) continue;
    throw badRequest(
      style === "custom"
        ? `field label not supported: ${field}`
        : `${
          JSON.stringify(field)
        } is not a known field selector: only "metadata.name", "metadata.namespace"`,
    );
  }
}

function scalarText(value: JsonValue | undefined): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return "";
}

/**
 * Extracts the values of dotted field paths from an object, for matching a field
 * selector: `metadata.name`, `spec.signerName`, `involvedObject.name`, or CRD
 * `selectableFields` such as `.spec.color` (keyed without the leading dot).
 *
 * @param obj The object.
 * @param labels The field labels to extract.
 * @returns Each label's value as text: strings as they are, numbers and booleans
 *   stringified, anything missing or not a scalar as `""`.
 *
 * @example Reading a CRD selectable field
 * ```ts
 * import { strict as assert } from "node:assert";
 *
 * const fields = fieldsOf({ spec: { color: "blue", size: 3 } }, [".spec.color", "spec.size"]);
 * assert.deepEqual(fields, { "spec.color": "blue", "spec.size": "3" });
 * ```
 */
export function fieldsOf(obj: JsonObject, labels: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const label of labels) {
    const path = normaliseLabel(label);
    let node: JsonValue | undefined = obj;
    for (const segment of path.split(".")) {
      node = isJsonObject(node) && Object.hasOwn(node, segment) ? node[segment] : undefined;
    }
    out[path] = scalarText(node);
  }
  return out;
}
