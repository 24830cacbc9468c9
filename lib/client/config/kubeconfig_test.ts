import { strict as assert } from "node:assert";
import { ConfigError, parseKubeconfig } from "./mod.ts";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const PEM64 = btoa(PEM);

function rejects(yaml: string, message: string | RegExp, file = "/k/config"): void {
  assert.throws(() => parseKubeconfig(yaml, file), (err) => {
    assert.ok(err instanceof ConfigError, String(err));
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

Deno.test("parseKubeconfig reads every cluster, user and context field", () => {
  const config = parseKubeconfig(
    `
apiVersion: v1
kind: Config
preferences: { colors: true }
clusters:
- name: c
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority: ca.crt
    certificate-authority-data: ${PEM64}
    tls-server-name: api.internal
    proxy-url: http://proxy:3128
    extensions: [{ name: x, extension: {} }]
users:
- name: u
  user:
    token: 0123
    tokenFile: ../tokens/t
    username: admin
    password: "true"
    client-certificate: /abs/cert.pem
    client-certificate-data: ${PEM64}
    client-key: key.pem
    client-key-data: ${PEM64}
    auth-provider: { name: oidc, config: {} }
contexts:
- name: x
  context: { cluster: c, user: u, namespace: issuers }
current-context: x
`,
    "/k/config",
  );
  assert.deepEqual(config.files, ["/k/config"]);
  assert.equal(config.currentContext, "x");
  assert.deepEqual(config.clusters.get("c"), {
    name: "c",
    file: "/k/config",
    field: "clusters[0].cluster",
    server: "https://10.0.0.1:6443",
    certificateAuthority: "/k/ca.crt",
    certificateAuthorityData: PEM,
    insecureSkipTlsVerify: false,
    tlsServerName: "api.internal",
    proxyUrl: "http://proxy:3128",
  });
  assert.deepEqual(config.users.get("u"), {
    name: "u",
    file: "/k/config",
    field: "users[0].user",
    token: "0123", // numbers keep their text, as sigs.k8s.io/yaml fills string fields
    tokenFile: "/tokens/t",
    username: "admin",
    password: "true",
    clientCertificate: "/abs/cert.pem",
    clientCertificateData: PEM,
    clientKey: "/k/key.pem",
    clientKeyData: PEM,
    exec: undefined,
    authProvider: "oidc",
  });
  assert.deepEqual(config.contexts.get("x"), {
    name: "x",
    file: "/k/config",
    field: "contexts[0].context",
    cluster: "c",
    user: "u",
    namespace: "issuers",
  });
});

Deno.test("parseKubeconfig reads exec plugins of v1 and v1beta1", () => {
  const config = parseKubeconfig(
    `
users:
- name: eks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, prod]
      env: [{ name: AWS_PROFILE, value: prod }, { name: EMPTY }]
      installHint: install the AWS CLI
- name: local
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/login
      provideClusterInfo: true
      interactiveMode: Never
`,
    "/k/config",
  );
  assert.deepEqual(config.users.get("eks")?.exec, {
    apiVersion: "client.authentication.k8s.io/v1beta1",
    command: "aws",
    args: ["eks", "get-token", "--cluster-name", "prod"],
    env: [{ name: "AWS_PROFILE", value: "prod" }, { name: "EMPTY", value: "" }],
    installHint: "install the AWS CLI",
    provideClusterInfo: false,
    interactiveMode: undefined,
  });
  const local = config.users.get("local")?.exec;
  assert.equal(local?.command, "/k/bin/login");
  assert.equal(local?.provideClusterInfo, true);
  assert.equal(local?.interactiveMode, "Never");
});

Deno.test("parseKubeconfig accepts JSON, empty files and null lists", () => {
  const json = parseKubeconfig(
    JSON.stringify({
      clusters: [{ name: "c", cluster: { server: "https://a", "insecure-skip-tls-verify": true } }],
      "current-context": "x",
    }),
    "/k.json",
  );
  assert.equal(json.clusters.get("c")?.insecureSkipTlsVerify, true);
  assert.equal(json.currentContext, "x");
  const empty = parseKubeconfig("", "/empty");
  assert.equal(empty.clusters.size + empty.users.size + empty.contexts.size, 0);
  assert.equal(empty.currentContext, undefined);
  const nulls = parseKubeconfig("clusters:\nusers: null\ncurrent-context: ''\n", "/n");
  assert.equal(nulls.clusters.size, 0);
  assert.equal(nulls.currentContext, undefined);
});

Deno.test("parseKubeconfig errors name the file and the field", () => {
  rejects(
    `users:\n- name: u\n  user: { client-key-data: "not base64!" }\n`,
    "kubeconfig /k/config: users[0].user: client-key-data is not valid base64",
  );
  rejects(
    `users:\n- name: u\n  user: { client-certificate-data: ${btoa("hello")} }\n`,
    /^kubeconfig \/k\/config: users\[0\]\.user: client-certificate-data does not hold PEM data/,
  );
  rejects(
    `clusters:\n- cluster: { server: https://a }\n`,
    "kubeconfig /k/config: clusters[0]: name is required",
  );
  rejects(
    `contexts:\n- { name: a, context: {} }\n- { name: a, context: {} }\n`,
    'kubeconfig /k/config: contexts[1]: duplicate name "a" (also contexts[0])',
  );
  rejects(
    `clusters:\n- name: c\n  cluster: { server: [a] }\n`,
    "kubeconfig /k/config: clusters[0].cluster: server must be a string, got a list",
  );
  rejects(
    `clusters:\n- name: c\n  cluster: { insecure-skip-tls-verify: "yes" }\n`,
    'kubeconfig /k/config: clusters[0].cluster: insecure-skip-tls-verify must be true or false, got "yes"',
  );
  rejects(
    `clusters: {}\n`,
    "kubeconfig /k/config: the top level: clusters must be a list, got a mapping",
  );
  rejects(`- a\n`, "kubeconfig /k/config: the top level: must be a mapping, got a list");
  rejects(
    `users: [{ name: u, user: 3 }]\n`,
    'kubeconfig /k/config: users[0].user: must be a mapping, got "3"',
  );
  rejects(`clusters: [\n`, /^kubeconfig \/k\/config: invalid YAML: /);
});

Deno.test("parseKubeconfig rejects unusable exec entries, naming the field", () => {
  const exec = (body: string) => `users:\n- name: a\n- name: u\n  user:\n    exec: ${body}\n`;
  rejects(
    exec("{ command: aws }"),
    "kubeconfig /k/config: users[1].user.exec: apiVersion is required",
  );
  rejects(
    exec("{ apiVersion: client.authentication.k8s.io/v1alpha1, command: aws }"),
    'kubeconfig /k/config: users[1].user.exec: apiVersion "client.authentication.k8s.io/v1alpha1" ' +
      "is not supported (use client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1)",
  );
  rejects(
    exec("{ apiVersion: client.authentication.k8s.io/v1 }"),
    "kubeconfig /k/config: users[1].user.exec: command is required",
  );
  rejects(
    exec("{ apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: Sometimes }"),
    'kubeconfig /k/config: users[1].user.exec: interactiveMode must be Never, IfAvailable or Always, got "Sometimes"',
  );
  rejects(
    exec("{ apiVersion: client.authentication.k8s.io/v1, command: x, env: [{ value: v }] }"),
    "kubeconfig /k/config: users[1].user.exec.env[0]: name is required",
  );
  rejects(
    exec("{ apiVersion: client.authentication.k8s.io/v1, command: x, args: [[1]] }"),
    "kubeconfig /k/config: users[1].user.exec: args[0] must be a string, got a list",
  );
});
