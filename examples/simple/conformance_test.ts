// The issuer conformance kit against the example issuer: every feature is supported.
import {
  generateCa,
  type KubeObject,
  ResourceClient,
  type ResourceDescriptor,
} from "@certkit/issuer-lib";
import { issuerConformance } from "@certkit/issuer-lib/testing";
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

const CLUSTER_RESOURCE_NAMESPACE = "simple-issuer";
const { check, sign } = simpleSigner({ clusterResourceNamespace: CLUSTER_RESOURCE_NAMESPACE });

issuerConformance({
  name: "the example issuer passes the conformance kit",
  issuerTypes: [SimpleIssuer, SimpleClusterIssuer],
  fieldManager: "simple.certkit.dev",
  check,
  sign,
  namespaces: [CLUSTER_RESOURCE_NAMESPACE],
  createIssuer: async ({ client, namespace, name, forKubernetesCsrs }) => {
    const ca = await generateCa({ commonName: `Conformance CA ${name}`, now: Date.now() });
    const type = forKubernetesCsrs ? SimpleClusterIssuer : SimpleIssuer;
    const secretNamespace = forKubernetesCsrs ? CLUSTER_RESOURCE_NAMESPACE : namespace;
    const secretsResource: ResourceDescriptor<Secret> = {
      group: "",
      version: "v1",
      plural: "secrets",
      kind: "Secret",
      namespaced: true,
    };
    await new ResourceClient(client, secretsResource).create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `${name}-ca`, namespace: secretNamespace },
      type: "kubernetes.io/tls",
      data: { "tls.crt": btoa(ca.certPem), "tls.key": btoa(ca.keyPem) },
    });
    const issuersResource: ResourceDescriptor<SimpleIssuerObject> = {
      group: type.group,
      version: type.version,
      plural: type.plural,
      kind: type.kind,
      namespaced: type.namespaced,
    };
    await new ResourceClient(client, issuersResource).create({
      apiVersion: type.apiVersion,
      kind: type.kind,
      metadata: { name, ...(type.namespaced ? { namespace } : {}) },
      spec: { secretName: `${name}-ca` },
    });
    return {
      ref: {
        group: type.group,
        kind: type.kind,
        name,
        ...(type.namespaced ? { namespace } : {}),
      },
    };
  },
});
