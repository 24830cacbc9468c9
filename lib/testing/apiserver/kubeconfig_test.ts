import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { kubeconfigYaml } from "./kubeconfig.ts";
import { generateServingCertificates } from "./tls.ts";

const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

Deno.test("kubeconfigYaml parses back to a v1 Config", () => {
  const yaml = kubeconfigYaml({
    server: "https://127.0.0.1:6443",
    caCertPem: CA_PEM,
    token: "tok",
    namespace: "t",
    contextName: "test",
  });
  assert.deepEqual(parse(yaml), {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{
      name: "test",
      cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": btoa(CA_PEM) },
    }],
    users: [{ name: "test", user: { token: "tok" } }],
    contexts: [{ name: "test", context: { cluster: "test", user: "test", namespace: "t" } }],
    "current-context": "test",
    preferences: {},
  });
  assert.doesNotMatch(yaml, /insecure-skip-tls-verify/);
});

Deno.test("kubeconfigYaml: minimal config and defaults", () => {
  const config = parse(kubeconfigYaml({ server: "http://127.0.0.1:8080" }));
  assert.deepEqual(config.clusters, [{
    name: "fake",
    cluster: { server: "http://127.0.0.1:8080" },
  }]);
  assert.deepEqual(config.users, [{ name: "fake", user: {} }]);
  assert.deepEqual(config.contexts, [{ name: "fake", context: { cluster: "fake", user: "fake" } }]);
  assert.equal(config["current-context"], "fake");
});

Deno.test("kubeconfigYaml: long values stay on one line", () => {
  const token = "x".repeat(300);
  const yaml = kubeconfigYaml({
    server: "https://127.0.0.1:1",
    caCertPem: CA_PEM.repeat(20),
    token,
  });
  assert.ok(yaml.split("\n").some((line) => line.trim() === `token: ${token}`));
  assert.equal(parse(yaml).users[0].user.token, token);
});

Deno.test("kubeconfigYaml rejects bad options", () => {
  assert.throws(() => kubeconfigYaml({ server: "127.0.0.1:6443" }), TypeError);
  assert.throws(() => kubeconfigYaml({ server: "ftp://127.0.0.1" }), /http:\/\/ or https:\/\//);
  assert.throws(() => kubeconfigYaml({ server: "not a url" }), /not a URL/);
  assert.throws(
    () => kubeconfigYaml({ server: "https://127.0.0.1:1", contextName: "" }),
    /contextName/,
  );
});

const hasKubectl = await new Deno.Command("kubectl", { args: ["version", "--client"] }).output()
  .then((o) => o.success, () => false);

/** Runs kubectl with a fresh HOME and cache directory and the given kubeconfig. */
async function kubectl(
  dir: string,
  kubeconfig: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = `${dir}/${crypto.randomUUID()}`;
  await Deno.mkdir(home);
  const path = `${home}/config`;
  await Deno.writeTextFile(path, kubeconfig);
  const output = await new Deno.Command("kubectl", {
    args: [...args, `--kubeconfig=${path}`],
    env: { HOME: home, KUBECACHEDIR: `${home}/cache`, KUBECONFIG: path },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test({
  name: "kubeconfigYaml: the real kubectl trusts the CA and sends the token over HTTPS",
  ignore: !hasKubectl,
  async fn() {
    const tls = await generateServingCertificates();
    const dir = await Deno.makeTempDir({ prefix: "kubeconfig_test_" });
    const seen: string[] = [];
    const controller = new AbortController();
    const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
    const server = Deno.serve({
      port: 0,
      hostname: "127.0.0.1",
      cert: tls.certPem,
      key: tls.keyPem,
      signal: controller.signal,
      onListen: resolve,
    }, (request) => {
      const auth = request.headers.get("authorization") ?? "";
      seen.push(`${new URL(request.url).pathname} ${auth}`);
      if (auth !== "Bearer secret-token") {
        return Response.json({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "Unauthorized",
          reason: "Unauthorized",
          code: 401,
        }, { status: 401 });
      }
      return Response.json({
        major: "1",
        minor: "32",
        gitVersion: "v1.32.5-fake",
        platform: "linux/amd64",
      });
    });
    try {
      const { port } = await listening;
      const server = `https://127.0.0.1:${port}`;
      const ok = await kubectl(
        dir,
        kubeconfigYaml({ server, caCertPem: tls.caCertPem, token: "secret-token", namespace: "t" }),
        ["version", "-o", "json"],
      );
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(JSON.parse(ok.stdout).serverVersion.gitVersion, "v1.32.5-fake");
      assert.ok(seen.includes("/version Bearer secret-token"), seen.join("\n"));

      const view = await kubectl(
        dir,
        kubeconfigYaml({ server, caCertPem: tls.caCertPem, namespace: "t" }),
        ["config", "view", "--raw", "--minify", "-o", "json"],
      );
      assert.equal(view.code, 0, view.stderr);
      const viewed = JSON.parse(view.stdout);
      assert.equal(viewed.clusters[0].cluster.server, server);
      assert.equal(viewed.contexts[0].context.namespace, "t");

      const badToken = await kubectl(
        dir,
        kubeconfigYaml({ server, caCertPem: tls.caCertPem, token: "wrong" }),
        ["get", "--raw", "/version"],
      );
      assert.notEqual(badToken.code, 0);
      assert.match(badToken.stderr, /You must be logged in to the server \(Unauthorized\)/);
      assert.ok(seen.includes("/version Bearer wrong"), seen.join("\n"));
    } finally {
      controller.abort();
      await server.finished;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
