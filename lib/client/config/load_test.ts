import { strict as assert } from "node:assert";
import { FakeClock } from "../../testing/fake_clock.ts";
import { ConfigError, loadConnection, type LoadConnectionOptions } from "./mod.ts";

function kubeconfig(server: string, token: string, namespace = "default"): string {
  return `
clusters: [{ name: c, cluster: { server: "${server}" } }]
users: [{ name: u, user: { token: ${token} } }]
contexts:
- { name: x, context: { cluster: c, user: u, namespace: ${namespace} } }
- { name: y, context: { cluster: c } }
current-context: x
`;
}

/** Injected environment and files; reading a variable not in `env` fails as Deno would. */
function world(env: Record<string, string | undefined>, files: Record<string, string>) {
  const readVars: string[] = [];
  const options: LoadConnectionOptions = {
    clock: new FakeClock(),
    env: (name) => {
      readVars.push(name);
      if (!(name in env)) throw new Deno.errors.NotCapable(`Requires env access to "${name}"`);
      return env[name];
    },
    readTextFile: (path) =>
      path in files
        ? Promise.resolve(files[path]!)
        : Promise.reject(new Deno.errors.NotFound(path)),
    serviceAccountDir: "/sa",
  };
  return { options, readVars };
}

async function fails(promise: Promise<unknown>, message: string, flag?: string): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.message, message);
    assert.equal(err.permissionFlag, flag);
    return true;
  });
}

const POD = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };
const SA = { "/sa/token": "sa-token", "/sa/namespace": "cert-manager" };

Deno.test("loadConnection: an explicit kubeconfig reads no environment variable", async () => {
  const { options, readVars } = world({}, { "/k": kubeconfig("https://explicit", "t1") });
  const c = await loadConnection({ ...options, kubeconfig: "/k" });
  assert.equal(c.server, "https://explicit");
  assert.deepEqual(readVars, []);
  await fails(
    loadConnection({ ...options, kubeconfig: "/nope" }),
    "cannot read kubeconfig /nope: no such file",
  );
});

Deno.test("loadConnection: KUBECONFIG files are merged, missing ones skipped, and win over in-cluster", async () => {
  const { options, readVars } = world(
    { KUBECONFIG: "/a::/missing:/b:/a", ...POD },
    {
      "/a": "users: [{ name: u, user: { token: from-a } }]\n",
      "/b": kubeconfig("https://b", "from-b", "issuers"),
      ...SA,
    },
  );
  const c = await loadConnection(options);
  assert.equal(c.server, "https://b");
  assert.equal(c.namespace, "issuers");
  assert.equal(await c.credentials?.authorization(), "Bearer from-a");
  assert.deepEqual(readVars, ["KUBECONFIG"]);
});

Deno.test("loadConnection: context and namespace overrides", async () => {
  const { options } = world({ KUBECONFIG: "/k" }, { "/k": kubeconfig("https://k", "t") });
  const c = await loadConnection({ ...options, context: "y", namespace: "ns" });
  assert.equal(c.namespace, "ns");
  assert.equal(c.credentials, undefined);
  await fails(
    loadConnection({ ...options, context: "z" }),
    'kubeconfig /k: context "z" not found; defined contexts: x, y',
  );
});

Deno.test("loadConnection: in-cluster when KUBECONFIG is unset; HOME is not read", async () => {
  const { options, readVars } = world({ KUBECONFIG: undefined, ...POD }, SA);
  const c = await loadConnection(options);
  assert.equal(c.server, "https://10.96.0.1:443");
  assert.equal(c.namespace, "cert-manager");
  assert.equal(await c.credentials?.authorization(), "Bearer sa-token");
  assert.deepEqual(readVars, ["KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"]);
  assert.equal((await loadConnection({ ...options, namespace: "mine" })).namespace, "mine");
});

Deno.test("loadConnection: ~/.kube/config when not in a pod", async () => {
  const { options } = world(
    {
      KUBECONFIG: undefined,
      KUBERNETES_SERVICE_HOST: undefined,
      KUBERNETES_SERVICE_PORT: undefined,
      HOME: "/home/me/",
    },
    { "/home/me/.kube/config": kubeconfig("https://home", "t") },
  );
  assert.equal((await loadConnection(options)).server, "https://home");
});

Deno.test("loadConnection: a broken in-cluster setup falls back to ~/.kube/config", async () => {
  const env = { KUBECONFIG: undefined, HOME: "/home/me", ...POD };
  const { options } = world(env, { "/home/me/.kube/config": kubeconfig("https://home", "t") });
  assert.equal((await loadConnection(options)).server, "https://home");
  await fails(
    loadConnection(world(env, {}).options),
    "no Kubernetes configuration found; tried KUBECONFIG: not set; in-cluster: cannot read service " +
      "account token /sa/token: no such file; /home/me/.kube/config: no such file. Pass a " +
      "kubeconfig path, set KUBECONFIG, or run in a pod",
  );
});

Deno.test("loadConnection: nothing found says what was tried", async () => {
  await fails(
    loadConnection(world({ KUBECONFIG: "/a:/b" }, {}).options),
    "no Kubernetes configuration found; tried KUBECONFIG /a: no such file; KUBECONFIG /b: no such " +
      "file. Pass a kubeconfig path, set KUBECONFIG, or run in a pod",
  );
  const nothing = {
    KUBECONFIG: undefined,
    KUBERNETES_SERVICE_HOST: undefined,
    KUBERNETES_SERVICE_PORT: undefined,
    HOME: undefined,
    USERPROFILE: undefined,
  };
  await fails(
    loadConnection(world(nothing, {}).options),
    "no Kubernetes configuration found; tried KUBECONFIG: not set; in-cluster: " +
      "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set; ~/.kube/config: HOME is " +
      "not set. Pass a kubeconfig path, set KUBECONFIG, or run in a pod",
  );
});

Deno.test("loadConnection: a malformed file in KUBECONFIG is an error, not skipped", async () => {
  const { options } = world(
    { KUBECONFIG: "/bad:/good" },
    {
      "/bad": "users: [{ name: u, user: { client-key-data: '%%' } }]\n",
      "/good": kubeconfig("https://g", "t"),
    },
  );
  await fails(
    loadConnection(options),
    "kubeconfig /bad: users[0].user: client-key-data is not valid base64",
  );
});

Deno.test("loadConnection: missing Deno permissions name the flag to add", async () => {
  await fails(
    loadConnection(world({}, {}).options),
    "cannot read the environment variable KUBECONFIG: Deno's env permission is missing (run with " +
      "--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT)",
    "--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT",
  );
  const { options } = world({ KUBECONFIG: "/k" }, {});
  await fails(
    loadConnection({
      ...options,
      readTextFile: (path) =>
        Promise.reject(new Deno.errors.NotCapable(`Requires read access to "${path}"`)),
    }),
    "cannot read kubeconfig /k: Deno's read permission is missing (run with --allow-read=/k)",
    "--allow-read=/k",
  );
  // A pod whose service account directory is not readable: no silent fall-back.
  const pod = world({ KUBECONFIG: undefined, ...POD }, {});
  await fails(
    loadConnection({
      ...pod.options,
      readTextFile: (path) =>
        Promise.reject(new Deno.errors.NotCapable(`Requires read access to "${path}"`)),
    }),
    "cannot read service account token /sa/token: Deno's read permission is missing (run with " +
      "--allow-read=/sa/token)",
    "--allow-read=/sa/token",
  );
});
