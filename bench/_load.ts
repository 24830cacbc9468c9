/**
 * One load run: the example issuer as its own process against a {@linkcode Target},
 * N CertificateRequests approved at once or at a rate, and the figures of issue #10.
 *
 * @module
 */
import type { JsonObject, RestClient, RestJsonValue } from "@certkit/issuer-lib";
import {
  APPROVER,
  freePort,
  isDone,
  isReady,
  type IssuerProcess,
  memoryOf,
  percentile,
  requestName,
  spawnIssuer,
  stopIssuer,
  waitReadyz,
} from "./_harness.ts";
import { heapUsedAfterGc } from "./_inspect.ts";
import { ISSUER_NAME, type RequestCounts, type Target } from "./_targets.ts";

/** Options of {@linkcode runLoad}. */
export interface LoadOptions {
  /** How many CertificateRequests. */
  n: number;
  /** Approvals per second; 0 approves all at once. */
  rate: number;
  /** The issuer's `--workers`. */
  workers: number;
  /** The issuer's `--max-retry-duration`. */
  maxRetryDuration: string;
  /** How long to wait for all to be done. */
  timeoutMs: number;
  /** Measure bytes per cached request (two more, short issuer runs with `--inspect`). */
  memoryProbe: boolean;
  /** Progress lines go here. */
  log: (line: string) => void;
}

/** The figures of one run. */
export interface LoadResult {
  target: string;
  issuerIdentity: string;
  countsFrom: string;
  n: number;
  rate: number;
  workers: number;
  failed: number;
  /** Not done when the timeout came. */
  missing: number;
  /** First approval → last request done, ms. */
  wallMs: number;
  /** Issued per second between the 10th and 90th percentile of completions. */
  steadyPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** The issuer's API requests from its start to the end, per certificate. */
  perCert: RequestCounts | undefined;
  /** Spawn → /readyz ok (every cache synced), with N existing requests, ms. */
  startupMs: number;
  rssAtReadyKb: number | undefined;
  peakRssKb: number | undefined;
  endRssKb: number | undefined;
  /** The memory probes: an issuer synced on an empty cluster, then with N requests. */
  probe?: {
    emptyRssKb: number;
    syncedRssKb: number;
    emptyHeapBytes: number;
    syncedHeapBytes: number;
    /** Spawn → /readyz of the probe with N requests (inspector on), ms. */
    startupMs: number;
  } | undefined;
}

const CR_PATH = (namespace: string) =>
  `/apis/cert-manager.io/v1/namespaces/${namespace}/certificaterequests`;

/**
 * Waits until the SimpleClusterIssuer every request names is Ready, so that no request is
 * approved while its issuer is still being checked (those would first be written Pending,
 * "Waiting for issuer to become ready", as the spec says, and cost a second write).
 */
async function waitIssuerReady(client: RestClient, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const path = `/apis/simple.certkit.dev/v1alpha1/simpleclusterissuers/${ISSUER_NAME}`;
  let last = "not read yet";
  for (;;) {
    const issuer = await client.performRequest({ method: "GET", path, expectJson: true })
      .catch((error: unknown) => {
        last = `GET failed: ${(error as Error).message}`;
        return undefined;
      }) as
        | { status?: { conditions?: { type: string; status: string; message?: string }[] } }
        | undefined;
    const ready = issuer?.status?.conditions?.find((c) => c.type === "Ready");
    if (ready?.status === "True") return;
    if (issuer) {
      last = ready ? `Ready ${ready.status}: ${ready.message ?? ""}` : "no Ready condition";
    }
    if (performance.now() > deadline) {
      throw new Error(
        `the SimpleClusterIssuer ${ISSUER_NAME} was not Ready within ${timeoutMs} ms (${last})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Approves one request by server-side apply on `/status`, as cert-manager's approver; returns attempts. */
async function approve(client: RestClient, namespace: string, name: string): Promise<number> {
  const body: RestJsonValue = {
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name, namespace },
    status: {
      conditions: [{
        type: "Approved",
        status: "True",
        reason: "Bench",
        message: "approved by the bench",
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      }],
    },
  };
  for (let attempt = 1;; attempt++) {
    try {
      await client.performRequest({
        method: "PATCH",
        path: `${CR_PATH(namespace)}/${name}/status`,
        querystring: new URLSearchParams({ fieldManager: APPROVER, force: "true" }),
        contentType: "application/apply-patch+yaml",
        bodyJson: body,
        expectJson: true,
      });
      return attempt;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
    }
  }
}

/** Watches the requests and records when each is first done (Ready, or Failed). */
class DoneTracker {
  readonly doneAt = new Map<string, number>();
  failed = 0;
  readonly #stop = new AbortController();
  readonly #all = Promise.withResolvers<void>();
  readonly #watching = Promise.withResolvers<void>();
  readonly running: Promise<void>;
  /** Resolves once the first watch is open (approve only then: no change is missed). */
  readonly watching: Promise<void> = this.#watching.promise;

  constructor(readonly client: RestClient, readonly namespace: string, readonly n: number) {
    this.running = this.#run().catch((error) => {
      this.#watching.reject(error);
      if (!this.#stop.signal.aborted) this.#all.reject(error);
    });
  }

  async #run(): Promise<void> {
    const list = await this.client.performRequest({
      method: "GET",
      path: CR_PATH(this.namespace),
      querystring: new URLSearchParams({ limit: "1" }),
      expectJson: true,
    }) as { metadata: { resourceVersion: string } };
    let rv = list.metadata.resourceVersion;
    while (!this.#stop.signal.aborted) {
      const stream = await this.client.performRequest({
        method: "GET",
        path: CR_PATH(this.namespace),
        querystring: new URLSearchParams({
          watch: "true",
          resourceVersion: rv,
          allowWatchBookmarks: "true",
          timeoutSeconds: "60",
        }),
        abortSignal: this.#stop.signal,
        expectStream: true,
        expectJson: true,
      });
      this.#watching.resolve();
      // Cancel the reader on stop: an abort does not end a streaming body on every transport.
      const reader = stream.getReader();
      const cancel = () => void reader.cancel().catch(() => {});
      this.#stop.signal.addEventListener("abort", cancel, { once: true });
      try {
        for (;;) {
          const next = await reader.read().catch((error) => {
            if (this.#stop.signal.aborted) return { done: true as const, value: undefined };
            throw error;
          });
          if (next.done) break;
          this.#event(next.value as { type: string; object: JsonObject }, (v) => rv = v);
        }
      } finally {
        this.#stop.signal.removeEventListener("abort", cancel);
      }
    }
  }

  #event(event: { type: string; object: JsonObject }, setRv: (rv: string) => void): void {
    const meta = event.object?.metadata as { name?: string; resourceVersion?: string };
    if (meta?.resourceVersion) setRv(meta.resourceVersion);
    if (event.type === "ERROR") throw new Error(`bench: watch error ${JSON.stringify(event)}`);
    if (event.type !== "ADDED" && event.type !== "MODIFIED") return;
    const name = meta.name ?? "";
    if (this.doneAt.has(name) || !isDone(event.object)) return;
    this.doneAt.set(name, performance.now());
    if (!isReady(event.object)) this.failed++;
    if (this.doneAt.size === this.n) this.#all.resolve();
  }

  /** Resolves when all are done, or after `timeoutMs`. */
  async wait(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#all.promise,
      new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
  }

  stop(): Promise<void> {
    this.#stop.abort();
    return this.running;
  }
}

/** An issuer run only to read its memory once synced; returns RSS (KiB), heap and start-up. */
async function memoryProbe(
  target: Target,
  args: readonly string[],
): Promise<{ rssKb: number; heapBytes: number; startupMs: number }> {
  const port = freePort();
  const issuer = await spawnIssuer(target.issuerKubeconfig, args, [`--inspect=127.0.0.1:${port}`]);
  try {
    const startupMs = await waitReadyz(issuer, 600_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const heapBytes = await heapUsedAfterGc(port);
    const rssKb = memoryOf(issuer.child.pid)?.rssKb ?? NaN;
    return { rssKb, heapBytes, startupMs };
  } finally {
    await stopIssuer(issuer);
  }
}

function diff(a: RequestCounts | undefined, b: RequestCounts | undefined, n: number) {
  if (!a || !b) return undefined;
  const out = { ...b };
  for (const key of Object.keys(out) as (keyof RequestCounts)[]) out[key] = (b[key] - a[key]) / n;
  return out;
}

/**
 * Runs one load test: (memory probes,) creates the requests, starts the issuer, waits for
 * /readyz, approves, and waits for every request to be done.
 */
export async function runLoad(
  target: Target,
  csrs: readonly string[],
  o: LoadOptions,
): Promise<LoadResult> {
  const n = csrs.length;
  const args = [`--max-retry-duration=${o.maxRetryDuration}`, `--workers=${o.workers}`];
  let empty: Awaited<ReturnType<typeof memoryProbe>> | undefined;
  if (o.memoryProbe) {
    o.log("memory probe: an issuer on a cluster without requests…");
    empty = await memoryProbe(target, args);
  }
  o.log(`creating ${n} CertificateRequests…`);
  await target.createRequests(csrs);
  let synced: Awaited<ReturnType<typeof memoryProbe>> | undefined;
  if (o.memoryProbe) {
    o.log(`memory probe: an issuer with ${n} requests in its cache…`);
    synced = await memoryProbe(target, args);
  }

  const before = await target.issuerCounts();
  const issuer: IssuerProcess = await spawnIssuer(target.issuerKubeconfig, args);
  let result: LoadResult;
  let tracker: DoneTracker | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      const status = await stopIssuer(issuer);
      if (issuer.log.errors.length > 0) {
        o.log(`the issuer logged ${issuer.log.errors.length} errors, first:`);
        o.log(issuer.log.errors.slice(0, 3).join("\n"));
      }
      if (status.code !== 0) o.log(`the issuer exited with ${status.code}`);
    })();
  try {
    const startupMs = await waitReadyz(issuer, 600_000);
    const atReady = memoryOf(issuer.child.pid);
    await waitIssuerReady(target.admin, 600_000);
    o.log(`ready in ${startupMs.toFixed(0)} ms, issuer Ready; approving ${n} requests…`);
    tracker = new DoneTracker(target.admin, target.requestNamespace, n);
    await tracker.watching;
    const approvedAt = new Map<string, number>();
    let approvals = 0;
    const t0 = performance.now();
    let next = 0;
    const approver = async () => {
      for (let i = next++; i < n; i = next++) {
        if (o.rate > 0) {
          const wait = t0 + (i * 1000) / o.rate - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        const name = requestName(i);
        approvedAt.set(name, performance.now());
        const attempts = await approve(target.admin, target.requestNamespace, name);
        approvals += attempts; // not `+= await`: that would read `approvals` before awaiting
      }
    };
    await Promise.all(Array.from({ length: o.rate > 0 ? 1 : 8 }, approver));
    target.noteOwnRequests("statusWrites", approvals);
    await tracker.wait(o.timeoutMs);
    const done = [...tracker.doneAt.values()].sort((a, b) => a - b);
    const tEnd = done.at(-1) ?? performance.now();
    const mem = memoryOf(issuer.child.pid);
    // Counted after a graceful stop: the issuer writes its queued events before it exits,
    // and the API server counts a WATCH when it ends.
    await tracker.stop();
    await stop();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await target.issuerCounts();

    const latencies = [...tracker.doneAt].map(([name, at]) => at - (approvedAt.get(name) ?? NaN))
      .sort((a, b) => a - b);
    const lo = Math.floor(done.length * 0.1);
    const hi = Math.max(lo + 1, Math.ceil(done.length * 0.9) - 1);
    const steadyPerSec = done.length >= 10
      ? ((hi - lo) * 1000) / ((done[hi] as number) - (done[lo] as number))
      : (done.length * 1000) / (tEnd - t0);
    result = {
      target: target.description,
      issuerIdentity: target.issuerIdentity,
      countsFrom: target.countsFrom,
      n,
      rate: o.rate,
      workers: o.workers,
      failed: tracker.failed,
      missing: n - tracker.doneAt.size,
      wallMs: tEnd - t0,
      steadyPerSec,
      p50Ms: percentile(latencies, 50),
      p90Ms: percentile(latencies, 90),
      p99Ms: percentile(latencies, 99),
      perCert: diff(before, after, n),
      startupMs,
      rssAtReadyKb: atReady?.rssKb,
      peakRssKb: mem?.hwmKb,
      endRssKb: mem?.rssKb,
      probe: empty && synced
        ? {
          emptyRssKb: empty.rssKb,
          syncedRssKb: synced.rssKb,
          emptyHeapBytes: empty.heapBytes,
          syncedHeapBytes: synced.heapBytes,
          startupMs: synced.startupMs,
        }
        : undefined,
    };
  } finally {
    await tracker?.stop();
    await stop();
  }
  return result;
}

const mib = (kb: number | undefined) =>
  kb === undefined || Number.isNaN(kb) ? "n/a" : `${(kb / 1024).toFixed(1)} MiB`;

/** Bytes per cached request from a probe: heap after GC, and RSS. */
export function bytesPerRequest(r: LoadResult): { heap: number; rss: number } | undefined {
  if (!r.probe) return undefined;
  return {
    heap: (r.probe.syncedHeapBytes - r.probe.emptyHeapBytes) / r.n,
    rss: ((r.probe.syncedRssKb - r.probe.emptyRssKb) * 1024) / r.n,
  };
}

/** The rows of one run's table. */
export function loadRows(r: LoadResult): [string, string][] {
  const per = (x: number | undefined) => x === undefined ? "n/a" : x.toFixed(2);
  const bytes = bytesPerRequest(r);
  return [
    ["API server", r.target],
    ["issuer identity", r.issuerIdentity],
    ["requests (N)", `${r.n}${r.rate > 0 ? ` approved at ${r.rate}/s` : " approved at once"}`],
    ["workers (--workers)", String(r.workers)],
    ["failed / not done", `${r.failed} / ${r.missing}`],
    ["wall time first approval → all done", `${(r.wallMs / 1000).toFixed(2)} s`],
    ["issued/s (steady, 10%→90% of completions)", r.steadyPerSec.toFixed(1)],
    ["approve→Ready p50", `${r.p50Ms.toFixed(0)} ms`],
    ["approve→Ready p90", `${r.p90Ms.toFixed(0)} ms`],
    ["approve→Ready p99", `${r.p99Ms.toFixed(0)} ms`],
    ["API requests / cert: reads¹", per(r.perCert?.reads)],
    ["API requests / cert: status writes¹", per(r.perCert?.statusWrites)],
    ["API requests / cert: events¹", per(r.perCert?.events)],
    ["API requests / cert: other¹", per(r.perCert?.other)],
    ["API requests / cert: total¹", per(r.perCert?.total)],
    ["issuer RSS at ready", mib(r.rssAtReadyKb)],
    ["issuer peak RSS (VmHWM)", mib(r.peakRssKb)],
    ["issuer RSS at end (steady)", mib(r.endRssKb)],
    [
      "bytes per cached request²",
      bytes ? `${bytes.heap.toFixed(0)} B heap, ${bytes.rss.toFixed(0)} B RSS` : "not measured",
    ],
    [
      "start-up: spawn → caches synced (/readyz)",
      `${r.startupMs.toFixed(0)} ms with ${r.n} existing requests`,
    ],
  ];
}

/** One run as a Markdown table with its footnotes. */
export function loadTable(r: LoadResult): string {
  const rows = loadRows(r);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [
    `| ${"metric".padEnd(width)} | value |`,
    `|${"-".repeat(width + 2)}|-------|`,
    ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`),
    "",
    `¹ From the issuer's start to the last request done, divided by N; counted from ${r.countsFrom}.`,
    "² An issuer run to /readyz on the cluster before the requests were made, and one after, " +
    "each read 1 s after it was ready: (heap used after a full GC, through --inspect; and " +
    "VmRSS) with N requests minus without, divided by N.",
  ];
  return lines.join("\n");
}
