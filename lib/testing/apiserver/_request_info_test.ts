import { strict as assert } from "node:assert";
import { isWatchParam, parseRequestInfo } from "./_request_info.ts";

function parse(method: string, path: string) {
  return parseRequestInfo(method, new URL(path, "http://x"));
}

Deno.test("parseRequestInfo reads a namespaced custom resource item and subresource", () => {
  const info = parse(
    "PATCH",
    "/apis/cert-manager.io/v1/namespaces/t/certificaterequests/r1/status",
  );
  assert.equal(info.isResourceRequest, true);
  assert.equal(info.apiGroup, "cert-manager.io");
  assert.equal(info.apiVersion, "v1");
  assert.equal(info.namespace, "t");
  assert.equal(info.resource, "certificaterequests");
  assert.equal(info.name, "r1");
  assert.equal(info.subresource, "status");
  assert.equal(info.verb, "patch");
});

Deno.test("parseRequestInfo tells list, watch, get and deletecollection apart", () => {
  assert.equal(parse("GET", "/api/v1/namespaces/t/secrets").verb, "list");
  assert.equal(parse("GET", "/api/v1/namespaces/t/secrets?watch=1").verb, "watch");
  assert.equal(parse("GET", "/api/v1/namespaces/t/secrets?watch=false").verb, "list");
  assert.equal(parse("GET", "/api/v1/namespaces/t/secrets/s").verb, "get");
  assert.equal(parse("DELETE", "/api/v1/namespaces/t/secrets").verb, "deletecollection");
  assert.equal(parse("POST", "/api/v1/namespaces/t/secrets").verb, "create");
  assert.equal(parse("PUT", "/api/v1/namespaces/t/secrets/s").verb, "update");
});

Deno.test("parseRequestInfo treats the namespace object as cluster-scoped", () => {
  const ns = parse("GET", "/api/v1/namespaces/t");
  assert.equal(ns.resource, "namespaces");
  assert.equal(ns.name, "t");
  assert.equal(ns.namespace, "");
  const status = parse("PUT", "/api/v1/namespaces/t/status");
  assert.equal(status.resource, "namespaces");
  assert.equal(status.name, "t");
  assert.equal(status.subresource, "status");
});

Deno.test("parseRequestInfo leaves discovery paths as non-resource requests", () => {
  for (
    const p of [
      "/api",
      "/api/v1",
      "/apis",
      "/apis/cert-manager.io",
      "/apis/cert-manager.io/v1",
      "/version",
    ]
  ) {
    assert.equal(parse("GET", p).isResourceRequest, false, p);
  }
  const cluster = parse("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests");
  assert.equal(cluster.isResourceRequest, true);
  assert.equal(cluster.namespace, "");
});

Deno.test("isWatchParam follows the server's rule", () => {
  assert.equal(isWatchParam(null), false);
  assert.equal(isWatchParam("0"), false);
  assert.equal(isWatchParam("FALSE"), false);
  assert.equal(isWatchParam("1"), true);
  assert.equal(isWatchParam("true"), true);
  assert.equal(isWatchParam(""), true);
});
