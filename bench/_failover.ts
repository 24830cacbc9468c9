/**
 * Leader failover: two replicas of the example issuer with `--leader-elect`; the leader
 * signs a first half of the requests, is SIGKILLed (so it cannot release its Lease), and
 * the second half is approved at once. Measures lease expiry → the new leader acquiring
 * the Lease → its first certificate, and checks every request Ready and verified, none
 * Failed, and that no request's certificate was written by two replicas.
 *
 * @module
 */
import {
  approve,
  checkOutcome,
  CR_RESOURCE,
  createRequests,
  isDone,
  ISSUER_TOKEN,
  type IssuerProcess,
  makeCsrs,
  NAMESPACE,
  newCluster,
  REQUEST_NAMESPACE,
  requestName,
  SERVICE_ACCOUNT,
  spawnIssuer,
  stopIssuer,
} from "./_harness.ts";

const LEASE = "simple-issuer-leader-election";

/** What the failover phase measured. */
export interface FailoverResult {
  n: number;
  /** SIGKILL → the Lease's renewTime + leaseDurationSeconds. */
  killToExpiryMs: number;
  /** Lease expiry → the standby logging that it acquired the Lease. */
  expiryToAcquireMs: number;
  /** Lease expiry → the first certificate of the second half written (new leader reconciling). */
  expiryToFirstReadyMs: number;
  /** SIGKILL → the first certificate of the second half. */
  killToFirstReadyMs: number;
  /** Requests with more than one status write once a certificate was there. */
  signedTwice: string[];
  problems: string[];
}

function acquiredAt(issuer: IssuerProcess): boolean {
  return issuer.log.lines.some((line) => line.includes("acquired the lease"));
}

async function until(test: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (!test()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now();
}

export async function runFailover(n: number, timeoutMs: number): Promise<FailoverResult> {
  const cluster = await newCluster();
  const { server } = cluster;
  const listening = await server.listen({ tls: true });
  const dir = await Deno.makeTempDir({ prefix: "bench-failover-" });
  const kubeconfig = `${dir}/kubeconfig`;
  await Deno.writeTextFile(
    kubeconfig,
    listening.kubeconfig({ token: ISSUER_TOKEN, namespace: NAMESPACE }),
  );
  const csrs = await makeCsrs(n);
  const names = csrs.map((_, i) => requestName(i));
  await createRequests(server, csrs);
  // Every status write that sets a certificate, per request, to catch double signing.
  const certificateWrites = new Map<string, number>();
  const unsubscribe = server.requests.subscribe((r) => {
    if (r.user !== SERVICE_ACCOUNT || r.resource !== "certificaterequests") return;
    if (r.subresource !== "status" || r.verb !== "patch" || r.code !== 200) return;
    queueMicrotask(() => {
      const cr = server.get(CR_RESOURCE, REQUEST_NAMESPACE, r.name);
      if ((cr?.status as { certificate?: string } | undefined)?.certificate) {
        certificateWrites.set(r.name, (certificateWrites.get(r.name) ?? 0) + 1);
      }
    });
  });
  const args = ["--leader-elect", `--leader-election-namespace=${NAMESPACE}`];
  const replicas = [await spawnIssuer(kubeconfig, args), await spawnIssuer(kubeconfig, args)];
  try {
    await until(() => replicas.some(acquiredAt), timeoutMs, "a leader");
    const leader = replicas.find(acquiredAt) as IssuerProcess;
    const standby = replicas.find((r) => r !== leader) as IssuerProcess;
    const half = Math.floor(n / 2);
    for (const name of names.slice(0, half)) await approve(server, name);
    await Promise.all(
      names.slice(0, half).map((name) =>
        server.waitFor(CR_RESOURCE, REQUEST_NAMESPACE, name, isDone, { timeoutMs })
      ),
    );
    const lease = server.get("leases.coordination.k8s.io", NAMESPACE, LEASE);
    const spec = lease?.spec as { renewTime?: string; leaseDurationSeconds?: number };
    leader.child.kill("SIGKILL");
    const killedAt = performance.now();
    const killedWall = Date.now();
    await leader.child.status;
    const expiresWall = Date.parse(spec.renewTime ?? "") + (spec.leaseDurationSeconds ?? 0) * 1000;
    const killToExpiryMs = expiresWall - killedWall;
    let firstReady = Infinity;
    const rest = Promise.all(
      names.slice(half).map((name) =>
        server.waitFor(CR_RESOURCE, REQUEST_NAMESPACE, name, isDone, { timeoutMs }).then(() => {
          firstReady = Math.min(firstReady, performance.now());
        })
      ),
    );
    for (const name of names.slice(half)) await approve(server, name);
    const acquired = await until(() => acquiredAt(standby), timeoutMs, "the standby to lead");
    await rest;
    replicas.splice(replicas.indexOf(leader), 1);
    const problems = await checkOutcome(server, cluster.caCertPem, names, new Set());
    const signedTwice = [...certificateWrites].filter(([, count]) => count > 1).map(([k]) => k);
    return {
      n,
      killToExpiryMs,
      expiryToAcquireMs: acquired - killedAt - killToExpiryMs,
      expiryToFirstReadyMs: firstReady - killedAt - killToExpiryMs,
      killToFirstReadyMs: firstReady - killedAt,
      signedTwice,
      problems,
    };
  } finally {
    unsubscribe();
    for (const replica of replicas) await stopIssuer(replica);
    await listening.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

export function describeFailover(r: FailoverResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return [
    `failover requests:        ${r.n} (half before the leader's SIGKILL, half after)`,
    `SIGKILL → lease expiry:   ${s(r.killToExpiryMs)}`,
    `lease expiry → acquired:  ${s(r.expiryToAcquireMs)}`,
    `lease expiry → 1st Ready: ${s(r.expiryToFirstReadyMs)}`,
    `SIGKILL → 1st Ready:      ${s(r.killToFirstReadyMs)}`,
    `signed twice:             ${r.signedTwice.length}`,
    `failover problems:        ${r.problems.length}`,
    ...r.problems.slice(0, 20).map((p) => `  - ${p}`),
  ].join("\n");
}
