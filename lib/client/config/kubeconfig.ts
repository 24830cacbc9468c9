/**
 * Parsing kubeconfig files (`apiVersion: v1`, `kind: Config`) into typed entries.
 *
 * @module
 */
import { dirname, isAbsolute, join } from "node:path";
import { ConfigError } from "./errors.ts";
import {
  bool,
  FieldError,
  type Fields,
  list,
  mapping,
  pemData,
  requiredString,
  string,
  strings,
} from "./_fields.ts";
import { parseYaml } from "./_yaml.ts";

/** Where an entry was defined, for error messages. */
export interface KubeconfigOrigin {
  /** The kubeconfig file. */
  readonly file: string;
  /** The entry's field in that file, such as `users[0].user`. */
  readonly field: string;
}

/** A `clusters[]` entry. Relative paths are already resolved against its file. */
export interface KubeconfigCluster extends KubeconfigOrigin {
  /** The entry's name. */
  readonly name: string;
  /** `server`: the API server URL. */
  readonly server?: string | undefined;
  /** `certificate-authority`: a CA bundle file. */
  readonly certificateAuthority?: string | undefined;
  /** `certificate-authority-data`, decoded to PEM. */
  readonly certificateAuthorityData?: string | undefined;
  /** `insecure-skip-tls-verify`. */
  readonly insecureSkipTlsVerify: boolean;
  /** `tls-server-name`. */
  readonly tlsServerName?: string | undefined;
  /** `proxy-url` (read, not used: Deno's `fetch` takes proxies from the environment). */
  readonly proxyUrl?: string | undefined;
}

/** The `client.authentication.k8s.io` versions of exec credential plugins supported. */
export type ExecApiVersion =
  | "client.authentication.k8s.io/v1"
  | "client.authentication.k8s.io/v1beta1";

/** A user's `exec` credential plugin. */
export interface ExecConfig {
  /** The `ExecCredential` version the plugin speaks. */
  readonly apiVersion: ExecApiVersion;
  /** The program; a relative path with a directory is resolved against the kubeconfig. */
  readonly command: string;
  /** Its arguments. */
  readonly args: readonly string[];
  /** Extra environment variables for it. */
  readonly env: readonly { readonly name: string; readonly value: string }[];
  /** Shown when the program is not installed. */
  readonly installHint?: string | undefined;
  /** Whether to pass the cluster in `KUBERNETES_EXEC_INFO`. */
  readonly provideClusterInfo: boolean;
  /** `Never`, `IfAvailable` or `Always`; plugins run without a terminal here. */
  readonly interactiveMode?: "Never" | "IfAvailable" | "Always" | undefined;
}

/** A `users[]` entry. Relative paths are already resolved against its file. */
export interface KubeconfigUser extends KubeconfigOrigin {
  /** The entry's name. */
  readonly name: string;
  /** `token`: a bearer token. */
  readonly token?: string | undefined;
  /** `tokenFile`: a file holding a bearer token, re-read as it rotates. */
  readonly tokenFile?: string | undefined;
  /** `username` for basic auth. */
  readonly username?: string | undefined;
  /** `password` for basic auth. */
  readonly password?: string | undefined;
  /** `client-certificate`: a PEM file. */
  readonly clientCertificate?: string | undefined;
  /** `client-certificate-data`, decoded to PEM. */
  readonly clientCertificateData?: string | undefined;
  /** `client-key`: a PEM file. */
  readonly clientKey?: string | undefined;
  /** `client-key-data`, decoded to PEM. */
  readonly clientKeyData?: string | undefined;
  /** `exec`: a credential plugin. */
  readonly exec?: ExecConfig | undefined;
  /** `auth-provider.name` (not supported; kept to say so). */
  readonly authProvider?: string | undefined;
}

/** A `contexts[]` entry. */
export interface KubeconfigContext extends KubeconfigOrigin {
  /** The entry's name. */
  readonly name: string;
  /** The cluster entry it uses. */
  readonly cluster?: string | undefined;
  /** The user entry it uses; none means anonymous. */
  readonly user?: string | undefined;
  /** Its default namespace. */
  readonly namespace?: string | undefined;
}

/** One kubeconfig file, or several merged. */
export interface Kubeconfig {
  /** The files it came from, in precedence order. */
  readonly files: readonly string[];
  /** Clusters by name. */
  readonly clusters: ReadonlyMap<string, KubeconfigCluster>;
  /** Users by name. */
  readonly users: ReadonlyMap<string, KubeconfigUser>;
  /** Contexts by name. */
  readonly contexts: ReadonlyMap<string, KubeconfigContext>;
  /** `current-context`. */
  readonly currentContext?: string | undefined;
}

/**
 * Parses one kubeconfig file. Unknown fields and `preferences` are ignored, as client-go
 * does; relative paths are resolved against the directory of `file`.
 *
 * @param text The file's YAML (or JSON).
 * @param file The file's path: resolves relative paths and prefixes error messages.
 * @returns The typed entries.
 * @throws {ConfigError} On malformed YAML or fields, naming the file and the field, such as
 * `kubeconfig /k: users[0].user: client-key-data is not valid base64`.
 *
 * @example Reading a kubeconfig
 * ```ts
 * import { parseKubeconfig } from "./mod.ts";
 * import { strict as assert } from "node:assert";
 *
 * const config = parseKubeconfig(`
 * clusters:
 * - name: prod
 *   cluster: { server: "https://10.0.0.1:6443", certificate-authority: ca.crt }
 * users:
 * - name: admin
 *   user: { token: s3cret }
 * contexts:
 * - name: prod
 *   context: { cluster: prod, user: admin, namespace: issuers }
 * current-context: prod
 * `, "/etc/kube/config");
 * assert.equal(config.currentContext, "prod");
 * assert.equal(config.clusters.get("prod")?.certificateAuthority, "/etc/kube/ca.crt");
 * assert.equal(config.users.get("admin")?.token, "s3cret");
 * ```
 */
export function parseKubeconfig(text: string, file: string): Kubeconfig {
  let tree: unknown;
  try {
    tree = parseYaml(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new ConfigError(`kubeconfig ${file}: invalid YAML: ${detail}`, { cause: err });
  }
  try {
    const top = mapping(tree, "the top level");
    const path = (p: string | undefined) => p === undefined ? p : resolvePath(file, p);
    return {
      files: [file],
      clusters: entries(top, "clusters", "cluster", (c, field, name) => ({
        name,
        file,
        field,
        server: string(c, "server", field),
        certificateAuthority: path(string(c, "certificate-authority", field)),
        certificateAuthorityData: pemData(c, "certificate-authority-data", field),
        insecureSkipTlsVerify: bool(c, "insecure-skip-tls-verify", field),
        tlsServerName: string(c, "tls-server-name", field),
        proxyUrl: string(c, "proxy-url", field),
      })),
      users: entries(top, "users", "user", (u, field, name) => ({
        name,
        file,
        field,
        token: string(u, "token", field),
        tokenFile: path(string(u, "tokenFile", field)),
        username: string(u, "username", field),
        password: string(u, "password", field),
        clientCertificate: path(string(u, "client-certificate", field)),
        clientCertificateData: pemData(u, "client-certificate-data", field),
        clientKey: path(string(u, "client-key", field)),
        clientKeyData: pemData(u, "client-key-data", field),
        exec: absent(u.exec) ? undefined : execConfig(u.exec, `${field}.exec`, file),
        authProvider: absent(u["auth-provider"]) ? undefined : requiredString(
          mapping(u["auth-provider"], `${field}.auth-provider`),
          "name",
          `${field}.auth-provider`,
        ),
      })),
      contexts: entries(top, "contexts", "context", (c, field, name) => ({
        name,
        file,
        field,
        cluster: string(c, "cluster", field),
        user: string(c, "user", field),
        namespace: string(c, "namespace", field),
      })),
      currentContext: string(top, "current-context", "the top level"),
    };
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    throw new ConfigError(`kubeconfig ${file}: ${err.message}`, { cause: err });
  }
}

const EXEC_VERSIONS: readonly string[] = [
  "client.authentication.k8s.io/v1",
  "client.authentication.k8s.io/v1beta1",
];
const INTERACTIVE_MODES: readonly string[] = ["Never", "IfAvailable", "Always"];

function absent(value: unknown): boolean {
  return value === undefined || value === null;
}

function execConfig(value: unknown, field: string, file: string): ExecConfig {
  const e = mapping(value, field);
  const apiVersion = requiredString(e, "apiVersion", field);
  if (!EXEC_VERSIONS.includes(apiVersion)) {
    throw new FieldError(
      `${field}: apiVersion ${JSON.stringify(apiVersion)} is not supported ` +
        `(use ${EXEC_VERSIONS.join(" or ")})`,
    );
  }
  const interactiveMode = string(e, "interactiveMode", field);
  if (interactiveMode !== undefined && !INTERACTIVE_MODES.includes(interactiveMode)) {
    throw new FieldError(
      `${field}: interactiveMode must be Never, IfAvailable or Always, got ${
        JSON.stringify(interactiveMode)
      }`,
    );
  }
  const command = requiredString(e, "command", field);
  return {
    apiVersion: apiVersion as ExecApiVersion,
    // client-go resolves a command with a directory part against the kubeconfig; a bare
    // name is looked up on PATH.
    command: /[\\/]/.test(command) ? resolvePath(file, command) : command,
    args: strings(e, "args", field),
    env: list(e, "env", field).map((item, i) => {
      const entry = mapping(item, `${field}.env[${i}]`);
      return {
        name: requiredString(entry, "name", `${field}.env[${i}]`),
        value: string(entry, "value", `${field}.env[${i}]`) ?? "",
      };
    }),
    installHint: string(e, "installHint", field),
    provideClusterInfo: bool(e, "provideClusterInfo", field),
    interactiveMode: interactiveMode as ExecConfig["interactiveMode"],
  };
}

function entries<T>(
  top: Fields,
  key: string,
  inner: string,
  build: (fields: Fields, field: string, name: string) => T,
): Map<string, T> {
  const out = new Map<string, T>();
  const seen = new Map<string, number>();
  list(top, key, "the top level").forEach((item, i) => {
    const entry = mapping(item, `${key}[${i}]`);
    const name = requiredString(entry, "name", `${key}[${i}]`);
    const first = seen.get(name);
    if (first !== undefined) {
      throw new FieldError(
        `${key}[${i}]: duplicate name ${JSON.stringify(name)} (also ${key}[${first}])`,
      );
    }
    seen.set(name, i);
    const field = `${key}[${i}].${inner}`;
    out.set(name, build(mapping(entry[inner], field), field, name));
  });
  return out;
}

/** Resolves `path` against the directory of the kubeconfig `file`, as client-go does. */
function resolvePath(file: string, path: string): string {
  return isAbsolute(path) ? path : join(dirname(file), path);
}
