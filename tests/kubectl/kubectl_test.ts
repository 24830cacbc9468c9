/**
 * kubectl end-to-end (spec §15.3): the machine's real `kubectl` against the standalone fake
 * API server, started as a separate process the way a user starts it (the `apiserver` task
 * of deno.json with `--kubeconfig FILE`), or against the real kube-apiserver tier when
 * `CONFORMANCE_TARGET=real`. Every kubectl invocation gets a fresh `HOME` and
 * `KUBECACHEDIR` (the dispatcher and the discovery cache must not carry over, §0.2). Each
 * step asserts on kubectl's output.
 *
 * Ignored (with the reason) when kubectl is not installed.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { fileURLToPath } from "node:url";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { REAL_UNAVAILABLE, TARGET_KIND } from "../conformance/_target.ts";
import { type RealCluster, startRealCluster } from "../real/real_cluster.ts";
import { Lines } from "../_support/lines.ts";
import { taskArgs } from "../_support/deno_process.ts";
import { KUBECTL, missingTools, REPO } from "../_support/kubectl_tools.ts";

const CRD_FILE = fileURLToPath(
  new URL(
    "../../testdata/cert-manager-crds/cert-manager.io_certificaterequests.yaml",
    import.meta.url,
  ),
);

/** Why this test cannot run here, or `undefined`. */
const UNAVAILABLE: string | undefined = (await missingTools()) ?? REAL_UNAVAILABLE;

/** What a kubectl run printed. */
interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** A running server and the kubeconfig that reaches it as the admin. */
interface Server extends AsyncDisposable {
  kind: "fake" | "real";
  kubeconfig: string;
}

/** Starts the standalone fake (`deno task apiserver --kubeconfig FILE`) as a child process. */
async function startFake(dir: string): Promise<Server> {
  const kubeconfig = `${dir}/fake.kubeconfig`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...await taskArgs("apiserver", "lib/testing/apiserver/main.ts"),
      "--kubeconfig",
      kubeconfig,
    ],
    cwd: REPO,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = new Lines(child.stdout);
  const err = new Lines(child.stderr);
  try {
    await out.next((l) => l.includes("listening on https://127.0.0.1:"), '"listening"');
  } catch (e) {
    child.kill("SIGKILL");
    await child.status;
    await Promise.all([out.done, err.done]);
    throw new Error(`${(e as Error).message}\nstderr:\n${err.all.join("\n")}`);
  }
  return {
    kind: "fake",
    kubeconfig,
    [Symbol.asyncDispose]: async () => {
      child.kill("SIGTERM");
      const status = await child.status;
      await Promise.all([out.done, err.done]);
      assert.equal(status.code, 0, `the fake exited with ${status.code}: ${err.all.join("\n")}`);
      assert.ok(out.all.includes("shutting down"), "no shutdown log line");
    },
  };
}

async function startReal(): Promise<Server> {
  const cluster: RealCluster = await startRealCluster();
  return {
    kind: "real",
    kubeconfig: cluster.kubeconfigPath,
    [Symbol.asyncDispose]: () => cluster.stop(),
  };
}

Deno.test({
  name: `kubectl end-to-end (${TARGET_KIND})${UNAVAILABLE ? ` — ignored: ${UNAVAILABLE}` : ""}`,
  ignore: UNAVAILABLE !== undefined,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "kubectl-e2e-" });
    try {
      await using server = TARGET_KIND === "real" ? await startReal() : await startFake(dir);
      const fake = server.kind === "fake";
      let homes = 0;

      /** Runs kubectl with a fresh HOME and KUBECACHEDIR. */
      const spawn = async (args: string[], kubeconfig = server.kubeconfig) => {
        const home = `${dir}/home-${++homes}`;
        await Deno.mkdir(home);
        return new Deno.Command(KUBECTL, {
          args: ["--kubeconfig", kubeconfig, ...args],
          env: { HOME: home, KUBECACHEDIR: `${home}/cache`, KUBECONFIG: kubeconfig },
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
      };
      const kubectl = async (
        args: string[],
        options: { stdin?: string; kubeconfig?: string } = {},
      ): Promise<Result> => {
        const child = await spawn(args, options.kubeconfig);
        const writer = child.stdin.getWriter();
        if (options.stdin !== undefined) {
          await writer.write(new TextEncoder().encode(options.stdin));
        }
        await writer.close();
        const out = await child.output();
        const dec = new TextDecoder();
        return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
      };
      /** Runs kubectl and expects success; returns stdout. */
      const ok = async (args: string[], stdin?: string): Promise<string> => {
        const r = await kubectl(args, stdin === undefined ? {} : { stdin });
        assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
        return r.stdout;
      };
      /** Runs kubectl and expects failure; returns stderr. */
      const fails = async (args: string[], stdin?: string): Promise<string> => {
        const r = await kubectl(args, stdin === undefined ? {} : { stdin });
        assert.notEqual(r.code, 0, `kubectl ${args.join(" ")} succeeded:\n${r.stdout}`);
        return r.stderr;
      };
      /** The real tier's kubectl warns about the version skew (1.32 client, 1.34 server). */
      const errorLines = (stderr: string) =>
        stderr.split("\n").filter((l) => l && !l.startsWith("WARNING: version difference"))
          .join("\n");
      const openssl = async (args: string[]) => {
        const out = await new Deno.Command("openssl", { args, stdout: "null", stderr: "piped" })
          .output();
        assert.ok(
          out.success,
          `openssl ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
        );
      };

      const ns = `e2e-${crypto.randomUUID().slice(0, 8)}`;
      const n = ["-n", ns];
      await openssl([
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        `${dir}/req.key`,
        "-subj",
        "/CN=e2e.example.com",
        "-out",
        `${dir}/req.csr`,
      ]);
      const requestB64 = btoa(await Deno.readTextFile(`${dir}/req.csr`));
      const certificateRequest = (name: string, labels: Record<string, string> = {}) =>
        stringifyYaml({
          apiVersion: "cert-manager.io/v1",
          kind: "CertificateRequest",
          metadata: { name, namespace: ns, ...(Object.keys(labels).length ? { labels } : {}) },
          spec: {
            request: requestB64,
            issuerRef: { name: "my-issuer", kind: "Issuer", group: "cert-manager.io" },
            usages: ["digital signature", "server auth"],
          },
        });

      await t.step("1 kubectl version: the dispatcher stays on 1.32", async () => {
        const out = await ok(["version", "-o", "json"]);
        const v = JSON.parse(out) as {
          clientVersion: { major: string; minor: string };
          serverVersion: { major: string; minor: string; gitVersion: string };
        };
        assert.match(v.clientVersion.minor, /^32/);
        assert.equal(v.serverVersion.major, "1");
        assert.equal(v.serverVersion.minor, fake ? "32" : "34");
        const text = await ok(["version"]);
        assert.match(text, new RegExp(`^Server Version: ${v.serverVersion.gitVersion}$`, "m"));
      });

      await t.step("kubectl create namespace (a protobuf body)", async () => {
        assert.equal(await ok(["create", "namespace", ns]), `namespace/${ns} created\n`);
        assert.match(
          await ok(["get", "namespace", ns]),
          new RegExp(`^${ns}\\s+Active\\s+\\S+$`, "m"),
        );
      });

      await t.step("5 kubectl apply -f the cert-manager CertificateRequest CRD", async () => {
        assert.equal(
          await ok(["apply", "-f", CRD_FILE]),
          "customresourcedefinition.apiextensions.k8s.io/certificaterequests.cert-manager.io created\n",
        );
        assert.equal(
          await ok([
            "wait",
            "--for=condition=Established",
            "crd/certificaterequests.cert-manager.io",
            "--timeout=30s",
          ]),
          "customresourcedefinition.apiextensions.k8s.io/certificaterequests.cert-manager.io condition met\n",
        );
        // Applying the same file again changes nothing.
        assert.equal(
          await ok(["apply", "-f", CRD_FILE]),
          "customresourcedefinition.apiextensions.k8s.io/certificaterequests.cert-manager.io unchanged\n",
        );
      });

      await t.step(
        "2 kubectl api-resources lists certificaterequests and the built-ins",
        async () => {
          const out = await ok(["api-resources"]);
          assert.match(out, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m);
          assert.match(
            out,
            /^certificaterequests\s+cr,crs\s+cert-manager\.io\/v1\s+true\s+CertificateRequest$/m,
          );
          assert.match(out, /^secrets\s+v1\s+true\s+Secret$/m);
          assert.match(out, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
          assert.match(
            out,
            /^certificatesigningrequests\s+csr\s+certificates\.k8s\.io\/v1\s+false\s+CertificateSigningRequest$/m,
          );
          assert.match(out, /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
        },
      );

      await t.step("3 kubectl get on an empty namespace", async () => {
        const r = await kubectl(["get", "certificaterequests", ...n]);
        assert.equal(r.code, 0);
        assert.equal(r.stdout, "");
        assert.equal(errorLines(r.stderr), `No resources found in ${ns} namespace.`);
      });

      await t.step("4 kubectl create -f (twice → AlreadyExists)", async () => {
        assert.equal(
          await ok(["create", "-f", "-"], certificateRequest("cr1", { app: "demo" })),
          "certificaterequest.cert-manager.io/cr1 created\n",
        );
        assert.equal(
          errorLines(await fails(["create", "-f", "-"], certificateRequest("cr1"))),
          `Error from server (AlreadyExists): error when creating "STDIN": certificaterequests.cert-manager.io "cr1" already exists`,
        );
      });

      await t.step(
        "3 kubectl get: printer columns, -o wide/yaml/json/name/jsonpath, selectors",
        async () => {
          const table = (await ok(["get", "cr", "cr1", ...n])).trimEnd().split("\n");
          assert.equal(table.length, 2);
          assert.deepEqual(table[0]!.split(/\s+/), [
            "NAME",
            "APPROVED",
            "DENIED",
            "READY",
            "ISSUER",
            "REQUESTER",
            "AGE",
          ]);
          assert.match(table[1]!, /^cr1\s+my-issuer\s+\d+s$/);
          const wide = (await ok(["get", "certificaterequest", "cr1", "-o", "wide", ...n]))
            .split("\n");
          assert.deepEqual(wide[0]!.split(/\s+/), [
            "NAME",
            "APPROVED",
            "DENIED",
            "READY",
            "ISSUER",
            "REQUESTER",
            "STATUS",
            "AGE",
          ]);
          const yaml = parseYaml(await ok(["get", "cr", "cr1", "-o", "yaml", ...n])) as {
            kind: string;
            metadata: { name: string; namespace: string; uid: string; managedFields?: unknown };
            spec: { issuerRef: { name: string } };
          };
          assert.equal(yaml.kind, "CertificateRequest");
          assert.equal(yaml.metadata.name, "cr1");
          assert.equal(yaml.metadata.namespace, ns);
          assert.equal(yaml.metadata.managedFields, undefined, "kubectl hides managedFields");
          assert.equal(yaml.spec.issuerRef.name, "my-issuer");
          const json = JSON.parse(await ok(["get", "cr", "cr1", "-o", "json", ...n]));
          assert.equal(json.metadata.uid, yaml.metadata.uid);
          assert.equal(json.spec.request, requestB64);
          assert.equal(
            await ok(["get", "cr", "cr1", "-o", "jsonpath={.spec.issuerRef.name}", ...n]),
            "my-issuer",
          );
          assert.equal(
            await ok(["get", "crs", "-o", "name", ...n]),
            "certificaterequest.cert-manager.io/cr1\n",
          );
          assert.equal(
            await ok(["get", "cr", "-l", "app=demo", "-o", "name", ...n]),
            "certificaterequest.cert-manager.io/cr1\n",
          );
          const none = await kubectl(["get", "cr", "-l", "app=other", ...n]);
          assert.equal(errorLines(none.stderr), `No resources found in ${ns} namespace.`);
          assert.equal(
            await ok(["get", "cr", "--field-selector", "metadata.name=cr1", "-o", "name", ...n]),
            "certificaterequest.cert-manager.io/cr1\n",
          );
          const all = await ok(["get", "cr", "-A"]);
          assert.match(all, new RegExp(`^${ns}\\s+cr1\\s+my-issuer\\s+\\d+s$`, "m"));
          // The CRD's category.
          assert.equal(
            await ok(["get", "cert-manager", "-o", "name", ...n]),
            "certificaterequest.cert-manager.io/cr1\n",
          );
        },
      );

      await t.step("7 kubectl patch: merge, json (test op fails), strategic (415)", async () => {
        assert.equal(
          await ok([
            "patch",
            "cr",
            "cr1",
            "--type=merge",
            "-p",
            '{"metadata":{"labels":{"tier":"gold"}}}',
            ...n,
          ]),
          "certificaterequest.cert-manager.io/cr1 patched\n",
        );
        assert.equal(
          await ok([
            "patch",
            "cr",
            "cr1",
            "--type=json",
            "-p",
            '[{"op":"test","path":"/metadata/labels/tier","value":"gold"},{"op":"add","path":"/metadata/annotations","value":{"note":"json"}}]',
            ...n,
          ]),
          "certificaterequest.cert-manager.io/cr1 patched\n",
        );
        assert.equal(
          errorLines(
            await fails([
              "patch",
              "cr",
              "cr1",
              "--type=json",
              "-p",
              '[{"op":"test","path":"/metadata/labels/tier","value":"silver"}]',
              ...n,
            ]),
          ),
          "The request is invalid: the server rejected our request due to an error in our request",
        );
        assert.equal(
          errorLines(
            await fails([
              "patch",
              "cr",
              "cr1",
              "--type=strategic",
              "-p",
              '{"metadata":{"labels":{"x":"y"}}}',
              ...n,
            ]),
          ),
          "error: application/strategic-merge-patch+json is not supported by cert-manager.io/v1, Kind=CertificateRequest: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        );
        assert.equal(
          await ok([
            "get",
            "cr",
            "cr1",
            "-o",
            "jsonpath={.metadata.labels.tier} {.metadata.annotations.note}",
            ...n,
          ]),
          "gold json",
        );
      });

      const ready = (message: string) =>
        JSON.stringify({
          status: {
            conditions: [{
              type: "Ready",
              status: "True",
              reason: "Issued",
              message,
              lastTransitionTime: "2025-01-01T00:00:00Z",
            }],
          },
        });

      await t.step("8/9 patch --subresource=status, then wait --for=condition=Ready", async () => {
        assert.equal(
          await ok([
            "patch",
            "cr",
            "cr1",
            "--subresource=status",
            "--type=merge",
            "-p",
            ready("Certificate issued"),
            ...n,
          ]),
          "certificaterequest.cert-manager.io/cr1 patched\n",
        );
        assert.equal(
          await ok([
            "get",
            "cr",
            "cr1",
            "--subresource=status",
            "-o",
            "jsonpath={.status.conditions[0].message}",
            ...n,
          ]),
          "Certificate issued",
        );
        // Already true.
        assert.equal(
          await ok([
            "wait",
            "--for=condition=Ready",
            "certificaterequest/cr1",
            "--timeout=10s",
            ...n,
          ]),
          "certificaterequest.cert-manager.io/cr1 condition met\n",
        );
        const table = (await ok(["get", "cr", "cr1", "-o", "wide", ...n])).trimEnd().split("\n");
        assert.match(table[1]!, /^cr1\s+True\s+my-issuer\s+Certificate issued\s+\d+s$/);
      });

      await t.step("9/10 wait: becomes Ready later; --for=jsonpath", async () => {
        assert.equal(
          await ok(["create", "-f", "-"], certificateRequest("cr2")),
          "certificaterequest.cert-manager.io/cr2 created\n",
        );
        const waiting = kubectl(["wait", "--for=condition=Ready", "cr/cr2", "--timeout=30s", ...n]);
        // Let the wait list and watch first; then make the condition true.
        await ok(["get", "cr", "cr2", ...n]);
        await ok([
          "patch",
          "cr",
          "cr2",
          "--subresource=status",
          "--type=merge",
          "-p",
          ready("later"),
          ...n,
        ]);
        const r = await waiting;
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "certificaterequest.cert-manager.io/cr2 condition met\n");
        assert.equal(
          await ok([
            "wait",
            "--for=jsonpath={.spec.issuerRef.kind}=Issuer",
            "cr/cr2",
            "--timeout=10s",
            ...n,
          ]),
          "certificaterequest.cert-manager.io/cr2 condition met\n",
        );
        const timeout = await kubectl([
          "wait",
          "--for=condition=Approved",
          "cr/cr2",
          "--timeout=1s",
          ...n,
        ]);
        assert.notEqual(timeout.code, 0);
        assert.equal(
          errorLines(timeout.stderr),
          "error: timed out waiting for the condition on certificaterequests/cr2",
        );
      });

      await t.step("11 kubectl label / annotate", async () => {
        assert.equal(
          await ok(["label", "cr", "cr1", "env=test", ...n]),
          "certificaterequest.cert-manager.io/cr1 labeled\n",
        );
        assert.equal(
          await ok(["annotate", "cr", "cr1", "owner=team-a", ...n]),
          "certificaterequest.cert-manager.io/cr1 annotated\n",
        );
        assert.equal(
          errorLines(await fails(["label", "cr", "cr1", "env=prod", ...n])),
          "error: 'env' already has a value (test), and --overwrite is false",
        );
        assert.equal(
          await ok([
            "get",
            "cr",
            "cr1",
            "-o",
            "jsonpath={.metadata.labels.env}/{.metadata.annotations.owner}",
            ...n,
          ]),
          "test/team-a",
        );
      });

      await t.step("6 apply --server-side: conflict, then --force-conflicts", async () => {
        const file = certificateRequest("cr3", { team: "a" });
        assert.equal(
          await ok(["apply", "--server-side", "-f", "-"], file),
          "certificaterequest.cert-manager.io/cr3 serverside-applied\n",
        );
        assert.equal(
          await ok(["label", "cr", "cr3", "team=b", "--overwrite", ...n]),
          "certificaterequest.cert-manager.io/cr3 labeled\n",
        );
        const conflict = errorLines(await fails(["apply", "--server-side", "-f", "-"], file));
        assert.ok(
          conflict.startsWith(
            'error: Apply failed with 1 conflict: conflict with "kubectl-label" using cert-manager.io/v1: .metadata.labels.team\n',
          ),
          conflict,
        );
        assert.match(conflict, /--force-conflicts/);
        assert.equal(
          await ok(["apply", "--server-side", "--force-conflicts", "-f", "-"], file),
          "certificaterequest.cert-manager.io/cr3 serverside-applied\n",
        );
        assert.equal(
          await ok(["get", "cr", "cr3", "-o", "jsonpath={.metadata.labels.team}", ...n]),
          "a",
        );
      });

      await t.step("12 kubectl get -w prints a change", async () => {
        const child = await spawn(["get", "cr", "cr2", "-w", "--output-watch-events", ...n]);
        await child.stdin.close();
        const out = new Lines(child.stdout);
        const err = new Lines(child.stderr);
        try {
          await out.next((l) => /^EVENT\s+NAME/.test(l), "the header");
          await out.next((l) => /^ADDED\s+cr2\s/.test(l), "ADDED cr2");
          await ok(["label", "cr", "cr2", "watched=yes", ...n]);
          const line = await out.next((l) => /^MODIFIED\s+cr2\s/.test(l), "MODIFIED cr2");
          assert.match(line, /^MODIFIED\s+cr2\s+True\s+my-issuer\s+\d+s$/);
        } finally {
          child.kill("SIGTERM");
          await child.status;
          await Promise.all([out.done, err.done]);
        }
      });

      await t.step("11 kubectl replace -f (GET for the resourceVersion, then PUT)", async () => {
        const current = parseYaml(await ok(["get", "cr", "cr2", "-o", "yaml", ...n])) as {
          metadata: { labels?: Record<string, string> };
        };
        current.metadata.labels = { ...current.metadata.labels, replaced: "yes" };
        assert.equal(
          await ok(["replace", "-f", "-"], JSON.stringify(current)),
          "certificaterequest.cert-manager.io/cr2 replaced\n",
        );
        assert.equal(
          await ok(["get", "cr", "cr2", "-o", "jsonpath={.metadata.labels.replaced}", ...n]),
          "yes",
        );
      });

      await t.step("13 kubectl delete waits for another client to remove a finalizer", async () => {
        const withFinalizer = parseYaml(certificateRequest("cr4")) as {
          metadata: Record<string, unknown>;
        };
        withFinalizer.metadata.finalizers = ["example.com/hold"];
        await ok(["create", "-f", "-"], stringifyYaml(withFinalizer));
        const deleting = kubectl(["delete", "cr", "cr4", "--timeout=30s", ...n]);
        // The object stays, marked for deletion, until the finalizer goes.
        for (let i = 0;; i++) {
          const ts = await ok([
            "get",
            "cr",
            "cr4",
            "-o",
            "jsonpath={.metadata.deletionTimestamp}",
            ...n,
          ]);
          if (ts !== "") break;
          assert.ok(i < 100, "cr4 was not marked for deletion");
        }
        assert.equal(
          await ok([
            "patch",
            "cr",
            "cr4",
            "--type=json",
            "-p",
            '[{"op":"remove","path":"/metadata/finalizers"}]',
            ...n,
          ]),
          "certificaterequest.cert-manager.io/cr4 patched\n",
        );
        const r = await deleting;
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'certificaterequest.cert-manager.io "cr4" deleted\n');
        await fails(["get", "cr", "cr4", ...n]);
      });

      await t.step("14 kubectl describe", async () => {
        const out = await ok(["describe", "cr", "cr1", ...n]);
        assert.match(out, /^Name:\s+cr1$/m);
        assert.match(out, new RegExp(`^Namespace:\\s+${ns}$`, "m"));
        assert.match(out, /^Labels:\s+app=demo$/m);
        assert.match(out, /^API Version:\s+cert-manager\.io\/v1$/m);
        assert.match(out, /^Kind:\s+CertificateRequest$/m);
        assert.match(out, /^\s+Name:\s+my-issuer$/m);
        assert.match(out, /^Events:\s+<none>$/m);
      });

      await t.step("13 kubectl delete, then NotFound", async () => {
        assert.equal(
          await ok(["delete", "cr", "cr1", ...n]),
          'certificaterequest.cert-manager.io "cr1" deleted\n',
        );
        assert.equal(
          errorLines(await fails(["get", "cr", "cr1", ...n])),
          'Error from server (NotFound): certificaterequests.cert-manager.io "cr1" not found',
        );
        assert.equal(
          await ok(["wait", "--for=delete", "cr/cr1", "--timeout=10s", ...n]),
          "",
        );
      });

      await t.step("17 kubectl get --raw of a missing object", async () => {
        assert.equal(
          errorLines(
            await fails([
              "get",
              "--raw",
              `/apis/cert-manager.io/v1/namespaces/${ns}/certificaterequests/nope`,
            ]),
          ),
          'Error from server (NotFound): certificaterequests.cert-manager.io "nope" not found',
        );
      });

      await t.step(
        "15 secrets: create generic, create tls (openssl), apply -f (SMP path)",
        async () => {
          assert.equal(
            await ok(["create", "secret", "generic", "s1", "--from-literal=k=v", ...n]),
            "secret/s1 created\n",
          );
          const secret = parseYaml(await ok(["get", "secret", "s1", "-o", "yaml", ...n])) as {
            data: Record<string, string>;
            type: string;
          };
          assert.deepEqual(secret.data, { k: btoa("v") });
          assert.equal(secret.type, "Opaque");
          await openssl([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=tls.example.com",
            "-keyout",
            `${dir}/tls.key`,
            "-out",
            `${dir}/tls.crt`,
          ]);
          assert.equal(
            await ok([
              "create",
              "secret",
              "tls",
              "tls1",
              `--cert=${dir}/tls.crt`,
              `--key=${dir}/tls.key`,
              ...n,
            ]),
            "secret/tls1 created\n",
          );
          const tls = JSON.parse(await ok(["get", "secret", "tls1", "-o", "json", ...n]));
          assert.equal(tls.type, "kubernetes.io/tls");
          assert.equal(atob(tls.data["tls.crt"]), await Deno.readTextFile(`${dir}/tls.crt`));
          const applied = stringifyYaml({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "s2", namespace: ns },
            data: { a: btoa("1") },
          });
          assert.equal(await ok(["apply", "-f", "-"], applied), "secret/s2 created\n");
          assert.equal(await ok(["apply", "-f", "-"], applied), "secret/s2 unchanged\n");
          const changed = applied.replace(btoa("1"), btoa("2"));
          assert.equal(await ok(["apply", "-f", "-"], changed), "secret/s2 configured\n");
          assert.equal(
            await ok(["get", "secret", "s2", "-o", "jsonpath={.data.a}", ...n]),
            btoa("2"),
          );
          const list = await ok(["get", "secrets", ...n]);
          assert.match(list, /^NAME\s+TYPE\s+DATA\s+AGE$/m);
          assert.match(list, /^tls1\s+kubernetes\.io\/tls\s+2\s+\d+s$/m);
        },
      );

      await t.step("16 kubectl certificate approve / deny on a CSR", async () => {
        const csr = (name: string) =>
          stringifyYaml({
            apiVersion: "certificates.k8s.io/v1",
            kind: "CertificateSigningRequest",
            metadata: { name },
            spec: {
              request: requestB64,
              signerName: "example.com/e2e",
              usages: ["digital signature", "client auth"],
            },
          });
        const a = `${ns}-approve`;
        const d = `${ns}-deny`;
        assert.equal(
          await ok(["create", "-f", "-"], csr(a)),
          `certificatesigningrequest.certificates.k8s.io/${a} created\n`,
        );
        assert.equal(
          await ok(["create", "-f", "-"], csr(d)),
          `certificatesigningrequest.certificates.k8s.io/${d} created\n`,
        );
        const pending = (await ok(["get", "csr", a])).trimEnd().split("\n");
        assert.deepEqual(pending[0]!.split(/\s+/), [
          "NAME",
          "AGE",
          "SIGNERNAME",
          "REQUESTOR",
          "REQUESTEDDURATION",
          "CONDITION",
        ]);
        assert.match(
          pending[1]!,
          new RegExp(`^${a}\\s+\\d+s\\s+example\\.com/e2e\\s+admin\\s+<none>\\s+Pending$`),
        );
        assert.equal(
          await ok(["certificate", "approve", a]),
          `certificatesigningrequest.certificates.k8s.io/${a} approved\n`,
        );
        assert.equal(
          await ok(["certificate", "deny", d]),
          `certificatesigningrequest.certificates.k8s.io/${d} denied\n`,
        );
        assert.match(await ok(["get", "csr", a]), /\sApproved\n$/);
        assert.match(await ok(["get", "csr", d]), /\sDenied\n$/);
        const approved = JSON.parse(await ok(["get", "csr", a, "-o", "json"]));
        assert.deepEqual(
          approved.status.conditions.map((c: { type: string; status: string; reason: string }) => [
            c.type,
            c.status,
            c.reason,
          ]),
          [["Approved", "True", "KubectlApprove"]],
        );
        // kubectl refuses to approve a denied request (without --force).
        assert.equal(
          errorLines(await fails(["certificate", "approve", d])),
          `error: certificate signing request "${d}" is already Denied`,
        );
      });

      await t.step("15/16 kubectl get events, leases, csr", async () => {
        await ok(["get", "events", ...n]);
        await ok(["get", "leases", "-n", "kube-system"]);
        assert.match(await ok(["get", "csr"]), /^NAME\s+AGE\s+SIGNERNAME/m);
      });

      await t.step("18 kubectl auth can-i (SelfSubjectAccessReview)", async () => {
        assert.equal(await ok(["auth", "can-i", "create", "certificaterequests", ...n]), "yes\n");
        assert.equal(
          await ok(["auth", "can-i", "sign", "signers.certificates.k8s.io/example.com/e2e"]),
          "yes\n",
        );
      });

      await t.step("18 a wrong token → You must be logged in to the server", async () => {
        const config = parseYaml(await Deno.readTextFile(server.kubeconfig)) as {
          users: { name: string; user: Record<string, unknown> }[];
        };
        for (const u of config.users) u.user = { token: "wrong-token" };
        const wrong = `${dir}/wrong.kubeconfig`;
        await Deno.writeTextFile(wrong, stringifyYaml(config));
        const r = await kubectl(["get", "cr", ...n], { kubeconfig: wrong });
        assert.notEqual(r.code, 0);
        assert.equal(
          errorLines(r.stderr).split("\n").at(-1),
          "error: You must be logged in to the server (the server has asked for the client to provide credentials)",
        );
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
