// The issuer conformance kit against the example issuer: every feature is supported,
// including Kubernetes CSRs for a namespaced SimpleIssuer.
import {
  generateCa,
  isNotFound,
  type KubeObject,
  ResourceClient,
  type ResourceDescriptor,
} from "@certkit/issuer-lib";
import { type ConformanceContext, issuerConformance } from "@certkit/issuer-lib/testing";
import { SimpleClusterIssuer, SimpleIssuer } from "./api.ts";
import { simpleSigner } from "./signer.ts";
import type { SimpleIssuerSpec } from "./api.ts";

interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

interface SimpleIssuerObject extends KubeObject {
  spec?: SimpleIssuerSpec;
}

const SECRETS: ResourceDescriptor<Secret> = {
  group: "",
  version: "v1",
  plural: "secrets",
  kind: "Secret",
  namespaced: true,
};

const CLUSTER_RESOURCE_NAMESPACE = "simple-issuer";
const { check, sign } = simpleSigner({ clusterResourceNamespace: CLUSTER_RESOURCE_NAMESPACE });

/** A CA Secret and a SimpleIssuer (or a SimpleClusterIssuer when the kit asks for one). */
async function createIssuer({ client, namespace, name, scope }: ConformanceContext) {
  const ca = await generateCa({ commonName: `Conformance CA ${name}`, now: Date.now() });
  const type = scope === "cluster" ? SimpleClusterIssuer : SimpleIssuer;
  const secretNamespace = type.namespaced ? namespace : CLUSTER_RESOURCE_NAMESPACE;
  const secrets = new ResourceClient(client, SECRETS);
  await secrets.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${name}-ca`, namespace: secretNamespace },
    type: "kubernetes.io/tls",
    data: { "tls.crt": btoa(ca.certPem), "tls.key": btoa(ca.keyPem) },
  });
  const issuers: ResourceDescriptor<SimpleIssuerObject> = {
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

issuerConformance({
  name: "the example issuer passes the conformance kit",
  issuerTypes: [SimpleIssuer, SimpleClusterIssuer],
  fieldManager: "simple.certkit.dev",
  check,
  sign,
  namespaces: [CLUSTER_RESOURCE_NAMESPACE],
  createIssuer,
});
