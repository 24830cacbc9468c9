import { strict as assert } from "node:assert";
import { FakeClock } from "../../testing/fake_clock.ts";
import {
  type CommandRunner,
  ConfigError,
  ExecCredentials,
  kubeconfigConnection,
  type KubeconfigConnectionOptions,
  parseKubeconfig,
} from "./mod.ts";

const CA = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN EC PRIVATE KEY-----\nKEY\n-----END EC PRIVATE KEY-----\n";

/** A kubeconfig at /k/config with one context "x" using cluster `cluster` and user `user`. */
function kubeconfig(cluster: string, user?: string, namespace?: string) {
  return parseKubeconfig(
    `
clusters: [{ name: c, cluster: ${cluster} }]
users: [{ name: u, user: ${user ?? "{}"} }]
contexts: [{ name: x, context: { cluster: c${user ? ", user: u" : ""}${
      namespace ? `, namespace: ${namespace}` : ""
    } } }]
current-context: x
`,
    "/k/config",
  );
}

function files(entries: Record<string, string>): KubeconfigConnectionOptions {
  return {
    clock: new FakeClock(),
    readTextFile: (path) =>
      path in entries
        ? Promise.resolve(entries[path]!)
        : Promise.reject(new Deno.errors.NotFound(path)),
  };
}

async function fails(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.message, message);
    return true;
  });
}

const SERVER = `{ server: "https://10.0.0.1:6443" }`;

Deno.test("kubeconfigConnection: token", async () => {
  const c = await kubeconfigConnection(kubeconfig(SERVER, "{ token: abc }"));
  assert.deepEqual(Object.keys(c).sort(), ["credentials", "namespace", "server"]);
  assert.equal(c.server, "https://10.0.0.1:6443");
  assert.equal(c.namespace, "default");
  assert.equal(await c.credentials?.authorization(), "Bearer abc");
});

Deno.test("kubeconfigConnection: tokenFile wins over token and is re-read every minute", async () => {
  const tokens: Record<string, string> = { "/k/token": "from-file\n" };
  const clock = new FakeClock();
  const c = await kubeconfigConnection(kubeconfig(SERVER, "{ token: inline, tokenFile: token }"), {
    clock,
    readTextFile: (path) => Promise.resolve(tokens[path] ?? ""),
  });
  assert.equal(await c.credentials?.authorization(), "Bearer from-file");
  tokens["/k/token"] = "rotated";
  await clock.advance(60_000);
  assert.equal(await c.credentials?.authorization(), "Bearer rotated");
  await fails(
    kubeconfigConnection(kubeconfig(SERVER, "{ tokenFile: gone }"), files({})),
    "cannot read token file /k/gone: no such file",
  );
});

Deno.test("kubeconfigConnection: basic auth", async () => {
  const c = await kubeconfigConnection(kubeconfig(SERVER, "{ username: admin, password: secret }"));
  assert.equal(await c.credentials?.authorization(), `Basic ${btoa("admin:secret")}`);
});

Deno.test("kubeconfigConnection: client certificate and key, embedded or in files", async () => {
  const embedded = await kubeconfigConnection(
    kubeconfig(SERVER, `{ client-certificate-data: ${btoa(CERT)}, client-key-data: ${btoa(KEY)} }`),
  );
  assert.equal(embedded.clientCertPem, CERT);
  assert.equal(embedded.clientKeyPem, KEY);
  assert.equal(embedded.credentials, undefined);
  const fromFiles = await kubeconfigConnection(
    kubeconfig(SERVER, "{ client-certificate: pki/me.crt, client-key: /keys/me.key }"),
    files({ "/k/pki/me.crt": CERT, "/keys/me.key": KEY }),
  );
  assert.equal(fromFiles.clientCertPem, CERT);
  assert.equal(fromFiles.clientKeyPem, KEY);
  await fails(
    kubeconfigConnection(
      kubeconfig(SERVER, "{ client-certificate: pki/me.crt }"),
      files({ "/k/pki/me.crt": CERT }),
    ),
    'kubeconfig /k/config: user "u" has a client certificate but no client-key or client-key-data (users[0].user)',
  );
  await fails(
    kubeconfigConnection(
      kubeconfig(SERVER, "{ client-certificate: c, client-key: k }"),
      files({ "/k/c": CERT, "/k/k": "oops" }),
    ),
    'client key /k/k does not hold PEM data (no "-----BEGIN …-----" line)',
  );
});

Deno.test("kubeconfigConnection: exec plugin, used only without another credential", async () => {
  const runs: string[] = [];
  const run: CommandRunner = (command) => {
    runs.push(command);
    return Promise.resolve({
      code: 0,
      stderr: "",
      stdout: JSON.stringify({
        apiVersion: "client.authentication.k8s.io/v1",
        kind: "ExecCredential",
        status: { token: "from-plugin" },
      }),
    });
  };
  const exec = "exec: { apiVersion: client.authentication.k8s.io/v1, command: get-token }";
  const c = await kubeconfigConnection(kubeconfig(SERVER, `{ ${exec} }`), { runCommand: run });
  assert.ok(c.credentials instanceof ExecCredentials);
  assert.deepEqual(runs, [], "the plugin runs on first use, not at load");
  assert.equal(await c.credentials.authorization(), "Bearer from-plugin");
  assert.deepEqual(runs, ["get-token"]);
  const withToken = await kubeconfigConnection(kubeconfig(SERVER, `{ token: t, ${exec} }`), {
    runCommand: run,
  });
  assert.equal(await withToken.credentials?.authorization(), "Bearer t");
  assert.equal(runs.length, 1);
});

Deno.test("kubeconfigConnection: anonymous, CA, TLS server name, namespace", async () => {
  const c = await kubeconfigConnection(
    kubeconfig(
      `{ server: "https://api:6443/", certificate-authority: ca.crt, tls-server-name: kubernetes }`,
      undefined,
      "issuers",
    ),
    files({ "/k/ca.crt": CA }),
  );
  assert.deepEqual(c, {
    server: "https://api:6443",
    namespace: "issuers",
    caCertsPem: [CA],
    tlsServerName: "kubernetes",
  });
  const data = await kubeconfigConnection(
    kubeconfig(
      `{ server: "https://api", certificate-authority: missing.crt, certificate-authority-data: ${
        btoa(CA)
      } }`,
    ),
    files({}),
  );
  assert.deepEqual(data.caCertsPem, [CA], "certificate-authority-data wins; the file is not read");
  const ns = await kubeconfigConnection(kubeconfig(SERVER, undefined, "issuers"), {
    namespace: "override",
  });
  assert.equal(ns.namespace, "override");
  const bare = await kubeconfigConnection(kubeconfig(`{ server: "10.0.0.1:6443" }`));
  assert.equal(bare.server, "https://10.0.0.1:6443");
});

Deno.test("kubeconfigConnection: conflicting or unsupported settings are clear errors", async () => {
  await fails(
    kubeconfigConnection(kubeconfig(SERVER, "{ token: t, username: u, password: p }")),
    'kubeconfig /k/config: user "u" sets both a token and basic auth (username/password); only one is allowed (users[0].user)',
  );
  await fails(
    kubeconfigConnection(
      kubeconfig(
        `{ server: "https://a", insecure-skip-tls-verify: true, certificate-authority-data: ${
          btoa(CA)
        } }`,
      ),
    ),
    'kubeconfig /k/config: cluster "c" sets a certificate authority and insecure-skip-tls-verify; remove one (clusters[0].cluster)',
  );
  await fails(
    kubeconfigConnection(kubeconfig(SERVER, "{ auth-provider: { name: gcp } }")),
    'kubeconfig /k/config: user "u" uses auth-provider "gcp", which is not supported; use an exec credential plugin instead (users[0].user.auth-provider)',
  );
  await fails(
    kubeconfigConnection(kubeconfig(`{ server: "ftp://a" }`)),
    'kubeconfig /k/config: cluster "c" has an invalid server "ftp://a" (clusters[0].cluster.server)',
  );
  await fails(
    kubeconfigConnection(
      kubeconfig(`{ server: "https://a", certificate-authority: ca.crt }`),
      files({}),
    ),
    "cannot read certificate authority /k/ca.crt: no such file",
  );
  await fails(
    kubeconfigConnection(kubeconfig(SERVER), { context: "y" }),
    'kubeconfig /k/config: context "y" not found; defined contexts: x',
  );
});
