/**
 * The CI-sized chaos soak: 200 CertificateRequests signed by the example issuer (run
 * in-process over the fake API server's `fetch`) while a share of requests fail with 500
 * or 429 + Retry-After, watches are cut and history compacted at request-count
 * milestones. Asserts only on correctness (no timing): every request Ready with a
 * certificate that verifies against the CA for its CSR's key, none Failed, and the
 * approver's and another controller's conditions kept.
 */
import { strict as assert } from "node:assert";
import { KubeClient, runIssuer } from "@certkit/issuer-lib";
import { SimpleClusterIssuer, SimpleIssuer } from "../../examples/simple/api.ts";
import { simpleSigner } from "../../examples/simple/signer.ts";
import { FIELD_MANAGER } from "../../examples/simple/main.ts";
import { NAMESPACE, newCluster, seededRandom } from "../../bench/_harness.ts";
import { describeSoak, runSoak } from "../../bench/_soak.ts";

Deno.test("soak: 200 requests under 500s, 429s, cut watches and compaction all end Ready and verified", async () => {
  const cluster = await newCluster({ random: seededRandom(20261127) });
  await using server = cluster.server;
  using client = new KubeClient("http://fake", server.fetch, {
    timeoutMs: 0,
    defaultNamespace: NAMESPACE,
  });
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  try {
    const result = await runSoak(cluster, () => {
      running = runIssuer({
        issuerTypes: [SimpleIssuer, SimpleClusterIssuer],
        fieldManager: FIELD_MANAGER,
        ...simpleSigner({ clusterResourceNamespace: NAMESPACE }),
        client,
        signal: stop.signal,
        workers: 4,
      });
      return Promise.resolve();
    }, { n: 200, timeoutMs: 90_000 });
    console.log(describeSoak(result));
    assert.deepEqual(result.problems, []);
    assert.ok((result.injected["status:500"] ?? 0) > 0, "some 500s were injected");
    assert.ok((result.injected["status:429"] ?? 0) > 0, "some 429s were injected");
    assert.ok(result.watchCuts > 0, "watches were cut");
    assert.ok(result.writesWatched > 0, "the issuer's status writes were checked as they landed");
  } finally {
    stop.abort();
    await running;
  }
});
