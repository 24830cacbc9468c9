/**
 * Object-metadata validation with the exact texts of apimachinery
 * (`pkg/util/validation/validation.go`, `pkg/api/validation/objectmeta.go`,
 * `pkg/apis/meta/v1/validation`), as a kube-apiserver 1.32 reports them.
 *
 * Every validator is pure and returns `FieldError[]` in the order Go appends them.
 *
 * @module
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.ts";
import type { FieldError } from "./_types.ts";

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QNAME_RE = new RegExp(`^${QNAME_FMT}$`);
const QNAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QNAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** The limit on the summed size of all annotation keys and values, in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const encoder = new TextEncoder();

/** Length in bytes of the UTF-8 encoding, which is what Go's `len` measures. */
function byteLength(s: string): number {
  return encoder.encode(s).length;
}

function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${
    examples.map((e) => `'${e}', `).join(" or ")
  }regex used for validation is '${fmt}')`;
}

/**
 * Checks a DNS-1123 subdomain (`IsDNS1123Subdomain`).
 *
 * @param value The text to check.
 * @returns The problems found, empty when valid.
 */
export function isDns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"));
  }
  return errs;
}

/**
 * Checks a DNS-1123 label (`IsDNS1123Label`).
 *
 * @param value The text to check.
 * @returns The problems found, empty when valid.
 */
export function isDns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!DNS1123_LABEL_RE.test(value)) {
    if (DNS1123_SUBDOMAIN_RE.test(value)) errs.push("must not contain dots");
    else errs.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"));
  }
  return errs;
}

/**
 * Checks a qualified name `[prefix/]name`, the syntax of label and annotation keys and
 * finalizers (`IsQualifiedName`).
 *
 * @param value The text to check.
 * @returns The problems found, empty when valid.
 */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? "";
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else errs.push(...isDns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${
        regexError(QNAME_MSG, QNAME_FMT, "MyName", "my.name", "123-abc")
      } with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!QNAME_RE.test(name)) {
    errs.push(`name part ${regexError(QNAME_MSG, QNAME_FMT, "MyName", "my.name", "123-abc")}`);
  }
  return errs;
}

/**
 * Checks a label value (`IsValidLabelValue`): at most 63 characters, empty allowed.
 *
 * @param value The text to check.
 * @returns The problems found, empty when valid.
 */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
  }
  return errs;
}

/**
 * Checks a name that becomes a URL path segment (`IsValidPathSegmentName`, or the prefix
 * variant used for `generateName`).
 *
 * @param value The text to check.
 * @param prefix Whether the value is a `generateName` prefix.
 * @returns The problems found, empty when valid.
 */
export function isValidPathSegmentName(value: string, prefix = false): string[] {
  if (!prefix) {
    for (const bad of [".", ".."]) if (value === bad) return [`may not be '${bad}'`];
  }
  return ["/", "%"].filter((c) => value.includes(c)).map((c) => `may not contain '${c}'`);
}

function invalidEach(field: string, value: string, msgs: string[]): FieldError[] {
  return msgs.map((detail) => ({ type: "FieldValueInvalid", field, value, detail }));
}

/**
 * Validates a DNS-1123 subdomain, such as most object names.
 *
 * @param value The text to check.
 * @param field The field path to report, such as `metadata.name`.
 * @returns One `FieldValueInvalid` per problem.
 *
 * @example An upper-case name
 * ```ts
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(validateDns1123Subdomain("Web", "metadata.name").length, 1);
 * assert.deepEqual(validateDns1123Subdomain("web", "metadata.name"), []);
 * ```
 */
export function validateDns1123Subdomain(value: string, field: string): FieldError[] {
  return invalidEach(field, value, isDns1123Subdomain(value));
}

/**
 * Validates a DNS-1123 label, such as a namespace name.
 *
 * @param value The text to check.
 * @param field The field path to report, such as `metadata.namespace`.
 * @returns One `FieldValueInvalid` per problem.
 */
export function validateDns1123Label(value: string, field: string): FieldError[] {
  return invalidEach(field, value, isDns1123Label(value));
}

/**
 * Validates a qualified name (label key, finalizer).
 *
 * @param value The text to check.
 * @param field The field path to report.
 * @returns One `FieldValueInvalid` per problem.
 */
export function validateQualifiedName(value: string, field: string): FieldError[] {
  return invalidEach(field, value, isQualifiedName(value));
}

/** Which rule an object's name follows. */
export type NameValidator = "subdomain" | "label" | "path-segment";

/** `maskTrailingDash`: a `generateName` may end in `-`, as characters get appended. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith("-") ? `${name.slice(0, -2)}a` : name;
}

/**
 * Checks a name (or a `generateName` prefix) with one of the name rules.
 *
 * @param rule The name rule of the type.
 * @param name The name.
 * @param prefix Whether `name` is a `generateName` prefix.
 * @returns The problems found, empty when valid.
 */
export function nameErrors(rule: NameValidator, name: string, prefix: boolean): string[] {
  switch (rule) {
    case "subdomain":
      return isDns1123Subdomain(prefix ? maskTrailingDash(name) : name);
    case "label":
      return isDns1123Label(prefix ? maskTrailingDash(name) : name);
    case "path-segment":
      return isValidPathSegmentName(name, prefix);
  }
}

/** The JSON type name Go's decoder prints in `cannot unmarshal <type> into …`. */
function jsonTypeName(value: JsonValue): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "boolean") return "bool";
  return typeof value === "object" ? "object" : typeof value;
}

/**
 * A type mismatch, with the text Go's JSON decoder gives when metadata is decoded into
 * `ObjectMeta`. The real server reports these while decoding the body (400 BadRequest
 * `<Kind> in version "<v>" cannot be handled as a <Kind>: …`); the caller picks the answer.
 */
function typeError(
  field: string,
  value: JsonValue,
  struct: string,
  goPath: string,
  goType: string,
): FieldError {
  return {
    type: "FieldValueTypeInvalid",
    field,
    value,
    detail: `json: cannot unmarshal ${
      jsonTypeName(value)
    } into Go struct field ${struct}.${goPath} of type ${goType}`,
  };
}

/** Reads a string→string map; `null` values decode to `""` as in Go. */
function stringMap(
  value: JsonValue | undefined,
  field: string,
  goName: string,
  errs: FieldError[],
): Map<string, string> {
  const out = new Map<string, string>();
  if (value === undefined || value === null) return out;
  if (!isJsonObject(value)) {
    errs.push(typeError(field, value, "ObjectMeta", goName, "map[string]string"));
    return out;
  }
  for (const [k, v] of Object.entries(value)) {
    if (v === null) out.set(k, "");
    else if (typeof v === "string") out.set(k, v);
    else errs.push(typeError(field, v, "ObjectMeta", goName, "string"));
  }
  return out;
}

function stringField(
  meta: JsonObject,
  key: string,
  errs: FieldError[],
): string {
  const v = meta[key];
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  errs.push(typeError(`metadata.${key}`, v, "ObjectMeta", key, "string"));
  return "";
}

function validateLabels(labels: Map<string, string>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of labels) {
    errs.push(...invalidEach(field, k, isQualifiedName(k)));
    errs.push(...invalidEach(field, v, isValidLabelValue(v)));
  }
  return errs;
}

function validateAnnotations(annotations: Map<string, string>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of annotations) {
    errs.push(...invalidEach(field, k, isQualifiedName(k.toLowerCase())));
    size += byteLength(k) + byteLength(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push({
      type: "FieldValueTooLong",
      field,
      detail: `must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    });
  }
  return errs;
}

/** `schema.FromAPIVersionAndKind(...).Version`: empty when the apiVersion does not parse. */
function versionOf(apiVersion: string): string {
  if (apiVersion === "" || apiVersion === "/") return "";
  const slashes = apiVersion.split("/").length - 1;
  if (slashes === 0) return apiVersion;
  if (slashes === 1) return apiVersion.slice(apiVersion.indexOf("/") + 1);
  return "";
}

function validateOwnerReferences(value: JsonValue | undefined, errs: FieldError[]): void {
  const field = "metadata.ownerReferences";
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    errs.push(typeError(field, value, "ObjectMeta", "ownerReferences", "[]v1.OwnerReference"));
    return;
  }
  let firstController = "";
  for (const ref of value) {
    if (!isJsonObject(ref)) {
      if (ref !== null) {
        errs.push(typeError(field, ref, "ObjectMeta", "ownerReferences", "v1.OwnerReference"));
      }
      continue;
    }
    const str = (key: string): string => {
      const v = ref[key];
      if (v === undefined || v === null) return "";
      if (typeof v === "string") return v;
      errs.push(
        typeError(`${field}.${key}`, v, "OwnerReference", `ownerReferences.${key}`, "string"),
      );
      return "";
    };
    const apiVersion = str("apiVersion");
    const kind = str("kind");
    const name = str("name");
    const uid = str("uid");
    const version = versionOf(apiVersion);
    if (version === "") {
      errs.push(invalid(`${field}.apiVersion`, apiVersion, "version must not be empty"));
    }
    if (kind === "") errs.push(invalid(`${field}.kind`, kind, "must not be empty"));
    if (name === "") errs.push(invalid(`${field}.name`, name, "must not be empty"));
    if (uid === "") errs.push(invalid(`${field}.uid`, uid, "must not be empty"));
    if (apiVersion === "v1" && kind === "Event") {
      errs.push(invalid(field, ref, "/v1, Kind=Event is disallowed from being an owner"));
    }
    if (ref.controller === true) {
      const current = `${kind}/${name}`;
      if (firstController !== "") {
        errs.push(invalid(
          field,
          value,
          `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
        ));
      } else {
        firstController = current;
      }
    }
  }
}

function invalid(field: string, value: JsonValue, detail: string): FieldError {
  return { type: "FieldValueInvalid", field, value, detail };
}

function validateFinalizers(value: JsonValue | undefined, errs: FieldError[]): void {
  const field = "metadata.finalizers";
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    errs.push(typeError(field, value, "ObjectMeta", "finalizers", "[]string"));
    return;
  }
  const names: string[] = [];
  for (const f of value) {
    if (typeof f === "string" || f === null) names.push(f ?? "");
    else errs.push(typeError(field, f, "ObjectMeta", "finalizers", "string"));
  }
  for (const f of names) errs.push(...invalidEach(field, f, isQualifiedName(f)));
  if (names.includes("orphan") && names.includes("foregroundDeletion")) {
    errs.push({
      ...invalid(field, names, "finalizer orphan and foregroundDeletion cannot be both set"),
      bareValue: `[]string{${names.map((n) => JSON.stringify(n)).join(", ")}}`,
    });
  }
}

/** Options for {@linkcode validateObjectMeta}. */
export interface ObjectMetaOptions {
  /** Whether the type lives in namespaces. */
  namespaced: boolean;
  /** The rule names of this type follow. */
  nameValidator: NameValidator;
}

/**
 * Validates `metadata` on create or update (`ValidateObjectMetaAccessor`): name (required
 * unless `generateName` is set and the name is still to be generated) and its format,
 * `generateName`, namespace presence, generation, labels, annotations (keys and total
 * size), owner references and finalizers. Values of the wrong JSON type are reported as
 * `FieldValueTypeInvalid` with the text of Go's JSON decoder.
 *
 * @param meta The object's `metadata` value.
 * @param opts Whether the type is namespaced and which rule its names follow.
 * @returns The field errors, in the order the real server lists them; empty when valid.
 *
 * @example A bad name
 * ```ts
 * import { strict as assert } from "node:assert";
 *
 * const errs = validateObjectMeta({ name: "Bad_Name", namespace: "t" }, {
 *   namespaced: true,
 *   nameValidator: "subdomain",
 * });
 * assert.equal(errs[0]?.field, "metadata.name");
 * ```
 */
export function validateObjectMeta(
  meta: JsonValue | undefined,
  opts: ObjectMetaOptions,
): FieldError[] {
  const errs: FieldError[] = [];
  if (meta !== undefined && meta !== null && !isJsonObject(meta)) {
    return [{
      type: "FieldValueTypeInvalid",
      field: "metadata",
      value: meta,
      detail: `json: cannot unmarshal ${jsonTypeName(meta)} into Go value of type v1.ObjectMeta`,
    }];
  }
  const m: JsonObject = meta ?? {};
  const name = stringField(m, "name", errs);
  const generate = stringField(m, "generateName", errs);
  const namespace = stringField(m, "namespace", errs);

  if (generate !== "") {
    errs.push(
      ...invalidEach(
        "metadata.generateName",
        generate,
        nameErrors(opts.nameValidator, generate, true),
      ),
    );
  }
  if (name === "") {
    if (generate === "") {
      errs.push({
        type: "FieldValueRequired",
        field: "metadata.name",
        detail: "name or generateName is required",
      });
    }
  } else {
    errs.push(...invalidEach("metadata.name", name, nameErrors(opts.nameValidator, name, false)));
  }

  if (opts.namespaced) {
    if (namespace === "") {
      errs.push({ type: "FieldValueRequired", field: "metadata.namespace", detail: "" });
    } else {
      errs.push(...validateDns1123Label(namespace, "metadata.namespace"));
    }
  } else if (namespace !== "") {
    errs.push({
      type: "FieldValueForbidden",
      field: "metadata.namespace",
      detail: "not allowed on this type",
    });
  }

  const generation = m.generation;
  if (generation !== undefined && generation !== null) {
    if (typeof generation !== "number" || !Number.isInteger(generation)) {
      errs.push(typeError("metadata.generation", generation, "ObjectMeta", "generation", "int64"));
    } else if (generation < 0) {
      errs.push(invalid("metadata.generation", generation, "must be greater than or equal to 0"));
    }
  }

  const labels = stringMap(m.labels, "metadata.labels", "labels", errs);
  errs.push(...validateLabels(labels, "metadata.labels"));
  const annotations = stringMap(m.annotations, "metadata.annotations", "annotations", errs);
  errs.push(...validateAnnotations(annotations, "metadata.annotations"));
  validateOwnerReferences(m.ownerReferences, errs);
  validateFinalizers(m.finalizers, errs);
  return errs;
}

/** The characters `utilrand.String` draws from (no vowels, no confusable digits). */
export const GENERATE_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/**
 * Generates a name from a `generateName` prefix the way `names.SimpleNameGenerator`
 * does: the prefix cut to 58 characters, then 5 random characters.
 *
 * @param prefix The `generateName` value.
 * @param random A source of numbers in `[0, 1)`, such as `Math.random`.
 * @returns The generated name.
 *
 * @example Deterministic randomness
 * ```ts
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(generateName("w-", () => 0), "w-bbbbb");
 * ```
 */
export function generateName(prefix: string, random: () => number): string {
  let name = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
  for (let i = 0; i < 5; i++) {
    const n = GENERATE_NAME_ALPHABET.length;
    const index = Math.min(n - 1, Math.max(0, Math.floor(random() * n)));
    name += GENERATE_NAME_ALPHABET[index];
  }
  return name;
}
