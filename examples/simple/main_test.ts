import { strict as assert } from "node:assert";
import { parseAllDocuments } from "yaml";
import { generateCa, generateCsr, type JsonObject, LeadershipLostError } from "@certkit/issuer-lib";
import {
  CERTIFICATE_REQUESTS_CRD,
  FakeApiServer,
  kubeconfigYaml,
  type PolicyRule,
} from "@certkit/issuer-lib/testing";
import { FlagError, LEASE_NAME, main, parseFlags, USAGE } from "./main.ts";

const ROOT = new URL("../../", import.meta.url);
const NAMESPACE = "simple-issuer";
const SERVICE_ACCOUNT = `system:serviceaccount:${NAMESPACE}:simple-issuer`;

/** The words of a deno.json task. */
async function taskWords(name: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  return (config.tasks[name] as string).split(/\s+/);
}

/** The flags of the `example` task: `deno run <flags> examples/simple/main.ts`. */
async function exampleFlags(): Promise<string[]> {
  const words = await taskWords("example");
  assert.deepEqual(words.slice(0, 2), ["node_modules/.bin/deno", "run"]);
  assert.equal(words.at(-1), "examples/simple/main.ts");
  return words.slice(2, -1);
}

Deno.test("parseFlags: the defaults", () => {
  assert.deepEqual(parseFlags([]), {
    help: false,
    flags: {
      kubeconfig: undefined,
      context: undefined,
      clusterResourceNamespace: "simple-issuer",
      leaderElect: false,
      leaderElectionNamespace: undefined,
      metricsBindAddress: "0",
      healthProbeBindAddress: ":8081",
      maxRetryDurationMs: 3_600_000,
      logFormat: undefined,
      logLevel: "info",
      workers: 1,
    },
  });
});

Deno.test("parseFlags: every flag, in the forms Go's flag package accepts", () => {
  const { help, flags } = parseFlags([
    "--kubeconfig",
    "/k",
    "-context=kind",
    "--cluster-resource-namespace=certs",
    "--leader-elect",
    "--leader-election-namespace",
    "locks",
    "--metrics-bind-address=:8080",
    "--health-probe-bind-address",
    "[::1]:9440",
    "--max-retry-duration=1h30m",
    "--log-format",
    "text",
    "--log-level=debug",
    "--workers",
    "16",
  ], { POD_NAMESPACE: "ignored" });
  assert.equal(help, false);
  assert.deepEqual(flags, {
    kubeconfig: "/k",
    context: "kind",
    clusterResourceNamespace: "certs",
    leaderElect: true,
    leaderElectionNamespace: "locks",
    metricsBindAddress: ":8080",
    healthProbeBindAddress: "[::1]:9440",
    maxRetryDurationMs: 90 * 60_000,
    logFormat: "text",
    logLevel: "debug",
    workers: 16,
  });
});

Deno.test("parseFlags: POD_NAMESPACE is the default cluster resource namespace", () => {
  assert.equal(parseFlags([], { POD_NAMESPACE: "ca" }).flags.clusterResourceNamespace, "ca");
  assert.equal(
    parseFlags([], { POD_NAMESPACE: "" }).flags.clusterResourceNamespace,
    "simple-issuer",
  );
});

Deno.test("parseFlags: booleans take =value, and the last of a repeated flag wins", () => {
  assert.equal(parseFlags(["--leader-elect", "--leader-elect=false"]).flags.leaderElect, false);
  assert.equal(parseFlags(["--leader-elect=0", "--leader-elect=T"]).flags.leaderElect, true);
  assert.equal(parseFlags(["--log-level=debug", "--log-level=error"]).flags.logLevel, "error");
});

Deno.test("parseFlags: -h and --help ask for help", () => {
  assert.equal(parseFlags(["-h"]).help, true);
  assert.equal(parseFlags(["--kubeconfig", "/k", "--help"]).help, true);
});

Deno.test("parseFlags: bad command lines say which flag and value", () => {
  const cases: [string[], string][] = [
    [["--nope"], "flag provided but not defined: --nope"],
    [["--kubeconfig"], "flag needs an argument: --kubeconfig"],
    [["extra"], 'unexpected argument "extra": every argument is a flag'],
    [["--leader-elect=yes"], 'invalid value "yes" for flag --leader-elect: want true or false'],
    [
      ["--max-retry-duration=1d"],
      'invalid value "1d" for flag --max-retry-duration: time: unknown unit "d" in duration "1d"',
    ],
    [
      ["--max-retry-duration", "-5m"],
      'invalid value "-5m" for flag --max-retry-duration: must not be negative',
    ],
    [["--log-format=yaml"], 'invalid value "yaml" for flag --log-format: want json or text'],
    [
      ["--log-level=verbose"],
      'invalid value "verbose" for flag --log-level: want one of trace, debug, info, warning, error, fatal',
    ],
    [
      ["--cluster-resource-namespace=Certs"],
      'invalid value "Certs" for flag --cluster-resource-namespace: not a namespace name',
    ],
    [
      ["--health-probe-bind-address=8081"],
      'invalid value "8081" for flag --health-probe-bind-address: want host:port, :port, or 0 to turn it off',
    ],
    [
      ["--metrics-bind-address=:99999"],
      'invalid value ":99999" for flag --metrics-bind-address: want host:port, :port, or 0 to turn it off',
    ],
    ...["0", "1001", "-1", "4.5", "1e3", "four", " 4", ""].map((value): [string[], string] => [
      [`--workers=${value}`],
      `invalid value ${
        JSON.stringify(value)
      } for flag --workers: want a whole number from 1 to 1000`,
    ]),
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseFlags(args), (error: unknown) => {
      assert.ok(error instanceof FlagError, `${args.join(" ")}: ${error}`);
      assert.equal(error.message, message);
      return true;
    });
  }
});

Deno.test("the example task grants exactly the permissions the compiled binary gets", async () => {
  const flags = await exampleFlags();
  assert.ok(flags.every((flag) => flag.startsWith("--allow-")), flags.join(" "));
  assert.ok(!flags.includes("--allow-all") && !flags.includes("-A"));
  const compile = await taskWords("compile");
  assert.deepEqual(compile.slice(0, 2), ["node_modules/.bin/deno", "compile"]);
  assert.deepEqual(compile.filter((word) => word.startsWith("--allow-")), flags);
  assert.equal(compile.at(-1), "examples/simple/main.ts");
});

async function runMainProcess(args: string[]): Promise<Deno.CommandOutput> {
  return await new Deno.Command(Deno.execPath(), {
    args: ["run", ...await exampleFlags(), "examples/simple/main.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test("main.ts: a bad flag prints what is wrong and exits 2", async () => {
  const { code, stdout, stderr } = await runMainProcess(["--max-retry-duration", "soon"]);
  assert.equal(new TextDecoder().decode(stdout), "");
  assert.equal(
    new TextDecoder().decode(stderr),
    'simple-issuer: invalid value "soon" for flag --max-retry-duration: time: invalid duration "soon"\n' +
      "Run simple-issuer --help to see the flags.\n",
  );
  assert.equal(code, 2);
});

Deno.test("parseFlags: --workers takes 1 to 1000", () => {
  assert.equal(parseFlags(["--workers=1"]).flags.workers, 1);
  assert.equal(parseFlags(["-workers", "4"]).flags.workers, 4);
  assert.equal(parseFlags(["--workers=1000"]).flags.workers, 1000);
  assert.match(USAGE, /--workers N\n.*\n.*an integer from 1 to 1000\. Default: 1\./);
});

Deno.test("main.ts: a bad --workers prints what is wrong and exits 2", async () => {
  const { code, stdout, stderr } = await runMainProcess(["--workers", "0"]);
  assert.equal(new TextDecoder().decode(stdout), "");
  assert.equal(
    new TextDecoder().decode(stderr),
    'simple-issuer: invalid value "0" for flag --workers: want a whole number from 1 to 1000\n' +
      "Run simple-issuer --help to see the flags.\n",
  );
  assert.equal(code, 2);
});

Deno.test("main: --workers reaches runIssuer", async () => {
  const seen: (number | undefined)[] = [];
  const code = await withKubeconfig(async (kubeconfig) => {
    for (const args of [[], ["--workers=8"]]) {
      await main(["--kubeconfig", kubeconfig, "--log-level=error", ...args], {
        writeLog: () => {},
        runIssuer: (options) => {
          seen.push(options.workers);
          return Promise.resolve();
        },
      });
    }
    return 0;
  });
  assert.equal(code, 0);
  assert.deepEqual(seen, [1, 8]);
});

Deno.test("main.ts: --help prints the flags and exits 0", async () => {
  const { code, stdout } = await runMainProcess(["--help"]);
  assert.equal(new TextDecoder().decode(stdout), `${USAGE.trimEnd()}\n`);
  assert.equal(code, 0);
});

async function withKubeconfig<T>(fn: (path: string) => Promise<T>): Promise<T> {
  const path = await Deno.makeTempFile({ prefix: "simple-issuer-kubeconfig-" });
  try {
    await Deno.writeTextFile(path, kubeconfigYaml({ server: "https://127.0.0.1:9", token: "t" }));
    return await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("main: losing leadership exits 1 with a log line saying so", async () => {
  const lines: string[] = [];
  const code = await withKubeconfig((kubeconfig) =>
    main(["--kubeconfig", kubeconfig, "--leader-elect", "--log-format=json"], {
      writeLog: (line) => lines.push(line),
      runIssuer: (options) => {
        assert.deepEqual(options.leaderElection, { name: LEASE_NAME });
        return Promise.reject(
          new LeadershipLostError("pod-a", `default/${LEASE_NAME}`, "the renew deadline passed"),
        );
      },
    })
  );
  assert.equal(code, 1);
  const last = JSON.parse(lines.at(-1) ?? "{}");
  assert.equal(last.level, "ERROR");
  assert.equal(
    last.message,
    "Exiting with code 1: leadership was lost, so another replica may be signing now: " +
      '"pod-a lost the lease default/simple-issuer-leader-election: the renew deadline passed"',
  );
});

Deno.test("main: a kubeconfig that cannot be read exits 1 naming it", async () => {
  const lines: string[] = [];
  const code = await main(["--kubeconfig", "/nonexistent/kubeconfig", "--log-format=text"], {
    writeLog: (line) => lines.push(line),
    runIssuer: () => Promise.reject(new Error("not reached")),
  });
  assert.equal(code, 1);
  assert.match(lines.join(""), /the simple issuer failed: .*\/nonexistent\/kubeconfig/);
});

/** Grants the rules that deploy/rbac.yaml binds to the issuer's service account. */
async function grantDeployedRbac(server: FakeApiServer): Promise<void> {
  const text = await Deno.readTextFile(new URL("deploy/rbac.yaml", import.meta.url));
  const objects = parseAllDocuments(text).map((doc) => doc.toJSON() as JsonObject);
  const roles = new Map<string, { namespace?: string; rules: PolicyRule[] }>();
  for (const o of objects) {
    const meta = o.metadata as { name: string; namespace?: string };
    if (o.kind === "ClusterRole" || o.kind === "Role") {
      roles.set(`${o.kind}/${meta.name}`, {
        ...(meta.namespace ? { namespace: meta.namespace } : {}),
        rules: o.rules as unknown as PolicyRule[],
      });
    }
  }
  let bindings = 0;
  for (const o of objects) {
    if (o.kind !== "ClusterRoleBinding" && o.kind !== "RoleBinding") continue;
    const subjects = o.subjects as { kind: string; name: string; namespace: string }[];
    const ours = subjects.some((s) =>
      `system:serviceaccount:${s.namespace}:${s.name}` === SERVICE_ACCOUNT
    );
    if (!ours) continue;
    const ref = o.roleRef as { kind: string; name: string };
    const role = roles.get(`${ref.kind}/${ref.name}`);
    assert.ok(role, `${o.kind} ${(o.metadata as { name: string }).name}: no ${ref.kind}`);
    const namespaces = o.kind === "RoleBinding"
      ? [(o.metadata as { namespace: string }).namespace]
      : undefined;
    server.grant(
      SERVICE_ACCOUNT,
      role.rules.map((rule) => namespaces ? { ...rule, namespaces } : rule),
    );
    bindings++;
  }
  assert.equal(bindings, 2);
}

/** Reads a process's standard error line by line, and waits for lines. */
class LogLines {
  readonly lines: string[] = [];
  readonly done: Promise<void>;
  #waiters: { test: (line: string) => boolean; resolve: () => void }[] = [];

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      let rest = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop() ?? "";
        for (const line of parts) this.#add(line);
      }
      if (rest) this.#add(rest);
      for (const waiter of this.#waiters) waiter.resolve();
    })();
  }

  #add(line: string): void {
    this.lines.push(line);
    this.#waiters = this.#waiters.filter((w) => !(w.test(line) && (w.resolve(), true)));
  }

  /** Resolves once a line passes `test` (or the stream ends: check `lines` then). */
  waitFor(test: (line: string) => boolean): Promise<void> {
    if (this.lines.some(test)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ test, resolve }));
  }
}

function freePort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}

function isReady(object: JsonObject | undefined): boolean {
  const conditions = (object?.status as { conditions?: { type: string; status: string }[] })
    ?.conditions;
  return conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

Deno.test({
  name:
    "main.ts under the example task's flags: starts as its service account, gets ready, issues, stops on SIGTERM",
  async fn() {
    const crds = await Promise.all(
      ["simpleissuers", "simpleclusterissuers"].map((name) =>
        Deno.readTextFile(new URL(`deploy/crds/${name}.yaml`, import.meta.url))
      ),
    );
    await using server = new FakeApiServer({
      crds: [CERTIFICATE_REQUESTS_CRD, ...crds],
      namespaces: [NAMESPACE],
    });
    await grantDeployedRbac(server);
    await using listening = await server.listen({ tls: true });
    server.addToken("issuer-token", {
      username: SERVICE_ACCOUNT,
      groups: [
        "system:serviceaccounts",
        `system:serviceaccounts:${NAMESPACE}`,
        "system:authenticated",
      ],
    });
    const dir = await Deno.makeTempDir({ prefix: "simple-issuer-main-test-" });
    const kubeconfig = `${dir}/kubeconfig`;
    await Deno.writeTextFile(
      kubeconfig,
      listening.kubeconfig({ token: "issuer-token", namespace: NAMESPACE }),
    );
    const port = freePort();

    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...await exampleFlags(),
        "examples/simple/main.ts",
        "--kubeconfig",
        kubeconfig,
        "--leader-elect",
        "--health-probe-bind-address",
        `127.0.0.1:${port}`,
        "--log-format=json",
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const log = new LogLines(child.stderr);
    try {
      // Ready once every informer has synced: each controller logs when its sources have.
      const synced = new Set<string>();
      await log.waitFor((line) => {
        if (line.includes("The sources synced")) synced.add(JSON.parse(line).controller);
        return synced.size === 4;
      });
      assert.equal(synced.size, 4, log.lines.join("\n"));
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(`${ready.status} ${await ready.text()}`, "200 ok");
      const healthy = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(`${healthy.status} ${await healthy.text()}`, "200 ok");

      // A SimpleClusterIssuer with its CA in the cluster resource namespace gets Ready, and
      // signs an approved CertificateRequest.
      const ca = await generateCa({ commonName: "Simple CA", now: Date.now() - 60_000 });
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
      await server.waitFor("simpleclusterissuers.simple.certkit.dev", "", "ca", isReady);
      const { csrPem } = await generateCsr({ subject: "CN=web", dnsNames: ["web.example"] });
      await server.load({
        apiVersion: "cert-manager.io/v1",
        kind: "CertificateRequest",
        metadata: { name: "web", namespace: "default" },
        spec: {
          request: btoa(csrPem),
          issuerRef: { group: "simple.certkit.dev", kind: "SimpleClusterIssuer", name: "ca" },
        },
      });
      const approve = await server.fetch(
        new Request(
          "http://fake/apis/cert-manager.io/v1/namespaces/default/certificaterequests/web/status",
          {
            method: "PATCH",
            headers: { "content-type": "application/merge-patch+json" },
            body: JSON.stringify({
              status: {
                conditions: [{
                  type: "Approved",
                  status: "True",
                  reason: "Test",
                  message: "approved by the test",
                  lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
                }],
              },
            }),
          },
        ),
      );
      assert.equal(approve.status, 200, await approve.text());
      const issued = await server.waitFor(
        "certificaterequests.cert-manager.io",
        "default",
        "web",
        isReady,
      );
      assert.match(
        atob((issued?.status as { certificate: string }).certificate),
        /^-----BEGIN CERTIFICATE-----/,
      );
      const lease = server.get("leases.coordination.k8s.io", NAMESPACE, LEASE_NAME);
      assert.ok((lease?.spec as { holderIdentity?: string }).holderIdentity);

      child.kill("SIGTERM");
      const status = await child.status;
      await log.done;
      assert.equal(status.code, 0, log.lines.join("\n"));
      assert.match(log.lines.at(-1) ?? "", /"message":"The simple issuer has stopped\."/);
      const released = server.get("leases.coordination.k8s.io", NAMESPACE, LEASE_NAME);
      assert.ok(!(released?.spec as { holderIdentity?: string }).holderIdentity);
      const errors = log.lines.filter((line) => /"level":"(ERROR|FATAL)"/.test(line));
      assert.deepEqual(errors, []);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // already exited
      }
      await child.status;
      await log.done;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
