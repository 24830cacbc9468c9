/**
 * Load benchmark: the example issuer as its own process (under the `example` task's
 * permission flags) against the fake API server, which runs in this process on
 * 127.0.0.1 over HTTPS with the issuer's service-account token and deployed RBAC.
 *
 *     deno task bench:load [--n 1000] [--rate 0] [--max-retry-duration 1h]
 *
 * `--n` CertificateRequests with fresh ECDSA P-256 CSRs (made before anything is timed)
 * exist before the issuer starts (so start-up is measured with them in the caches); once
 * it is ready they are approved, all at once (`--rate 0`) or `--rate` per second. Prints
 * one table. `--workers` is refused: the example issuer has no flag for it (it runs the
 * library's default concurrency).
 *
 * @module
 */
import {
  approve,
  CR_RESOURCE,
  createRequests,
  isDone,
  isReady,
  ISSUER_TOKEN,
  makeCsrs,
  memoryOf,
  NAMESPACE,
  newCluster,
  numberFlag,
  percentile,
  REQUEST_NAMESPACE,
  requestName,
  SERVICE_ACCOUNT,
  spawnIssuer,
  splitRequests,
  stopIssuer,
  waitReadyz,
} from "./_harness.ts";

const args = Deno.args;
if (args.some((a) => a === "--workers" || a.startsWith("--workers="))) {
  console.error(
    "bench:load: --workers is not supported: examples/simple/main.ts has no flag for the number of workers",
  );
  Deno.exit(2);
}
const n = numberFlag(args, "n", 1000);
const rate = numberFlag(args, "rate", 0);
const maxRetry = args.find((a) => a.startsWith("--max-retry-duration="))?.split("=")[1] ?? "1h";
const timeoutMs = numberFlag(args, "timeout-ms", 600_000);
if (!(Number.isInteger(n) && n > 0 && n <= 100_000) || !(rate >= 0)) {
  console.error("bench:load: --n must be 1..100000 and --rate >= 0");
  Deno.exit(2);
}

console.error(`bench:load: generating ${n} ECDSA P-256 CSRs (not timed)…`);
const csrs = await makeCsrs(n);
const names = csrs.map((_, i) => requestName(i));

const { server } = await newCluster();
const listening = await server.listen({ tls: true });
const dir = await Deno.makeTempDir({ prefix: "bench-load-" });
const kubeconfig = `${dir}/kubeconfig`;
await Deno.writeTextFile(
  kubeconfig,
  listening.kubeconfig({ token: ISSUER_TOKEN, namespace: NAMESPACE }),
);
await createRequests(server, csrs);

const startSeq = server.requests.lastSeq;
const issuer = await spawnIssuer(kubeconfig, [`--max-retry-duration=${maxRetry}`]);
let exitCode = 0;
try {
  const startupMs = await waitReadyz(issuer);
  const memAtReady = memoryOf(issuer.child.pid);
  console.error(`bench:load: ready in ${startupMs.toFixed(0)} ms; approving ${n} requests…`);

  const approvedAt = new Map<string, number>();
  const readyAt = new Map<string, number>();
  let failed = 0;
  const done = Promise.all(
    names.map((name) =>
      server.waitFor(CR_RESOURCE, REQUEST_NAMESPACE, name, isDone, { timeoutMs }).then((cr) => {
        readyAt.set(name, performance.now());
        if (!isReady(cr)) failed++;
      })
    ),
  );
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (rate > 0) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const name = names[i] as string;
    approvedAt.set(name, performance.now());
    await approve(server, name);
  }
  await done;
  const tEnd = performance.now();
  const mem = memoryOf(issuer.child.pid);

  const latencies = names.map((name) => (readyAt.get(name) ?? NaN) - (approvedAt.get(name) ?? NaN))
    .sort((a, b) => a - b);
  const readyTimes = [...readyAt.values()].sort((a, b) => a - b);
  const lo = Math.floor(n * 0.1);
  const hi = Math.max(lo + 1, Math.ceil(n * 0.9) - 1);
  const steady = n >= 10
    ? ((hi - lo) * 1000) / ((readyTimes[hi] as number) - (readyTimes[lo] as number))
    : (n * 1000) / (tEnd - t0);
  const records = server.requests.entries().filter((r) =>
    r.seq > startSeq && r.user === SERVICE_ACCOUNT
  );
  const split = splitRequests(records);
  const per = (x: number) => (x / n).toFixed(2);
  const mib = (kb: number | undefined) =>
    kb === undefined ? "n/a" : `${(kb / 1024).toFixed(1)} MiB`;

  const rows: [string, string][] = [
    ["requests (N)", `${n}${rate > 0 ? ` approved at ${rate}/s` : " approved at once"}`],
    ["workers", "library default (the example has no --workers flag)"],
    ["failed", String(failed)],
    ["wall time approve→all Ready", `${((tEnd - t0) / 1000).toFixed(2)} s`],
    ["issued/s (steady, 10%→90%)", steady.toFixed(1)],
    ["approve→Ready p50", `${percentile(latencies, 50).toFixed(0)} ms`],
    ["approve→Ready p90", `${percentile(latencies, 90).toFixed(0)} ms`],
    ["approve→Ready p99", `${percentile(latencies, 99).toFixed(0)} ms`],
    ["API requests / cert: reads", per(split.reads)],
    ["API requests / cert: status writes", per(split.statusWrites)],
    ["API requests / cert: events", per(split.events)],
    ["API requests / cert: other", per(split.other)],
    ["API requests / cert: total", per(split.total)],
    ["issuer RSS at ready", mib(memAtReady?.rssKb)],
    ["issuer peak RSS (VmHWM)", mib(mem?.hwmKb)],
    ["issuer RSS at end", mib(mem?.rssKb)],
    ["start-up (spawn→/readyz ok)", `${startupMs.toFixed(0)} ms with ${n} existing requests`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`| ${"metric".padEnd(width)} | value |`);
  console.log(`|${"-".repeat(width + 2)}|-------|`);
  for (const [k, v] of rows) console.log(`| ${k.padEnd(width)} | ${v} |`);
  if (failed > 0) exitCode = 1;
} finally {
  const status = await stopIssuer(issuer);
  if (issuer.log.errors.length > 0) {
    console.error(`bench:load: the issuer logged ${issuer.log.errors.length} errors, first:`);
    console.error(issuer.log.errors.slice(0, 3).join("\n"));
  }
  if (status.code !== 0) {
    console.error(`bench:load: the issuer exited with ${status.code}`);
    exitCode ||= 1;
  }
  await listening.close();
  await server.close();
  await Deno.remove(dir, { recursive: true });
}
Deno.exit(exitCode);
