/**
 * The example issuer on a real kube-apiserver, as `examples/simple/deploy/` installs it:
 * the manifests `kubectl apply` installs, kubectl as the cluster's admin, the kubeconfig
 * of the issuer's ServiceAccount (a TokenRequest token, nothing else), the example's
 * arguments, and when the tests that use them are skipped.
 *
 * @module
 */
import { checkedKubectl, type Kubectl, missingTools, REPO } from "../_support/kubectl_tools.ts";
import {
  createServiceAccountToken,
  DEFAULT_BIN_DIR,
  kubectl,
  type RealCluster,
  realClusterBinariesPresent,
  tokenKubeconfig,
} from "./real_cluster.ts";

/** The namespace of `deploy/`: the ServiceAccount, the Lease, the cluster issuers' Secrets. */
export const DEPLOY_NAMESPACE = "simple-issuer";
/** The user the example runs as. */
export const ISSUER_SA = `system:serviceaccount:${DEPLOY_NAMESPACE}:simple-issuer`;
/** The example's Lease (in {@linkcode DEPLOY_NAMESPACE}). */
export const LEASE = "simple-issuer-leader-election";
/** What `kubectl apply` installs: the CertificateRequest CRD and the deploy/ files it needs. */
export const MANIFESTS: readonly string[] = [
  "testdata/cert-manager-crds/cert-manager.io_certificaterequests.yaml",
  "examples/simple/deploy/crds/simpleissuers.yaml",
  "examples/simple/deploy/crds/simpleclusterissuers.yaml",
  "examples/simple/deploy/namespace.yaml",
  "examples/simple/deploy/service_account.yaml",
  "examples/simple/deploy/rbac.yaml",
].map((f) => `${REPO}${f}`);

const present = realClusterBinariesPresent();
const required = Deno.env.get("REAL_APISERVER_REQUIRED") === "1";
const toolsMissing = await missingTools();

/**
 * Appended to a test's name: why it is skipped (no binaries in tests/real/bin, or no
 * kubectl/openssl), or `""` when it runs. Never skipped under `REAL_APISERVER_REQUIRED=1`.
 */
export const IGNORE_NOTE: string = !present && !required
  ? " [SKIPPED: no etcd/kube-apiserver in tests/real/bin; run tests/real/build.sh]"
  : toolsMissing && !required
  ? ` [SKIPPED: ${toolsMissing}]`
  : "";

/** Throws, saying what to do, when a required binary or tool is missing. */
export function requireTools(): void {
  if (!present) {
    throw new Error(
      `REAL_APISERVER_REQUIRED=1 but ${DEFAULT_BIN_DIR}/{etcd,kube-apiserver} are missing: ` +
        "run tests/real/build.sh",
    );
  }
  if (toolsMissing) throw new Error(`REAL_APISERVER_REQUIRED=1 but ${toolsMissing}`);
}

/** kubectl as the cluster's admin (client certificate), with a fresh HOME per run. */
export function adminKubectl(cluster: RealCluster): Kubectl {
  return checkedKubectl((args, stdin) =>
    kubectl(cluster, args, stdin === undefined ? {} : { stdin })
  );
}

/** `kubectl apply`s {@linkcode MANIFESTS} and waits for the CRDs; returns kubectl's output. */
export async function installExample(admin: Kubectl): Promise<string> {
  const out = await admin.ok(["apply", ...MANIFESTS.flatMap((f) => ["-f", f])]);
  await admin.ok(["wait", "--for=condition=Established", "--timeout=20s", "crd", "--all"]);
  return out;
}

/**
 * Writes `<dir>/simple-issuer.kubeconfig`: the server, the cluster CA and a TokenRequest
 * token of the example's ServiceAccount, namespace {@linkcode DEPLOY_NAMESPACE}.
 */
export async function issuerKubeconfig(cluster: RealCluster, dir: string): Promise<string> {
  const path = `${dir}/simple-issuer.kubeconfig`;
  const token = await createServiceAccountToken(cluster, DEPLOY_NAMESPACE, "simple-issuer");
  await Deno.writeTextFile(path, tokenKubeconfig(cluster, token, DEPLOY_NAMESPACE), {
    mode: 0o600,
  });
  return path;
}

/** The example's arguments as deployed: leader election on, JSON logs, no probe server. */
export function exampleArgs(kubeconfig: string): string[] {
  return [
    "--kubeconfig",
    kubeconfig,
    "--leader-elect",
    "--cluster-resource-namespace",
    DEPLOY_NAMESPACE,
    "--health-probe-bind-address",
    "0",
    "--log-format=json",
  ];
}
