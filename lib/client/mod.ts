/**
 * A small, permission-scoped Kubernetes client: a transport function, a
 * `performRequest` client with retries, timeouts and rate limiting, typed resource
 * operations over resource descriptors, and watch decoding.
 *
 * @example Typed operations against the in-process fake API server
 * ```ts
 * import { KubeClient, ResourceClient } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * const namespaces = new ResourceClient(client, {
 *   group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false,
 * });
 * const names = (await namespaces.list()).items.map((ns) => ns.metadata.name);
 * assert(names.includes("kube-system"));
 * ```
 *
 * @module
 */
export * from "./connection.ts";
export * from "./transport.ts";
export * from "./rest_client.ts";
export * from "./kube_api_error.ts";
export * from "./retry_policy.ts";
export * from "./rate_limiter.ts";
export * from "./kube_client.ts";
export * from "./json_lines.ts";
export * from "./object.ts";
export * from "./resource.ts";
export * from "./resource_options.ts";
export * from "./resource_request.ts";
export * from "./resource_client.ts";
export * from "./watch.ts";
export * from "./config/mod.ts";
