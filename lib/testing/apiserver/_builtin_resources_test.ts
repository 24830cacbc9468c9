import { strict as assert } from "node:assert";
import type { ResourceInfo } from "./_types.ts";
import {
  BUILTIN_RESOURCES,
  builtinResources,
  builtinStorageVersionHash,
  subresourceKind,
  subresourceVerbs,
  verbsOf,
} from "./_builtin_resources.ts";

function find(group: string, plural: string): ResourceInfo {
  const info = builtinResources().find((r) => r.group === group && r.plural === plural);
  assert.ok(info, `${plural}.${group} is served`);
  return info;
}

Deno.test("the built-in resources an issuer touches are all there", () => {
  const table = builtinResources().map((r) =>
    [
      r.group,
      r.version,
      r.plural,
      r.kind,
      r.namespaced,
      r.shortNames.join(","),
      r.subresources.join(","),
    ].join(" ")
  );
  assert.deepEqual(table, [
    " v1 configmaps ConfigMap true cm ",
    " v1 events Event true ev ",
    " v1 namespaces Namespace false ns finalize,status",
    " v1 secrets Secret true  ",
    " v1 serviceaccounts ServiceAccount true sa token",
    "events.k8s.io v1 events Event true ev ",
    "coordination.k8s.io v1 leases Lease true  ",
    "certificates.k8s.io v1 certificatesigningrequests CertificateSigningRequest false csr approval,status",
    "apiextensions.k8s.io v1 customresourcedefinitions CustomResourceDefinition false crd,crds status",
    "authorization.k8s.io v1 subjectaccessreviews SubjectAccessReview false  ",
    "authorization.k8s.io v1 selfsubjectaccessreviews SelfSubjectAccessReview false  ",
  ]);
  for (const r of builtinResources()) {
    assert.equal(r.custom, false);
    assert.equal(r.listKind, `${r.kind}List`);
    assert.equal(r.singular, r.kind.toLowerCase());
    assert.equal(r.storageVersion, "v1");
    assert.equal(r.schema?.type, "object");
  }
  assert.deepEqual(find("apiextensions.k8s.io", "customresourcedefinitions").categories, [
    "api-extensions",
  ]);
});

Deno.test("BUILTIN_RESOURCES is the same list, frozen; builtinResources gives fresh copies", () => {
  assert.deepEqual([...BUILTIN_RESOURCES], builtinResources());
  assert.ok(Object.isFrozen(BUILTIN_RESOURCES));
  const a = builtinResources();
  a[0]!.shortNames.push("x");
  assert.deepEqual(builtinResources()[0]?.shortNames, ["cm"]);
});

Deno.test("verbs are listed as a real server lists them", () => {
  const all = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
  assert.deepEqual(verbsOf(find("", "secrets")), all);
  assert.deepEqual(verbsOf(find("coordination.k8s.io", "leases")), all);
  assert.deepEqual(verbsOf(find("", "namespaces")), [
    "create",
    "delete",
    "get",
    "list",
    "patch",
    "update",
    "watch",
  ]);
  assert.deepEqual(verbsOf(find("authorization.k8s.io", "subjectaccessreviews")), ["create"]);
  assert.deepEqual(verbsOf(find("authorization.k8s.io", "selfsubjectaccessreviews")), ["create"]);
  const custom = { ...find("", "secrets"), custom: true };
  assert.deepEqual(verbsOf(custom), [
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "create",
    "update",
    "watch",
  ]);
});

Deno.test("subresource verbs and kinds", () => {
  const csr = find("certificates.k8s.io", "certificatesigningrequests");
  assert.deepEqual(subresourceVerbs(csr, "status"), ["get", "patch", "update"]);
  assert.deepEqual(subresourceVerbs(csr, "approval"), ["get", "patch", "update"]);
  assert.deepEqual(subresourceVerbs(csr, "token"), []);
  const sa = find("", "serviceaccounts");
  assert.deepEqual(subresourceVerbs(sa, "token"), ["create"]);
  assert.deepEqual(subresourceKind(sa, "token"), {
    group: "authentication.k8s.io",
    version: "v1",
    kind: "TokenRequest",
    explicit: true,
  });
  const ns = find("", "namespaces");
  assert.deepEqual(subresourceVerbs(ns, "finalize"), ["update"]);
  assert.deepEqual(subresourceVerbs(ns, "status"), ["get", "patch", "update"]);
  assert.deepEqual(subresourceKind(ns, "status"), {
    group: "",
    version: "v1",
    kind: "Namespace",
    explicit: false,
  });
});

Deno.test("schemas carry the list and map types server-side apply needs", () => {
  const csr = find("certificates.k8s.io", "certificatesigningrequests").schema;
  const conditions = csr?.properties?.status?.properties?.conditions;
  assert.equal(conditions?.["x-kubernetes-list-type"], "map");
  assert.deepEqual(conditions?.["x-kubernetes-list-map-keys"], ["type"]);
  assert.equal(csr?.properties?.spec?.properties?.usages?.["x-kubernetes-list-type"], "atomic");

  const secret = find("", "secrets").schema;
  assert.equal(secret?.properties?.data?.["x-kubernetes-map-type"], "granular");
  assert.equal(secret?.properties?.stringData?.["x-kubernetes-map-type"], "granular");
  assert.deepEqual(secret?.properties?.data?.additionalProperties, {
    type: "string",
    format: "byte",
  });

  const ns = find("", "namespaces").schema;
  assert.equal(ns?.properties?.spec?.properties?.finalizers?.["x-kubernetes-list-type"], "atomic");

  const lease = find("coordination.k8s.io", "leases").schema?.properties?.spec?.properties;
  assert.deepEqual(Object.keys(lease ?? {}).sort(), [
    "acquireTime",
    "holderIdentity",
    "leaseDurationSeconds",
    "leaseTransitions",
    "preferredHolder",
    "renewTime",
    "strategy",
  ]);
  assert.equal(lease?.renewTime?.format, "date-time");
});

Deno.test("storage version hashes are those of a real 1.32 server", () => {
  assert.equal(builtinStorageVersionHash(find("", "secrets")), "S6u1pOWzb84=");
  assert.equal(builtinStorageVersionHash(find("events.k8s.io", "events")), "r2yiGXH7wu8=");
  assert.equal(
    builtinStorageVersionHash(find("apiextensions.k8s.io", "customresourcedefinitions")),
    "jfWCUB31mvA=",
  );
  assert.equal(
    builtinStorageVersionHash(find("authorization.k8s.io", "subjectaccessreviews")),
    undefined,
  );
});
