import { strict as assert } from "node:assert";
import { FakeClock } from "../../testing/fake_clock.ts";
import { ConfigError, inClusterConnection, type InClusterOptions, inClusterServer } from "./mod.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const POD_ENV = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };

function pod(files: Record<string, string>, env: Record<string, string> = POD_ENV) {
  const fs = new Map(Object.entries(files));
  const options = {
    env: (name: string) => env[name],
    readTextFile: (path: string) => {
      const text = fs.get(path);
      return text === undefined
        ? Promise.reject(new Deno.errors.NotFound(path))
        : Promise.resolve(text);
    },
    serviceAccountDir: "/sa",
  } satisfies InClusterOptions;
  return { fs, options };
}

Deno.test("inClusterServer joins host and port, bracketing IPv6 hosts", () => {
  const server = (env: Record<string, string>) => inClusterServer((name) => env[name]);
  assert.equal(server(POD_ENV), "https://10.96.0.1:443");
  assert.equal(
    server({ KUBERNETES_SERVICE_HOST: "fd00:10:96::1", KUBERNETES_SERVICE_PORT: "443" }),
    "https://[fd00:10:96::1]:443",
  );
  assert.equal(server({ KUBERNETES_SERVICE_HOST: "10.96.0.1" }), undefined);
  assert.equal(server({ KUBERNETES_SERVICE_HOST: "", KUBERNETES_SERVICE_PORT: "443" }), undefined);
  assert.throws(
    () => server({ KUBERNETES_SERVICE_HOST: "a b", KUBERNETES_SERVICE_PORT: "443" }),
    /KUBERNETES_SERVICE_HOST="a b" and KUBERNETES_SERVICE_PORT="443" do not form a URL/,
  );
});

Deno.test("inClusterServer names the --allow-env flag when the variables are not allowed", () => {
  assert.throws(
    () =>
      inClusterServer((name) => {
        throw new Deno.errors.NotCapable(`Requires env access to "${name}"`);
      }),
    (err) =>
      err instanceof ConfigError &&
      err.message ===
        "cannot read the environment variable KUBERNETES_SERVICE_HOST: Deno's env permission is " +
          "missing (run with --allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT)",
  );
});

Deno.test("inClusterConnection reads the service account token, CA and namespace", async () => {
  const { options } = pod({
    "/sa/token": "tok\n",
    "/sa/ca.crt": CA,
    "/sa/namespace": "cert-manager\n",
  });
  const connection = await inClusterConnection(options);
  assert.equal(connection.server, "https://10.96.0.1:443");
  assert.deepEqual(connection.caCertsPem, [CA]);
  assert.equal(connection.namespace, "cert-manager");
  assert.equal(await connection.credentials?.authorization(), "Bearer tok");
});

Deno.test("inClusterConnection: an explicit namespace wins; no namespace file means default", async () => {
  const { options } = pod({ "/sa/token": "tok", "/sa/namespace": "cert-manager" });
  assert.equal((await inClusterConnection({ ...options, namespace: "other" })).namespace, "other");
  const bare = pod({ "/sa/token": "tok" });
  const connection = await inClusterConnection(bare.options);
  assert.equal(connection.namespace, "default");
  // No ca.crt: the system roots are used, as client-go does.
  assert.equal(connection.caCertsPem, undefined);
});

Deno.test("inClusterConnection re-reads the rotating token every minute and after a 401", async () => {
  const { fs, options } = pod({ "/sa/token": "one" });
  const clock = new FakeClock();
  const credentials = (await inClusterConnection({ ...options, clock })).credentials;
  fs.set("/sa/token", "two");
  assert.equal(await credentials?.authorization(), "Bearer one");
  await clock.advance(60_000);
  assert.equal(await credentials?.authorization(), "Bearer two");
  fs.set("/sa/token", "three");
  credentials?.invalidate?.();
  assert.equal(await credentials?.authorization(), "Bearer three");
});

Deno.test("inClusterConnection fails clearly outside a pod or without a token", async () => {
  await assert.rejects(
    inClusterConnection({ env: () => undefined }),
    (err) =>
      err instanceof ConfigError &&
      err.message ===
        "not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set",
  );
  await assert.rejects(
    inClusterConnection(pod({}).options),
    (err) =>
      err instanceof ConfigError &&
      err.message === "cannot read service account token /sa/token: no such file",
  );
});

Deno.test("inClusterConnection names the --allow-read flag when reading is not allowed", async () => {
  const { options } = pod({});
  await assert.rejects(
    inClusterConnection({
      ...options,
      readTextFile: (path) =>
        Promise.reject(new Deno.errors.NotCapable(`Requires read access to "${path}"`)),
    }),
    (err) =>
      err instanceof ConfigError &&
      err.permissionFlag === "--allow-read=/sa/token" &&
      err.message ===
        "cannot read service account token /sa/token: Deno's read permission is missing " +
          "(run with --allow-read=/sa/token)",
  );
});
