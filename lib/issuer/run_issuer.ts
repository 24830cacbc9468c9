/**
 * `runIssuer`: the entry point of an issuer program — connect to the cluster, run the
 * issuer controllers (with leader election, metrics and health probes when asked), and
 * stop cleanly when the signal aborts.
 *
 * @module
 */

import type { Logger } from "../runtime/logging.ts";
import type { Clock } from "../core/clock.ts";
import type { JsonObject } from "../core/json.ts";
import type { ClusterConnection } from "../client/connection.ts";
import { loadConnection } from "../client/config/load.ts";
import { KubeClient } from "../client/kube_client.ts";
import type { RestClient } from "../client/rest_client.ts";
import { LeaderElector } from "../runtime/leader_election.ts";
import { LeaseLock } from "../runtime/lease_lock.ts";
import { Manager } from "../runtime/manager.ts";
import { IssuerControllers, type IssuerControllersOptions } from "./issuer_controllers.ts";

/**
 * Leader election settings of {@linkcode runIssuer}: which Lease, who this replica is,
 * and client-go's timings.
 *
 * @example A Lease in the issuer's namespace
 * ```ts
 * import type { IssuerLeaderElection } from "@certkit/issuer-lib";
 *
 * const election: IssuerLeaderElection = { namespace: "ca-system", name: "ca-issuer", identity: "pod-a" };
 * console.assert(election.name === "ca-issuer");
 * ```
 */
export interface IssuerLeaderElection {
  /** The Lease's namespace (default: the connection's namespace, else `default`). */
  namespace?: string;
  /** The Lease's name (default: the field manager, made a valid name, + `-leader-election`). */
  name?: string;
  /** This replica's identity (default: host name and a random UUID; needs `--allow-sys=hostname`). */
  identity?: string;
  /** How long a claim lasts (default 15 s). */
  leaseDurationMs?: number;
  /** How long renewal may fail before leadership is lost (default 10 s). */
  renewDeadlineMs?: number;
  /** The pause between tries (default 2 s). */
  retryPeriodMs?: number;
}

/**
 * The options of {@linkcode runIssuer}: those of the controllers, plus where the cluster
 * is, when to stop, and the process-level services.
 *
 * @typeParam TSpec The spec type of the issuer objects.
 *
 * @example The options of a small issuer
 * ```ts
 * import { issuerType, type RunIssuerOptions } from "@certkit/issuer-lib";
 *
 * const options: RunIssuerOptions = {
 *   issuerTypes: [issuerType({ group: "ca.example.com", version: "v1", kind: "MyIssuer", plural: "myissuers", namespaced: true })],
 *   fieldManager: "ca.example.com",
 *   check: async () => {},
 *   sign: () => Promise.reject(new Error("not implemented")),
 *   signal: AbortSignal.abort(),
 *   leaderElection: true,
 *   metricsAddress: ":8080",
 *   healthProbeAddress: ":8081",
 * };
 * console.assert(options.fieldManager === "ca.example.com");
 * ```
 */
export interface RunIssuerOptions<TSpec = JsonObject> extends IssuerControllersOptions<TSpec> {
  /** Stops the issuer: controllers finish in-flight work, the lease is released, then it resolves. */
  signal: AbortSignal;
  /** The client to use (the caller keeps it open); else one is made from `connection`. */
  client?: RestClient | undefined;
  /**
   * Where the cluster is; default: found as kubectl does (`KUBECONFIG`, `~/.kube/config`,
   * or the pod's service account).
   */
  connection?: ClusterConnection | undefined;
  /** Where time comes from (default: the real clock). */
  clock?: Clock | undefined;
  /** Run only while holding a Lease (several replicas): `true` for the defaults. */
  leaderElection?: boolean | IssuerLeaderElection | undefined;
  /** Serve `/metrics` here, such as `:8080` (off by default). */
  metricsAddress?: string | undefined;
  /** Serve `/healthz` and `/readyz` here, such as `:8081` (off by default). */
  healthProbeAddress?: string | undefined;
  /** The manager's logger (default category `certkit.manager`). */
  logger?: Logger | undefined;
  /** How long a stop waits for in-flight reconciles (default 30 s). */
  gracefulShutdownTimeoutMs?: number | undefined;
}

function leaseName(fieldManager: string): string {
  const base = fieldManager.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^[^a-z0-9]+/, "")
    .slice(0, 200).replace(/[^a-z0-9]+$/, "");
  return `${base || "issuer"}-leader-election`;
}

/**
 * Runs an issuer until `signal` aborts:
 * 1. Checks the options (before connecting): a non-empty field manager, `check` and
 *    `sign`, at least one request kind enabled — both disabled fails with `both
 *    CertificateRequest and Kubernetes CSR controllers are disabled, must enable at least
 *    one`.
 * 2. Connects (`client`, else `connection`, else the kubectl way).
 * 3. Starts a {@linkcode Manager} with the {@linkcode IssuerControllers}, an
 *    events.k8s.io/v1 event recorder, and — when asked — leader election on a Lease,
 *    `/metrics` and `/healthz` + `/readyz`.
 * 4. On abort: in-flight reconciles finish (within the grace period), the Lease is
 *    released, queued events are written, the servers close; then it resolves.
 *
 * Deno permissions: `--allow-net` (the API server, and the bind addresses),
 * `--allow-read` and `--allow-env` (to find the kubeconfig or service account), and
 * `--allow-sys=hostname` with the default leader-election identity.
 *
 * @typeParam TSpec The spec type of the issuer objects.
 * @param options The issuer types, field manager, `check`, `sign`, `signal` and options.
 * @returns A promise that resolves once everything has stopped; it rejects when a
 *   controller's caches do not sync, or leadership is lost.
 * @throws {TypeError} For invalid options (see {@linkcode IssuerControllers}).
 *
 * @example A CA issuer, run against the fake API server until a request is issued
 * ```ts
 * import {
 *   certificateTemplate,
 *   generateCa,
 *   generateCsr,
 *   issuerType,
 *   issuerTypeCrd,
 *   KubeClient,
 *   runIssuer,
 *   signCertificate,
 * } from "@certkit/issuer-lib";
 * import { CERTIFICATE_REQUESTS_CRD, FakeApiServer } from "@certkit/issuer-lib/testing";
 *
 * const caIssuer = issuerType({ group: "ca.example.com", version: "v1", kind: "CAIssuer", plural: "caissuers", namespaced: true });
 * const ca = await generateCa({ commonName: "Example CA", now: Date.now() });
 *
 * await using server = new FakeApiServer({ crds: [CERTIFICATE_REQUESTS_CRD, issuerTypeCrd(caIssuer)] });
 * using client = new KubeClient("http://fake", server.fetch);
 * const stop = new AbortController();
 * const running = runIssuer({
 *   issuerTypes: [caIssuer],
 *   fieldManager: "ca.example.com",
 *   check: async () => {},
 *   sign: async (request, _issuer, ctx) => {
 *     const template = await certificateTemplate(request.certificateDetails(), ctx.clock.now());
 *     return await signCertificate(template, { caCertPem: ca.certPem, caKeyPem: ca.keyPem });
 *   },
 *   disableCertificateSigningRequests: true,
 *   client,
 *   signal: stop.signal,
 * });
 *
 * const { csrPem } = await generateCsr({ subject: "CN=web" });
 * await server.load(
 *   { apiVersion: "ca.example.com/v1", kind: "CAIssuer", metadata: { name: "ca", namespace: "default" }, spec: {} },
 *   {
 *     apiVersion: "cert-manager.io/v1", kind: "CertificateRequest",
 *     metadata: { name: "web", namespace: "default" },
 *     spec: { issuerRef: { group: "ca.example.com", kind: "CAIssuer", name: "ca" }, request: btoa(csrPem) },
 *   },
 * );
 * // What cert-manager's approver does:
 * await client.performRequest({
 *   method: "PATCH",
 *   path: "/apis/cert-manager.io/v1/namespaces/default/certificaterequests/web/status",
 *   contentType: "application/merge-patch+json",
 *   bodyJson: { status: { conditions: [{ type: "Approved", status: "True", reason: "ok", message: "ok" }] } },
 *   expectJson: true,
 * });
 * await server.waitFor("certificaterequests.cert-manager.io", "default", "web", (cr) =>
 *   JSON.stringify(cr?.status ?? {}).includes('"reason":"Issued"'));
 * stop.abort();
 * await running;
 * ```
 */
export async function runIssuer<TSpec = JsonObject>(
  options: RunIssuerOptions<TSpec>,
): Promise<void> {
  const controllers = new IssuerControllers<TSpec>(options);
  if (!(options.signal instanceof AbortSignal)) {
    throw new TypeError("runIssuer: signal must be an AbortSignal");
  }
  let client = options.client;
  let owned: KubeClient | undefined;
  let namespace = client?.defaultNamespace;
  if (client === undefined) {
    const connection = options.connection ?? await loadConnection();
    namespace = connection.namespace;
    owned = KubeClient.fromConnection(connection, options.clock ? { clock: options.clock } : {});
    client = owned;
  }
  try {
    const election = options.leaderElection === true ? {} : options.leaderElection || undefined;
    const leaderElector = election === undefined ? undefined : new LeaderElector({
      lock: new LeaseLock(client, {
        namespace: election.namespace ?? namespace ?? "default",
        name: election.name ?? leaseName(options.fieldManager),
      }),
      ...(election.identity !== undefined ? { identity: election.identity } : {}),
      ...(election.leaseDurationMs !== undefined
        ? { leaseDurationMs: election.leaseDurationMs }
        : {}),
      ...(election.renewDeadlineMs !== undefined
        ? { renewDeadlineMs: election.renewDeadlineMs }
        : {}),
      ...(election.retryPeriodMs !== undefined ? { retryPeriodMs: election.retryPeriodMs } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const manager = new Manager({
      client,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.metricsAddress !== undefined
        ? { metricsBindAddress: options.metricsAddress }
        : {}),
      ...(options.healthProbeAddress !== undefined
        ? { healthProbeBindAddress: options.healthProbeAddress }
        : {}),
      ...(leaderElector ? { leaderElector } : {}),
      ...(options.gracefulShutdownTimeoutMs !== undefined
        ? { gracefulShutdownTimeoutMs: options.gracefulShutdownTimeoutMs }
        : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    controllers.addTo(manager);
    await manager.start(options.signal);
  } finally {
    owned?.close();
  }
}
