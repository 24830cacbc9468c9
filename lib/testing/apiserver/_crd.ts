/**
 * CustomResourceDefinitions as the fake's configuration: an `apiextensions.k8s.io/v1`
 * CRD becomes one {@linkcode ResourceInfo} per served version, is validated with the
 * checks the real apiextensions-apiserver applies, and gets the status a real server
 * reports once the CRD is established.
 *
 * @module
 */
import type { JsonObject, JsonValue } from "../../core/json.ts";
import { cloneJson, isJsonObject } from "../../core/json.ts";
import type { FieldError, PrinterColumn, ResourceInfo, SchemaNode } from "./_types.ts";

function str(value: JsonValue | undefined): string {
  return typeof value === "string" ? value : "";
}

function obj(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : {};
}

function list(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: JsonValue | undefined): string[] {
  return list(value).filter((v): v is string => typeof v === "string");
}

function child(parent: JsonObject, key: string): JsonObject {
  const existing = parent[key];
  if (isJsonObject(existing)) return existing;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

/**
 * Applies the defaults the real server sets on a v1 CRD before validating it:
 * `names.singular` (lower-case kind), `names.listKind` (`<Kind>List`) and
 * `conversion.strategy: None`.
 *
 * @param crd The CRD as submitted.
 * @returns A defaulted copy; `crd` is not changed.
 */
export function defaultCrd(crd: JsonObject): JsonObject {
  const out = cloneJson(crd);
  const spec = child(out, "spec");
  const names = child(spec, "names");
  const kind = str(names.kind);
  if (!str(names.singular) && kind) names.singular = kind.toLowerCase();
  if (!str(names.listKind) && kind) names.listKind = `${kind}List`;
  if (!isJsonObject(spec.conversion)) spec.conversion = { strategy: "None" };
  return out;
}

/**
 * Converts an OpenAPI v3 schema (a CRD's `openAPIV3Schema`) to the {@linkcode SchemaNode}
 * subset the fake uses, keeping structure, descriptions and the Kubernetes extensions
 * and dropping value validations (`pattern`, `minimum`, CEL rules, ...).
 *
 * @param value The schema JSON.
 * @returns The schema node.
 */
export function toSchemaNode(value: JsonValue | undefined): SchemaNode {
  const src = obj(value);
  const out: SchemaNode = {};
  if (typeof src.type === "string") out.type = src.type;
  if (typeof src.format === "string") out.format = src.format;
  if (typeof src.description === "string") out.description = src.description;
  if (isJsonObject(src.properties)) {
    const properties: Record<string, SchemaNode> = {};
    for (const [key, prop] of Object.entries(src.properties)) properties[key] = toSchemaNode(prop);
    out.properties = properties;
  }
  const additional = src.additionalProperties;
  if (typeof additional === "boolean") out.additionalProperties = additional;
  else if (isJsonObject(additional)) out.additionalProperties = toSchemaNode(additional);
  if (isJsonObject(src.items)) out.items = toSchemaNode(src.items);
  if (Array.isArray(src.required)) out.required = strings(src.required);
  if (Array.isArray(src.enum)) out.enum = cloneJson(src.enum);
  const listType = src["x-kubernetes-list-type"];
  if (listType === "atomic" || listType === "set" || listType === "map") {
    out["x-kubernetes-list-type"] = listType;
  }
  if (Array.isArray(src["x-kubernetes-list-map-keys"])) {
    out["x-kubernetes-list-map-keys"] = strings(src["x-kubernetes-list-map-keys"]);
  }
  const mapType = src["x-kubernetes-map-type"];
  if (mapType === "granular" || mapType === "atomic") out["x-kubernetes-map-type"] = mapType;
  for (
    const flag of [
      "x-kubernetes-preserve-unknown-fields",
      "x-kubernetes-embedded-resource",
      "x-kubernetes-int-or-string",
    ] as const
  ) {
    const v = src[flag];
    if (typeof v === "boolean") out[flag] = v;
  }
  return out;
}

function printerColumn(col: JsonObject): PrinterColumn {
  const out: PrinterColumn = {
    name: str(col.name),
    type: str(col.type),
    priority: typeof col.priority === "number" ? col.priority : 0,
    jsonPath: str(col.jsonPath),
  };
  if (typeof col.format === "string" && col.format) out.format = col.format;
  if (typeof col.description === "string" && col.description) out.description = col.description;
  return out;
}

/**
 * Turns an `apiextensions.k8s.io/v1` CustomResourceDefinition into the resources the
 * fake serves: one entry per version with `served: true`. Validate the CRD first with
 * {@linkcode validateCrd}; this function does not reject bad input.
 *
 * @param crd The CRD object (as parsed from YAML or JSON).
 * @returns One {@linkcode ResourceInfo} per served version, in the CRD's version order.
 *
 * @example Loading a CRD
 * ```ts
 * import { resourcesFromCrd } from "./_crd.ts";
 * import { strict as assert } from "node:assert";
 *
 * const [info] = resourcesFromCrd({
 *   metadata: { name: "widgets.example.com" },
 *   spec: {
 *     group: "example.com",
 *     scope: "Namespaced",
 *     names: { plural: "widgets", kind: "Widget" },
 *     versions: [{ name: "v1", served: true, storage: true, subresources: { status: {} } }],
 *   },
 * });
 * assert.equal(info?.listKind, "WidgetList");
 * assert.deepEqual(info?.subresources, ["status"]);
 * ```
 */
export function resourcesFromCrd(crd: JsonObject): ResourceInfo[] {
  const spec = obj(defaultCrd(crd).spec);
  const names = obj(spec.names);
  const versions = list(spec.versions).filter(isJsonObject);
  const served = versions.filter((v) => v.served === true);
  const storage = versions.find((v) => v.storage === true) ?? served[0];
  return served.map((v): ResourceInfo => {
    const schema = obj(v.schema).openAPIV3Schema;
    return {
      group: str(spec.group),
      version: str(v.name),
      plural: str(names.plural),
      singular: str(names.singular),
      kind: str(names.kind),
      listKind: str(names.listKind),
      namespaced: spec.scope !== "Cluster",
      shortNames: strings(names.shortNames),
      categories: strings(names.categories),
      subresources: isJsonObject(obj(v.subresources).status) ? ["status"] : [],
      custom: true,
      schema: isJsonObject(schema) ? toSchemaNode(schema) : undefined,
      printerColumns: list(v.additionalPrinterColumns).filter(isJsonObject).map(printerColumn),
      selectableFields: list(v.selectableFields).filter(isJsonObject).map((f) => str(f.jsonPath))
        .filter((p) => p !== ""),
      storageVersion: str(storage?.name),
    };
  });
}

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** `validation.IsDNS1035Label`: the messages for a bad label, joined with `,`. */
function dns1035(value: string): string {
  const errs: string[] = [];
  if (value.length > 63) errs.push("must be no more than 63 characters");
  if (!DNS1035.test(value)) errs.push(DNS1035_MESSAGE);
  return errs.join(",");
}

/** `validation.IsDNS1123Subdomain`: the messages for a bad subdomain. */
function dns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN.test(value)) errs.push(DNS1123_SUBDOMAIN_MESSAGE);
  return errs;
}

function invalid(field: string, value: JsonValue, detail: string): FieldError {
  return { type: "FieldValueInvalid", field, value, detail };
}

function required(field: string, detail = ""): FieldError {
  return { type: "FieldValueRequired", field, detail };
}

function notSupported(field: string, value: string, supported: string[]): FieldError {
  return { type: "FieldValueNotSupported", field, value, detail: "", supported };
}

const COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"];

function validateVersion(v: JsonObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(v.name);
  const nameErr = dns1035(name);
  if (nameErr) errs.push(invalid(`${path}.name`, name, nameErr));
  if (!isJsonObject(obj(v.schema).openAPIV3Schema)) {
    errs.push(required(`${path}.schema.openAPIV3Schema`, "schemas are required"));
  }
  list(v.additionalPrinterColumns).filter(isJsonObject).forEach((col, i) => {
    const colPath = `${path}.additionalPrinterColumns[${i}]`;
    if (!str(col.name)) errs.push(required(`${colPath}.name`));
    const type = str(col.type);
    if (!type) errs.push(required(`${colPath}.type`, `must be one of ${COLUMN_TYPES.join(",")}`));
    else if (!COLUMN_TYPES.includes(type)) {
      errs.push(notSupported(`${colPath}.type`, type, COLUMN_TYPES));
    }
    if (!str(col.jsonPath)) errs.push(required(`${colPath}.jsonPath`));
  });
  return errs;
}

function validateNames(names: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const path = "spec.names";
  for (const key of ["plural", "singular", "kind", "listKind"]) {
    if (!str(names[key])) errs.push(required(`${path}.${key}`));
  }
  for (const key of ["plural", "singular"]) {
    const value = str(names[key]);
    const err = value ? dns1035(value) : "";
    if (err) errs.push(invalid(`${path}.${key}`, value, err));
  }
  for (const key of ["kind", "listKind"]) {
    const value = str(names[key]);
    const err = value ? dns1035(value.toLowerCase()) : "";
    if (err) {
      errs.push(
        invalid(`${path}.${key}`, value, `may have mixed case, but should otherwise match: ${err}`),
      );
    }
  }
  strings(names.shortNames).forEach((shortName, i) => {
    const err = dns1035(shortName);
    if (err) errs.push(invalid(`${path}.shortNames[${i}]`, shortName, err));
  });
  const kind = str(names.kind);
  if (kind && kind === str(names.listKind)) {
    errs.push(invalid(`${path}.listKind`, kind, "kind and listKind may not be the same"));
  }
  strings(names.categories).forEach((category, i) => {
    const err = dns1035(category);
    if (err) errs.push(invalid(`${path}.categories[${i}]`, category, err));
  });
  return errs;
}

/**
 * Validates a v1 CRD the way the real server does on create (after defaulting): the
 * name must be `<plural>.<group>`, the group a DNS subdomain with a dot, the scope
 * `Namespaced` or `Cluster`, exactly one storage version, every version named and
 * with a schema, and well-formed names.
 *
 * @param crd The CRD as submitted.
 * @returns The field errors, in the order the real server reports them; empty when valid.
 *
 * @example A name that does not match
 * ```ts
 * import { validateCrd } from "./_crd.ts";
 * import { strict as assert } from "node:assert";
 *
 * const errs = validateCrd({
 *   metadata: { name: "x" },
 *   spec: {
 *     group: "example.com",
 *     scope: "Namespaced",
 *     names: { plural: "widgets", kind: "Widget" },
 *     versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: {} } }],
 *   },
 * });
 * assert.equal(errs[0]?.detail, 'must be spec.names.plural+"."+spec.group');
 * ```
 */
export function validateCrd(crd: JsonObject): FieldError[] {
  const defaulted = defaultCrd(crd);
  const spec = obj(defaulted.spec);
  const names = obj(spec.names);
  const group = str(spec.group);
  const errs: FieldError[] = [];

  const name = str(obj(defaulted.metadata).name);
  if (!name) {
    errs.push(required("metadata.name", "name or generateName is required"));
  } else {
    for (const detail of dns1123Subdomain(name)) errs.push(invalid("metadata.name", name, detail));
    if (name !== `${str(names.plural)}.${group}`) {
      errs.push(invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'));
    }
  }

  if (!group) errs.push(required("spec.group"));
  else {
    const groupErr = dns1123Subdomain(group).join(",");
    if (groupErr) errs.push(invalid("spec.group", group, groupErr));
    else if (!group.includes(".")) {
      errs.push(invalid("spec.group", group, "should be a domain with at least one dot"));
    }
  }

  const scope = str(spec.scope);
  if (!scope) errs.push(required("spec.scope"));
  else if (scope !== "Cluster" && scope !== "Namespaced") {
    errs.push(notSupported("spec.scope", scope, ["Cluster", "Namespaced"]));
  }

  const versions = list(spec.versions).filter(isJsonObject);
  const seen = new Set<string>();
  let unique = true;
  let storageCount = 0;
  versions.forEach((v, i) => {
    if (v.storage === true) storageCount++;
    if (seen.has(str(v.name))) unique = false;
    seen.add(str(v.name));
    errs.push(...validateVersion(v, `spec.versions[${i}]`));
  });
  const versionsValue = cloneJson(list(spec.versions));
  if (!unique) {
    errs.push(invalid("spec.versions", versionsValue, "must contain unique version names"));
  }
  if (storageCount !== 1) {
    errs.push(
      invalid(
        "spec.versions",
        versionsValue,
        "must have exactly one version marked as storage version",
      ),
    );
  }
  errs.push(...validateNames(names));
  return errs;
}

/**
 * The status a real server reports for a CRD once its names are accepted and it is
 * established: conditions `NamesAccepted` (reason `NoConflicts`) and `Established`
 * (reason `InitialNamesAccepted`), `acceptedNames` and `storedVersions`.
 *
 * Times of conditions that were already `True` in `crd.status` are kept, and earlier
 * `storedVersions` are kept with the current storage version appended.
 *
 * @param crd The CRD (its current `status`, if any, is taken into account).
 * @param now The transition time for new conditions, as `metav1.Time` text.
 * @returns The `status` object.
 */
export function crdStatus(crd: JsonObject, now: string): JsonObject {
  const defaulted = defaultCrd(crd);
  const spec = obj(defaulted.spec);
  const names = obj(spec.names);
  const previous = obj(crd.status);
  const previousConditions = list(previous.conditions).filter(isJsonObject);
  const condition = (type: string, reason: string, message: string): JsonObject => {
    const old = previousConditions.find((c) => c.type === type && c.status === "True");
    const time = str(old?.lastTransitionTime) || now;
    return { type, status: "True", lastTransitionTime: time, reason, message };
  };
  const acceptedNames: JsonObject = { plural: str(names.plural) };
  if (str(names.singular)) acceptedNames.singular = str(names.singular);
  if (strings(names.shortNames).length > 0) acceptedNames.shortNames = strings(names.shortNames);
  acceptedNames.kind = str(names.kind);
  if (str(names.listKind)) acceptedNames.listKind = str(names.listKind);
  if (strings(names.categories).length > 0) acceptedNames.categories = strings(names.categories);

  const storedVersions = strings(previous.storedVersions);
  const storage = list(spec.versions).filter(isJsonObject).find((v) => v.storage === true);
  const storageName = str(storage?.name);
  if (storageName && !storedVersions.includes(storageName)) storedVersions.push(storageName);
  return {
    conditions: [
      condition("NamesAccepted", "NoConflicts", "no conflicts found"),
      condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
    ],
    acceptedNames,
    storedVersions,
  };
}
