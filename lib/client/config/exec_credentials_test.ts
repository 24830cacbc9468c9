import { strict as assert } from "node:assert";
import { FakeClock } from "../../testing/fake_clock.ts";
import {
  type CommandRunner,
  ConfigError,
  type ExecConfig,
  ExecCredentials,
  type ExecCredentialsOptions,
} from "./mod.ts";

const V1 = "client.authentication.k8s.io/v1";
const V1BETA1 = "client.authentication.k8s.io/v1beta1";
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

function execConfig(overrides: Partial<ExecConfig> = {}): ExecConfig {
  return {
    apiVersion: V1,
    command: "plugin",
    args: [],
    env: [],
    provideClusterInfo: false,
    ...overrides,
  };
}

/** A plugin script in a temporary directory; it counts its runs and records its inputs. */
async function withPlugin(
  body: string,
  test: (dir: string, plugin: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "exec_credentials_test_" });
  try {
    const plugin = `${dir}/plugin.sh`;
    await Deno.writeTextFile(
      plugin,
      `#!/bin/sh
dir="$(dirname "$0")"
n=$(cat "$dir/count" 2>/dev/null || echo 0); n=$((n+1)); echo "$n" > "$dir/count"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/info"
printf '%s\\n' "$@" > "$dir/args"
printf '%s' "$PLUGIN_VAR" > "$dir/env"
${body}
`,
    );
    await Deno.chmod(plugin, 0o755);
    await test(dir, plugin);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const PRINT_TOKEN = `expiry=$(cat "$dir/expiry" 2>/dev/null)
printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"tok-%s","expirationTimestamp":"%s"}}' "$API_VERSION" "$n" "$expiry"`;

Deno.test("ExecCredentials runs the plugin with args, env and KUBERNETES_EXEC_INFO", async () => {
  await withPlugin(PRINT_TOKEN, async (dir, plugin) => {
    await Deno.writeTextFile(`${dir}/expiry`, "2024-01-01T01:00:00Z");
    const source = new ExecCredentials(
      execConfig({
        command: plugin,
        args: ["get-token", "--cluster", "prod"],
        env: [{ name: "PLUGIN_VAR", value: "from kubeconfig" }, { name: "API_VERSION", value: V1 }],
        provideClusterInfo: true,
      }),
      {
        clock: new FakeClock(),
        user: "eks",
        cluster: {
          server: "https://10.0.0.1:6443",
          tlsServerName: "api",
          certificateAuthorityPem: PEM,
        },
      },
    );
    assert.equal(await source.authorization(), "Bearer tok-1");
    assert.equal(await Deno.readTextFile(`${dir}/args`), "get-token\n--cluster\nprod\n");
    assert.equal(await Deno.readTextFile(`${dir}/env`), "from kubeconfig");
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/info`)), {
      apiVersion: V1,
      kind: "ExecCredential",
      spec: {
        interactive: false,
        cluster: {
          server: "https://10.0.0.1:6443",
          "tls-server-name": "api",
          "certificate-authority-data": btoa(PEM),
        },
      },
    });
    assert.deepEqual(await source.credential(), {
      token: "tok-1",
      clientCertificatePem: undefined,
      clientKeyPem: undefined,
      expiresAt: Date.UTC(2024, 0, 1, 1),
    });
  });
});

Deno.test("ExecCredentials caches until expirationTimestamp, then runs again", async () => {
  await withPlugin(PRINT_TOKEN, async (dir, plugin) => {
    await Deno.writeTextFile(`${dir}/expiry`, "2024-01-01T00:05:00Z");
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    const source = new ExecCredentials(
      execConfig({
        command: plugin,
        apiVersion: V1BETA1,
        env: [{ name: "API_VERSION", value: V1BETA1 }],
      }),
      { clock },
    );
    assert.equal(await source.authorization(), "Bearer tok-1");
    await clock.advance(299_999);
    assert.equal(await source.authorization(), "Bearer tok-1");
    assert.equal((await Deno.readTextFile(`${dir}/count`)).trim(), "1");
    await Deno.writeTextFile(`${dir}/expiry`, "2024-01-01T00:10:00Z");
    await clock.advance(1);
    assert.equal(await source.authorization(), "Bearer tok-2");
    assert.equal(await source.authorization(), "Bearer tok-2");
    assert.equal((await Deno.readTextFile(`${dir}/count`)).trim(), "2");
  });
});

Deno.test("ExecCredentials runs the plugin again after invalidate (a 401)", async () => {
  await withPlugin(PRINT_TOKEN, async (dir, plugin) => {
    await Deno.writeTextFile(`${dir}/expiry`, ""); // no expiry: cached until invalidated
    const source = new ExecCredentials(
      execConfig({ command: plugin, env: [{ name: "API_VERSION", value: V1 }] }),
      { clock: new FakeClock() },
    );
    assert.equal(await source.authorization(), "Bearer tok-1");
    assert.equal(await source.authorization(), "Bearer tok-1");
    source.invalidate();
    assert.equal(await source.authorization(), "Bearer tok-2");
  });
});

Deno.test("ExecCredentials reports a failing plugin with its exit code and stderr", async () => {
  await withPlugin(`echo "error: SSO session expired" >&2; exit 3`, async (_dir, plugin) => {
    const source = new ExecCredentials(execConfig({ command: plugin }), { user: "sso" });
    await assert.rejects(source.authorization(), (err) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(
        err.message,
        `exec plugin ${
          JSON.stringify(plugin)
        } of user "sso" failed with exit code 3: error: SSO session expired`,
      );
      return true;
    });
  });
});

Deno.test("ExecCredentials names a missing command, with the install hint", async () => {
  const source = new ExecCredentials(
    execConfig({
      command: "certkit-no-such-plugin",
      installHint: "Install it with: brew install it",
    }),
    { user: "u" },
  );
  await assert.rejects(source.authorization(), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(
      err.message,
      'exec plugin "certkit-no-such-plugin" of user "u" was not found; is it installed and on PATH?\n' +
        "Install it with: brew install it",
    );
    return true;
  });
});

Deno.test("ExecCredentials names the --allow-run flag when run permission is missing", async () => {
  const run: CommandRunner = () =>
    Promise.reject(new Deno.errors.NotCapable('Requires run access to "aws"'));
  const source = new ExecCredentials(execConfig({ command: "aws" }), { user: "eks", run });
  await assert.rejects(source.authorization(), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(
      err.message,
      'cannot run exec plugin "aws" of user "eks": Deno\'s run permission is missing ' +
        "(run with --allow-run=aws)",
    );
    assert.equal(err.permissionFlag, "--allow-run=aws");
    return true;
  });
});

function printing(stdout: unknown, runs = { count: 0 }): ExecCredentialsOptions {
  return {
    clock: new FakeClock(),
    run: () => {
      runs.count++;
      return Promise.resolve({
        code: 0,
        stderr: "",
        stdout: typeof stdout === "string" ? stdout : JSON.stringify(stdout),
      });
    },
  };
}

Deno.test("ExecCredentials returns client certificates apart from the Authorization header", async () => {
  const source = new ExecCredentials(
    execConfig(),
    printing({
      apiVersion: V1,
      kind: "ExecCredential",
      status: { clientCertificateData: PEM, clientKeyData: "KEY PEM" },
    }),
  );
  assert.equal(await source.authorization(), undefined);
  assert.deepEqual(await source.clientCertificate(), { certPem: PEM, keyPem: "KEY PEM" });
});

Deno.test("ExecCredentials shares one run between concurrent callers", async () => {
  const runs = { count: 0 };
  const source = new ExecCredentials(
    execConfig(),
    printing({ apiVersion: V1, kind: "ExecCredential", status: { token: "t" } }, runs),
  );
  const headers = await Promise.all([source.authorization(), source.authorization()]);
  assert.deepEqual(headers, ["Bearer t", "Bearer t"]);
  assert.equal(runs.count, 1);
});

Deno.test("ExecCredentials rejects output that is not a usable ExecCredential", async () => {
  const cases: [unknown, string][] = [
    ["Please log in", 'stdout is not JSON: "Please log in"'],
    [[], "expected a JSON object, got a list"],
    [{ apiVersion: V1, kind: "Status" }, 'kind is "Status"'],
    [
      { apiVersion: V1BETA1, kind: "ExecCredential", status: { token: "t" } },
      `apiVersion is "${V1BETA1}", but the kubeconfig asks for "${V1}"`,
    ],
    [{ apiVersion: V1, kind: "ExecCredential" }, "status is missing"],
    [
      { apiVersion: V1, kind: "ExecCredential", status: {} },
      "status has neither a token nor clientCertificateData and clientKeyData",
    ],
    [
      { apiVersion: V1, kind: "ExecCredential", status: { token: "t", clientKeyData: "k" } },
      "status has only one of clientCertificateData and clientKeyData",
    ],
    [
      { apiVersion: V1, kind: "ExecCredential", status: { token: 7 } },
      "status.token must be a string",
    ],
    [
      {
        apiVersion: V1,
        kind: "ExecCredential",
        status: { token: "t", expirationTimestamp: "soon" },
      },
      'status.expirationTimestamp is not RFC 3339: "soon"',
    ],
  ];
  for (const [stdout, detail] of cases) {
    const source = new ExecCredentials(execConfig(), printing(stdout));
    await assert.rejects(source.authorization(), (err) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(
        err.message,
        `exec plugin "plugin" returned an invalid ExecCredential: ${detail}`,
      );
      return true;
    });
  }
});

Deno.test("ExecCredentials refuses interactiveMode Always: there is no terminal", () => {
  assert.throws(
    () => new ExecCredentials(execConfig({ interactiveMode: "Always" }), { user: "sso" }),
    (err) =>
      err instanceof ConfigError &&
      err.message === 'exec plugin "plugin" of user "sso" needs a terminal (interactiveMode: ' +
          "Always); set interactiveMode to IfAvailable or Never, or use another credential",
  );
});
