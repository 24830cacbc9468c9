/**
 * Scaling benchmark (issue #10): the load benchmark at several sizes, each a fresh fake
 * API server and issuer process (`bench/load.ts --json --memory` as a child process), to
 * show that time and memory per request stay flat as N grows.
 *
 *     deno task bench:scaling [--sizes 1000,5000,10000,20000] [--workers 4] [--rate 0]
 *
 * Other flags (`--kubeconfig`, `--real`, `--max-retry-duration`, …) are passed to each
 * run. Prints one table.
 *
 * @module
 */
import { numberFlag, ROOT } from "./_harness.ts";
import { bytesPerRequest, type LoadResult } from "./_load.ts";

const args = Deno.args;
if (args.includes("--help") || args.includes("-h")) {
  console.log(
    "usage: deno task bench:scaling [--sizes 1000,5000,10000,20000] [--workers 4] " +
      "[other bench:load flags]",
  );
  Deno.exit(0);
}
let sizesText = "1000,5000,10000,20000";
const passOn: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i] as string;
  if (arg === "--sizes") sizesText = args[++i] ?? "";
  else if (arg.startsWith("--sizes=")) sizesText = arg.slice("--sizes=".length);
  else if (arg === "--workers" || arg === "--n") i++;
  else if (!arg.startsWith("--workers=") && !arg.startsWith("--n=")) passOn.push(arg);
}
const sizes = sizesText.split(",").map(Number);
const workers = numberFlag(args, "workers", 4);
if (sizes.some((n) => !(Number.isInteger(n) && n > 0 && n <= 100_000))) {
  console.error(
    `bench:scaling: --sizes must be a comma-separated list of 1..100000, got ${sizesText}`,
  );
  Deno.exit(2);
}

const results: LoadResult[] = [];
for (const n of sizes) {
  console.error(`bench:scaling: N=${n}, ${workers} workers…`);
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "bench/load.ts",
      `--n=${n}`,
      `--workers=${workers}`,
      "--memory",
      "--json",
      ...passOn,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!text.startsWith("{")) {
    console.error(`bench:scaling: N=${n} failed (exit ${out.code})`);
    Deno.exit(1);
  }
  results.push(JSON.parse(text) as LoadResult);
  console.error(
    `bench:scaling: N=${n} took ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

const mib = (kb: number | undefined) => kb === undefined ? "n/a" : (kb / 1024).toFixed(1);
const header = [
  "N",
  "wall (s)",
  "certs/s",
  "µs / request",
  "approve→Ready p99 (s)",
  "peak RSS (MiB)",
  "peak RSS / request (KiB)",
  "cached B / request (heap)",
  "API requests / cert",
  "start-up (ms)",
];
const rows = results.map((r) => {
  const bytes = bytesPerRequest(r);
  return [
    String(r.n),
    (r.wallMs / 1000).toFixed(1),
    r.steadyPerSec.toFixed(1),
    ((r.wallMs * 1000) / r.n).toFixed(0),
    (r.p99Ms / 1000).toFixed(1),
    mib(r.peakRssKb),
    r.peakRssKb === undefined || r.probe === undefined
      ? "n/a"
      : ((r.peakRssKb - r.probe.emptyRssKb) / r.n).toFixed(2),
    bytes ? bytes.heap.toFixed(0) : "n/a",
    r.perCert ? r.perCert.total.toFixed(2) : "n/a",
    r.startupMs.toFixed(0),
  ];
});
const widths = header.map((h, i) =>
  Math.max(h.length, ...rows.map((row) => (row[i] as string).length))
);
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => c.padStart(widths[i] as number)).join(" | ")} |`;
console.log(
  `${results[0]?.target ?? ""}; ${workers} workers, approved ${
    results[0]?.rate ? `at ${results[0].rate}/s` : "all at once"
  }`,
);
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const row of rows) console.log(line(row));
console.log(
  "\nµs / request = wall time (first approval → all done) / N; peak RSS / request = (issuer VmHWM − " +
    "VmRSS of an issuer synced on an empty cluster) / N; cached B / request = heap after GC of an " +
    "issuer synced with N requests minus one with none, / N; start-up = spawn → /readyz with N existing.",
);
