/**
 * Leader election on a real kube-apiserver's Lease: two electors, one lease; graceful
 * hand-over (release) and abandonment (expiry), with failover times on the real clock.
 *
 * Runs under `CONFORMANCE_TARGET=real` (`deno task test:real`); ignored otherwise. Without
 * binaries in tests/real/bin it is ignored too, unless REAL_APISERVER_REQUIRED=1 (then it
 * fails and says to run tests/real/build.sh).
 */
import assert from "node:assert/strict";
import { type ClusterConnection, fetchTransport } from "../../lib/client/mod.ts";
import { KubeClient } from "../../lib/client/kube_client.ts";
import { ResourceClient } from "../../lib/client/resource_client.ts";
import type { Transport } from "../../lib/client/transport.ts";
import { EVENTS, KubeEventRecorder } from "../../lib/runtime/event_recorder.ts";
import { LeaderElector, type LeaderElectorOptions } from "../../lib/runtime/leader_election.ts";
import { LeaseLock, LEASES } from "../../lib/runtime/lease_lock.ts";
import { startRealCluster } from "./real_cluster.ts";
import { realTest } from "./_real_test.ts";

/** A transport that wakes waiters after each response, so tests wait for requests, not time. */
function observed(base: Transport) {
  const waiters = new Set<() => void>();
  let responses = 0;
  const transport: Transport = async (request) => {
    try {
      return await base(request);
    } finally {
      responses++;
      for (const wake of [...waiters]) wake();
    }
  };
  return {
    transport,
    get responses() {
      return responses;
    },
    /** Resolves once `cond` holds, checking after every response. */
    until(cond: () => boolean): Promise<void> {
      if (cond()) return Promise.resolve();
      return new Promise((resolve) => {
        const wake = () => {
          if (!cond()) return;
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
      });
    },
  };
}

realTest(
  "leader election on a real Lease: one leader, graceful hand-over, abandoned lease",
  async () => {
    await using cluster = await startRealCluster();
    const connection: ClusterConnection = {
      server: cluster.url,
      caCertsPem: [cluster.caPem],
      clientCertPem: cluster.adminCertPem,
      clientKeyPem: cluster.adminKeyPem,
      namespace: "kube-system",
    };
    // Short durations on the real clock: lease 3 s, renew deadline 2 s, retry 0.5 s.
    const timing: Partial<LeaderElectorOptions> = {
      leaseDurationMs: 3_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 500,
    };
    const witness = { active: 0, max: 0 };
    const disposers: (() => void)[] = [];
    const candidate = (identity: string, options: Partial<LeaderElectorOptions> = {}) => {
      const base = fetchTransport(connection);
      const watched = observed(base);
      const client = new KubeClient(cluster.url, watched.transport);
      disposers.push(() => {
        client.close();
        base.close();
      });
      const elector = new LeaderElector({
        lock: new LeaseLock(client, { namespace: "kube-system", name: "certkit-real" }),
        identity,
        ...timing,
        ...options,
      });
      const stop = new AbortController();
      const led = Promise.withResolvers<number>();
      const run = elector.run(stop.signal, async (signal) => {
        led.resolve(Date.now());
        witness.active++;
        witness.max = Math.max(witness.max, witness.active);
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
        witness.active--;
      });
      run.catch(() => {});
      return { elector, stop, led: led.promise, run, watched, client };
    };

    const admin = new KubeClient(cluster.url, fetchTransport(connection));
    const leases = new ResourceClient(admin, LEASES, { namespace: "kube-system" });
    const recorder = new KubeEventRecorder(admin, {
      reportingController: "certkit.example.com/issuer",
      reportingInstance: "real-test",
    });
    const recording = recorder.start();
    try {
      const a = candidate("replica-a", { recorder });
      await a.led;
      assert.equal(a.elector.isLeader, true);
      const b = candidate("replica-b", { releaseOnCancel: false });
      // Let B try eight times while A renews: it must not lead.
      const seen = b.watched.responses;
      await b.watched.until(() => b.watched.responses >= seen + 8);
      assert.equal(a.elector.isLeader, true);
      assert.equal(b.elector.isLeader, false);
      assert.equal(b.elector.leader, "replica-a");
      let lease = await leases.get("certkit-real");
      assert.equal(lease.spec?.holderIdentity, "replica-a");
      assert.equal(lease.spec?.leaseTransitions, 0);
      assert.match(lease.spec?.renewTime ?? "", /\.\d{6}Z$/);

      // Graceful: A releases; B takes over at its next try.
      const stoppedA = Date.now();
      a.stop.abort();
      await a.run;
      const gracefulMs = (await b.led) - stoppedA;
      lease = await leases.get("certkit-real");
      assert.equal(lease.spec?.holderIdentity, "replica-b");
      assert.equal(lease.spec?.leaseTransitions, 1);
      assert.ok(gracefulMs < 3_000, `graceful failover took ${gracefulMs} ms`);

      // Abandoned: B stops renewing without releasing; C waits for the lease to expire.
      const c = candidate("replica-c");
      const seenC = c.watched.responses;
      await c.watched.until(() => c.watched.responses >= seenC + 2);
      const abandonedB = Date.now();
      b.stop.abort();
      await b.run;
      assert.equal((await leases.get("certkit-real")).spec?.holderIdentity, "replica-b");
      const abandonedMs = (await c.led) - abandonedB;
      lease = await leases.get("certkit-real");
      assert.equal(lease.spec?.holderIdentity, "replica-c");
      assert.equal(lease.spec?.leaseTransitions, 2);
      assert.ok(abandonedMs >= 2_000, `abandoned failover took ${abandonedMs} ms`);
      assert.ok(
        abandonedMs < 3_000 + 2 * 1.1 * 500 + 1_000,
        `abandoned failover: ${abandonedMs} ms`,
      );
      assert.equal(witness.max, 1);
      console.log(
        `real Lease failover: graceful ${gracefulMs} ms, abandoned ${abandonedMs} ms ` +
          "(lease 3 s, renew deadline 2 s, retry 0.5 s)",
      );

      c.stop.abort();
      await c.run;
      assert.equal((await leases.get("certkit-real")).spec?.holderIdentity, "");

      // The real API server accepted the leader election event.
      await recorder.flush();
      const events = await new ResourceClient(admin, EVENTS).list({ namespace: "kube-system" });
      const notes = events.items.filter((e) => e.reason === "LeaderElection").map((e) => e.note);
      assert.deepEqual(notes.sort(), ["replica-a became leader", "replica-a stopped leading"]);
    } finally {
      await recorder.stop();
      await recording;
      admin.close();
      for (const dispose of disposers) dispose();
    }
  },
);

realTest(
  "event series on a real kube-apiserver: create, then strategic-merge series patches",
  async () => {
    await using cluster = await startRealCluster();
    const admin = KubeClient.fromConnection({
      server: cluster.url,
      caCertsPem: [cluster.caPem],
      clientCertPem: cluster.adminCertPem,
      clientKeyPem: cluster.adminKeyPem,
      namespace: "default",
    });
    const recorder = new KubeEventRecorder(admin, {
      reportingController: "certkit.example.com/issuer",
      reportingInstance: "real-test",
    });
    const recording = recorder.start();
    try {
      const regarding = { apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "cm" };
      const failed = {
        type: "Warning",
        reason: "RetryableError",
        action: "SyncFailed",
        note: `Failed: ${"é".repeat(600)}`,
      } as const;
      for (let i = 0; i < 5; i++) recorder.record(regarding, failed);
      await recorder.flush();
      const { items } = await new ResourceClient(admin, EVENTS).list({ namespace: "default" });
      assert.equal(items.length, 1);
      assert.equal(items[0]?.series?.count, 5);
      assert.equal(new TextEncoder().encode(items[0]?.note ?? "").length <= 1024, true);
      assert.ok(items[0]?.note.endsWith("..."));
    } finally {
      await recorder.stop();
      await recording;
      admin.close();
    }
  },
);
