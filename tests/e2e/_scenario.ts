/**
 * The example issuer's end-to-end scenario (issue 8), written once and run against any
 * cluster: the standalone fake API server (`example_e2e_test.ts`) and a real kube-apiserver
 * (`tests/real/example_e2e_real_test.ts`). The scenario drives the cluster only with
 * kubectl (as its administrator: the user, and cert-manager's approver) and checks
 * certificates with openssl; the example issuer runs as a separate process with the
 * `example` task's permission flags and whatever connection the {@linkcode ExampleTarget}
 * gives it.
 *
 * Steps: a namespace and the CA Secrets; the issuer starts; a SimpleIssuer and a
 * SimpleClusterIssuer become Ready; EC, RSA and Ed25519 CertificateRequests are signed
 * (verified with `openssl verify`, SANs, duration and public key checked); the denied,
 * malformed and missing-issuer requests end as the spec says, the unapproved and
 * foreign-issuer ones are left alone; a Kubernetes CSR approved with
 * `kubectl certificate approve` is signed and a denied one is not; SIGTERM stops the issuer
 * with exit code 0 and the only error lines are the malformed request's.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { stringify as stringifyYaml } from "yaml";
import { type Proc, startExample, terminate } from "../_support/deno_process.ts";
import {
  KEY_ALGORITHMS,
  type Kubectl,
  makeCa,
  makeCsr,
  openssl,
} from "../_support/kubectl_tools.ts";

/** The example's API group. */
export const GROUP = "simple.certkit.dev";
/** The namespace of the scenario's SimpleIssuer and CertificateRequests. */
export const NS = "e2e";

/** A cluster the scenario runs against, with the CRDs installed. */
export interface ExampleTarget {
  /** A scratch directory for the CA, keys, CSRs and certificates. */
  readonly dir: string;
  /** kubectl as the cluster's administrator. */
  readonly admin: Kubectl;
  /** The example's `--cluster-resource-namespace`; the namespace exists already. */
  readonly clusterResourceNamespace: string;
  /** The example's arguments after its file name: the connection and options. */
  readonly exampleArgs: readonly string[];
}

/** A Ready condition, as kubectl's jsonpath prints `status/reason/message`. */
export const READY = '{.status.conditions[?(@.type=="Ready")].status}/' +
  '{.status.conditions[?(@.type=="Ready")].reason}/' +
  '{.status.conditions[?(@.type=="Ready")].message}';

/** A status condition, as `kubectl patch --subresource=status --type=merge` body. */
export function conditionPatch(type: "Approved" | "Denied"): string {
  return JSON.stringify({
    status: {
      conditions: [{
        type,
        status: "True",
        reason: `E2E${type}`,
        message: `${type.toLowerCase()} by the e2e test`,
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      }],
    },
  });
}

/** Asserts that `pem` verifies against `ca` and lasted `ms` (notAfter - notBefore). */
async function verifyCertificate(pem: string, ca: string, ms: number): Promise<string> {
  assert.equal(await openssl(["verify", "-CAfile", ca, pem]), `${pem}: OK\n`);
  const dates = await openssl(["x509", "-in", pem, "-noout", "-startdate", "-enddate"]);
  const start = Date.parse(/notBefore=(.*)/.exec(dates)![1]!);
  const end = Date.parse(/notAfter=(.*)/.exec(dates)![1]!);
  assert.equal(end - start, ms, dates);
  return await openssl(["x509", "-in", pem, "-noout", "-text"]);
}

/**
 * Runs the scenario's steps on `target`; returns the stopped issuer's standard error lines.
 *
 * @param t The test context the steps are added to.
 * @param target The cluster and the example's connection.
 * @returns The issuer's log lines, after it stopped.
 */
export async function runExampleScenario(
  t: Deno.TestContext,
  target: ExampleTarget,
): Promise<string[]> {
  const { dir, admin } = target;
  const ok = admin.ok;
  let issuer: Proc | undefined;
  try {
    await t.step("kubectl: the namespace and the CA Secrets made by openssl", async () => {
      await ok(["create", "namespace", NS]);
      await makeCa(dir, "E2E CA");
      for (const ns of [NS, target.clusterResourceNamespace]) {
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
      issuer = await startExample(target.exampleArgs);
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
      await ok(["wait", "--for=condition=Ready", "--timeout=20s", "-n", NS, "simpleissuer/ca"]);
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
    const sans = (name: string) => ({ dns: `${name}.e2e.example`, ip: "10.0.0.7" });
    const csrOf = (name: string, keyArgs: readonly string[]) =>
      makeCsr(dir, name, keyArgs, sans(name).dns, sans(name).ip);
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
        conditionPatch(type),
      ]);

    await t.step("CertificateRequests: created, approved, denied, left alone", async () => {
      const [ec, rsa, ed25519] = await Promise.all([
        csrOf("ec", KEY_ALGORITHMS.ec),
        csrOf("rsa", KEY_ALGORITHMS.rsa),
        csrOf("ed25519", KEY_ALGORITHMS.ed25519),
      ]);
      const requests = [
        request("ec", ec, issuerRef),
        request("rsa", rsa, clusterRef),
        request("ed25519", ed25519, issuerRef),
        request("denied", ec, issuerRef),
        request("unapproved", ec, issuerRef),
        request("foreign", ec, { group: "other.example.com", kind: "Other", name: "ca" }),
        request("missing", ec, { ...issuerRef, name: "nope" }),
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
      for (const name of Object.keys(KEY_ALGORITHMS)) {
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
        const text = await verifyCertificate(pem, `${dir}/ca.pem`, 48 * 3600_000);
        const { dns, ip } = sans(name);
        assert.match(text, new RegExp(`DNS:${dns.replaceAll(".", "\\.")}`), text);
        assert.match(text, new RegExp(`IP Address:${ip.replaceAll(".", "\\.")}`), text);
        // The public key is the request's.
        const [certKey, requestKey] = await Promise.all([
          openssl(["x509", "-in", pem, "-noout", "-pubkey"]),
          openssl(["req", "-in", `${dir}/${name}.csr`, "-noout", "-pubkey"]),
        ]);
        assert.equal(certKey, requestKey);
      }
    });

    await t.step("denied → Denied; malformed → Failed; missing issuer → Pending", async () => {
      const denied = await admin.poll(
        ["certificaterequest", "denied", "-n", NS],
        READY,
        (v) => v.startsWith("False/Denied/"),
        "Ready False/Denied",
      );
      assert.match(denied, /^False\/Denied\//);
      const failed = await admin.poll(
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
      const pending = await admin.poll(
        ["certificaterequest", "missing", "-n", NS],
        READY,
        (v) => v.startsWith("False/Pending/"),
        "Ready False/Pending",
      );
      assert.match(pending, /"nope" not found\. Waiting for it to be created\.$/);
    });

    await t.step("unapproved and foreign-issuer requests are left untouched", async () => {
      for (const name of ["unapproved", "foreign"]) {
        const get = (jsonpath: string) =>
          ok(["get", "certificaterequest", name, "-n", NS, "-o", `jsonpath=${jsonpath}`]);
        assert.equal(
          await get("{.status.conditions[*].type}"),
          name === "foreign" ? "Approved" : "",
          name,
        );
        assert.equal(await get("{.status.certificate}"), "");
      }
    });

    await t.step("Kubernetes CSRs: kubectl certificate approve signs, deny does not", async () => {
      const signerName = `simpleclusterissuers.${GROUP}/cluster-ca`;
      const csr = await csrOf("k8s", KEY_ALGORITHMS.ec);
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
      assert.match(await ok(["certificate", "approve", "k8s-approved"]), /k8s-approved approved/);
      assert.match(await ok(["certificate", "deny", "k8s-denied"]), /k8s-denied denied/);
      const b64 = await admin.poll(
        ["csr", "k8s-approved"],
        "{.status.certificate}",
        (v) => v !== "",
        "status.certificate",
      );
      const pem = `${dir}/k8s.pem`;
      await Deno.writeTextFile(pem, atob(b64));
      await verifyCertificate(pem, `${dir}/ca.pem`, 86_400_000);
      assert.match(await ok(["get", "csr", "k8s-approved"]), /Approved,Issued/);
      // The denied CSR stays without a certificate (checked after the approved one signed).
      assert.equal(
        await ok(["get", "csr", "k8s-denied", "-o", "jsonpath={.status.certificate}"]),
        "",
      );
      assert.match(await ok(["get", "csr", "k8s-denied"]), /Denied/);
    });

    let lines: string[] = [];
    await t.step("SIGTERM stops the issuer with exit code 0", async () => {
      const issuerProc = issuer!;
      issuer = undefined;
      const code = await terminate(issuerProc);
      lines = issuerProc.err.all;
      assert.equal(code, 0, lines.join("\n"));
      assert.match(lines.at(-1) ?? "", /The simple issuer has stopped\./);
      // The only error lines are the malformed request's terminal error (as controller-
      // runtime logs a terminal reconciler error).
      const errors = lines.filter((l) => /"level":"(ERROR|FATAL)"/.test(l));
      assert.ok(errors.length >= 1, "no error line for the malformed request");
      for (const line of errors) {
        const error = JSON.parse(line);
        assert.equal(error.key, `${NS}/malformed`, line);
        assert.equal(error.error?.cause?.name, "InvalidCsrError", line);
      }
    });
    return lines;
  } finally {
    if (issuer) {
      // A step failed while the issuer ran: its log says why.
      await terminate(issuer);
      console.error(`--- the example issuer's log ---\n${issuer.err.all.join("\n")}`);
    }
  }
}
