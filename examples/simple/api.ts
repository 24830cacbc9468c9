/**
 * The example's API: two issuer kinds in the group `simple.certkit.dev`, version
 * `v1alpha1`, whose spec names the Secret holding the CA. Their CRDs are
 * `deploy/crds/`.
 *
 * @module
 */
import { issuerType, type KubeObject, type ResourceDescriptor } from "@certkit/issuer-lib";

/** The API group of the example's issuer kinds. */
export const GROUP = "simple.certkit.dev";

/** The spec of a `SimpleIssuer` or a `SimpleClusterIssuer`. */
export interface SimpleIssuerSpec {
  /**
   * The `kubernetes.io/tls` Secret holding the CA certificate (`tls.crt`) and its key
   * (`tls.key`): in the issuer's namespace for a SimpleIssuer, in the cluster resource
   * namespace for a SimpleClusterIssuer.
   */
  secretName: string;
}

/**
 * `SimpleIssuer`: a namespaced issuer; requests in its namespace may use it.
 *
 * @example The CSR signer name of a SimpleIssuer
 * ```ts
 * import { SimpleIssuer } from "./api.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(SimpleIssuer.typeIdentifier, "simpleissuers.simple.certkit.dev");
 * ```
 */
export const SimpleIssuer = issuerType<SimpleIssuerSpec>({
  group: GROUP,
  version: "v1alpha1",
  kind: "SimpleIssuer",
  plural: "simpleissuers",
  namespaced: true,
});

/**
 * `SimpleClusterIssuer`: a cluster-scoped issuer; requests in every namespace may use it.
 *
 * @example The CSR signer name of a SimpleClusterIssuer called `ca`
 * ```ts
 * import { SimpleClusterIssuer } from "./api.ts";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(`${SimpleClusterIssuer.typeIdentifier}/ca`, "simpleclusterissuers.simple.certkit.dev/ca");
 * ```
 */
export const SimpleClusterIssuer = issuerType<SimpleIssuerSpec>({
  group: GROUP,
  version: "v1alpha1",
  kind: "SimpleClusterIssuer",
  plural: "simpleclusterissuers",
  namespaced: false,
});

/** The part of a core/v1 Secret the example reads and writes. */
export interface Secret extends KubeObject {
  /** `kubernetes.io/tls` for a CA Secret. */
  type?: string;
  /** Base64 values: `tls.crt` and `tls.key` for a CA Secret. */
  data?: Record<string, string>;
}

/** core/v1 Secrets, where the example's CAs live. */
export const SECRETS: ResourceDescriptor<Secret> = {
  group: "",
  version: "v1",
  plural: "secrets",
  kind: "Secret",
  namespaced: true,
};
