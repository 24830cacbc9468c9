/**
 * Pure request building for resource operations: method, path, query, body and
 * content type, without I/O, so every shape is a unit test.
 *
 * @module
 */
import type { KubeObject } from "./object.ts";
import type { RequestOptions, RestJsonValue } from "./rest_client.ts";
import { apiVersionOf, type ResourceDescriptor, resourcePath } from "./resource.ts";
import {
  type DeleteOptions,
  type ListOptions,
  type Patch,
  PATCH_CONTENT_TYPES,
  type PatchOptions,
  type WatchOptions,
  type WriteOptions,
} from "./resource_options.ts";

/** One resource operation to build a request for. */
export type ResourceOperation =
  | { verb: "get"; namespace?: string; name: string; subresource?: string }
  | { verb: "list"; options?: ListOptions }
  | { verb: "watch"; options?: WatchOptions }
  | { verb: "create"; namespace?: string; body: KubeObject; options?: WriteOptions }
  | {
    verb: "update";
    namespace?: string;
    name: string;
    subresource?: string;
    body: KubeObject;
    options?: WriteOptions;
  }
  | {
    verb: "patch";
    namespace?: string;
    name: string;
    subresource?: string;
    patch: Patch;
    options?: PatchOptions;
  }
  | { verb: "delete"; namespace?: string; name: string; options?: DeleteOptions };

/** A built request that answers JSON. */
export type JsonRequest = RequestOptions & { expectJson: true };
/** A built watch request: a stream of JSON values. */
export type StreamRequest = RequestOptions & { expectJson: true; expectStream: true };

/**
 * Builds the request of a watch: a `GET` with `watch=true` that streams JSON values.
 *
 * @param resource The descriptor.
 * @param operation The watch and its options.
 * @returns The request options, with `expectStream` and `expectJson`.
 *
 * @example Watching from a resourceVersion
 * ```ts
 * import { resourceRequest } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const secrets = { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true };
 * const req = resourceRequest(secrets, { verb: "watch", options: { namespace: "t", resourceVersion: "42" } });
 * assert.equal(req.path, "/api/v1/namespaces/t/secrets");
 * assert.equal(req.querystring?.toString(), "watch=true&resourceVersion=42&allowWatchBookmarks=true");
 * assert.equal(req.expectStream, true);
 * ```
 */
export function resourceRequest(
  resource: ResourceDescriptor<KubeObject>,
  operation: ResourceOperation & { verb: "watch" },
): StreamRequest;
/**
 * Builds the request for a resource operation. Namespaced resources need `namespace`
 * for single-object verbs; list and watch without one cover all namespaces. Bodies of
 * create, update and apply get the descriptor's `apiVersion` and `kind` when they lack
 * them.
 *
 * @param resource The descriptor.
 * @param operation The verb and its arguments.
 * @returns The request options for {@linkcode RestClient.performRequest}.
 * @throws {TypeError} On a missing namespace or field manager, or `force` on a non-apply patch.
 *
 * @example A server-side apply of a status
 * ```ts
 * import { resourceRequest } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const crs = { group: "cert-manager.io", version: "v1", plural: "certificaterequests", kind: "CertificateRequest", namespaced: true };
 * const req = resourceRequest(crs, {
 *   verb: "patch", namespace: "t", name: "cr-1", subresource: "status",
 *   patch: { type: "apply", body: { status: { conditions: [] } } },
 *   options: { fieldManager: "my-issuer", force: true },
 * });
 * assert.equal(req.method, "PATCH");
 * assert.equal(req.path, "/apis/cert-manager.io/v1/namespaces/t/certificaterequests/cr-1/status");
 * assert.equal(req.querystring?.toString(), "fieldManager=my-issuer&force=true");
 * assert.equal(req.contentType, "application/apply-patch+yaml");
 * ```
 */
export function resourceRequest(
  resource: ResourceDescriptor<KubeObject>,
  operation: ResourceOperation,
): JsonRequest;
export function resourceRequest(
  resource: ResourceDescriptor<KubeObject>,
  operation: ResourceOperation,
): JsonRequest {
  const query = new URLSearchParams();
  switch (operation.verb) {
    case "get":
      return {
        method: "GET",
        path: objectPath(resource, operation),
        ...(withQuery(query)),
        expectJson: true,
      };
    case "list": {
      const o = operation.options ?? {};
      set(query, "labelSelector", o.labelSelector);
      set(query, "fieldSelector", o.fieldSelector);
      if (o.limit !== undefined) {
        if (!Number.isInteger(o.limit) || o.limit <= 0) {
          throw new TypeError(`resourceRequest: limit must be a positive integer, got ${o.limit}`);
        }
        query.set("limit", String(o.limit));
      }
      set(query, "continue", o.continue);
      set(query, "resourceVersion", o.resourceVersion);
      set(query, "resourceVersionMatch", o.resourceVersionMatch);
      return {
        method: "GET",
        path: resourcePath(resource, { namespace: o.namespace }),
        ...withQuery(query),
        expectJson: true,
      };
    }
    case "watch": {
      const o = operation.options ?? {};
      query.set("watch", "true");
      set(query, "labelSelector", o.labelSelector);
      set(query, "fieldSelector", o.fieldSelector);
      set(query, "resourceVersion", o.resourceVersion);
      if (o.allowWatchBookmarks ?? true) query.set("allowWatchBookmarks", "true");
      if (o.timeoutSeconds !== undefined) query.set("timeoutSeconds", String(o.timeoutSeconds));
      if (o.sendInitialEvents !== undefined) {
        query.set("sendInitialEvents", String(o.sendInitialEvents));
        if (o.sendInitialEvents) query.set("resourceVersionMatch", "NotOlderThan");
      }
      const req: StreamRequest = {
        method: "GET",
        path: resourcePath(resource, { namespace: o.namespace }),
        querystring: query,
        expectJson: true,
        expectStream: true,
      };
      return req;
    }
    case "create":
      writeQuery(query, operation.options);
      return {
        method: "POST",
        path: resourcePath(resource, { namespace: namespaceFor(resource, operation) }),
        ...withQuery(query),
        contentType: "application/json",
        bodyJson: withTypeMeta(resource, operation.body),
        expectJson: true,
      };
    case "update":
      writeQuery(query, operation.options);
      return {
        method: "PUT",
        path: objectPath(resource, operation),
        ...withQuery(query),
        contentType: "application/json",
        bodyJson: withTypeMeta(resource, operation.body),
        expectJson: true,
      };
    case "patch": {
      const { patch, options = {} } = operation;
      if (patch.type === "apply" && !options.fieldManager) {
        throw new TypeError(
          `resourceRequest: server-side apply of ${resource.plural} ${
            JSON.stringify(operation.name)
          } needs options.fieldManager`,
        );
      }
      if (options.force !== undefined && patch.type !== "apply") {
        throw new TypeError(
          `resourceRequest: options.force is only for server-side apply, not a ${patch.type} patch`,
        );
      }
      writeQuery(query, options);
      if (options.force) query.set("force", "true");
      const body = patch.type === "json"
        ? patch.operations as unknown as RestJsonValue
        : patch.type === "apply"
        ? withTypeMeta(resource, patch.body)
        : patch.body;
      return {
        method: "PATCH",
        path: objectPath(resource, operation),
        ...withQuery(query),
        contentType: PATCH_CONTENT_TYPES[patch.type],
        bodyJson: body,
        expectJson: true,
      };
    }
    case "delete": {
      const o = operation.options ?? {};
      if (o.dryRun) query.set("dryRun", "All");
      const body: { [key: string]: RestJsonValue } = { apiVersion: "v1", kind: "DeleteOptions" };
      if (o.propagationPolicy !== undefined) body.propagationPolicy = o.propagationPolicy;
      if (o.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = o.gracePeriodSeconds;
      if (o.preconditions !== undefined) body.preconditions = { ...o.preconditions };
      return {
        method: "DELETE",
        path: objectPath(resource, operation),
        ...withQuery(query),
        contentType: "application/json",
        bodyJson: body,
        expectJson: true,
      };
    }
  }
}

function namespaceFor(
  resource: ResourceDescriptor<KubeObject>,
  operation: { verb: string; namespace?: string },
): string | undefined {
  if (!resource.namespaced) return operation.namespace;
  if (operation.namespace === undefined || operation.namespace === "") {
    throw new TypeError(
      `resourceRequest: ${operation.verb} of ${resource.plural} needs a namespace (${resource.kind} is namespaced)`,
    );
  }
  return operation.namespace;
}

function objectPath(
  resource: ResourceDescriptor<KubeObject>,
  operation: { verb: string; namespace?: string; name: string; subresource?: string },
): string {
  return resourcePath(resource, {
    namespace: namespaceFor(resource, operation),
    name: operation.name,
    subresource: operation.subresource,
  });
}

function set(query: URLSearchParams, key: string, value: string | undefined): void {
  if (value !== undefined && value !== "") query.set(key, value);
}

function writeQuery(query: URLSearchParams, options: WriteOptions | undefined): void {
  if (!options) return;
  if (options.dryRun) query.set("dryRun", "All");
  set(query, "fieldManager", options.fieldManager);
  set(query, "fieldValidation", options.fieldValidation);
}

function withQuery(query: URLSearchParams): { querystring?: URLSearchParams } {
  return query.size > 0 ? { querystring: query } : {};
}

function withTypeMeta(
  resource: ResourceDescriptor<KubeObject>,
  body: KubeObject | RestJsonValue,
): RestJsonValue {
  const object = body as { [key: string]: RestJsonValue };
  if (typeof body !== "object" || body === null || Array.isArray(body)) return object;
  return {
    apiVersion: apiVersionOf(resource),
    kind: resource.kind,
    ...object,
  };
}
