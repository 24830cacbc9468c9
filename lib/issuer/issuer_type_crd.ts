/**
 * A CustomResourceDefinition for an issuer type, for tests against the fake API server
 * and as a starting point for deploy manifests.
 *
 * @module
 */

import type { JsonObject } from "../core/json.ts";
import type { IssuerType } from "./issuer_type.ts";

/** Options of {@linkcode issuerTypeCrd}. */
export interface IssuerTypeCrdOptions {
  /**
   * The OpenAPI v3 schema of `spec` (default: any object, with unknown fields kept).
   *
   * @example A spec with a required URL
   * ```ts
   * import type { IssuerTypeCrdOptions } from "@certkit/issuer-lib";
   *
   * const options: IssuerTypeCrdOptions = {
   *   specSchema: { type: "object", required: ["url"], properties: { url: { type: "string" } } },
   * };
   * console.assert(options.specSchema !== undefined);
   * ```
   */
  specSchema?: JsonObject;
}

/**
 * The CRD of an issuer type: its group, kind, plural and scope, one served and stored
 * version with the status subresource, a `spec` (any object unless a schema is given) and
 * a `status.conditions` list keyed by `type` — the list type server-side apply needs so
 * that the library's `Ready` condition never clobbers anyone else's.
 *
 * @param type The issuer type.
 * @param options The schema of `spec`.
 * @returns The `apiextensions.k8s.io/v1` CustomResourceDefinition.
 *
 * @example Serving an issuer kind from the fake API server
 * ```ts
 * import { issuerType, issuerTypeCrd } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * const myIssuer = issuerType({ group: "ca.example.com", version: "v1", kind: "MyIssuer", plural: "myissuers", namespaced: true });
 * await using server = new FakeApiServer({ crds: [issuerTypeCrd(myIssuer)] });
 * await server.load({ apiVersion: "ca.example.com/v1", kind: "MyIssuer", metadata: { name: "ca", namespace: "default" }, spec: {} });
 * assert.equal(server.list("myissuers.ca.example.com").length, 1);
 * ```
 */
export function issuerTypeCrd(type: IssuerType, options: IssuerTypeCrdOptions = {}): JsonObject {
  const condition = {
    type: "object",
    required: ["type", "status"],
    properties: {
      type: { type: "string" },
      status: { type: "string", enum: ["True", "False", "Unknown"] },
      reason: { type: "string" },
      message: { type: "string" },
      lastTransitionTime: { type: "string", format: "date-time" },
      observedGeneration: { type: "integer", format: "int64" },
    },
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${type.plural}.${type.group}` },
    spec: {
      group: type.group,
      scope: type.namespaced ? "Namespaced" : "Cluster",
      names: { plural: type.plural, kind: type.kind, listKind: `${type.kind}List` },
      versions: [{
        name: type.version,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          {
            name: "Ready",
            type: "string",
            jsonPath: '.status.conditions[?(@.type == "Ready")].status',
          },
          {
            name: "Reason",
            type: "string",
            jsonPath: '.status.conditions[?(@.type == "Ready")].reason',
          },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: options.specSchema ??
                { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              status: {
                type: "object",
                properties: {
                  conditions: {
                    type: "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["type"],
                    items: condition,
                  },
                },
              },
            },
          },
        },
      }],
    },
  };
}
