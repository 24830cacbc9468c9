/**
 * Chaos soak: the example issuer as its own process (under the `example` task's
 * permission flags) against the fake API server in this process (127.0.0.1, HTTPS,
 * the issuer's token and deployed RBAC), with faults on: a share of requests answered
 * 500 or 429 + Retry-After, every watch cut and the history compacted every
 * `--cut-every` API requests, and the issuer SIGKILLed and restarted at some of those
 * milestones (chosen by a seeded coin with probability `--kill-chance`).
 *
 *     deno task soak [--n 200] [--cut-every 150] [--kill-chance 0.3] [--seed 1]
 *                    [--error-ratio 0.05] [--throttle-ratio 0.05] [--timeout-ms 300000]
 *                    [--failover 20]
 *
 * Then (unless `--failover 0`) two replicas with `--leader-elect`: the leader is SIGKILLed
 * halfway through `--failover` requests, and the failover time is printed.
 *
 * Prints what was injected and exits 1 when a check fails: every approved request Ready
 * with a certificate that verifies against the CA for its CSR's key, none Failed, the
 * approver's Approved and another controller's condition kept.
 *
 * @module
 */
import {
  checkFlags,
  ISSUER_TOKEN,
  type IssuerProcess,
  NAMESPACE,
  newCluster,
  numberFlag,
  seededRandom,
  spawnIssuer,
  stopIssuer,
} from "./_harness.ts";
import { describeSoak, runSoak } from "./_soak.ts";
import { describeFailover, runFailover } from "./_failover.ts";

const args = Deno.args;
checkFlags(
  "soak",
  args,
  [
    "n",
    "cut-every",
    "kill-chance",
    "seed",
    "error-ratio",
    "throttle-ratio",
    "timeout-ms",
    "failover",
  ],
  "usage: deno task soak [--n 200] [--cut-every 150] [--kill-chance 0.3] [--seed 1]\n" +
    "                      [--error-ratio 0.05] [--throttle-ratio 0.05] [--timeout-ms 300000]\n" +
    "                      [--failover 20]",
);
const n = numberFlag(args, "n", 200);
const cutEvery = numberFlag(args, "cut-every", 150);
const killChance = numberFlag(args, "kill-chance", 0.3);
const seed = numberFlag(args, "seed", 1);
const errorRatio = numberFlag(args, "error-ratio", 0.05);
const throttleRatio = numberFlag(args, "throttle-ratio", 0.05);
const timeoutMs = numberFlag(args, "timeout-ms", 300_000);
const failoverN = numberFlag(args, "failover", 20);

const cluster = await newCluster({ random: seededRandom(seed) });
const { server } = cluster;
const listening = await server.listen({ tls: true });
const dir = await Deno.makeTempDir({ prefix: "bench-soak-" });
const kubeconfig = `${dir}/kubeconfig`;
await Deno.writeTextFile(
  kubeconfig,
  listening.kubeconfig({ token: ISSUER_TOKEN, namespace: NAMESPACE }),
);
const spawnArgs = ["--max-retry-duration=1h"];

let issuer: IssuerProcess | undefined;
let restarting: Promise<void> = Promise.resolve();
let kills = 0;
const exitCodes: number[] = [];
const coin = seededRandom(seed ^ 0x5eed);
let exitCode = 0;
try {
  const result = await runSoak(cluster, async () => {
    issuer = await spawnIssuer(kubeconfig, spawnArgs);
  }, {
    n,
    cutEvery,
    errorRatio,
    throttleRatio,
    timeoutMs,
    log: (line) => console.error(line),
    onMilestone: () => {
      if (coin() >= killChance) return;
      restarting = restarting.then(async () => {
        if (!issuer) return;
        const status = await stopIssuer(issuer, "SIGKILL");
        exitCodes.push(status.signal === "SIGKILL" ? -9 : status.code);
        kills++;
        issuer = await spawnIssuer(kubeconfig, spawnArgs);
      });
    },
  });
  await restarting;
  console.log(describeSoak(result));
  console.log(`issuer SIGKILLs/restarts: ${kills}`);
  if (result.problems.length > 0) exitCode = 1;
  if (failoverN > 0) {
    console.error(`soak: leader failover with two replicas and ${failoverN} requests`);
    const failover = await runFailover(failoverN, timeoutMs);
    console.log(describeFailover(failover));
    if (failover.problems.length > 0 || failover.signedTwice.length > 0) exitCode = 1;
  }
} finally {
  await restarting;
  if (issuer) {
    const status = await stopIssuer(issuer);
    // Error lines are expected here (the injected faults are logged as reconcile errors).
    console.error(`soak: the last issuer process logged ${issuer.log.errors.length} error lines`);
    if (status.code !== 0) {
      console.error(`soak: the issuer exited with ${status.code}`);
      exitCode ||= 1;
    }
  }
  await listening.close();
  await server.close();
  await Deno.remove(dir, { recursive: true });
}
Deno.exit(exitCode);
