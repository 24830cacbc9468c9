import { strict as assert } from "node:assert";
import type { ResourceDescriptor } from "./resource.ts";
import { PATCH_CONTENT_TYPES } from "./resource_options.ts";
import { type JsonRequest, type ResourceOperation, resourceRequest } from "./resource_request.ts";

const crs: ResourceDescriptor = {
  group: "cert-manager.io",
  version: "v1",
  plural: "certificaterequests",
  kind: "CertificateRequest",
  namespaced: true,
};
const clusterIssuers: ResourceDescriptor = {
  group: "cert-manager.io",
  version: "v1",
  plural: "clusterissuers",
  kind: "ClusterIssuer",
  namespaced: false,
};
const secrets: ResourceDescriptor = {
  group: "",
  version: "v1",
  plural: "secrets",
  kind: "Secret",
  namespaced: true,
};
const CR = "/apis/cert-manager.io/v1/namespaces/t/certificaterequests";

/** The parts of a built request a test compares. */
function shape(req: JsonRequest) {
  return {
    method: req.method,
    path: req.path,
    query: req.querystring?.toString() ?? "",
    contentType: req.contentType,
    body: req.bodyJson,
  };
}

Deno.test("resourceRequest builds reads: get, list, watch", () => {
  const cases: [string, ResourceDescriptor, ResourceOperation, ReturnType<typeof shape>][] = [
    ["get", crs, { verb: "get", namespace: "t", name: "r1" }, {
      method: "GET",
      path: `${CR}/r1`,
      query: "",
      contentType: undefined,
      body: undefined,
    }],
    ["get status", crs, { verb: "get", namespace: "t", name: "r1", subresource: "status" }, {
      method: "GET",
      path: `${CR}/r1/status`,
      query: "",
      contentType: undefined,
      body: undefined,
    }],
    ["get cluster-scoped", clusterIssuers, { verb: "get", name: "ca" }, {
      method: "GET",
      path: "/apis/cert-manager.io/v1/clusterissuers/ca",
      query: "",
      contentType: undefined,
      body: undefined,
    }],
    ["list all namespaces", crs, { verb: "list" }, {
      method: "GET",
      path: "/apis/cert-manager.io/v1/certificaterequests",
      query: "",
      contentType: undefined,
      body: undefined,
    }],
    ["list page", secrets, {
      verb: "list",
      options: {
        namespace: "t",
        labelSelector: "a=b,c!=d",
        fieldSelector: "type=kubernetes.io/tls",
        limit: 50,
        continue: "tok",
        resourceVersion: "0",
        resourceVersionMatch: "NotOlderThan",
      },
    }, {
      method: "GET",
      path: "/api/v1/namespaces/t/secrets",
      query: "labelSelector=a%3Db%2Cc%21%3Dd&fieldSelector=type%3Dkubernetes.io%2Ftls&limit=50" +
        "&continue=tok&resourceVersion=0&resourceVersionMatch=NotOlderThan",
      contentType: undefined,
      body: undefined,
    }],
    ["watch without bookmarks", crs, {
      verb: "watch",
      options: { namespace: "t", allowWatchBookmarks: false, timeoutSeconds: 300 },
    }, {
      method: "GET",
      path: CR,
      query: "watch=true&timeoutSeconds=300",
      contentType: undefined,
      body: undefined,
    }],
    ["watch streaming list", crs, { verb: "watch", options: { sendInitialEvents: true } }, {
      method: "GET",
      path: "/apis/cert-manager.io/v1/certificaterequests",
      query: "watch=true&allowWatchBookmarks=true&sendInitialEvents=true" +
        "&resourceVersionMatch=NotOlderThan",
      contentType: undefined,
      body: undefined,
    }],
  ];
  for (const [name, resource, op, want] of cases) {
    assert.deepEqual(shape(resourceRequest(resource, op)), want, name);
  }
  const watch = resourceRequest(crs, { verb: "watch" });
  assert.equal(watch.expectStream, true);
  assert.equal(watch.expectJson, true);
  assert.equal(resourceRequest(crs, { verb: "list" }).expectStream, undefined);
});

Deno.test("resourceRequest builds writes with type meta, options and content types", () => {
  const body = { metadata: { name: "r1" }, spec: { request: "Zm9v" } };
  const typed = { apiVersion: "cert-manager.io/v1", kind: "CertificateRequest", ...body };
  const create = resourceRequest(crs, {
    verb: "create",
    namespace: "t",
    body,
    options: { dryRun: true, fieldManager: "issuer", fieldValidation: "Strict" },
  });
  assert.deepEqual(shape(create), {
    method: "POST",
    path: CR,
    query: "dryRun=All&fieldManager=issuer&fieldValidation=Strict",
    contentType: "application/json",
    body: typed,
  });
  const update = resourceRequest(crs, {
    verb: "update",
    namespace: "t",
    name: "r1",
    subresource: "status",
    body: { apiVersion: "x/v9", kind: "Other", metadata: { name: "r1" } },
  });
  assert.deepEqual(shape(update), {
    method: "PUT",
    path: `${CR}/r1/status`,
    query: "",
    contentType: "application/json",
    body: { apiVersion: "x/v9", kind: "Other", metadata: { name: "r1" } },
  });
});

Deno.test("resourceRequest sends each patch kind with its content type", () => {
  const patch = (p: Extract<ResourceOperation, { verb: "patch" }>["patch"], force?: boolean) =>
    shape(resourceRequest(crs, {
      verb: "patch",
      namespace: "t",
      name: "r1",
      patch: p,
      options: { fieldManager: "issuer", ...(force === undefined ? {} : { force }) },
    }));
  assert.deepEqual(patch({ type: "merge", body: { metadata: { labels: { a: "b" } } } }), {
    method: "PATCH",
    path: `${CR}/r1`,
    query: "fieldManager=issuer",
    contentType: "application/merge-patch+json",
    body: { metadata: { labels: { a: "b" } } },
  });
  assert.deepEqual(
    patch({ type: "json", operations: [{ op: "remove", path: "/metadata/finalizers/0" }] }),
    {
      method: "PATCH",
      path: `${CR}/r1`,
      query: "fieldManager=issuer",
      contentType: "application/json-patch+json",
      body: [{ op: "remove", path: "/metadata/finalizers/0" }],
    },
  );
  assert.equal(patch({ type: "strategic", body: {} }).contentType, PATCH_CONTENT_TYPES.strategic);
  assert.deepEqual(patch({ type: "apply", body: { metadata: { name: "r1" } } }, true), {
    method: "PATCH",
    path: `${CR}/r1`,
    query: "fieldManager=issuer&force=true",
    contentType: "application/apply-patch+yaml",
    body: {
      apiVersion: "cert-manager.io/v1",
      kind: "CertificateRequest",
      metadata: { name: "r1" },
    },
  });
  assert.equal(patch({ type: "apply", body: {} }, false).query, "fieldManager=issuer");
});

Deno.test("resourceRequest builds deletes with DeleteOptions in the body", () => {
  assert.deepEqual(
    shape(resourceRequest(crs, {
      verb: "delete",
      namespace: "t",
      name: "r1",
      options: {
        dryRun: true,
        propagationPolicy: "Foreground",
        gracePeriodSeconds: 0,
        preconditions: { uid: "u1", resourceVersion: "5" },
      },
    })),
    {
      method: "DELETE",
      path: `${CR}/r1`,
      query: "dryRun=All",
      contentType: "application/json",
      body: {
        apiVersion: "v1",
        kind: "DeleteOptions",
        propagationPolicy: "Foreground",
        gracePeriodSeconds: 0,
        preconditions: { uid: "u1", resourceVersion: "5" },
      },
    },
  );
});

Deno.test("resourceRequest refuses misuse with messages that name the problem", () => {
  assert.throws(
    () => resourceRequest(crs, { verb: "get", name: "r1" }),
    /get of certificaterequests needs a namespace \(CertificateRequest is namespaced\)/,
  );
  assert.throws(
    () =>
      resourceRequest(crs, {
        verb: "patch",
        namespace: "t",
        name: "r1",
        patch: { type: "apply", body: {} },
      }),
    /server-side apply of certificaterequests "r1" needs options.fieldManager/,
  );
  assert.throws(
    () =>
      resourceRequest(crs, {
        verb: "patch",
        namespace: "t",
        name: "r1",
        patch: { type: "merge", body: {} },
        options: { force: true },
      }),
    /options.force is only for server-side apply, not a merge patch/,
  );
  assert.throws(
    () => resourceRequest(crs, { verb: "list", options: { limit: 0 } }),
    /limit must be a positive integer, got 0/,
  );
  assert.throws(
    () => resourceRequest(clusterIssuers, { verb: "get", namespace: "t", name: "ca" }),
    /cluster-scoped/,
  );
});
