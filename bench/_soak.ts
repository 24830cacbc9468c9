/**
 * The chaos soak's driver, shared by `bench/soak.ts` (the issuer as a process) and
 * `tests/soak/soak_test.ts` (the issuer in-process): faults on a share of the issuer's
 * requests, watches cut and history compacted at request-count milestones (never on a
 * timer), approvals and another controller's condition written while the issuer works,
 * and the end-state checks.
 *
 * @module
 */
import type { FakeApiServer } from "@certkit/issuer-lib/testing";
import {
  approve,
  APPROVER,
  audit,
  AUDIT_CONDITION,
  AUDITOR,
  checkOutcome,
  type Cluster,
  conditionOf,
  CR_RESOURCE,
  createRequests,
  isDone,
  makeCsrs,
  REQUEST_NAMESPACE,
  requestName,
} from "./_harness.ts";

/** Knobs of a soak. */
export interface SoakOptions {
  /** How many CertificateRequests (default 200). */
  n?: number;
  /** Share of the issuer-relevant requests answered 500 (default 0.05). */
  errorRatio?: number;
  /** Share of CertificateRequest status writes answered 429 with Retry-After (default 0.05). */
  throttleRatio?: number;
  /** At most this many 429s (each costs the issuer Retry-After seconds; default 20). */
  throttleTimes?: number;
  /** Retry-After of the 429s, in seconds (default 1). */
  retryAfterSeconds?: number;
  /** Cut every watch and compact the history every this many API requests (default 150). */
  cutEvery?: number;
  /** How long to wait for every request to finish, in ms (default 120 s). */
  timeoutMs?: number;
  /** Called at each request-count milestone after the watches were cut (SIGKILLs go here). */
  onMilestone?: (milestone: number) => void;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What a soak did and found. */
export interface SoakResult {
  n: number;
  /** Faults actually injected, by kind (`status:500`, `status:429`). */
  injected: Record<string, number>;
  watchCuts: number;
  watchesCut: number;
  compactions: number;
  /** CertificateRequest re-lists once the chaos began (each follows a 410 Expired resume). */
  expired: number;
  /** Issuer status writes after which the others' conditions were checked. */
  writesWatched: number;
  /** Approver and auditor writes that had to be retried because of the faults. */
  writerRetries: number;
  /** Problems found at the end: empty when every check held. */
  problems: string[];
  elapsedMs: number;
}

/**
 * Creates the requests; then, with the issuer started by `startIssuer` and the faults
 * on, writes a custom condition on a third of them before approval and on another third
 * after it, approves all, waits for all to finish, turns the chaos off and checks.
 */
export async function runSoak(
  cluster: Cluster,
  startIssuer: () => Promise<void>,
  options: SoakOptions = {},
): Promise<SoakResult> {
  const {
    n = 200,
    errorRatio = 0.05,
    throttleRatio = 0.05,
    throttleTimes = 20,
    retryAfterSeconds = 1,
    cutEvery = 150,
    timeoutMs = 120_000,
    log = () => {},
  } = options;
  const { server, caCertPem } = cluster;
  const csrs = await makeCsrs(n);
  const names = csrs.map((_, i) => requestName(i));
  await createRequests(server, csrs);
  const auditedBefore = names.filter((_, i) => i % 3 === 0);
  const auditedAfter = names.filter((_, i) => i % 3 === 1);
  const audited = new Set([...auditedBefore, ...auditedAfter]);
  let writerRetries = 0;
  for (const name of auditedBefore) writerRetries += await audit(server, name);
  // After every status write by someone else than the approver and the auditor, the
  // conditions they wrote earlier must still be there (checked as each write lands, not
  // only at the end).
  const approvedSoFar = new Set<string>();
  const auditedSoFar = new Set(auditedBefore);
  const lostOnTheWay: string[] = [];
  let writesWatched = 0;
  const unwatch = server.requests.subscribe((r) => {
    if (r.resource !== "certificaterequests" || r.subresource !== "status" || r.code !== 200) {
      return;
    }
    if (r.fieldManager === APPROVER || r.fieldManager === AUDITOR) return;
    writesWatched++;
    const cr = server.get(CR_RESOURCE, REQUEST_NAMESPACE, r.name);
    if (approvedSoFar.has(r.name) && conditionOf(cr, "Approved")?.status !== "True") {
      lostOnTheWay.push(`${r.name}: Approved missing after write #${r.seq} by ${r.fieldManager}`);
    }
    if (auditedSoFar.has(r.name) && conditionOf(cr, AUDIT_CONDITION)?.status !== "True") {
      lostOnTheWay.push(
        `${r.name}: ${AUDIT_CONDITION} missing after write #${r.seq} by ${r.fieldManager}`,
      );
    }
  });

  const started = performance.now();
  await startIssuer();
  await server.waitFor(
    "simpleclusterissuers.simple.certkit.dev",
    "",
    "ca",
    (o) =>
      (o?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions
        ?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
    { timeoutMs },
  );
  log(`soak: issuer ready; chaos on; approving ${n} requests`);

  const chaos = startChaos(server, {
    errorRatio,
    throttleRatio,
    throttleTimes,
    retryAfterSeconds,
    cutEvery,
    ...(options.onMilestone ? { onMilestone: options.onMilestone } : {}),
  });
  const expiredMark = server.requests.lastSeq;
  let result: ReturnType<Chaos["stop"]>;
  try {
    const done = Promise.all(
      names.map((name) =>
        server.waitFor(CR_RESOURCE, REQUEST_NAMESPACE, name, isDone, { timeoutMs })
      ),
    );
    for (let i = 0; i < n; i++) {
      const name = names[i] as string;
      writerRetries += await approve(server, name);
      approvedSoFar.add(name);
      if (i % 3 === 1) {
        writerRetries += await audit(server, name);
        auditedSoFar.add(name);
      }
    }
    await done;
  } finally {
    result = chaos.stop();
    unwatch();
  }
  // A watch resuming from compacted history gets 410 as an ERROR event inside a 200
  // stream, so the log shows it as the re-list that follows.
  const expired =
    server.requests.count({ verb: "list", resource: "certificaterequests", code: 200 }) -
    server.requests.entries().filter((r) =>
      r.seq <= expiredMark && r.verb === "list" && r.resource === "certificaterequests" &&
      r.code === 200
    ).length;
  const problems = [...lostOnTheWay, ...await checkOutcome(server, caCertPem, names, audited)];
  return {
    n,
    ...result,
    expired,
    writerRetries,
    writesWatched,
    problems,
    elapsedMs: performance.now() - started,
  };
}

interface Chaos {
  stop(): Omit<
    SoakResult,
    "problems" | "elapsedMs" | "n" | "writerRetries" | "expired" | "writesWatched"
  >;
}

function startChaos(
  server: FakeApiServer,
  o: {
    errorRatio: number;
    throttleRatio: number;
    throttleTimes: number;
    retryAfterSeconds: number;
    cutEvery: number;
    onMilestone?: (milestone: number) => void;
  },
): Chaos {
  const handles = [
    server.faults.add({
      match: { verb: "patch", resource: "certificaterequests", subresource: "status" },
      fail: { code: 429, retryAfterSeconds: o.retryAfterSeconds },
      ratio: o.throttleRatio,
      times: o.throttleTimes,
    }),
    server.faults.add({
      match: { resource: "certificaterequests" },
      fail: { code: 500 },
      ratio: o.errorRatio,
      times: Infinity,
    }),
    server.faults.add({
      match: { resource: "events" },
      fail: { code: 500 },
      ratio: o.errorRatio,
      times: Infinity,
    }),
    server.faults.add({
      match: { verb: "get", resource: "secrets" },
      fail: { code: 500 },
      ratio: o.errorRatio,
      times: Infinity,
    }),
  ];
  const before = { ...server.faults.injectedCounts };
  let watchCuts = 0;
  let watchesCut = 0;
  let compactions = 0;
  let stopped = false;
  const unsubscribe = server.requests.subscribe((record) => {
    if (record.seq % o.cutEvery !== 0) return;
    const milestone = record.seq / o.cutEvery;
    // After the request that reached the milestone has been answered, not inside it.
    queueMicrotask(() => {
      if (stopped) return;
      server.compact(CR_RESOURCE);
      compactions++;
      watchesCut += server.cutWatches();
      watchCuts++;
      o.onMilestone?.(milestone);
    });
  });
  return {
    stop() {
      stopped = true;
      unsubscribe();
      for (const h of handles) h.remove();
      const after = server.faults.injectedCounts;
      const injected: Record<string, number> = {};
      for (const [k, v] of Object.entries(after)) {
        const d = v - (before[k] ?? 0);
        if (d > 0) injected[k] = d;
      }
      return { injected, watchCuts, watchesCut, compactions };
    },
  };
}

/** The soak's figures, one per line. */
export function describeSoak(r: SoakResult): string {
  return [
    `requests:                 ${r.n}`,
    `elapsed:                  ${(r.elapsedMs / 1000).toFixed(1)} s`,
    `faults injected:          ${
      Object.entries(r.injected).map(([k, v]) => `${k}=${v}`).join(" ") || "none"
    }`,
    `watch cuts (milestones):  ${r.watchCuts} (${r.watchesCut} watches ended)`,
    `history compactions:      ${r.compactions}`,
    `re-lists after 410:       ${r.expired}`,
    `approver/auditor retries: ${r.writerRetries}`,
    `issuer status writes checked for lost conditions: ${r.writesWatched}`,
    `problems:                 ${r.problems.length}`,
    ...r.problems.slice(0, 20).map((p) => `  - ${p}`),
  ].join("\n");
}
