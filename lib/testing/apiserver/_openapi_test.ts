import { strict as assert } from "node:assert";
import { parseAllDocuments } from "yaml";
import { isJsonObject, type JsonObject, type JsonValue } from "../../core/json.ts";
import type { ResourceInfo } from "./_types.ts";
import { builtinResources } from "./_builtin_resources.ts";
import { resourcesFromCrd } from "./_crd.ts";
import {
  openApiDocument,
  openApiGroupVersion,
  openApiHash,
  openApiRoot,
  schemaName,
} from "./_openapi.ts";

const CRD_DIR = new URL("../../../testdata/cert-manager-crds/", import.meta.url);
const CERT_MANAGER: ResourceInfo[] = [
  "certificaterequests",
  "certificates",
  "clusterissuers",
  "issuers",
]
  .flatMap((name) => {
    const text = Deno.readTextFileSync(new URL(`cert-manager.io_${name}.yaml`, CRD_DIR));
    return parseAllDocuments(text).map((d) => d.toJSON()).filter(isJsonObject).flatMap((d) =>
      resourcesFromCrd(d)
    );
  });
const ALL = [...builtinResources(), ...CERT_MANAGER];

const WIDGETS = resourcesFromCrd({
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "widgets", kind: "Widget" },
    versions: [{ name: "v1", served: true, storage: true }],
  },
});

function obj(value: JsonValue | undefined): JsonObject {
  assert.ok(isJsonObject(value), `expected an object, got ${JSON.stringify(value)}`);
  return value;
}

function doc(group: string, version = "v1"): JsonObject {
  const d = openApiGroupVersion(ALL, group, version);
  assert.ok(d);
  return d;
}

function refs(value: JsonValue, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (isJsonObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

Deno.test("the root lists every group-version with a content hash", () => {
  const root = openApiRoot(ALL);
  const paths = obj(root.paths);
  assert.deepEqual(Object.keys(paths), [
    "api/v1",
    "apis/apiextensions.k8s.io/v1",
    "apis/authorization.k8s.io/v1",
    "apis/cert-manager.io/v1",
    "apis/certificates.k8s.io/v1",
    "apis/coordination.k8s.io/v1",
    "apis/events.k8s.io/v1",
  ]);
  for (const [key, entry] of Object.entries(paths)) {
    const url = String(obj(entry).serverRelativeURL);
    const m = /^\/openapi\/v3\/(.+)\?hash=([0-9A-F]{128})$/.exec(url);
    assert.ok(m, url);
    assert.equal(m[1], key);
    assert.equal(m[2], openApiHash(openApiDocument(ALL, key)!));
  }
});

Deno.test("a group-version's hash changes when its resources change, and only then", () => {
  const before = obj(openApiRoot(ALL).paths);
  const withWidgets = obj(openApiRoot([...ALL, ...WIDGETS]).paths);
  assert.ok(withWidgets["apis/example.com/v1"]);
  assert.deepEqual(withWidgets["apis/cert-manager.io/v1"], before["apis/cert-manager.io/v1"]);
  assert.deepEqual(withWidgets["api/v1"], before["api/v1"]);
  const fewer = obj(openApiRoot(ALL.filter((r) => r.plural !== "issuers")).paths);
  assert.notDeepEqual(fewer["apis/cert-manager.io/v1"], before["apis/cert-manager.io/v1"]);
  assert.deepEqual(fewer["api/v1"], before["api/v1"]);
  const without = obj(openApiRoot(ALL.filter((r) => r.group !== "cert-manager.io")).paths);
  assert.equal(without["apis/cert-manager.io/v1"], undefined);
});

Deno.test("the cert-manager document has what kubectl create/apply look for", () => {
  const d = doc("cert-manager.io");
  assert.equal(d.openapi, "3.0.0");
  assert.deepEqual(d.info, { title: "Kubernetes CRD Swagger", version: "v0.1.0" });
  const paths = obj(d.paths);
  const item = obj(
    paths["/apis/cert-manager.io/v1/namespaces/{namespace}/certificaterequests/{name}"],
  );
  const patch = obj(item.patch);
  assert.deepEqual(patch["x-kubernetes-group-version-kind"], {
    group: "cert-manager.io",
    kind: "CertificateRequest",
    version: "v1",
  });
  assert.equal(patch["x-kubernetes-action"], "patch");
  assert.equal(patch.operationId, "patchCertManagerIoV1NamespacedCertificateRequest");
  assert.deepEqual(patch.tags, ["certManagerIo_v1"]);
  const params = (patch.parameters as JsonObject[]).map((p) => `${p.in}:${p.name}`);
  assert.deepEqual(params, [
    "query:dryRun",
    "query:fieldManager",
    "query:fieldValidation",
    "query:force",
  ]);
  assert.deepEqual(Object.keys(obj(obj(patch.requestBody).content)), [
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
  ]);
  assert.ok(!JSON.stringify(d).includes("strategic-merge-patch"));
  assert.deepEqual(Object.keys(item).sort(), ["delete", "get", "parameters", "patch", "put"]);
  assert.deepEqual((item.parameters as JsonObject[]).map((p) => `${p.in}:${p.name}`), [
    "path:name",
    "path:namespace",
    "query:pretty",
  ]);

  const collection = obj(
    paths["/apis/cert-manager.io/v1/namespaces/{namespace}/certificaterequests"],
  );
  assert.deepEqual(Object.keys(collection).sort(), ["delete", "get", "parameters", "post"]);
  assert.equal(
    obj(collection.delete).operationId,
    "deleteCertManagerIoV1CollectionNamespacedCertificateRequest",
  );
  assert.equal(obj(collection.delete)["x-kubernetes-action"], "deletecollection");
  const all = obj(paths["/apis/cert-manager.io/v1/certificaterequests"]);
  assert.equal(obj(all.get).operationId, "listCertManagerIoV1CertificateRequestForAllNamespaces");
  const status = obj(
    paths["/apis/cert-manager.io/v1/namespaces/{namespace}/certificaterequests/{name}/status"],
  );
  assert.equal(
    obj(status.patch).operationId,
    "patchCertManagerIoV1NamespacedCertificateRequestStatus",
  );
  assert.equal(obj(status.get).description, "read status of the specified CertificateRequest");

  const cluster = obj(paths["/apis/cert-manager.io/v1/clusterissuers/{name}"]);
  assert.equal(obj(cluster.patch).operationId, "patchCertManagerIoV1ClusterIssuer");
  assert.equal(paths["/apis/cert-manager.io/v1/namespaces/{namespace}/clusterissuers"], undefined);
});

Deno.test("every patch operation of every kind offers fieldValidation (kubectl's QueryParamVerifierV3)", () => {
  const root = obj(openApiRoot(ALL).paths);
  for (const key of Object.keys(root)) {
    const d = openApiDocument(ALL, key)!;
    const kinds = new Set<string>();
    for (const [path, item] of Object.entries(obj(d.paths))) {
      const patch = obj(item).patch;
      if (patch === undefined) continue;
      const params = (obj(patch).parameters as JsonObject[]) ?? [];
      assert.ok(
        params.some((p) => p.name === "fieldValidation" && p.in === "query"),
        `${path} patch has fieldValidation`,
      );
      kinds.add(JSON.stringify(obj(patch)["x-kubernetes-group-version-kind"]));
    }
    const served = ALL.filter((r) =>
      (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`) === key
    )
      .filter((r) => r.group !== "authorization.k8s.io");
    for (const r of served) {
      assert.ok(
        kinds.has(JSON.stringify({ group: r.group, kind: r.kind, version: r.version })),
        `${key} ${r.kind}`,
      );
    }
  }
});

Deno.test("schemas: the CRD schema wrapped with apiVersion, kind and metadata; every $ref resolves", () => {
  const d = doc("cert-manager.io");
  const schemas = obj(obj(d.components).schemas);
  assert.deepEqual(Object.keys(schemas), [
    "io.cert-manager.v1.Certificate",
    "io.cert-manager.v1.CertificateList",
    "io.cert-manager.v1.CertificateRequest",
    "io.cert-manager.v1.CertificateRequestList",
    "io.cert-manager.v1.ClusterIssuer",
    "io.cert-manager.v1.ClusterIssuerList",
    "io.cert-manager.v1.Issuer",
    "io.cert-manager.v1.IssuerList",
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
    "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta",
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
  ]);
  const cr = obj(schemas["io.cert-manager.v1.CertificateRequest"]);
  assert.deepEqual(cr["x-kubernetes-group-version-kind"], [{
    group: "cert-manager.io",
    kind: "CertificateRequest",
    version: "v1",
  }]);
  const props = obj(cr.properties);
  assert.deepEqual(Object.keys(props), ["apiVersion", "kind", "metadata", "spec", "status"]);
  assert.deepEqual(obj(props.metadata).allOf, [{
    $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
  }]);
  const conditions = obj(obj(obj(props.status).properties).conditions);
  assert.equal(conditions["x-kubernetes-list-type"], "map");
  const list = obj(schemas["io.cert-manager.v1.CertificateRequestList"]);
  assert.equal(list.description, "CertificateRequestList is a list of CertificateRequest");
  assert.deepEqual(list["x-kubernetes-group-version-kind"], [{
    group: "cert-manager.io",
    kind: "CertificateRequestList",
    version: "v1",
  }]);

  for (const key of Object.keys(obj(openApiRoot([...ALL, ...WIDGETS]).paths))) {
    const each = openApiDocument([...ALL, ...WIDGETS], key)!;
    const names = new Set(Object.keys(obj(obj(each.components).schemas)));
    for (const ref of refs(each)) {
      assert.ok(
        ref.startsWith("#/components/schemas/") && names.has(ref.slice(21)),
        `${key}: ${ref}`,
      );
    }
  }
});

Deno.test("a CRD version without a schema keeps unknown fields", () => {
  const d = openApiGroupVersion(WIDGETS, "example.com", "v1")!;
  const widget = obj(obj(obj(d.components).schemas)["com.example.v1.Widget"]);
  assert.equal(widget["x-kubernetes-preserve-unknown-fields"], true);
  assert.deepEqual(Object.keys(obj(widget.properties)), ["apiVersion", "kind", "metadata"]);
});

Deno.test("the core document: Secrets, namespace finalize, service account tokens", () => {
  const d = doc("");
  assert.deepEqual(d.info, { title: "Kubernetes", version: "v1.32.5" });
  const paths = obj(d.paths);
  const secret = obj(obj(paths["/api/v1/namespaces/{namespace}/secrets/{name}"]).patch);
  assert.deepEqual(secret["x-kubernetes-group-version-kind"], {
    group: "",
    kind: "Secret",
    version: "v1",
  });
  assert.equal(secret.operationId, "patchCoreV1NamespacedSecret");
  const finalize = obj(paths["/api/v1/namespaces/{name}/finalize"]);
  assert.deepEqual(Object.keys(finalize), ["put", "parameters"]);
  assert.equal(obj(finalize.put).operationId, "replaceCoreV1NamespaceFinalize");
  const token = obj(obj(paths["/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"]).post);
  assert.equal(token.operationId, "createCoreV1NamespacedServiceAccountToken");
  assert.deepEqual(token["x-kubernetes-group-version-kind"], {
    group: "authentication.k8s.io",
    kind: "TokenRequest",
    version: "v1",
  });
  const schemas = obj(obj(d.components).schemas);
  assert.ok(schemas["io.k8s.api.core.v1.Secret"]);
  assert.ok(schemas["io.k8s.api.core.v1.NamespaceList"]);
  assert.ok(schemas["io.k8s.api.authentication.v1.TokenRequest"]);
  const data = obj(obj(obj(schemas["io.k8s.api.core.v1.Secret"]).properties).data);
  assert.equal(data["x-kubernetes-map-type"], "granular");
  // Namespaces have no deletecollection.
  assert.deepEqual(Object.keys(obj(paths["/api/v1/namespaces"])).sort(), [
    "get",
    "parameters",
    "post",
  ]);
});

Deno.test("access reviews are create-only; CSR approval is a subresource", () => {
  const authz = obj(doc("authorization.k8s.io").paths);
  assert.deepEqual(Object.keys(authz), [
    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    "/apis/authorization.k8s.io/v1/subjectaccessreviews",
  ]);
  const sar = obj(authz["/apis/authorization.k8s.io/v1/subjectaccessreviews"]);
  assert.deepEqual(Object.keys(sar), ["post", "parameters"]);
  assert.equal(obj(sar.post).operationId, "createAuthorizationV1SubjectAccessReview");

  const csr = obj(doc("certificates.k8s.io").paths);
  const approval = obj(
    csr["/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}/approval"],
  );
  assert.equal(
    obj(approval.patch).operationId,
    "patchCertificatesV1CertificateSigningRequestApproval",
  );
  assert.equal(
    obj(approval.put).description,
    "replace approval of the specified CertificateSigningRequest",
  );
  const crd = obj(doc("apiextensions.k8s.io").components);
  assert.ok(
    obj(
      crd.schemas,
    )["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"],
  );
});

Deno.test("openApiDocument resolves paths below /openapi/v3/", () => {
  assert.deepEqual(openApiDocument(ALL, "api/v1"), openApiGroupVersion(ALL, "", "v1"));
  assert.deepEqual(
    openApiDocument(ALL, "/apis/cert-manager.io/v1/"),
    openApiGroupVersion(ALL, "cert-manager.io", "v1"),
  );
  assert.equal(openApiDocument(ALL, "apis/cert-manager.io"), undefined);
  assert.equal(openApiDocument(ALL, "apis/cert-manager.io/v2"), undefined);
  assert.equal(openApiDocument(ALL, "api/v2"), undefined);
  assert.equal(openApiDocument(ALL, "version"), undefined);
});

Deno.test("schema names follow kube-openapi", () => {
  const [widget] = WIDGETS;
  assert.ok(widget);
  assert.equal(schemaName(widget), "com.example.v1.Widget");
  assert.equal(schemaName({ ...widget, group: "stable" }, "WidgetList"), "stable.v1.WidgetList");
  const byPlural = (group: string, plural: string) =>
    builtinResources().find((r) => r.group === group && r.plural === plural)!;
  assert.equal(schemaName(byPlural("events.k8s.io", "events")), "io.k8s.api.events.v1.Event");
  assert.equal(schemaName(byPlural("", "secrets")), "io.k8s.api.core.v1.Secret");
  assert.equal(
    schemaName(byPlural("coordination.k8s.io", "leases"), "LeaseList"),
    "io.k8s.api.coordination.v1.LeaseList",
  );
});
