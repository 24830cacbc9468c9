/**
 * Load benchmark (issue #10): the example issuer as its own process, under the `example`
 * task's permission flags, against an API server:
 *
 *     deno task bench:load [--n 1000] [--workers 1] [--rate 0] [--memory]
 *                          [--kubeconfig FILE [--issuer-kubeconfig FILE] | --real]
 *                          [--max-retry-duration 1h] [--timeout-ms 600000] [--json]
 *
 * - default: the fake API server in this process, on 127.0.0.1 over HTTPS; the issuer
 *   runs as its ServiceAccount with the rules of `examples/simple/deploy/rbac.yaml`.
 * - `--kubeconfig FILE`: any API server; the load generator and the approvals use that
 *   kubeconfig's (admin) identity, and so does the issuer unless `--issuer-kubeconfig`
 *   gives it its own (a ServiceAccount token). The example's CRDs, RBAC and a CA are
 *   applied first; the requests go to a fresh namespace that is deleted at the end.
 * - `--real`: starts the real kube-apiserver + etcd of `tests/real/`, applies the
 *   example's namespace, ServiceAccount, RBAC and CRDs and cert-manager's
 *   CertificateRequest CRD, mints a ServiceAccount token, and runs the issuer with it.
 *
 * `--n` CertificateRequests with ECDSA P-256 CSRs (made before anything is timed, cached
 * in `.cache/bench/`) exist before the issuer starts, so start-up is measured with them
 * in the caches; once it is ready they are approved, all at once (`--rate 0`) or
 * `--rate` per second. `--memory` adds two short issuer runs to measure bytes per cached
 * request. Prints one table (or, with `--json`, the figures as JSON on standard output).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { cachedCsrs } from "./_harness.ts";
import { loadTable, runLoad } from "./_load.ts";
import { fakeTarget, realTarget, remoteTarget, type Target } from "./_targets.ts";

const USAGE = `usage: deno task bench:load [--n 1000] [--workers 1] [--rate 0] [--memory]
                            [--kubeconfig FILE [--issuer-kubeconfig FILE] | --real]
                            [--max-retry-duration 1h] [--timeout-ms 600000] [--json]`;

function parseFlags(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        n: { type: "string", default: "1000" },
        workers: { type: "string", default: "1" },
        rate: { type: "string", default: "0" },
        "timeout-ms": { type: "string", default: "600000" },
        "max-retry-duration": { type: "string", default: "1h" },
        kubeconfig: { type: "string" },
        "issuer-kubeconfig": { type: "string" },
        real: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        memory: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    console.error(`bench:load: ${(error as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
}

const flags = parseFlags(Deno.args);
if (flags.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const n = Number(flags.n);
const rate = Number(flags.rate);
const workers = Number(flags.workers);
const timeoutMs = Number(flags["timeout-ms"]);
const maxRetry = flags["max-retry-duration"];
const kubeconfig = flags.kubeconfig;
const issuerKubeconfig = flags["issuer-kubeconfig"];
const { real, json, memory } = flags;
const problems = [
  !(Number.isInteger(n) && n > 0 && n <= 100_000) && `--n must be 1..100000, got ${n}`,
  !(rate >= 0) && `--rate must be >= 0, got ${flags.rate}`,
  !(timeoutMs > 0) && `--timeout-ms must be > 0, got ${flags["timeout-ms"]}`,
  !(Number.isInteger(workers) && workers >= 1 && workers <= 1000) &&
  `--workers must be 1..1000, got ${workers}`,
  real && kubeconfig !== undefined && "--real and --kubeconfig exclude each other",
  issuerKubeconfig !== undefined && kubeconfig === undefined &&
  "--issuer-kubeconfig needs --kubeconfig",
].filter((p): p is string => typeof p === "string");
if (problems.length > 0) {
  console.error(`bench:load: ${problems.join("; ")}`);
  Deno.exit(2);
}

const log = (line: string) => console.error(`bench:load: ${line}`);
log(`${n} ECDSA P-256 CSRs (cached in .cache/bench, not timed)…`);
const csrs = await cachedCsrs(n);
let target: Target;
if (real) {
  log("starting the real kube-apiserver + etcd…");
  target = await realTarget();
} else if (kubeconfig !== undefined) {
  target = await remoteTarget({
    adminKubeconfig: kubeconfig,
    issuerKubeconfig,
    description: `the API server of ${kubeconfig}`,
    requestNamespace: `bench-load-${crypto.randomUUID().slice(0, 8)}`,
    deleteNamespace: true,
  });
} else {
  target = await fakeTarget();
}
let exitCode = 0;
try {
  const result = await runLoad(target, csrs, {
    n,
    rate,
    workers,
    maxRetryDuration: maxRetry,
    timeoutMs,
    memoryProbe: memory,
    log,
  });
  console.log(json ? JSON.stringify(result) : loadTable(result));
  if (result.failed > 0 || result.missing > 0) exitCode = 1;
} finally {
  await target.close();
}
Deno.exit(exitCode);
