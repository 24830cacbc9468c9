/**
 * Shared pieces of the load benchmark (`bench/load.ts`), the chaos soak (`bench/soak.ts`)
 * and the CI soak test (`tests/soak/soak_test.ts`): a fake API server set up like a
 * cluster running the simple issuer (its CRDs, its deployed RBAC, a CA Secret and a
 * SimpleClusterIssuer), CertificateRequests made ahead of time, approvals by server-side
 * apply, the example issuer as a child process, and certificate checks.
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { parseAllDocuments } from "yaml";
import { generateCa, generateCsr, type JsonObject } from "@certkit/issuer-lib";
import {
  CERTIFICATE_REQUESTS_CRD,
  FakeApiServer,
  type PolicyRule,
  type RequestRecord,
} from "@certkit/issuer-lib/testing";

export const ROOT = new URL("../", import.meta.url);
/** The issuer's namespace: its Lease and its cluster issuers' CA Secret. */
export const NAMESPACE = "simple-issuer";
/** Where the CertificateRequests are. */
export const REQUEST_NAMESPACE = "default";
export const SERVICE_ACCOUNT = `system:serviceaccount:${NAMESPACE}:simple-issuer`;
export const ISSUER_TOKEN = "issuer-token";
export const CR_RESOURCE = "certificaterequests.cert-manager.io";
/** The field manager of the custom condition written by "another controller". */
export const AUDITOR = "auditor.example.com";
export const AUDIT_CONDITION = "example.com/Audited";
export const APPROVER = "approver.example.com";

/** A condition as the API returns it. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export function conditionOf(obj: JsonObject | undefined, type: string): Condition | undefined {
  const conditions = (obj?.status as { conditions?: Condition[] } | undefined)?.conditions;
  return conditions?.find((c) => c.type === type);
}

export function isReady(obj: JsonObject | undefined): boolean {
  return conditionOf(obj, "Ready")?.status === "True";
}

/** Ready=True, or Ready=False with reason Failed (a terminal outcome either way). */
export function isDone(obj: JsonObject | undefined): boolean {
  const ready = conditionOf(obj, "Ready");
  return ready?.status === "True" || ready?.reason === "Failed";
}

/** A small seeded PRNG (mulberry32), so fault ratios repeat from run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Grants the rules that `examples/simple/deploy/rbac.yaml` binds to the issuer. */
export async function grantDeployedRbac(server: FakeApiServer): Promise<void> {
  const text = await Deno.readTextFile(new URL("examples/simple/deploy/rbac.yaml", ROOT));
  const objects = parseAllDocuments(text).map((doc) => doc.toJSON() as JsonObject);
  const roles = new Map<string, PolicyRule[]>();
  for (const o of objects) {
    const meta = o.metadata as { name: string };
    if (o.kind === "ClusterRole" || o.kind === "Role") {
      roles.set(`${o.kind}/${meta.name}`, o.rules as unknown as PolicyRule[]);
    }
  }
  for (const o of objects) {
    if (o.kind !== "ClusterRoleBinding" && o.kind !== "RoleBinding") continue;
    const subjects = o.subjects as { namespace: string; name: string }[];
    if (
      !subjects.some((s) => `system:serviceaccount:${s.namespace}:${s.name}` === SERVICE_ACCOUNT)
    ) {
      continue;
    }
    const ref = o.roleRef as { kind: string; name: string };
    const rules = roles.get(`${ref.kind}/${ref.name}`);
    if (!rules) throw new Error(`${ref.kind} ${ref.name} is not in rbac.yaml`);
    const namespace = o.kind === "RoleBinding"
      ? (o.metadata as { namespace: string }).namespace
      : undefined;
    server.grant(
      SERVICE_ACCOUNT,
      rules.map((rule) => namespace ? { ...rule, namespaces: [namespace] } : rule),
    );
  }
}

/** A cluster for the simple issuer: CRDs, RBAC, the issuer's token, a CA and its issuer. */
export interface Cluster {
  server: FakeApiServer;
  /** The CA certificate (PEM) that signs every certificate. */
  caCertPem: string;
}

export async function newCluster(options: { random?: () => number } = {}): Promise<Cluster> {
  const crds = await Promise.all(
    ["simpleissuers", "simpleclusterissuers"].map((name) =>
      Deno.readTextFile(new URL(`examples/simple/deploy/crds/${name}.yaml`, ROOT))
    ),
  );
  const server = new FakeApiServer({
    crds: [CERTIFICATE_REQUESTS_CRD, ...crds],
    namespaces: [NAMESPACE],
    ...(options.random ? { random: options.random } : {}),
  });
  await grantDeployedRbac(server);
  server.addToken(ISSUER_TOKEN, {
    username: SERVICE_ACCOUNT,
    groups: [
      "system:serviceaccounts",
      `system:serviceaccounts:${NAMESPACE}`,
      "system:authenticated",
    ],
  });
  const ca = await generateCa({ commonName: "Bench CA", now: Date.now() - 60_000 });
  await server.load(
    {
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/tls",
      metadata: { name: "ca", namespace: NAMESPACE },
      stringData: { "tls.crt": ca.certPem, "tls.key": ca.keyPem },
    },
    {
      apiVersion: "simple.certkit.dev/v1alpha1",
      kind: "SimpleClusterIssuer",
      metadata: { name: "ca" },
      spec: { secretName: "ca" },
    },
  );
  return { server, caCertPem: ca.certPem };
}

export function requestName(i: number): string {
  return `cr-${String(i).padStart(6, "0")}`;
}

/**
 * `n` ECDSA P-256 CSRs (base64 of their PEM), each for its own fresh key, kept in
 * `.cache/bench/csrs-p256.txt` so that runs after the first need not make them again
 * (key generation is not what is measured).
 */
export async function cachedCsrs(n: number): Promise<string[]> {
  const dir = new URL(".cache/bench/", ROOT);
  const file = new URL("csrs-p256.txt", dir);
  let have: string[] = [];
  try {
    have = (await Deno.readTextFile(file)).split("\n").filter((line) => line !== "");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (have.length < n) {
    const more: string[] = [];
    for (let i = have.length; i < n; i++) {
      const { csrPem } = await generateCsr({
        subject: `CN=${requestName(i)}`,
        dnsNames: [`${requestName(i)}.example`],
        keyAlgorithm: "ECDSA-P256",
      });
      more.push(btoa(csrPem));
    }
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(file, more.map((line) => `${line}\n`).join(""), { append: true });
    have = have.concat(more);
  }
  return have.slice(0, n);
}

/** `n` fresh ECDSA P-256 CSRs, base64 of their PEM (key generation is not what is measured). */
export async function makeCsrs(n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const { csrPem } = await generateCsr({
      subject: `CN=${requestName(i)}`,
      dnsNames: [`${requestName(i)}.example`],
      keyAlgorithm: "ECDSA-P256",
    });
    out.push(btoa(csrPem));
  }
  return out;
}

/** Creates the CertificateRequests (in the store directly: not through the fault rules). */
export async function createRequests(
  server: FakeApiServer,
  csrs: readonly string[],
): Promise<void> {
  await server.load(...csrs.map((request, i) => ({
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name: requestName(i), namespace: REQUEST_NAMESPACE },
    spec: {
      request,
      issuerRef: { group: "simple.certkit.dev", kind: "SimpleClusterIssuer", name: "ca" },
    },
  })));
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * Writes one condition of a CertificateRequest by server-side apply under `manager`, as
 * an approver or another controller would; retries answers that injected faults or
 * conflicts cause (the writer's own resilience is not what is measured).
 *
 * @returns How many attempts failed before it went through.
 */
export async function applyCondition(
  server: FakeApiServer,
  name: string,
  manager: string,
  condition: Condition,
): Promise<number> {
  const body = JSON.stringify({
    apiVersion: "cert-manager.io/v1",
    kind: "CertificateRequest",
    metadata: { name, namespace: REQUEST_NAMESPACE },
    status: {
      conditions: [{
        message: `${condition.type} by ${manager}`,
        ...condition,
        lastTransitionTime: now(),
      }],
    },
  });
  for (let failures = 0;; failures++) {
    const res = await server.fetch(
      new Request(
        `http://fake/apis/cert-manager.io/v1/namespaces/${REQUEST_NAMESPACE}/certificaterequests/${name}/status?fieldManager=${manager}&force=true`,
        { method: "PATCH", headers: { "content-type": "application/apply-patch+yaml" }, body },
      ),
    );
    const text = await res.text();
    if (res.status === 200) return failures;
    if (![409, 429, 500, 503, 504].includes(res.status) || failures > 1000) {
      throw new Error(`applying ${condition.type} to ${name}: ${res.status} ${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

export function approve(server: FakeApiServer, name: string): Promise<number> {
  return applyCondition(server, name, APPROVER, {
    type: "Approved",
    status: "True",
    reason: "Bench",
    message: "approved by the bench",
  });
}

export function audit(server: FakeApiServer, name: string): Promise<number> {
  return applyCondition(server, name, AUDITOR, {
    type: AUDIT_CONDITION,
    status: "True",
    reason: "Audited",
    message: "written by another controller",
  });
}

/**
 * What must hold at the end: every approved request Ready with a certificate the CA
 * signed for its CSR's key, none Failed, Approved and the custom condition still there.
 *
 * @returns The problems found (empty when all is well).
 */
export async function checkOutcome(
  server: FakeApiServer,
  caCertPem: string,
  names: readonly string[],
  audited: ReadonlySet<string>,
): Promise<string[]> {
  const ca = new x509.X509Certificate(caCertPem);
  const problems: string[] = [];
  for (const name of names) {
    const cr = server.get(CR_RESOURCE, REQUEST_NAMESPACE, name);
    if (!cr) {
      problems.push(`${name}: gone`);
      continue;
    }
    if (conditionOf(cr, "Approved")?.status !== "True") problems.push(`${name}: Approved lost`);
    if (audited.has(name) && conditionOf(cr, AUDIT_CONDITION)?.status !== "True") {
      problems.push(`${name}: ${AUDIT_CONDITION} lost`);
    }
    const ready = conditionOf(cr, "Ready");
    if (ready?.status !== "True") {
      problems.push(`${name}: not Ready: ${JSON.stringify(ready)}`);
      continue;
    }
    const status = cr.status as { certificate?: string };
    if (!status.certificate) {
      problems.push(`${name}: Ready without a certificate`);
      continue;
    }
    const pems = atob(status.certificate).match(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
    );
    const leaf = pems?.[0];
    if (!leaf) {
      problems.push(`${name}: status.certificate holds no PEM certificate`);
      continue;
    }
    const cert = new x509.X509Certificate(leaf);
    const ok = await cert.verify({ publicKey: ca.publicKey, signatureOnly: true });
    if (!ok) problems.push(`${name}: the certificate does not verify against the CA`);
    if (cert.issuer !== ca.subject) problems.push(`${name}: issuer ${cert.issuer} is not the CA`);
    const csr = new x509.Pkcs10CertificateRequest(atob((cr.spec as { request: string }).request));
    const same = new Uint8Array(cert.publicKey.rawData);
    const want = new Uint8Array(csr.publicKey.rawData);
    if (same.length !== want.length || same.some((b, i) => b !== want[i])) {
      problems.push(`${name}: the certificate is not for the CSR's key`);
    }
  }
  return problems;
}

/** The issuer's API requests, split the way the bench reports them. */
export interface RequestSplit {
  reads: number;
  statusWrites: number;
  events: number;
  other: number;
  total: number;
}

export function splitRequests(records: readonly RequestRecord[]): RequestSplit {
  const split: RequestSplit = { reads: 0, statusWrites: 0, events: 0, other: 0, total: 0 };
  for (const r of records) {
    split.total++;
    if (r.resource === "events") split.events++;
    else if (["get", "list", "watch"].includes(r.verb)) split.reads++;
    else if (r.subresource === "status" && ["patch", "update"].includes(r.verb)) {
      split.statusWrites++;
    } else split.other++;
  }
  return split;
}

/** The `deno run` permission flags of the `example` task. */
export async function exampleFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const words = (config.tasks.example as string).split(/\s+/);
  return words.slice(2, -1);
}

export function freePort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}

/** Collects a child's standard error lines (kept only when asked, to bound memory). */
export class LogLines {
  readonly lines: string[] = [];
  readonly done: Promise<void>;
  count = 0;

  constructor(stream: ReadableStream<Uint8Array>, readonly keep: (line: string) => boolean) {
    this.done = (async () => {
      let rest = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop() ?? "";
        for (const line of parts) this.#add(line);
      }
      if (rest) this.#add(rest);
    })();
  }

  #add(line: string): void {
    this.count++;
    if (this.keep(line)) this.lines.push(line);
  }

  /** The kept lines that are errors. */
  get errors(): string[] {
    return this.lines.filter((line) => /"level":"(ERROR|FATAL)"/.test(line));
  }
}

/** The example issuer running as its own process under the `example` task's flags. */
export interface IssuerProcess {
  child: Deno.ChildProcess;
  log: LogLines;
  healthPort: number;
  /** `performance.now()` when it was spawned. */
  startedAt: number;
}

/**
 * Starts `examples/simple/main.ts` under the `example` task's permission flags.
 *
 * @param kubeconfig The issuer's kubeconfig.
 * @param extraArgs More flags of the program (such as `--workers=4`).
 * @param denoFlags More flags of `deno run` that grant nothing (such as `--inspect=…`).
 */
export async function spawnIssuer(
  kubeconfig: string,
  extraArgs: readonly string[] = [],
  denoFlags: readonly string[] = [],
): Promise<IssuerProcess> {
  const healthPort = freePort();
  const flags = await exampleFlags();
  const startedAt = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...denoFlags,
      ...flags,
      "examples/simple/main.ts",
      "--kubeconfig",
      kubeconfig,
      "--health-probe-bind-address",
      `127.0.0.1:${healthPort}`,
      "--log-format=json",
      ...extraArgs,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log = new LogLines(
    child.stderr,
    (line) => /"level":"(ERROR|FATAL)"/.test(line) || line.includes("acquired the lease"),
  );
  return { child, log, healthPort, startedAt };
}

/** Polls `/readyz` until it answers 200; returns ms since the process started. */
export async function waitReadyz(issuer: IssuerProcess, timeoutMs = 120_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  issuer.child.status.then(() => exited = true);
  while (performance.now() < deadline && !exited) {
    try {
      const res = await fetch(`http://127.0.0.1:${issuer.healthPort}/readyz`);
      const text = await res.text();
      if (res.status === 200 && text === "ok") return performance.now() - issuer.startedAt;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the issuer was not ready within ${timeoutMs} ms (exited: ${exited})`);
}

/** `VmHWM` and `VmRSS` of a process, in KiB (Linux `/proc`). */
export function memoryOf(pid: number): { hwmKb: number; rssKb: number } | undefined {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/status`);
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1]);
    return { hwmKb: field("VmHWM"), rssKb: field("VmRSS") };
  } catch {
    return undefined;
  }
}

export async function stopIssuer(
  issuer: IssuerProcess,
  signal: Deno.Signal = "SIGTERM",
): Promise<Deno.CommandStatus> {
  try {
    issuer.child.kill(signal);
  } catch {
    // already exited
  }
  const status = await issuer.child.status;
  await issuer.log.done;
  return status;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** Parses `--name value` / `--name=value` numeric knobs. */
/**
 * Exits 2 with `usage` when `args` holds a flag not in `known` (names without `--`), or
 * a number flag that is not a number; prints `usage` and exits 0 for `--help`.
 */
export function checkFlags(
  script: string,
  args: readonly string[],
  known: readonly string[],
  usage: string,
): void {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage);
    Deno.exit(0);
  }
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const match = /^--([^=]+)(=(.*))?$/.exec(arg);
    if (!match || !known.includes(match[1] as string)) {
      problems.push(`unknown argument ${JSON.stringify(arg)}`);
      continue;
    }
    const value = match[2] === undefined ? args[++i] : match[3];
    if (value === undefined || !Number.isFinite(Number(value))) {
      problems.push(`--${match[1]} wants a number, got ${JSON.stringify(value ?? "")}`);
    }
  }
  if (problems.length > 0) {
    console.error(`${script}: ${problems.join("; ")}\n${usage}`);
    Deno.exit(2);
  }
}

export function numberFlag(args: readonly string[], name: string, fallback: number): number {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === `--${name}`) return Number(args[i + 1]);
    if (arg.startsWith(`--${name}=`)) return Number(arg.slice(name.length + 3));
  }
  return fallback;
}
