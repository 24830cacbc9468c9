import { strict as assert } from "node:assert";
import { parseAllDocuments } from "yaml";
import fc from "fast-check";
import { isJsonObject, type JsonObject } from "../../core/json.ts";
import { crdStatus, defaultCrd, resourcesFromCrd, toSchemaNode, validateCrd } from "./_crd.ts";

const CRD_DIR = new URL("../../../testdata/cert-manager-crds/", import.meta.url);

function loadCrd(file: string): JsonObject {
  const text = Deno.readTextFileSync(new URL(file, CRD_DIR));
  const docs = parseAllDocuments(text).map((d) => d.toJSON()).filter(isJsonObject);
  assert.equal(docs.length, 1);
  return docs[0] as JsonObject;
}

const CERT_MANAGER = [
  "cert-manager.io_certificaterequests.yaml",
  "cert-manager.io_certificates.yaml",
  "cert-manager.io_clusterissuers.yaml",
  "cert-manager.io_issuers.yaml",
].map(loadCrd);

function widgetCrd(overrides: JsonObject = {}): JsonObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.example.com" },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "widgets", kind: "Widget", shortNames: ["wg"], categories: ["all"] },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object" } },
          subresources: { status: {} },
        },
      ],
      ...overrides,
    },
  };
}

Deno.test("the four cert-manager CRDs are valid and give one resource each", () => {
  const expected = [
    ["certificaterequests", "certificaterequest", "CertificateRequest", true, ["cr", "crs"]],
    ["certificates", "certificate", "Certificate", true, ["cert", "certs"]],
    ["clusterissuers", "clusterissuer", "ClusterIssuer", false, ["ciss"]],
    ["issuers", "issuer", "Issuer", true, ["iss"]],
  ] as const;
  CERT_MANAGER.forEach((crd, i) => {
    assert.deepEqual(validateCrd(crd), []);
    const infos = resourcesFromCrd(crd);
    assert.equal(infos.length, 1);
    const info = infos[0]!;
    const [plural, singular, kind, namespaced, shortNames] = expected[i]!;
    assert.equal(info.group, "cert-manager.io");
    assert.equal(info.version, "v1");
    assert.equal(info.plural, plural);
    assert.equal(info.singular, singular);
    assert.equal(info.kind, kind);
    assert.equal(info.listKind, `${kind}List`);
    assert.equal(info.namespaced, namespaced);
    assert.deepEqual(info.shortNames, shortNames);
    assert.deepEqual(info.categories, ["cert-manager"]);
    assert.deepEqual(info.subresources, ["status"]);
    assert.equal(info.custom, true);
    assert.equal(info.storageVersion, "v1");
    assert.equal(info.schema?.type, "object");
  });
});

Deno.test("CertificateRequest keeps the CRD's printer columns, schema and selectable fields", () => {
  const [info] = resourcesFromCrd(CERT_MANAGER[0]!);
  assert.ok(info);
  assert.deepEqual(
    info.printerColumns.map((c) => [c.name, c.type, c.priority, c.jsonPath]),
    [
      ["Approved", "string", 0, '.status.conditions[?(@.type == "Approved")].status'],
      ["Denied", "string", 0, '.status.conditions[?(@.type == "Denied")].status'],
      ["Ready", "string", 0, '.status.conditions[?(@.type == "Ready")].status'],
      ["Issuer", "string", 0, ".spec.issuerRef.name"],
      ["Requester", "string", 0, ".spec.username"],
      ["Status", "string", 1, '.status.conditions[?(@.type == "Ready")].message'],
      ["Age", "date", 0, ".metadata.creationTimestamp"],
    ],
  );
  assert.match(info.printerColumns[6]?.description ?? "", /^CreationTimestamp is a timestamp/);
  assert.equal(info.printerColumns[0]?.description, undefined);
  const conditions = info.schema?.properties?.status?.properties?.conditions;
  assert.equal(conditions?.["x-kubernetes-list-type"], "map");
  assert.deepEqual(conditions?.["x-kubernetes-list-map-keys"], ["type"]);
  assert.deepEqual(conditions?.items?.required, ["status", "type"]);
  assert.deepEqual(conditions?.items?.properties?.status?.enum, ["True", "False", "Unknown"]);
  assert.equal(
    info.schema?.properties?.spec?.properties?.groups?.["x-kubernetes-list-type"],
    "atomic",
  );
  assert.equal(info.schema?.properties?.status?.properties?.certificate?.format, "byte");
  assert.deepEqual(info.selectableFields, [
    ".spec.issuerRef.group",
    ".spec.issuerRef.kind",
    ".spec.issuerRef.name",
  ]);
});

Deno.test("only served versions become resources, all pointing at the storage version", () => {
  const schema = { openAPIV3Schema: { type: "object" } };
  const crd = widgetCrd({
    versions: [
      { name: "v1alpha1", served: false, storage: false, schema },
      { name: "v1beta1", served: true, storage: false, schema },
      { name: "v1", served: true, storage: true, schema, subresources: { status: {}, scale: {} } },
    ],
  });
  const infos = resourcesFromCrd(crd);
  assert.deepEqual(infos.map((i) => i.version), ["v1beta1", "v1"]);
  assert.deepEqual(infos.map((i) => i.storageVersion), ["v1", "v1"]);
  assert.deepEqual(infos.map((i) => i.subresources), [[], ["status"]]);
});

Deno.test("names are defaulted: singular from kind, listKind <Kind>List, conversion None", () => {
  const [info] = resourcesFromCrd(widgetCrd());
  assert.equal(info?.singular, "widget");
  assert.equal(info?.listKind, "WidgetList");
  const defaulted = defaultCrd(widgetCrd());
  assert.deepEqual((defaulted.spec as JsonObject).conversion, { strategy: "None" });
  const cluster = resourcesFromCrd(widgetCrd({ scope: "Cluster" }));
  assert.equal(cluster[0]?.namespaced, false);
});

Deno.test("validateCrd reports the real server's messages", () => {
  const wrongName = { ...widgetCrd(), metadata: { name: "x" } };
  assert.deepEqual(validateCrd(wrongName), [{
    type: "FieldValueInvalid",
    field: "metadata.name",
    value: "x",
    detail: 'must be spec.names.plural+"."+spec.group',
  }]);

  const schema = { openAPIV3Schema: { type: "object" } };
  const twoStorage = widgetCrd({
    versions: [
      { name: "v1", served: true, storage: true, schema },
      { name: "v2", served: true, storage: true, schema },
    ],
  });
  const errs = validateCrd(twoStorage);
  assert.equal(errs.length, 1);
  assert.equal(errs[0]?.field, "spec.versions");
  assert.equal(errs[0]?.detail, "must have exactly one version marked as storage version");

  const none = validateCrd(widgetCrd({ versions: [] }));
  assert.deepEqual(none.map((e) => e.detail), [
    "must have exactly one version marked as storage version",
  ]);

  const scope = validateCrd(widgetCrd({ scope: "Global" }));
  assert.deepEqual(scope, [{
    type: "FieldValueNotSupported",
    field: "spec.scope",
    value: "Global",
    detail: "",
    supported: ["Cluster", "Namespaced"],
  }]);
});

Deno.test("validateCrd requires names, a dotted group and schemas", () => {
  const crd = widgetCrd({ group: "example", names: {} });
  (crd.metadata as JsonObject).name = "widgets.example";
  const errs = validateCrd(crd).map((e) => `${e.field}: ${e.type}: ${e.detail}`);
  assert.deepEqual(errs, [
    'metadata.name: FieldValueInvalid: must be spec.names.plural+"."+spec.group',
    "spec.group: FieldValueInvalid: should be a domain with at least one dot",
    "spec.names.plural: FieldValueRequired: ",
    "spec.names.singular: FieldValueRequired: ",
    "spec.names.kind: FieldValueRequired: ",
    "spec.names.listKind: FieldValueRequired: ",
  ]);

  const noSchema = widgetCrd({ versions: [{ name: "v1", served: true, storage: true }] });
  assert.deepEqual(validateCrd(noSchema), [{
    type: "FieldValueRequired",
    field: "spec.versions[0].schema.openAPIV3Schema",
    detail: "schemas are required",
  }]);

  const badNames = widgetCrd({
    names: { plural: "Widgets", kind: "Widget", listKind: "Widget", shortNames: ["w_g"] },
  });
  (badNames.metadata as JsonObject).name = "Widgets.example.com";
  const fields = validateCrd(badNames).map((e) => e.field);
  assert.deepEqual(fields, [
    "metadata.name",
    "spec.names.plural",
    "spec.names.shortNames[0]",
    "spec.names.listKind",
  ]);
  assert.match(validateCrd(badNames)[1]?.detail ?? "", /^a DNS-1035 label must consist of/);
});

Deno.test("validateCrd checks printer columns", () => {
  const crd = widgetCrd({
    versions: [{
      name: "v1",
      served: true,
      storage: true,
      schema: { openAPIV3Schema: { type: "object" } },
      additionalPrinterColumns: [{ name: "Size", type: "float", jsonPath: ".spec.size" }, {
        name: "",
        type: "string",
        jsonPath: "",
      }],
    }],
  });
  assert.deepEqual(validateCrd(crd).map((e) => `${e.field} ${e.type}`), [
    "spec.versions[0].additionalPrinterColumns[0].type FieldValueNotSupported",
    "spec.versions[0].additionalPrinterColumns[1].name FieldValueRequired",
    "spec.versions[0].additionalPrinterColumns[1].jsonPath FieldValueRequired",
  ]);
});

Deno.test("crdStatus is the established status of a real server", () => {
  const status = crdStatus(CERT_MANAGER[0]!, "2024-05-01T10:00:00Z");
  assert.deepEqual(status, {
    conditions: [
      {
        type: "NamesAccepted",
        status: "True",
        lastTransitionTime: "2024-05-01T10:00:00Z",
        reason: "NoConflicts",
        message: "no conflicts found",
      },
      {
        type: "Established",
        status: "True",
        lastTransitionTime: "2024-05-01T10:00:00Z",
        reason: "InitialNamesAccepted",
        message: "the initial names have been accepted",
      },
    ],
    acceptedNames: {
      plural: "certificaterequests",
      singular: "certificaterequest",
      shortNames: ["cr", "crs"],
      kind: "CertificateRequest",
      listKind: "CertificateRequestList",
      categories: ["cert-manager"],
    },
    storedVersions: ["v1"],
  });
});

Deno.test("crdStatus keeps earlier transition times and stored versions", () => {
  const crd = { ...widgetCrd(), status: crdStatus(widgetCrd(), "2024-01-01T00:00:00Z") };
  (crd.status as JsonObject).storedVersions = ["v1beta1", "v1"];
  const later = crdStatus(crd, "2024-06-01T00:00:00Z");
  const times = (later.conditions as JsonObject[]).map((c) => c.lastTransitionTime);
  assert.deepEqual(times, ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"]);
  assert.deepEqual(later.storedVersions, ["v1beta1", "v1"]);
  assert.deepEqual((later.acceptedNames as JsonObject).shortNames, ["wg"]);
});

Deno.test("toSchemaNode keeps structure and Kubernetes extensions, drops validations", () => {
  const node = toSchemaNode({
    type: "object",
    pattern: "^x$",
    "x-kubernetes-validations": [{ rule: "self.a > 0" }],
    properties: {
      m: {
        type: "object",
        additionalProperties: { type: "string" },
        "x-kubernetes-map-type": "atomic",
      },
      p: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      q: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
      l: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
    },
  });
  assert.deepEqual(node, {
    type: "object",
    properties: {
      m: {
        type: "object",
        additionalProperties: { type: "string" },
        "x-kubernetes-map-type": "atomic",
      },
      p: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      q: { "x-kubernetes-int-or-string": true },
      l: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
    },
  });
});

Deno.test("property: one resource per served version, in order", () => {
  const versionName = fc.constantFrom("v1", "v2", "v1beta1", "v1alpha1", "v3", "v2beta2");
  const version = fc.record({ name: versionName, served: fc.boolean() });
  fc.assert(
    fc.property(fc.uniqueArray(version, { selector: (v) => v.name, maxLength: 6 }), (vs) => {
      const versions = vs.map((v, i) => ({
        ...v,
        storage: i === 0,
        schema: { openAPIV3Schema: {} },
      }));
      const infos = resourcesFromCrd(widgetCrd({ versions }));
      assert.deepEqual(infos.map((i) => i.version), vs.filter((v) => v.served).map((v) => v.name));
      for (const info of infos) assert.equal(info.storageVersion, vs[0]?.name);
    }),
    { seed: 1032 },
  );
});
