/**
 * How the conformance kit makes a working example issuer: a fresh CA in a
 * `kubernetes.io/tls` Secret and a SimpleIssuer beside it, or a SimpleClusterIssuer whose
 * Secret lives in the cluster resource namespace. Shared by the kit's run on the fake API
 * server (`conformance_test.ts`) and on a real kube-apiserver
 * (`tests/real/conformance_kit_real_test.ts`).
 *
 * @example Run the kit against the example issuer
 * ```ts ignore
 * import { issuerConformance } from "@certkit/issuer-lib/testing";
 * import { simpleConformanceOptions } from "./conformance_issuer.ts";
 *
 * issuerConformance({ name: "the example issuer", ...simpleConformanceOptions() });
 * ```
 *
 * @module
 */
import {
  generateCa,
  isNotFound,
  type KubeObject,
  ResourceClient,
  type ResourceDescriptor,
} from "@certkit/issuer-lib";
import type {
  ConformanceContext,
  ConformanceIssuer,
  ConformanceOptions,
} from "@certkit/issuer-lib/testing";
import { SECRETS, SimpleClusterIssuer, SimpleIssuer, type SimpleIssuerSpec } from "./api.ts";
import { simpleSigner } from "./signer.ts";

/** Where the CA Secrets of SimpleClusterIssuers live during a conformance run. */
export const CONFORMANCE_CLUSTER_RESOURCE_NAMESPACE = "simple-issuer";

/** A CA Secret and a SimpleIssuer (or a SimpleClusterIssuer when the kit asks for one). */
export async function createSimpleIssuer(
  { client, namespace, name, scope }: ConformanceContext,
): Promise<ConformanceIssuer> {
  const ca = await generateCa({ commonName: `Conformance CA ${name}`, now: Date.now() });
  const type = scope === "cluster" ? SimpleClusterIssuer : SimpleIssuer;
  const secretNamespace = type.namespaced ? namespace : CONFORMANCE_CLUSTER_RESOURCE_NAMESPACE;
  const secrets = new ResourceClient(client, SECRETS);
  await secrets.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${name}-ca`, namespace: secretNamespace },
    type: "kubernetes.io/tls",
    data: { "tls.crt": btoa(ca.certPem), "tls.key": btoa(ca.keyPem) },
  });
  const issuers: ResourceDescriptor<KubeObject & { spec?: SimpleIssuerSpec }> = {
    group: type.group,
    version: type.version,
    plural: type.plural,
    kind: type.kind,
    namespaced: type.namespaced,
  };
  await new ResourceClient(client, issuers).create({
    apiVersion: type.apiVersion,
    kind: type.kind,
    metadata: { name, ...(type.namespaced ? { namespace } : {}) },
    spec: { secretName: `${name}-ca` },
  });
  return {
    ref: { group: type.group, kind: type.kind, name, ...(type.namespaced ? { namespace } : {}) },
    // The kit deletes the issuer and its namespace; the cluster resource namespace is ours.
    cleanup: async () => {
      if (type.namespaced) return;
      await secrets.delete(`${name}-ca`, { namespace: secretNamespace }).catch((error) => {
        if (!isNotFound(error)) throw error;
      });
    },
  };
}

/** The kit's options for the example issuer, all features on; `target` as given. */
export function simpleConformanceOptions(
  target?: ConformanceOptions<SimpleIssuerSpec>["target"],
): ConformanceOptions<SimpleIssuerSpec> {
  const { check, sign } = simpleSigner({
    clusterResourceNamespace: CONFORMANCE_CLUSTER_RESOURCE_NAMESPACE,
  });
  return {
    issuerTypes: [SimpleIssuer, SimpleClusterIssuer],
    fieldManager: "simple.certkit.dev",
    check,
    sign,
    namespaces: [CONFORMANCE_CLUSTER_RESOURCE_NAMESPACE],
    createIssuer: createSimpleIssuer,
    ...(target === undefined ? {} : { target }),
  };
}
