import { strict as assert } from "node:assert";
import { parseAllDocuments } from "yaml";
import fc from "fast-check";
import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.ts";
import type { ResourceInfo } from "./_types.ts";
import { builtinResources } from "./_builtin_resources.ts";
import { resourcesFromCrd } from "./_crd.ts";
import { evalJsonPath, humanDuration, toTable, wantsTable } from "./_table.ts";

const CRD_DIR = new URL("../../../testdata/cert-manager-crds/", import.meta.url);
const NOW = Date.parse("2024-05-01T12:00:00Z");
const MINUTE = 60_000;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

function certificateRequests(): ResourceInfo {
  const text = Deno.readTextFileSync(new URL("cert-manager.io_certificaterequests.yaml", CRD_DIR));
  const [crd] = parseAllDocuments(text).map((d) => d.toJSON()).filter(isJsonObject);
  const [info] = resourcesFromCrd(crd as JsonObject);
  assert.ok(info);
  return info;
}

function builtin(group: string, plural: string): ResourceInfo {
  const info = builtinResources().find((r) => r.group === group && r.plural === plural);
  assert.ok(info);
  return info;
}

function cells(table: JsonObject): JsonValue[][] {
  return (table.rows as JsonObject[]).map((r) => r.cells as JsonValue[]);
}

function columns(table: JsonObject): string[] {
  return (table.columnDefinitions as JsonObject[]).map((c) => String(c.name));
}

const READY_CR: JsonObject = {
  apiVersion: "cert-manager.io/v1",
  kind: "CertificateRequest",
  metadata: {
    name: "cr-1",
    namespace: "default",
    uid: "0b4c1f6e-0000-4000-8000-000000000001",
    resourceVersion: "42",
    creationTimestamp: iso(NOW - 5 * MINUTE),
    labels: { app: "demo" },
  },
  spec: {
    issuerRef: { name: "ca-issuer", kind: "Issuer" },
    username: "system:admin",
    request: "LS0t",
  },
  status: {
    conditions: [
      { type: "Approved", status: "True", reason: "cert-manager.io", message: "Approved" },
      {
        type: "Ready",
        status: "True",
        reason: "Issued",
        message: "Certificate fetched from issuer successfully",
      },
    ],
  },
};

Deno.test("a CertificateRequest with a Ready condition, as kubectl get receives it", () => {
  const table = toTable(
    certificateRequests(),
    [READY_CR],
    { resourceVersion: "43" },
    "Metadata",
    NOW,
  );
  assert.equal(table.kind, "Table");
  assert.equal(table.apiVersion, "meta.k8s.io/v1");
  assert.deepEqual(table.metadata, { resourceVersion: "43" });
  const defs = table.columnDefinitions as JsonObject[];
  assert.deepEqual(defs.map((c) => [c.name, c.type, c.format, c.priority]), [
    ["Name", "string", "name", 0],
    ["Approved", "string", "", 0],
    ["Denied", "string", "", 0],
    ["Ready", "string", "", 0],
    ["Issuer", "string", "", 0],
    ["Requester", "string", "", 0],
    ["Status", "string", "", 1],
    ["Age", "date", "", 0],
  ]);
  assert.match(String(defs[0]?.description), /^Name must be unique within a namespace\./);
  assert.equal(
    defs[1]?.description,
    'Custom resource definition column (in JSONPath format): .status.conditions[?(@.type == "Approved")].status',
  );
  assert.match(String(defs[7]?.description), /^CreationTimestamp is a timestamp/);
  assert.deepEqual(cells(table), [[
    "cr-1",
    "True",
    null,
    "True",
    "ca-issuer",
    "system:admin",
    "Certificate fetched from issuer successfully",
    "5m",
  ]]);
  assert.deepEqual((table.rows as JsonObject[])[0]?.object, {
    kind: "PartialObjectMetadata",
    apiVersion: "meta.k8s.io/v1",
    metadata: READY_CR.metadata,
  });
});

Deno.test("includeObject None and Object; list metadata; empty lists", () => {
  const info = certificateRequests();
  const none = toTable(
    info,
    [READY_CR],
    { resourceVersion: "7", continue: "abc", remainingItemCount: 3 },
    "None",
    NOW,
  );
  assert.deepEqual(none.metadata, { resourceVersion: "7", continue: "abc", remainingItemCount: 3 });
  assert.equal((none.rows as JsonObject[])[0]?.object, null);
  const { apiVersion: _a, kind: _k, ...bare } = READY_CR;
  const full = toTable(info, [bare], {}, "Object", NOW);
  assert.deepEqual((full.rows as JsonObject[])[0]?.object, READY_CR);
  const empty = toTable(info, [], { resourceVersion: "9" }, "Metadata", NOW);
  assert.deepEqual(empty.rows, []);
  assert.equal(columns(empty).length, 8);
});

Deno.test("a CRD without printer columns gets Name and Age", () => {
  const [widgets] = resourcesFromCrd({
    metadata: { name: "widgets.example.com" },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "widgets", kind: "Widget" },
      versions: [{ name: "v1", served: true, storage: true }],
    },
  });
  assert.ok(widgets);
  const w = { metadata: { name: "w1", creationTimestamp: iso(NOW - 3 * 24 * 60 * MINUTE) } };
  const table = toTable(widgets, [w], {}, "Metadata", NOW);
  assert.deepEqual((table.columnDefinitions as JsonObject[]).map((c) => [c.name, c.type]), [
    ["Name", "string"],
    ["Age", "date"],
  ]);
  assert.match(
    String((table.columnDefinitions as JsonObject[])[1]?.description),
    /^CreationTimestamp/,
  );
  assert.deepEqual(cells(table), [["w1", "3d"]]);
});

Deno.test("cells follow the column type like the CRD table convertor", () => {
  const [base] = resourcesFromCrd({
    metadata: { name: "widgets.example.com" },
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "widgets", kind: "Widget" },
      versions: [{ name: "v1", served: true, storage: true }],
    },
  });
  assert.ok(base);
  const col = (name: string, type: string, jsonPath: string) => ({
    name,
    type,
    jsonPath,
    priority: 0,
  });
  const info: ResourceInfo = {
    ...base,
    printerColumns: [
      col("Int", "integer", ".spec.size"),
      col("Num", "number", ".spec.size"),
      col("Bool", "boolean", ".spec.on"),
      col("NumAsText", "string", ".spec.size"),
      col("ObjAsText", "string", ".spec.obj"),
      col("Wrong", "boolean", ".spec.size"),
      col("Invalid", "date", ".spec.when"),
      col("Empty", "date", ".spec.empty"),
      col("Missing", "string", ".spec.nothing"),
      col("Mismatch", "string", ".spec.items[?(@.n == 1)].n"),
      col("Last", "string", ".spec.items[-1].n"),
    ],
  };
  const w = {
    metadata: { name: "w" },
    spec: {
      size: 2.5,
      on: true,
      obj: { b: 1, a: [true] },
      when: "yesterday",
      empty: "",
      items: [{ n: "x" }, { n: "y" }],
    },
  };
  assert.deepEqual(cells(toTable(info, [w], {}, "None", NOW)), [[
    "w",
    2,
    2.5,
    true,
    "2.5",
    '{"a":[true],"b":1}',
    null,
    "<invalid>",
    "<unknown>",
    null,
    null,
    "y",
  ]]);
});

Deno.test("Secrets, Namespaces, Leases, ConfigMaps and ServiceAccounts use kube-apiserver's printers", () => {
  const created = { creationTimestamp: iso(NOW - 3 * 24 * 60 * MINUTE) };
  const secret = {
    metadata: { name: "tls", ...created },
    type: "kubernetes.io/tls",
    data: { "tls.crt": "", "tls.key": "" },
  };
  const secrets = toTable(builtin("", "secrets"), [secret], {}, "Metadata", NOW);
  assert.deepEqual(columns(secrets), ["Name", "Type", "Data", "Age"]);
  assert.deepEqual(cells(secrets), [["tls", "kubernetes.io/tls", 2, "3d"]]);
  assert.deepEqual((secrets.columnDefinitions as JsonObject[])[3], {
    name: "Age",
    type: "string",
    format: "",
    description: (secrets.columnDefinitions as JsonObject[])[3]?.description ?? "",
    priority: 0,
  });

  const ns = toTable(
    builtin("", "namespaces"),
    [{ metadata: { name: "default", ...created }, status: { phase: "Active" } }],
    {},
    "None",
    NOW,
  );
  assert.deepEqual([columns(ns), cells(ns)], [["Name", "Status", "Age"], [[
    "default",
    "Active",
    "3d",
  ]]]);

  const lease = {
    metadata: { name: "leader", creationTimestamp: iso(NOW - 125_000) },
    spec: { holderIdentity: "me" },
  };
  const leases = toTable(
    builtin("coordination.k8s.io", "leases"),
    [lease, { metadata: { name: "idle" } }],
    {},
    "None",
    NOW,
  );
  assert.deepEqual([columns(leases), cells(leases)], [["Name", "Holder", "Age"], [[
    "leader",
    "me",
    "2m5s",
  ], [
    "idle",
    "",
    "<unknown>",
  ]]]);

  const cm = toTable(
    builtin("", "configmaps"),
    [{ metadata: { name: "c", ...created }, data: { a: "" }, binaryData: { b: "" } }],
    {},
    "None",
    NOW,
  );
  assert.deepEqual([columns(cm), cells(cm)], [["Name", "Data", "Age"], [["c", 2, "3d"]]]);
  const sa = toTable(
    builtin("", "serviceaccounts"),
    [{ metadata: { name: "default", ...created } }],
    {},
    "None",
    NOW,
  );
  assert.deepEqual([columns(sa), cells(sa)], [["Name", "Secrets", "Age"], [["default", 0, "3d"]]]);
});

Deno.test("CertificateSigningRequests show signer, requestor, duration and condition", () => {
  const info = builtin("certificates.k8s.io", "certificatesigningrequests");
  const created = { creationTimestamp: iso(NOW - 60 * MINUTE) };
  const approved = {
    metadata: { name: "csr-1", ...created },
    spec: { signerName: "example.com/signer", username: "alice", expirationSeconds: 86400 },
    status: { conditions: [{ type: "Approved", status: "True" }], certificate: "LS0t" },
  };
  const pending = { metadata: { name: "csr-2", ...created }, spec: { username: "bob" } };
  const denied = {
    metadata: { name: "csr-3", ...created },
    spec: { signerName: "example.com/signer", expirationSeconds: 3600 },
    status: { conditions: [{ type: "Approved" }, { type: "Denied" }, { type: "Failed" }] },
  };
  const table = toTable(info, [approved, pending, denied], {}, "None", NOW);
  assert.deepEqual(columns(table), [
    "Name",
    "Age",
    "SignerName",
    "Requestor",
    "RequestedDuration",
    "Condition",
  ]);
  assert.deepEqual(cells(table), [
    ["csr-1", "60m", "example.com/signer", "alice", "24h", "Approved,Issued"],
    ["csr-2", "60m", "<none>", "bob", "<none>", "Pending"],
    ["csr-3", "60m", "example.com/signer", "", "60m", "Denied,Failed"],
  ]);
});

Deno.test("Events (core/v1 and events.k8s.io/v1) use the event printer", () => {
  const core = {
    metadata: { name: "cr-1.17c5a3b2", namespace: "default" },
    involvedObject: { kind: "CertificateRequest", name: "cr-1", fieldPath: "" },
    reason: "Issued",
    message: " Certificate fetched from issuer successfully\n",
    source: { component: "my-issuer" },
    firstTimestamp: iso(NOW - 10 * MINUTE),
    lastTimestamp: iso(NOW - 2 * MINUTE),
    count: 3,
    type: "Normal",
  };
  const table = toTable(builtin("", "events"), [core], {}, "None", NOW);
  assert.deepEqual(columns(table), [
    "Last Seen",
    "Type",
    "Reason",
    "Object",
    "Subobject",
    "Source",
    "Message",
    "First Seen",
    "Count",
    "Name",
  ]);
  assert.deepEqual((table.columnDefinitions as JsonObject[]).map((c) => c.priority), [
    0,
    0,
    0,
    0,
    1,
    1,
    0,
    1,
    1,
    1,
  ]);
  assert.deepEqual(cells(table), [[
    "2m",
    "Normal",
    "Issued",
    "certificaterequest/cr-1",
    "",
    "my-issuer",
    "Certificate fetched from issuer successfully",
    "10m",
    3,
    "cr-1.17c5a3b2",
  ]]);

  const v1 = {
    metadata: { name: "lease.1" },
    eventTime: iso(NOW - 30 * MINUTE).replace("Z", ".000000Z"),
    series: { count: 4, lastObservedTime: iso(NOW - MINUTE).replace("Z", ".000000Z") },
    reportingController: "example.com/issuer",
    reportingInstance: "issuer-0",
    action: "Sign",
    reason: "Signed",
    regarding: { kind: "Lease" },
    note: "signed",
    type: "Normal",
  };
  const events = toTable(builtin("events.k8s.io", "events"), [v1], {}, "None", NOW);
  assert.deepEqual(cells(events), [[
    "60s",
    "Normal",
    "Signed",
    "lease",
    "",
    "example.com/issuer, issuer-0",
    "signed",
    "30m",
    4,
    "lease.1",
  ]]);
});

Deno.test("CRDs use the default table convertor: Name and Created At", () => {
  const info = builtin("apiextensions.k8s.io", "customresourcedefinitions");
  const table = toTable(
    info,
    [{ metadata: { name: "widgets.example.com", creationTimestamp: "2024-05-01T10:00:00Z" } }],
    {},
    "None",
    NOW,
  );
  assert.deepEqual((table.columnDefinitions as JsonObject[]).map((c) => [c.name, c.type]), [
    ["Name", "string"],
    ["Created At", "date"],
  ]);
  assert.deepEqual(cells(table), [["widgets.example.com", "2024-05-01T10:00:00Z"]]);
});

Deno.test("humanDuration matches apimachinery's duration.HumanDuration", () => {
  const s = 1000;
  const h = 3600 * s;
  const cases: [number, string][] = [
    [s, "1s"],
    [70 * s, "70s"],
    [190 * s, "3m10s"],
    [300 * s, "5m"],
    [70 * 60 * s, "70m"],
    [3 * h + 20 * 60 * s, "3h20m"],
    [5 * h, "5h"],
    [47 * h, "47h"],
    [49 * h, "2d1h"],
    [72 * h, "3d"],
    [(8 * 24 + 2) * h, "8d"],
    [367 * 24 * h, "367d"],
    [(365 * 2 * 24 + 25) * h, "2y1d"],
    [365 * 3 * 24 * h, "3y"],
    [(365 * 8 * 24 + 2) * h, "8y"],
    [-1500, "0s"],
    [-2 * s, "<invalid>"],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
  fc.assert(
    fc.property(fc.nat(10 * 365 * 24 * 3600), (seconds) => {
      assert.match(humanDuration(seconds * 1000), /^(\d+[smhdy])+$/);
    }),
    { seed: 1032 },
  );
});

Deno.test("evalJsonPath supports the subset CRDs use", () => {
  const o: JsonValue = {
    metadata: { labels: { "app.kubernetes.io/name": "demo" } },
    status: {
      conditions: [
        { type: "Ready", status: "False", observedGeneration: 1 },
        { type: "Issuing", status: "True", observedGeneration: 2 },
      ],
    },
  };
  assert.deepEqual(evalJsonPath(o, ".status.conditions[0].type"), ["Ready"]);
  assert.deepEqual(evalJsonPath(o, ".status.conditions[-1].type"), ["Issuing"]);
  assert.deepEqual(evalJsonPath(o, ".status.conditions[5].type"), []);
  assert.deepEqual(evalJsonPath(o, ".status.conditions[*].type"), ["Ready", "Issuing"]);
  assert.deepEqual(evalJsonPath(o, '.status.conditions[?(@.type=="Issuing")].status'), ["True"]);
  assert.deepEqual(evalJsonPath(o, ".status.conditions[?(@.status != 'True')].type"), ["Ready"]);
  assert.deepEqual(evalJsonPath(o, ".status.conditions[?(@.observedGeneration > 1)].type"), [
    "Issuing",
  ]);
  assert.deepEqual(evalJsonPath(o, ".status.conditions[?(@.status)].type"), ["Ready", "Issuing"]);
  assert.deepEqual(evalJsonPath(o, ".metadata.labels['app.kubernetes.io/name']"), ["demo"]);
  assert.deepEqual(evalJsonPath(o, "$.metadata.labels.*"), ["demo"]);
  assert.deepEqual(evalJsonPath(o, ".spec.missing[0].x"), []);
  assert.deepEqual(evalJsonPath({}, ".constructor"), []);
  assert.deepEqual(evalJsonPath({ a: {} }, ".a.toString"), []);
  assert.throws(() => evalJsonPath(o, "status"), SyntaxError);
  assert.throws(() => evalJsonPath(o, ".a..b"), SyntaxError);
  assert.throws(() => evalJsonPath(o, ".a[1:2]"), SyntaxError);
  assert.throws(() => evalJsonPath(o, ".status.conditions[?(@.status == 1)]"), TypeError);
  assert.throws(() => evalJsonPath(o, ".metadata[?(@.x)]"), TypeError);
});

Deno.test("property: a dotted path finds exactly the value at that path", () => {
  const key = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_-]{0,6}$/);
  fc.assert(
    fc.property(fc.array(key, { minLength: 1, maxLength: 4 }), fc.jsonValue(), (keys, leaf) => {
      let o = leaf as JsonValue;
      for (const k of [...keys].reverse()) o = { [k]: o };
      const found = evalJsonPath(o, keys.map((k) => `.${k}`).join(""));
      assert.equal(found.length, 1);
      assert.equal(JSON.stringify(found[0]), JSON.stringify(leaf));
    }),
    { seed: 1032 },
  );
});

Deno.test("wantsTable follows the Accept header like the real server", () => {
  assert.equal(
    wantsTable(
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
    ),
    true,
  );
  assert.equal(wantsTable("application/json;as=Table;v=v1beta1;g=meta.k8s.io"), true);
  assert.equal(wantsTable("application/json"), false);
  assert.equal(wantsTable(null), false);
  assert.equal(wantsTable("application/json, application/json;as=Table;v=v1;g=meta.k8s.io"), false);
  assert.equal(wantsTable("application/json;as=Table;v=v2;g=meta.k8s.io, application/json"), false);
  assert.equal(
    wantsTable("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"),
    false,
  );
});
