/**
 * Runs `_permissions_probe.ts` in a child Deno under exactly the documented flags (no
 * `-A`) against the fake API server over HTTPS with a bearer token, and shows the error
 * a user gets when a flag is missing.
 */
import { strict as assert } from "node:assert";
import { parse, stringify } from "yaml";
import { FakeApiServer } from "../../testing/mod.ts";

const PROBE = new URL("./_permissions_probe.ts", import.meta.url).pathname;
const CONFIG = new URL("../../../deno.json", import.meta.url).pathname;
const TOKEN = "probe-token-0123456789";
const NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"];

interface ProbeResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the probe with `flags` and only `env` (plus what Deno needs to find its cache). */
async function probe(
  flags: string[],
  env: Record<string, string>,
  args: string[] = [],
): Promise<ProbeResult> {
  const inherited: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) inherited[name] = value;
  }
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, "--config", CONFIG, PROBE, ...args],
    env: { ...inherited, ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

function listed(result: ProbeResult): { status: number; namespace: string; namespaces: string[] } {
  assert.equal(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout);
  out.namespaces.sort();
  return out;
}

Deno.test("the probe runs under exactly the documented flags and names a missing one", async () => {
  await using server = new FakeApiServer();
  await using listening = await server.listen({ tls: true });
  server.addToken(TOKEN, { username: "u", groups: [] });
  server.grant("u", [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list"] }]);
  const dir = await Deno.makeTempDir({ prefix: "permissions_test_" });
  try {
    // The kubeconfig names its CA by a relative path, so both files need --allow-read.
    const kubeconfig = `${dir}/config`;
    const ca = `${dir}/ca.crt`;
    const doc = parse(listening.kubeconfig({ token: TOKEN, namespace: "issuers" }));
    delete doc.clusters[0].cluster["certificate-authority-data"];
    doc.clusters[0].cluster["certificate-authority"] = "ca.crt";
    await Deno.writeTextFile(kubeconfig, stringify(doc));
    await Deno.writeTextFile(ca, listening.caCertPem!);
    const net = `--allow-net=127.0.0.1:${listening.port}`;
    const env = "--allow-env=KUBECONFIG,HOME";

    const ok = listed(
      await probe([net, `--allow-read=${kubeconfig},${ca}`, env], { KUBECONFIG: kubeconfig }),
    );
    assert.deepEqual(ok, { status: 200, namespace: "issuers", namespaces: NAMESPACES });

    const denied = await probe([net, `--allow-read=${ca}`, env], { KUBECONFIG: kubeconfig });
    assert.equal(denied.code, 1);
    assert.equal(
      denied.stderr,
      `error: cannot read kubeconfig ${kubeconfig}: Deno's read permission is missing ` +
        `(run with --allow-read=${kubeconfig})\n`,
    );
    assert.equal(denied.stdout, "");

    const noEnv = await probe([net, `--allow-read=${kubeconfig},${ca}`], {
      KUBECONFIG: kubeconfig,
    });
    assert.equal(
      noEnv.stderr,
      "error: cannot read the environment variable KUBECONFIG: Deno's env permission is missing " +
        "(run with --allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT)\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an exec plugin needs --allow-run=<command> and nothing more", async () => {
  await using server = new FakeApiServer();
  await using listening = await server.listen({ tls: true });
  server.addToken(TOKEN, { username: "u", groups: [] });
  server.grant("u", [{ apiGroups: [""], resources: ["namespaces"], verbs: ["list"] }]);
  const dir = await Deno.makeTempDir({ prefix: "permissions_test_" });
  try {
    const plugin = `${dir}/get-token`;
    await Deno.writeTextFile(
      plugin,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",` +
        `"status":{"token":"${TOKEN}"}}'\n`,
    );
    await Deno.chmod(plugin, 0o755);
    const kubeconfig = `${dir}/config`;
    const doc = parse(listening.kubeconfig());
    doc.users[0].user = {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: "./get-token",
        interactiveMode: "Never",
      },
    };
    await Deno.writeTextFile(kubeconfig, stringify(doc));
    const flags = [
      `--allow-net=127.0.0.1:${listening.port}`,
      `--allow-read=${kubeconfig}`,
      "--allow-env=KUBECONFIG,HOME",
    ];

    const denied = await probe(flags, { KUBECONFIG: kubeconfig });
    assert.equal(
      denied.stderr,
      `error: cannot run exec plugin "${plugin}" of user "fake": Deno's run permission is ` +
        `missing (run with --allow-run=${plugin})\n`,
    );
    const ok = listed(await probe([...flags, `--allow-run=${plugin}`], { KUBECONFIG: kubeconfig }));
    assert.deepEqual(ok, { status: 200, namespace: "default", namespaces: NAMESPACES });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("in a pod: the service account directory and three variables", async () => {
  await using server = new FakeApiServer();
  await using listening = await server.listen({ tls: true });
  server.addToken(TOKEN, { username: "u", groups: [] });
  server.grant("u", [{ apiGroups: [""], resources: ["namespaces"], verbs: ["list"] }]);
  const sa = await Deno.makeTempDir({ prefix: "permissions_test_sa_" });
  try {
    await Deno.writeTextFile(`${sa}/token`, `${TOKEN}\n`);
    await Deno.writeTextFile(`${sa}/ca.crt`, listening.caCertPem!);
    await Deno.writeTextFile(`${sa}/namespace`, "cert-manager");
    const env = {
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: String(listening.port),
    };
    const flags = [
      `--allow-net=127.0.0.1:${listening.port}`,
      `--allow-read=${sa}`,
      "--allow-env=KUBECONFIG,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT",
    ];
    const args = [`--service-account-dir=${sa}`];
    const ok = listed(await probe(flags, env, args));
    assert.deepEqual(ok, { status: 200, namespace: "cert-manager", namespaces: NAMESPACES });

    const denied = await probe(flags.slice(0, 1).concat(flags[2]!), env, args);
    assert.equal(
      denied.stderr,
      `error: cannot read service account token ${sa}/token: Deno's read permission is missing ` +
        `(run with --allow-read=${sa}/token)\n`,
    );
  } finally {
    await Deno.remove(sa, { recursive: true });
  }
});
