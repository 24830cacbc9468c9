/**
 * Where the load benchmark runs: the fake API server in this process (default), any API
 * server given by an admin kubeconfig, or the real kube-apiserver tier of
 * `tests/real/`. Each target sets up the example's namespace, ServiceAccount, RBAC, CRDs,
 * a CA Secret and a SimpleClusterIssuer; makes CertificateRequests; hands out an admin
 * client (the load generator's and the approver's identity) and a kubeconfig for the
 * issuer; and counts the issuer's API requests.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import {
  generateCa,
  isAlreadyExists,
  type JsonObject,
  KubeClient,
  loadConnection,
  type RestClient,
  type RestJsonValue,
} from "@certkit/issuer-lib";
import type { FakeApiServer, ListeningApiServer } from "@certkit/issuer-lib/testing";
import {
  createRequests as loadRequests,
  ISSUER_TOKEN,
  NAMESPACE,
  newCluster,
  REQUEST_NAMESPACE,
  requestName,
  ROOT,
  SERVICE_ACCOUNT,
  splitRequests,
} from "./_harness.ts";
import type { RequestSplit } from "./_harness.ts";

/** The issuer's API requests so far, by kind (cumulative: take differences). */
export type RequestCounts = RequestSplit;

/** A cluster the load benchmark runs against. */
export interface Target {
  /** What it is, for the table. */
  readonly description: string;
  /** Whose requests are counted and how, for the table's footnote. */
  readonly countsFrom: string;
  /** The identity the issuer runs as, for the table. */
  readonly issuerIdentity: string;
  /** The kubeconfig file the issuer is started with. */
  readonly issuerKubeconfig: string;
  /** The load generator's and the approver's client (an admin). */
  readonly admin: RestClient;
  /** Where the CertificateRequests are. */
  readonly requestNamespace: string;
  /** Makes the CertificateRequests `requestName(0..)` for the CSRs (base64 PEM). */
  createRequests(csrs: readonly string[]): Promise<void>;
  /** The issuer's requests so far, or `undefined` when they cannot be counted. */
  issuerCounts(): Promise<RequestCounts | undefined>;
  /** The load generator's own writes that the counts must leave out (remote targets). */
  noteOwnRequests(kind: keyof RequestCounts, n: number): void;
  /** Removes what it made (remote) and stops what it started. */
  close(): Promise<void>;
}

/** The SimpleClusterIssuer every request names. */
export const ISSUER_NAME = "ca";
const CA_SECRET = "ca";

function emptyCounts(): RequestCounts {
  return { reads: 0, statusWrites: 0, events: 0, other: 0, total: 0 };
}

/** The fake API server, in this process, listening on 127.0.0.1 over HTTPS. */
export async function fakeTarget(): Promise<Target> {
  const { server } = await newCluster();
  const listening: ListeningApiServer = await server.listen({ tls: true });
  const dir = await Deno.makeTempDir({ prefix: "bench-load-" });
  const issuerKubeconfig = `${dir}/issuer.kubeconfig`;
  await Deno.writeTextFile(
    issuerKubeconfig,
    listening.kubeconfig({ token: ISSUER_TOKEN, namespace: NAMESPACE }),
  );
  // Counted as they come: the request log keeps the latest 200,000 records only.
  const counts = emptyCounts();
  const unsubscribe = server.requests.subscribe((record) => {
    if (record.user !== SERVICE_ACCOUNT) return;
    const one = splitRequests([record]);
    for (const key of Object.keys(counts) as (keyof RequestCounts)[]) counts[key] += one[key];
  });
  const admin = new KubeClient("http://fake", server.fetch);
  return {
    description: "fake API server (in the bench process, HTTPS on 127.0.0.1)",
    countsFrom: "the fake's request log, the issuer's user only",
    issuerIdentity: `${SERVICE_ACCOUNT} (token), deploy/rbac.yaml rules`,
    issuerKubeconfig,
    admin,
    requestNamespace: REQUEST_NAMESPACE,
    createRequests: (csrs) => loadRequests(server as FakeApiServer, csrs),
    issuerCounts: () => Promise.resolve({ ...counts }),
    noteOwnRequests: () => {},
    close: async () => {
      unsubscribe();
      admin.close();
      await listening.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** The resource path of an object (the kinds the setup applies). */
function objectPath(o: JsonObject): string {
  const meta = o.metadata as { name: string; namespace?: string };
  const [group, version] = (o.apiVersion as string).includes("/")
    ? (o.apiVersion as string).split("/")
    : ["", o.apiVersion as string];
  const plural: Record<string, string> = {
    Namespace: "namespaces",
    ServiceAccount: "serviceaccounts",
    Secret: "secrets",
    ClusterRole: "clusterroles",
    ClusterRoleBinding: "clusterrolebindings",
    Role: "roles",
    RoleBinding: "rolebindings",
    CustomResourceDefinition: "customresourcedefinitions",
    SimpleClusterIssuer: "simpleclusterissuers",
  };
  const resource = plural[o.kind as string];
  if (!resource) throw new Error(`bench: no path for kind ${o.kind}`);
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const ns = meta.namespace ? `/namespaces/${meta.namespace}` : "";
  return `${base}${ns}/${resource}/${meta.name}`;
}

/** Server-side applies objects as the bench's field manager (idempotent). */
async function apply(client: RestClient, objects: readonly JsonObject[]): Promise<void> {
  for (const o of objects) {
    await client.performRequest({
      method: "PATCH",
      path: objectPath(o),
      querystring: new URLSearchParams({ fieldManager: "bench-load", force: "true" }),
      contentType: "application/apply-patch+yaml",
      bodyJson: o as RestJsonValue,
      expectJson: true,
    });
  }
}

async function manifests(...paths: string[]): Promise<JsonObject[]> {
  const out: JsonObject[] = [];
  for (const path of paths) {
    const text = await Deno.readTextFile(new URL(path, ROOT));
    for (const doc of parseAllDocuments(text)) {
      const o = doc.toJSON() as JsonObject | null;
      if (o) out.push(o);
    }
  }
  return out;
}

/** Waits until a resource is served (a new CRD takes a moment). */
async function waitServed(client: RestClient, path: string): Promise<void> {
  for (let i = 0;; i++) {
    try {
      await client.performRequest({ method: "GET", path: `${path}?limit=1`, expectJson: true });
      return;
    } catch (error) {
      if (i > 300) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Applies the example's deploy/ files (namespace, ServiceAccount, RBAC, CRDs), the
 * CertificateRequest CRD, a CA Secret and the SimpleClusterIssuer, as the admin.
 */
export async function setUpCluster(client: RestClient, requestNamespace: string): Promise<void> {
  await apply(
    client,
    await manifests(
      "examples/simple/deploy/namespace.yaml",
      "examples/simple/deploy/service_account.yaml",
      "examples/simple/deploy/rbac.yaml",
      "examples/simple/deploy/crds/simpleissuers.yaml",
      "examples/simple/deploy/crds/simpleclusterissuers.yaml",
      "testdata/cert-manager-crds/cert-manager.io_certificaterequests.yaml",
    ),
  );
  await waitServed(client, "/apis/cert-manager.io/v1/certificaterequests");
  await waitServed(client, "/apis/simple.certkit.dev/v1alpha1/simpleclusterissuers");
  const ca = await generateCa({ commonName: "Bench CA", now: Date.now() - 60_000 });
  await apply(client, [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: requestNamespace } },
    {
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/tls",
      metadata: { name: CA_SECRET, namespace: NAMESPACE },
      data: { "tls.crt": btoa(ca.certPem), "tls.key": btoa(ca.keyPem) },
    },
    {
      apiVersion: "simple.certkit.dev/v1alpha1",
      kind: "SimpleClusterIssuer",
      metadata: { name: ISSUER_NAME },
      spec: { secretName: CA_SECRET },
    },
  ]);
}

/** The resources the issuer touches: /metrics counts are kept to these. */
const ISSUER_RESOURCES = new Set([
  "certificaterequests",
  "certificatesigningrequests",
  "simpleissuers",
  "simpleclusterissuers",
  "secrets",
  "events",
  "subjectaccessreviews",
]);

/**
 * `apiserver_request_total` summed into reads, status writes, events and other, for the
 * resources the issuer touches. WATCH requests are counted when they end.
 */
export function countsFromMetrics(text: string): RequestCounts {
  const counts = emptyCounts();
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (!ISSUER_RESOURCES.has(labels.resource ?? "") || !(value > 0)) continue;
    counts.total += value;
    if (labels.resource === "events") counts.events += value;
    else if (["GET", "LIST", "WATCH"].includes(labels.verb ?? "")) counts.reads += value;
    else if (
      labels.subresource === "status" && ["PATCH", "APPLY", "PUT"].includes(labels.verb ?? "")
    ) {
      counts.statusWrites += value;
    } else counts.other += value;
  }
  return counts;
}

/** Options of {@linkcode remoteTarget}. */
export interface RemoteTargetOptions {
  /** The admin kubeconfig: the load generator and the approvals. */
  adminKubeconfig: string;
  /** The issuer's kubeconfig (default: the admin's). */
  issuerKubeconfig?: string | undefined;
  /** Who the issuer is, for the table. */
  issuerIdentity?: string | undefined;
  /** What the server is, for the table. */
  description: string;
  /** Where the requests go (made, and deleted at the end when `deleteNamespace`). */
  requestNamespace: string;
  /** Delete the request namespace at the end (a cluster that outlives the bench). */
  deleteNamespace: boolean;
  /** Run after the rest of `close` (stops a cluster the bench started). */
  onClose?: () => Promise<void>;
}

/** Any API server: set up through the admin kubeconfig, counted from its /metrics. */
export async function remoteTarget(o: RemoteTargetOptions): Promise<Target> {
  const connection = await loadConnection({ kubeconfig: o.adminKubeconfig });
  const admin = KubeClient.fromConnection(connection);
  await setUpCluster(admin, o.requestNamespace);
  const own = emptyCounts();
  const metrics = async (): Promise<RequestCounts | undefined> => {
    try {
      const bytes = await admin.performRequest({
        method: "GET",
        path: "/metrics",
        accept: "text/plain",
      });
      return countsFromMetrics(new TextDecoder().decode(bytes));
    } catch {
      return undefined;
    }
  };
  return {
    description: o.description,
    countsFrom:
      "apiserver_request_total deltas on /metrics (no user label): the issuer's resources only, minus the bench's own creates and approvals; WATCHes count when they end, so open watches are not in it",
    issuerIdentity: o.issuerIdentity ??
      (o.issuerKubeconfig ? `the user of ${o.issuerKubeconfig}` : "the admin kubeconfig's user"),
    issuerKubeconfig: o.issuerKubeconfig ?? o.adminKubeconfig,
    admin,
    requestNamespace: o.requestNamespace,
    async createRequests(csrs) {
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < csrs.length; i = next++) {
          try {
            await admin.performRequest({
              method: "POST",
              path: `/apis/cert-manager.io/v1/namespaces/${o.requestNamespace}/certificaterequests`,
              bodyJson: {
                apiVersion: "cert-manager.io/v1",
                kind: "CertificateRequest",
                metadata: { name: requestName(i), namespace: o.requestNamespace },
                spec: {
                  request: csrs[i] as string,
                  issuerRef: {
                    group: "simple.certkit.dev",
                    kind: "SimpleClusterIssuer",
                    name: ISSUER_NAME,
                  },
                },
              },
              expectJson: true,
            });
          } catch (error) {
            if (!isAlreadyExists(error)) throw error;
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
    },
    async issuerCounts() {
      const all = await metrics();
      if (!all) return undefined;
      const out = emptyCounts();
      for (const key of Object.keys(out) as (keyof RequestCounts)[]) out[key] = all[key] - own[key];
      return out;
    },
    noteOwnRequests(kind, n) {
      own[kind] += n;
      own.total += n;
    },
    async close() {
      if (o.deleteNamespace) {
        await admin.performRequest({
          method: "DELETE",
          path: `/api/v1/namespaces/${o.requestNamespace}`,
          expectJson: true,
        }).catch(() => {});
      }
      admin.close();
      await o.onClose?.();
    },
  };
}

/** The real kube-apiserver + etcd of `tests/real/`, the issuer under its ServiceAccount token. */
export async function realTarget(): Promise<Target> {
  const real = await import("../tests/real/real_cluster.ts");
  if (!real.realClusterBinariesPresent()) {
    throw new Error(
      "bench: --real needs tests/real/bin/{etcd,kube-apiserver} (tests/real/build.sh)",
    );
  }
  const cluster = await real.startRealCluster();
  try {
    const namespace = "bench";
    const target = await remoteTarget({
      adminKubeconfig: cluster.kubeconfigPath,
      description: "real kube-apiserver v1.34 + etcd (tests/real, no controller-manager)",
      requestNamespace: namespace,
      deleteNamespace: false,
      issuerIdentity: `${SERVICE_ACCOUNT} (TokenRequest token), deploy/rbac.yaml applied`,
      onClose: () => cluster.stop(),
    });
    const token = await real.createServiceAccountToken(cluster, NAMESPACE, "simple-issuer", {
      expirationSeconds: 24 * 3600,
    });
    const issuerKubeconfig = `${cluster.dir}/issuer.kubeconfig`;
    await Deno.writeTextFile(issuerKubeconfig, real.tokenKubeconfig(cluster, token, NAMESPACE));
    return { ...target, issuerKubeconfig };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
