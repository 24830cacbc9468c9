/**
 * The example issuer end to end (issue 8): the standalone fake API server (`deno task
 * apiserver`) and the example issuer (`deno task example`'s permission flags) run as
 * separate processes, and the test drives them only with the machine's `kubectl` and
 * `openssl`: CRDs, a CA Secret, a SimpleIssuer and a SimpleClusterIssuer, CertificateRequests
 * for EC, RSA and Ed25519 keys (verified with `openssl verify`, SANs and duration checked),
 * the denied, unapproved, foreign-issuer, missing-issuer and malformed-CSR requests, and
 * Kubernetes CertificateSigningRequests approved and denied with `kubectl certificate`.
 *
 * Every kubectl invocation gets a fresh `HOME` and `KUBECACHEDIR`. Ignored (with the reason)
 * when kubectl or openssl is not installed.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { fileURLToPath } from "node:url";
import { stringify as stringifyYaml } from "yaml";
import { Lines } from "../_support/lines.ts";

const KUBECTL = Deno.env.get("KUBECTL") ?? "kubectl";
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const GROUP = "simple.certkit.dev";
const NS = "e2e";
const CLUSTER_RESOURCE_NAMESPACE = "e2e-issuer";
const CRD_FILES = [
  "testdata/cert-manager-crds/cert-manager.io_certificaterequests.yaml",
  "examples/simple/deploy/crds/simpleissuers.yaml",
  "examples/simple/deploy/crds/simpleclusterissuers.yaml",
].map((path) => `${REPO}${path}`);

/** Why `command args` cannot run here, or `undefined`. */
async function missing(command: string, args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(command, {
      args,
      stdout: "null",
      stderr: "null",
      env: { HOME: Deno.env.get("TMPDIR") ?? "/tmp" },
    }).output();
    return out.success ? undefined : `${command} ${args.join(" ")} failed (exit ${out.code})`;
  } catch (e) {
    return `${command} is not installed (${(e as Error).message})`;
  }
}

const UNAVAILABLE: string | undefined = (await missing(KUBECTL, ["version", "--client"])) ??
  (await missing("openssl", ["version"]));

/** The words after `deno` of a deno.json task, checked to end with `entry` if given. */
async function taskArgs(name: string, entry?: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${REPO}deno.json`));
  const task = String(config.tasks?.[name] ?? "");
  const words = task.split(/\s+/).filter(Boolean);
  assert.match(words[0] ?? "", /(^|\/)deno$/, `unexpected ${name} task: ${task}`);
  if (entry !== undefined) assert.equal(words.at(-1), entry, `unexpected ${name} task: ${task}`);
  return words.slice(1);
}

/** A child process with its output read line by line. */
interface Proc {
  child: Deno.ChildProcess;
  out: Lines;
  err: Lines;
}

function spawnDeno(args: string[]): Proc {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return { child, out: new Lines(child.stdout), err: new Lines(child.stderr) };
}

/** Sends SIGTERM and returns the exit code (SIGKILL after 15 s). */
async function terminate(proc: Proc): Promise<number> {
  try {
    proc.child.kill("SIGTERM");
  } catch {
    // already exited
  }
  const timer = setTimeout(() => {
    try {
      proc.child.kill("SIGKILL");
    } catch {
      // already exited
    }
  }, 15_000);
  const status = await proc.child.status;
  clearTimeout(timer);
  await Promise.all([proc.out.done, proc.err.done]);
  return status.code;
}

/** A Ready condition, as kubectl's jsonpath prints `status/reason/message`. */
const READY = '{.status.conditions[?(@.type=="Ready")].status}/' +
  '{.status.conditions[?(@.type=="Ready")].reason}/' +
  '{.status.conditions[?(@.type=="Ready")].message}';

Deno.test({
  name: `the example issuer end to end, driven by kubectl and openssl${
    UNAVAILABLE ? ` — ignored: ${UNAVAILABLE}` : ""
  }`,
  ignore: UNAVAILABLE !== undefined,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "example-e2e-" });
    const kubeconfig = `${dir}/fake.kubeconfig`;
    let fake: Proc | undefined;
    let issuer: Proc | undefined;
    try {
      let homes = 0;
      const kubectl = async (args: string[], stdin?: string) => {
        const home = `${dir}/home-${++homes}`;
        await Deno.mkdir(home);
        const child = new Deno.Command(KUBECTL, {
          args: ["--kubeconfig", kubeconfig, ...args],
          env: { HOME: home, KUBECACHEDIR: `${home}/cache`, KUBECONFIG: kubeconfig },
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const writer = child.stdin.getWriter();
        if (stdin !== undefined) await writer.write(new TextEncoder().encode(stdin));
        await writer.close();
        const out = await child.output();
        const dec = new TextDecoder();
        return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
      };
      /** Runs kubectl and expects success; returns stdout. */
      const ok = async (args: string[], stdin?: string): Promise<string> => {
        const r = await kubectl(args, stdin);
        assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
        return r.stdout;
      };
      /** Runs openssl and expects success; returns stdout. */
      const openssl = async (args: string[]): Promise<string> => {
        const out = await new Deno.Command("openssl", {
          args,
          stdout: "piped",
          stderr: "piped",
        }).output();
        const dec = new TextDecoder();
        assert.ok(out.success, `openssl ${args.join(" ")}: ${dec.decode(out.stderr)}`);
        return dec.decode(out.stdout);
      };
      /** Polls `kubectl get ... -o jsonpath=...` until `test` passes. */
      const poll = async (
        args: string[],
        jsonpath: string,
        test: (value: string) => boolean,
        what: string,
        timeoutMs = 15_000,
      ): Promise<string> => {
        const deadline = Date.now() + timeoutMs;
        let last = "";
        while (Date.now() < deadline) {
          last = await ok(["get", ...args, "-o", `jsonpath=${jsonpath}`]);
          if (test(last)) return last;
          await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`${args.join(" ")}: ${what} not reached in ${timeoutMs} ms: ${last}`);
      };
      /** Adds a condition to a CertificateRequest's status with a merge patch. */
      const condition = (name: string, type: "Approved" | "Denied") =>
        ok([
          "patch",
          "certificaterequest",
          name,
          "-n",
          NS,
          "--subresource=status",
          "--type=merge",
          "-p",
          JSON.stringify({
            status: {
              conditions: [{
                type,
                status: "True",
                reason: `E2E${type}`,
                message: `${type.toLowerCase()} by the e2e test`,
                lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
              }],
            },
          }),
        ]);

      await t.step("start the standalone fake API server (deno task apiserver)", async () => {
        fake = spawnDeno([
          ...await taskArgs("apiserver", "lib/testing/apiserver/main.ts"),
          "--kubeconfig",
          kubeconfig,
          "--quiet",
        ]);
        await fake.out.next((l) => l.includes("listening on https://127.0.0.1:"), '"listening"');
      });

      await t.step("kubectl: the CRDs, namespaces and the CA Secret made by openssl", async () => {
        const created = await ok(["create", ...CRD_FILES.flatMap((f) => ["-f", f])]);
        assert.match(created, /certificaterequests\.cert-manager\.io created/);
        assert.match(created, /simpleissuers\.simple\.certkit\.dev created/);
        assert.match(created, /simpleclusterissuers\.simple\.certkit\.dev created/);
        await ok(["wait", "--for=condition=Established", "--timeout=20s", "crd", "--all"]);
        await ok(["create", "namespace", NS]);
        await ok(["create", "namespace", CLUSTER_RESOURCE_NAMESPACE]);
        await openssl([
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-keyout",
          `${dir}/ca.key`,
          "-out",
          `${dir}/ca.pem`,
          "-subj",
          "/CN=E2E CA",
          "-days",
          "30",
          "-addext",
          "basicConstraints=critical,CA:TRUE",
          "-addext",
          "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        for (const ns of [NS, CLUSTER_RESOURCE_NAMESPACE]) {
          assert.equal(
            await ok([
              "create",
              "secret",
              "tls",
              "ca",
              "-n",
              ns,
              "--cert",
              `${dir}/ca.pem`,
              "--key",
              `${dir}/ca.key`,
            ]),
            "secret/ca created\n",
          );
        }
      });

      await t.step("start the example issuer (deno task example's flags)", async () => {
        issuer = spawnDeno([
          ...await taskArgs("example", "examples/simple/main.ts"),
          "--kubeconfig",
          kubeconfig,
          "--cluster-resource-namespace",
          CLUSTER_RESOURCE_NAMESPACE,
          "--health-probe-bind-address",
          "0",
          "--log-format=json",
        ]);
        await issuer.err.next((l) => l.includes("Starting the simple issuer"), "the start line");
      });

      await t.step("SimpleIssuer and SimpleClusterIssuer become Ready", async () => {
        await ok(
          ["apply", "-f", "-"],
          [
            {
              apiVersion: `${GROUP}/v1alpha1`,
              kind: "SimpleIssuer",
              metadata: { name: "ca", namespace: NS },
              spec: { secretName: "ca" },
            },
            {
              apiVersion: `${GROUP}/v1alpha1`,
              kind: "SimpleClusterIssuer",
              metadata: { name: "cluster-ca" },
              spec: { secretName: "ca" },
            },
          ].map((o) => stringifyYaml(o)).join("---\n"),
        );
        await ok([
          "wait",
          "--for=condition=Ready",
          "--timeout=20s",
          "-n",
          NS,
          "simpleissuer/ca",
        ]);
        await ok([
          "wait",
          "--for=condition=Ready",
          "--timeout=20s",
          "simpleclusterissuer/cluster-ca",
        ]);
        const columns = await ok(["get", "simpleissuer", "ca", "-n", NS]);
        assert.match(columns, /^NAME\s+READY\s+REASON\s+MESSAGE\s+AGE$/m);
        assert.match(columns, /^ca\s+True\s+/m);
      });

      // Keys and CSRs made with openssl, with DNS and IP SANs.
      const keyAlgorithms: Record<string, string[]> = {
        ec: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        rsa: ["-newkey", "rsa:2048"],
        ed25519: ["-newkey", "ed25519"],
      };
      const sans = (name: string) => ({ dns: `${name}.e2e.example`, ip: "10.0.0.7" });
      const makeCsr = async (name: string, args: string[]) => {
        const { dns, ip } = sans(name);
        await openssl([
          "req",
          "-new",
          ...args,
          "-nodes",
          "-keyout",
          `${dir}/${name}.key`,
          "-subj",
          `/CN=${dns}`,
          "-addext",
          `subjectAltName=DNS:${dns},IP:${ip}`,
          "-out",
          `${dir}/${name}.csr`,
        ]);
        return btoa(await Deno.readTextFile(`${dir}/${name}.csr`));
      };
      const request = (
        name: string,
        csr: string,
        issuerRef: { group: string; kind: string; name: string },
      ) => ({
        apiVersion: "cert-manager.io/v1",
        kind: "CertificateRequest",
        metadata: { name, namespace: NS },
        spec: { request: csr, issuerRef, duration: "48h", usages: ["digital signature"] },
      });
      const issuerRef = { group: GROUP, kind: "SimpleIssuer", name: "ca" };
      const clusterRef = { group: GROUP, kind: "SimpleClusterIssuer", name: "cluster-ca" };

      await t.step("CertificateRequests: created, approved, denied, left alone", async () => {
        const csrs = Object.fromEntries(
          await Promise.all(
            Object.entries(keyAlgorithms).map(async ([name, args]) =>
              [name, await makeCsr(name, args)] as const
            ),
          ),
        );
        const requests = [
          request("ec", csrs.ec!, issuerRef),
          request("rsa", csrs.rsa!, clusterRef),
          request("ed25519", csrs.ed25519!, issuerRef),
          request("denied", csrs.ec!, issuerRef),
          request("unapproved", csrs.ec!, issuerRef),
          request("foreign", csrs.ec!, { group: "other.example.com", kind: "Other", name: "ca" }),
          request("missing", csrs.ec!, { ...issuerRef, name: "nope" }),
          request("malformed", btoa("this is not a CSR"), clusterRef),
        ];
        const out = await ok(
          ["create", "-f", "-"],
          requests.map((o) => stringifyYaml(o)).join("---\n"),
        );
        assert.equal(out.split("\n").filter((l) => l.endsWith(" created")).length, 8, out);
        for (const name of ["ec", "rsa", "ed25519", "foreign", "missing", "malformed"]) {
          await condition(name, "Approved");
        }
        await condition("denied", "Denied");
      });

      await t.step("EC, RSA and Ed25519 requests: verified, with the SANs and 48h", async () => {
        await ok([
          "wait",
          "--for=condition=Ready",
          "--timeout=20s",
          "-n",
          NS,
          "certificaterequest/ec",
          "certificaterequest/rsa",
          "certificaterequest/ed25519",
        ]);
        for (const name of Object.keys(keyAlgorithms)) {
          const b64 = await ok([
            "get",
            "certificaterequest",
            name,
            "-n",
            NS,
            "-o",
            "jsonpath={.status.certificate}",
          ]);
          const pem = `${dir}/${name}.pem`;
          await Deno.writeTextFile(pem, atob(b64));
          assert.equal(
            await openssl(["verify", "-CAfile", `${dir}/ca.pem`, pem]),
            `${pem}: OK\n`,
          );
          const text = await openssl(["x509", "-in", pem, "-noout", "-text"]);
          const { dns, ip } = sans(name);
          assert.match(text, new RegExp(`DNS:${dns.replaceAll(".", "\\.")}`), text);
          assert.match(text, new RegExp(`IP Address:${ip.replaceAll(".", "\\.")}`), text);
          const dates = await openssl(["x509", "-in", pem, "-noout", "-startdate", "-enddate"]);
          const start = Date.parse(/notBefore=(.*)/.exec(dates)![1]!);
          const end = Date.parse(/notAfter=(.*)/.exec(dates)![1]!);
          assert.equal(end - start, 48 * 3600_000, dates);
          // The public key is the request's.
          const [certKey, requestKey] = await Promise.all([
            openssl(["x509", "-in", pem, "-noout", "-pubkey"]),
            openssl(["req", "-in", `${dir}/${name}.csr`, "-noout", "-pubkey"]),
          ]);
          assert.equal(certKey, requestKey);
        }
      });

      await t.step("denied → Denied; malformed → Failed; missing issuer → Pending", async () => {
        const denied = await poll(
          ["certificaterequest", "denied", "-n", NS],
          READY,
          (v) => v.startsWith("False/Denied/"),
          "Ready False/Denied",
        );
        assert.match(denied, /^False\/Denied\//);
        const failed = await poll(
          ["certificaterequest", "malformed", "-n", NS],
          READY,
          (v) => v.startsWith("False/Failed/"),
          "Ready False/Failed",
        );
        assert.match(failed, /^False\/Failed\/./);
        assert.notEqual(
          await ok([
            "get",
            "certificaterequest",
            "malformed",
            "-n",
            NS,
            "-o",
            "jsonpath={.status.failureTime}",
          ]),
          "",
        );
        const pending = await poll(
          ["certificaterequest", "missing", "-n", NS],
          READY,
          (v) => v.startsWith("False/Pending/"),
          "Ready False/Pending",
        );
        assert.match(pending, /"nope" not found\. Waiting for it to be created\.$/);
      });

      await t.step("unapproved and foreign-issuer requests are left untouched", async () => {
        for (const name of ["unapproved", "foreign"]) {
          const conditions = await ok([
            "get",
            "certificaterequest",
            name,
            "-n",
            NS,
            "-o",
            "jsonpath={.status.conditions[*].type}",
          ]);
          assert.equal(conditions, name === "foreign" ? "Approved" : "", name);
          assert.equal(
            await ok([
              "get",
              "certificaterequest",
              name,
              "-n",
              NS,
              "-o",
              "jsonpath={.status.certificate}",
            ]),
            "",
          );
        }
      });

      await t.step(
        "Kubernetes CSRs: kubectl certificate approve signs, deny does not",
        async () => {
          const signerName = `simpleclusterissuers.${GROUP}/cluster-ca`;
          const csr = await makeCsr("k8s", keyAlgorithms.ec!);
          const k8sCsr = (name: string) =>
            stringifyYaml({
              apiVersion: "certificates.k8s.io/v1",
              kind: "CertificateSigningRequest",
              metadata: { name },
              spec: {
                request: csr,
                signerName,
                expirationSeconds: 86_400,
                usages: ["digital signature", "server auth"],
              },
            });
          await ok(["create", "-f", "-"], k8sCsr("k8s-approved") + "---\n" + k8sCsr("k8s-denied"));
          assert.match(
            await ok(["certificate", "approve", "k8s-approved"]),
            /k8s-approved approved/,
          );
          assert.match(await ok(["certificate", "deny", "k8s-denied"]), /k8s-denied denied/);
          const b64 = await poll(
            ["csr", "k8s-approved"],
            "{.status.certificate}",
            (v) => v !== "",
            "status.certificate",
          );
          const pem = `${dir}/k8s.pem`;
          await Deno.writeTextFile(pem, atob(b64));
          assert.equal(await openssl(["verify", "-CAfile", `${dir}/ca.pem`, pem]), `${pem}: OK\n`);
          const dates = await openssl(["x509", "-in", pem, "-noout", "-startdate", "-enddate"]);
          const start = Date.parse(/notBefore=(.*)/.exec(dates)![1]!);
          const end = Date.parse(/notAfter=(.*)/.exec(dates)![1]!);
          assert.equal(end - start, 86_400_000, dates);
          assert.match(await ok(["get", "csr", "k8s-approved"]), /Approved,Issued/);
          // The denied CSR stays without a certificate (checked after the approved one signed).
          assert.equal(
            await ok(["get", "csr", "k8s-denied", "-o", "jsonpath={.status.certificate}"]),
            "",
          );
          assert.match(await ok(["get", "csr", "k8s-denied"]), /Denied/);
        },
      );

      await t.step("SIGTERM stops the issuer and the fake with exit code 0", async () => {
        const issuerProc = issuer!;
        issuer = undefined;
        const code = await terminate(issuerProc);
        assert.equal(code, 0, issuerProc.err.all.join("\n"));
        assert.match(issuerProc.err.all.at(-1) ?? "", /The simple issuer has stopped\./);
        // The only error lines are the malformed request's terminal error (as controller-
        // runtime logs a terminal reconciler error).
        const errors = issuerProc.err.all.filter((l) => /"level":"(ERROR|FATAL)"/.test(l));
        assert.ok(errors.length >= 1, "no error line for the malformed request");
        for (const line of errors) {
          const error = JSON.parse(line);
          assert.equal(error.key, `${NS}/malformed`, line);
          assert.equal(error.error?.cause?.name, "InvalidCsrError", line);
        }
        const fakeProc = fake!;
        fake = undefined;
        assert.equal(await terminate(fakeProc), 0, fakeProc.err.all.join("\n"));
      });
    } finally {
      if (issuer) await terminate(issuer);
      if (fake) await terminate(fake);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
