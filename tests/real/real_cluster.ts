/**
 * A real etcd + kube-apiserver for tests (the "real" tier, see tests/real/README.md).
 *
 * The binaries come from `tests/real/build.sh` (pinned in `tests/real/cluster/go.mod`). This module
 * repeats the steps of `tests/real/start.sh` in TypeScript so that a Deno test owns the child
 * processes: they are stopped (SIGTERM, then SIGKILL) and awaited by {@linkcode RealCluster.stop},
 * by `await using`, or when the abort signal fires.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** Directory that `tests/real/build.sh` writes `etcd` and `kube-apiserver` into. */
export const DEFAULT_BIN_DIR: string = fileURLToPath(new URL("./bin", import.meta.url));

/** Admission plugins switched on: NamespaceLifecycle plus what an issuer meets around CSRs. */
export const ENABLED_ADMISSION_PLUGINS: readonly string[] = [
  "NamespaceLifecycle",
  "ServiceAccount",
  "CertificateApproval",
  "CertificateSigning",
  "CertificateSubjectRestriction",
];

/** Default-on admission plugins (kube-apiserver 1.34) switched off to keep admission minimal. */
export const DISABLED_ADMISSION_PLUGINS: readonly string[] = [
  "LimitRanger",
  "DefaultStorageClass",
  "PersistentVolumeClaimResize",
  "DefaultTolerationSeconds",
  "MutatingAdmissionWebhook",
  "ValidatingAdmissionWebhook",
  "ResourceQuota",
  "StorageObjectInUseProtection",
  "Priority",
  "TaintNodesByCondition",
  "RuntimeClass",
  "ClusterTrustBundleAttest",
  "DefaultIngressClass",
  "PodSecurity",
  "PodTopologyLabels",
  "MutatingAdmissionPolicy",
  "ValidatingAdmissionPolicy",
];

/** Service account token issuer configured on the apiserver. */
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

/** Options for {@linkcode startRealCluster}. */
export interface RealClusterOptions {
  /** Aborting stops the cluster (or cancels a start in progress, which then rejects). */
  signal?: AbortSignal;
  /** Working directory (created if missing) that is kept after stop. Default: a fresh temp dir. */
  dir?: string;
  /** Keep the default temp dir after stop (also env `REAL_CLUSTER_KEEP_DIR=1`). */
  keepDir?: boolean;
  /** Where `etcd` and `kube-apiserver` live. Default: {@linkcode DEFAULT_BIN_DIR}. */
  binDir?: string;
  /** How long to wait for `/readyz` to answer `ok`. Default 120 000 ms. */
  readyTimeoutMs?: number;
  /** How long each process gets between SIGTERM and SIGKILL. Default 10 000 ms. */
  stopTimeoutMs?: number;
  /** Extra kube-apiserver flags, appended last (so they win over the defaults). */
  apiserverArgs?: readonly string[];
}

/** A running etcd + kube-apiserver pair. */
export interface RealCluster extends AsyncDisposable {
  /** `https://127.0.0.1:<port>` of the kube-apiserver. */
  readonly url: string;
  /** `http://127.0.0.1:<port>` of etcd. */
  readonly etcdUrl: string;
  /** Admin kubeconfig (client certificate, embedded data). */
  readonly kubeconfigPath: string;
  /** PEM of the CA that signed the serving certificate and the admin client certificate. */
  readonly caPem: string;
  /** PEM client certificate, CN=admin, O=system:masters. */
  readonly adminCertPem: string;
  /** PEM (PKCS#8) private key of {@linkcode RealCluster.adminCertPem}. */
  readonly adminKeyPem: string;
  /** Working directory: `pki/`, `etcd-data/`, `etcd.log`, `kube-apiserver.log`, `kubeconfig`. */
  readonly dir: string;
  /** Process ids, e.g. to assert that nothing is left after {@linkcode RealCluster.stop}. */
  readonly pids: { readonly etcd: number; readonly apiserver: number };
  /** Stops kube-apiserver then etcd (SIGTERM, SIGKILL after a timeout) and waits for both. */
  stop(): Promise<void>;
}

/** Result of {@linkcode kubectl}. */
export interface KubectlResult {
  /** Exit code. */
  code: number;
  /** Decoded standard output. */
  stdout: string;
  /** Decoded standard error. */
  stderr: string;
}

/** Answer of {@linkcode adminRequest}: status code and the parsed JSON body (or text). */
export interface AdminResponse {
  /** HTTP status. */
  status: number;
  /** Parsed JSON when the body is JSON, otherwise the text. */
  body: unknown;
}

/** Options for {@linkcode createServiceAccountToken}. */
export interface ServiceAccountTokenOptions {
  /** Token audiences. Default: the apiserver's (its service account issuer). */
  audiences?: readonly string[];
  /** Token lifetime in seconds (at least 600). Default 3600. */
  expirationSeconds?: number;
}

/**
 * Reports whether `etcd` and `kube-apiserver` are present (and executable) in `binDir`.
 *
 * @param binDir directory to look in; default {@linkcode DEFAULT_BIN_DIR}
 * @returns true when both binaries exist
 */
export function realClusterBinariesPresent(binDir: string = DEFAULT_BIN_DIR): boolean {
  return ["etcd", "kube-apiserver"].every((name) => {
    try {
      const info = Deno.statSync(`${binDir}/${name}`);
      return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
    } catch {
      return false;
    }
  });
}

/**
 * Starts etcd and kube-apiserver on free 127.0.0.1 ports with a fresh PKI, and waits until
 * `/readyz` answers `ok`.
 *
 * @example
 * ```ts ignore
 * await using cluster = await startRealCluster();
 * const res = await adminRequest(cluster, "GET", "/version");
 * ```
 *
 * @param options see {@linkcode RealClusterOptions}
 * @returns the running cluster; dispose it (or call `stop()`) to stop it
 */
export async function startRealCluster(options: RealClusterOptions = {}): Promise<RealCluster> {
  const signal = options.signal;
  signal?.throwIfAborted();
  const binDir = options.binDir ?? DEFAULT_BIN_DIR;
  if (!realClusterBinariesPresent(binDir)) {
    throw new Error(
      `etcd/kube-apiserver not found in ${binDir}: run tests/real/build.sh first`,
    );
  }
  const ownsDir = options.dir === undefined;
  const keepDir = options.keepDir === true || Deno.env.get("REAL_CLUSTER_KEEP_DIR") === "1";
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "certkit-real-cluster-" });
  await Deno.mkdir(dir, { recursive: true });
  const removeDir = async () => {
    if (ownsDir && !keepDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  };

  let etcd: ManagedProcess | undefined;
  let apiserver: ManagedProcess | undefined;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const stopAll = async () => {
    if (apiserver) await apiserver.terminate(stopTimeoutMs);
    if (etcd) await etcd.terminate(stopTimeoutMs);
  };

  try {
    const pki = await createPki(`${dir}/pki`, signal);
    const [etcdPort, apiPort] = freePortPair();
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const url = `https://127.0.0.1:${apiPort}`;

    etcd = spawnManaged("etcd", `${binDir}/etcd`, [
      "--name=default",
      `--data-dir=${dir}/etcd-data`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      // A single member never talks to peers: port 0 avoids a clash on 2380.
      "--listen-peer-urls=http://127.0.0.1:0",
      "--unsafe-no-fsync",
      "--log-level=warn",
    ], `${dir}/etcd.log`);
    // Wait for etcd first: saves the apiserver a burst of gRPC connection warnings.
    await waitEtcdHealthy(etcdUrl, etcd, 30_000, signal);

    apiserver = spawnManaged("kube-apiserver", `${binDir}/kube-apiserver`, [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${dir}/apiserver-certs`,
      `--tls-cert-file=${pki.servingCertPath}`,
      `--tls-private-key-file=${pki.servingKeyPath}`,
      `--client-ca-file=${pki.caCertPath}`,
      "--authorization-mode=Node,RBAC",
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      `--service-account-key-file=${pki.saPublicKeyPath}`,
      `--service-account-signing-key-file=${pki.saPrivateKeyPath}`,
      "--service-cluster-ip-range=10.96.0.0/24",
      `--enable-admission-plugins=${ENABLED_ADMISSION_PLUGINS.join(",")}`,
      `--disable-admission-plugins=${DISABLED_ADMISSION_PLUGINS.join(",")}`,
      // The endpoint reconciler would write 127.0.0.1 into Endpoints, which validation rejects.
      "--endpoint-reconciler-type=none",
      "--profiling=false",
      ...(options.apiserverArgs ?? []),
    ], `${dir}/kube-apiserver.log`);

    const kubeconfigPath = `${dir}/kubeconfig`;
    await Deno.writeTextFile(kubeconfigPath, renderKubeconfig(url, pki), { mode: 0o600 });

    const creds = {
      url,
      caPem: pki.caPem,
      adminCertPem: pki.adminCertPem,
      adminKeyPem: pki.adminKeyPem,
    };
    await waitReady(creds, [etcd, apiserver], options.readyTimeoutMs ?? 120_000, signal);

    return new RunningCluster({
      ...creds,
      etcdUrl,
      kubeconfigPath,
      dir,
      pids: { etcd: etcd.pid, apiserver: apiserver.pid },
      stopAll,
      removeDir,
      signal,
    });
  } catch (error) {
    await stopAll();
    const logs = await logTails(dir);
    await removeDir();
    // An abort rejects with the signal's reason, whatever step it interrupted.
    if (signal?.aborted) throw signal.reason;
    throw new Error(`starting the real cluster failed: ${errorMessage(error)}${logs}`, {
      cause: error,
    });
  }
}

/**
 * Creates a `Deno.HttpClient` that trusts the cluster CA and presents the admin client
 * certificate. Close it when done.
 *
 * @param cluster the running cluster
 * @returns a client for `fetch(url, { client })`
 */
export function createAdminHttpClient(
  cluster: Pick<RealCluster, "caPem" | "adminCertPem" | "adminKeyPem">,
): Deno.HttpClient {
  return Deno.createHttpClient({
    caCerts: [cluster.caPem],
    cert: cluster.adminCertPem,
    key: cluster.adminKeyPem,
  });
}

/**
 * Sends one request as the admin user (client certificate) and returns the status and body.
 *
 * @param cluster the running cluster
 * @param method HTTP method
 * @param path absolute path, e.g. `/api/v1/namespaces`
 * @param body optional JSON body
 * @param headers optional extra headers (e.g. a patch `Content-Type`)
 * @returns status and the parsed JSON (or text) body
 */
export async function adminRequest(
  cluster: Pick<RealCluster, "url" | "caPem" | "adminCertPem" | "adminKeyPem">,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<AdminResponse> {
  const client = createAdminHttpClient(cluster);
  try {
    const init: RequestInit & { client: Deno.HttpClient } = {
      method,
      client,
      headers: {
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
    };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(`${cluster.url}${path}`, init);
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get("content-type") ?? "").includes("json")) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed };
  } finally {
    client.close();
  }
}

/**
 * Runs the machine's `kubectl` against the cluster with `--kubeconfig`, a fresh `HOME` and a
 * fresh `KUBECACHEDIR` (the kubectl dispatcher and discovery caches must not leak between runs).
 *
 * @param cluster the running cluster
 * @param args kubectl arguments, e.g. `["get", "ns"]`
 * @param options `stdin` text and an abort `signal`
 * @returns exit code and decoded output
 */
export async function kubectl(
  cluster: Pick<RealCluster, "kubeconfigPath" | "dir">,
  args: readonly string[],
  options: { stdin?: string; signal?: AbortSignal } = {},
): Promise<KubectlResult> {
  const home = await Deno.makeTempDir({ dir: cluster.dir, prefix: "kubectl-home-" });
  try {
    const command = new Deno.Command(Deno.env.get("KUBECTL") ?? "kubectl", {
      args: ["--kubeconfig", cluster.kubeconfigPath, ...args],
      env: { HOME: home, KUBECACHEDIR: `${home}/cache`, KUBECONFIG: cluster.kubeconfigPath },
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const child = command.spawn();
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    }
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

/**
 * Ensures namespace `namespace` and ServiceAccount `name` exist, then asks for a token with the
 * TokenRequest API (`POST /api/v1/namespaces/NS/serviceaccounts/NAME/token`).
 *
 * @param cluster the running cluster
 * @param namespace namespace of the service account (created when missing)
 * @param name service account name (created when missing)
 * @param options audiences and lifetime
 * @returns the bearer token (a JWT signed by the cluster's service-account key)
 */
export async function createServiceAccountToken(
  cluster: Pick<RealCluster, "url" | "caPem" | "adminCertPem" | "adminKeyPem">,
  namespace: string,
  name: string,
  options: ServiceAccountTokenOptions = {},
): Promise<string> {
  const created = (res: AdminResponse, what: string) => {
    if (res.status !== 201 && res.status !== 409) {
      throw new Error(`creating ${what} failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
  };
  created(
    await adminRequest(cluster, "POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace },
    }),
    `namespace ${namespace}`,
  );
  const ns = encodeURIComponent(namespace);
  created(
    await adminRequest(cluster, "POST", `/api/v1/namespaces/${ns}/serviceaccounts`, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name, namespace },
    }),
    `serviceaccount ${namespace}/${name}`,
  );
  const spec: Record<string, unknown> = { expirationSeconds: options.expirationSeconds ?? 3600 };
  if (options.audiences) spec.audiences = [...options.audiences];
  const res = await adminRequest(
    cluster,
    "POST",
    `/api/v1/namespaces/${ns}/serviceaccounts/${encodeURIComponent(name)}/token`,
    { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec },
  );
  const token = field(field(res.body, "status"), "token");
  if (res.status !== 201 || typeof token !== "string") {
    throw new Error(`TokenRequest failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return token;
}

// ---------------------------------------------------------------------------------------------

interface RunningClusterInit {
  url: string;
  etcdUrl: string;
  kubeconfigPath: string;
  caPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  dir: string;
  pids: { etcd: number; apiserver: number };
  stopAll: () => Promise<void>;
  removeDir: () => Promise<void>;
  signal: AbortSignal | undefined;
}

class RunningCluster implements RealCluster {
  readonly url: string;
  readonly etcdUrl: string;
  readonly kubeconfigPath: string;
  readonly caPem: string;
  readonly adminCertPem: string;
  readonly adminKeyPem: string;
  readonly dir: string;
  readonly pids: { readonly etcd: number; readonly apiserver: number };
  #stopAll: () => Promise<void>;
  #removeDir: () => Promise<void>;
  #signal: AbortSignal | undefined;
  #stopping: Promise<void> | undefined;
  #onAbort = () => {
    this.stop().catch(() => {});
  };

  constructor(init: RunningClusterInit) {
    this.url = init.url;
    this.etcdUrl = init.etcdUrl;
    this.kubeconfigPath = init.kubeconfigPath;
    this.caPem = init.caPem;
    this.adminCertPem = init.adminCertPem;
    this.adminKeyPem = init.adminKeyPem;
    this.dir = init.dir;
    this.pids = init.pids;
    this.#stopAll = init.stopAll;
    this.#removeDir = init.removeDir;
    this.#signal = init.signal;
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
    if (this.#signal?.aborted) this.#onAbort();
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#signal?.removeEventListener("abort", this.#onAbort);
      await this.#stopAll();
      await this.#removeDir();
    })();
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** A child process whose output goes to a log file, killed with the test process if possible. */
class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly status: Promise<Deno.CommandStatus>;
  exited: Deno.CommandStatus | undefined;
  #child: Deno.ChildProcess;

  constructor(name: string, child: Deno.ChildProcess) {
    this.name = name;
    this.#child = child;
    this.pid = child.pid;
    this.status = child.status.then((s) => {
      this.exited = s;
      return s;
    });
  }

  async terminate(timeoutMs: number): Promise<void> {
    if (this.exited) return;
    this.#kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      this.status.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) this.#kill("SIGKILL");
    await this.status;
  }

  #kill(sig: Deno.Signal): void {
    try {
      this.#child.kill(sig);
    } catch {
      // already exited
    }
  }
}

const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

function spawnManaged(
  name: string,
  binary: string,
  args: readonly string[],
  logPath: string,
): ManagedProcess {
  // `sh -c exec` keeps the pid of the real binary while sending its output to the log file;
  // `setpriv --pdeathsig KILL` makes the kernel kill it if the Deno process dies first.
  const shArgs = ["-c", 'exec "$0" "$@" >>"$REAL_CLUSTER_LOG" 2>&1', binary, ...args];
  const [cmd, cmdArgs] = SETPRIV
    ? [SETPRIV, ["--pdeathsig", "KILL", "--", "/bin/sh", ...shArgs]]
    : ["/bin/sh", shArgs];
  const child = new Deno.Command(cmd, {
    args: cmdArgs,
    env: { REAL_CLUSTER_LOG: logPath },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  return new ManagedProcess(name, child);
}

/**
 * Two distinct free 127.0.0.1 ports, chosen below the kernel's ephemeral range
 * (32768-60999) so that no outgoing connection can hold them when etcd and the
 * apiserver bind; each is held open while choosing, then released.
 */
function freePortPair(): [number, number] {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < 2 && attempt < 500; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (ports.includes(port)) continue;
    try {
      const listener = Deno.listen({ hostname: "127.0.0.1", port, transport: "tcp" });
      listener.close();
      ports.push(port);
    } catch {
      // taken: try another
    }
  }
  if (ports.length < 2) throw new Error("no two free ports found in 20000-31999");
  return [ports[0] as number, ports[1] as number];
}

async function waitReady(
  creds: Pick<RealCluster, "url" | "caPem" | "adminCertPem" | "adminKeyPem">,
  procs: readonly ManagedProcess[],
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const client = createAdminHttpClient(creds);
  let last = "no answer yet";
  try {
    for (;;) {
      signal?.throwIfAborted();
      for (const p of procs) {
        if (p.exited) throw new Error(`${p.name} exited early with code ${p.exited.code}`);
      }
      try {
        const attempt = AbortSignal.timeout(5_000);
        const res = await fetch(`${creds.url}/readyz`, {
          client,
          signal: signal ? AbortSignal.any([signal, attempt]) : attempt,
        });
        const text = await res.text();
        if (res.status === 200 && text.trim() === "ok") return;
        last = `${res.status} ${text.slice(0, 500)}`;
      } catch (error) {
        signal?.throwIfAborted();
        last = errorMessage(error);
      }
      if (Date.now() > deadline) {
        throw new Error(`kube-apiserver not ready after ${timeoutMs} ms; last /readyz: ${last}`);
      }
      await delay(250, signal);
    }
  } finally {
    client.close();
  }
}

async function waitEtcdHealthy(
  etcdUrl: string,
  etcd: ManagedProcess,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    signal?.throwIfAborted();
    if (etcd.exited) throw new Error(`etcd exited early with code ${etcd.exited.code}`);
    try {
      const attempt = AbortSignal.timeout(2_000);
      const res = await fetch(`${etcdUrl}/health`, {
        signal: signal ? AbortSignal.any([signal, attempt]) : attempt,
      });
      const body: unknown = await res.json().catch(() => undefined);
      if (res.status === 200 && field(body, "health") === "true") return;
      last = `${res.status} ${JSON.stringify(body)}`;
    } catch (error) {
      signal?.throwIfAborted();
      last = errorMessage(error);
    }
    if (Date.now() > deadline) {
      throw new Error(`etcd not healthy after ${timeoutMs} ms; last /health: ${last}`);
    }
    await delay(100, signal);
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

interface Pki {
  caCertPath: string;
  servingCertPath: string;
  servingKeyPath: string;
  saPublicKeyPath: string;
  saPrivateKeyPath: string;
  caPem: string;
  adminCertPem: string;
  adminKeyPem: string;
}

async function createPki(pki: string, signal: AbortSignal | undefined): Promise<Pki> {
  await Deno.mkdir(pki, { recursive: true });
  const ossl = (...args: string[]) => openssl(args, signal);
  const ecKey = (path: string) =>
    ossl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path);

  await ecKey(`${pki}/ca.key`);
  await ossl(
    "req",
    "-x509",
    "-new",
    "-key",
    `${pki}/ca.key`,
    "-out",
    `${pki}/ca.crt`,
    "-days",
    "7",
    "-sha256",
    "-subj",
    "/CN=certkit-real-cluster-ca",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-addext",
    "subjectKeyIdentifier=hash",
  );
  const signLeaf = async (name: string, subject: string, extensions: readonly string[]) => {
    await ecKey(`${pki}/${name}.key`);
    await ossl(
      "req",
      "-new",
      "-key",
      `${pki}/${name}.key`,
      "-subj",
      subject,
      "-out",
      `${pki}/${name}.csr`,
    );
    await Deno.writeTextFile(`${pki}/${name}.ext`, extensions.join("\n") + "\n");
    await ossl(
      "x509",
      "-req",
      "-in",
      `${pki}/${name}.csr`,
      "-CA",
      `${pki}/ca.crt`,
      "-CAkey",
      `${pki}/ca.key`,
      "-CAcreateserial",
      "-days",
      "7",
      "-sha256",
      "-extfile",
      `${pki}/${name}.ext`,
      "-out",
      `${pki}/${name}.crt`,
    );
    await Deno.remove(`${pki}/${name}.csr`);
    await Deno.remove(`${pki}/${name}.ext`);
  };
  await signLeaf("serving", "/CN=kube-apiserver", [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature",
    "extendedKeyUsage=serverAuth",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ]);
  await signLeaf("admin", "/O=system:masters/CN=admin", [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature",
    "extendedKeyUsage=clientAuth",
  ]);
  await ossl(
    "genpkey",
    "-algorithm",
    "RSA",
    "-pkeyopt",
    "rsa_keygen_bits:2048",
    "-out",
    `${pki}/sa.key`,
  );
  await ossl("pkey", "-in", `${pki}/sa.key`, "-pubout", "-out", `${pki}/sa.pub`);

  return {
    caCertPath: `${pki}/ca.crt`,
    servingCertPath: `${pki}/serving.crt`,
    servingKeyPath: `${pki}/serving.key`,
    saPublicKeyPath: `${pki}/sa.pub`,
    saPrivateKeyPath: `${pki}/sa.key`,
    caPem: await Deno.readTextFile(`${pki}/ca.crt`),
    adminCertPem: await Deno.readTextFile(`${pki}/admin.crt`),
    adminKeyPem: await Deno.readTextFile(`${pki}/admin.key`),
  };
}

async function openssl(args: readonly string[], signal: AbortSignal | undefined): Promise<void> {
  const out = await new Deno.Command("openssl", {
    args: [...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(signal ? { signal } : {}),
  }).output();
  signal?.throwIfAborted();
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr);
    throw new Error(`openssl ${args.slice(0, 2).join(" ")} failed (${out.code}): ${stderr}`);
  }
}

function renderKubeconfig(url: string, pki: Pki): string {
  const b64 = (pem: string) => btoa(pem);
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: real",
    "  cluster:",
    `    server: ${url}`,
    `    certificate-authority-data: ${b64(pki.caPem)}`,
    "users:",
    "- name: admin",
    "  user:",
    `    client-certificate-data: ${b64(pki.adminCertPem)}`,
    `    client-key-data: ${b64(pki.adminKeyPem)}`,
    "contexts:",
    "- name: real",
    "  context:",
    "    cluster: real",
    "    user: admin",
    "    namespace: default",
    "current-context: real",
    "",
  ].join("\n");
}

async function logTails(dir: string): Promise<string> {
  let out = "";
  for (const name of ["etcd.log", "kube-apiserver.log"]) {
    try {
      const lines = (await Deno.readTextFile(`${dir}/${name}`)).trimEnd().split("\n");
      out += `\n--- last lines of ${name} ---\n${lines.slice(-15).join("\n")}`;
    } catch {
      // no log
    }
  }
  return out;
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A kubeconfig (YAML) that connects to the cluster with a bearer token only: its server,
 * the cluster CA, the token and a default namespace, as a pod's service account would.
 *
 * @example
 * ```ts ignore
 * const token = await createServiceAccountToken(cluster, "issuers", "issuer");
 * await Deno.writeTextFile("sa.kubeconfig", tokenKubeconfig(cluster, token, "issuers"));
 * ```
 *
 * @param cluster the running cluster (its URL and CA)
 * @param token the bearer token, e.g. from {@linkcode createServiceAccountToken}
 * @param namespace the context's namespace
 * @returns the kubeconfig text
 */
export function tokenKubeconfig(
  cluster: Pick<RealCluster, "url" | "caPem">,
  token: string,
  namespace: string,
): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: real",
    "  cluster:",
    `    server: ${cluster.url}`,
    `    certificate-authority-data: ${btoa(cluster.caPem)}`,
    "users:",
    "- name: token",
    "  user:",
    `    token: ${token}`,
    "contexts:",
    "- name: real",
    "  context:",
    "    cluster: real",
    "    user: token",
    `    namespace: ${namespace}`,
    "current-context: real",
    "",
  ].join("\n");
}

/** What a {@linkcode subjectAccessReview} asks: may `user` (in `groups`) do this? */
export interface AccessQuestion {
  /** The user, e.g. `system:serviceaccount:NS:NAME`. */
  user: string;
  /** The user's groups. */
  groups?: readonly string[];
  /** The API group (`""` for the core group). */
  group: string;
  /** The resource, e.g. `leases`. */
  resource: string;
  /** The subresource, e.g. `status`. */
  subresource?: string;
  /** The verb. */
  verb: string;
  /** The namespace; omitted for the cluster scope. */
  namespace?: string;
  /** The object's name. */
  name?: string;
}

/**
 * Asks the API server's authorizer (as the admin, with a SubjectAccessReview) whether a user
 * may make a request.
 *
 * @param cluster the running cluster
 * @param question the user and the request's attributes
 * @returns `status.allowed` of the review
 */
export async function subjectAccessReview(
  cluster: Pick<RealCluster, "url" | "caPem" | "adminCertPem" | "adminKeyPem">,
  question: AccessQuestion,
): Promise<boolean> {
  const { user, groups, ...attributes } = question;
  const res = await adminRequest(
    cluster,
    "POST",
    "/apis/authorization.k8s.io/v1/subjectaccessreviews",
    {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: { user, groups: [...(groups ?? [])], resourceAttributes: attributes },
    },
  );
  const allowed = field(field(res.body, "status"), "allowed");
  if (res.status !== 201) {
    throw new Error(`SubjectAccessReview failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return allowed === true;
}
