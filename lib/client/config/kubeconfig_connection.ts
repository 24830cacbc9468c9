/**
 * Turning a kubeconfig context into a {@linkcode ClusterConnection}: reading the files it
 * names and choosing the credential source.
 *
 * @module
 */
import type { Clock } from "../../core/clock.ts";
import type { ClusterConnection, CredentialSource } from "../connection.ts";
import {
  basicAuthCredentials,
  bearerTokenCredentials,
  TokenFileCredentials,
} from "./credentials.ts";
import { ConfigError } from "./errors.ts";
import { type CommandRunner, ExecCredentials } from "./exec_credentials.ts";
import type { Kubeconfig, KubeconfigCluster, KubeconfigUser } from "./kubeconfig.ts";
import { selectContext } from "./select_context.ts";
import { denoReadTextFile, readFile, type ReadTextFile } from "./_deno.ts";
import { assertPem, FieldError } from "./_fields.ts";

/** Options of {@linkcode kubeconfigConnection}. */
export interface KubeconfigConnectionOptions {
  /** The context to use instead of `current-context`. */
  context?: string | undefined;
  /** The namespace to use instead of the context's. */
  namespace?: string | undefined;
  /** The clock for token rotation and exec credential expiry (default: the real clock). */
  clock?: Clock | undefined;
  /** Reads the CA, certificate, key and token files (default `Deno.readTextFile`). */
  readTextFile?: ReadTextFile | undefined;
  /** Runs exec credential plugins (default `Deno.Command`). */
  runCommand?: CommandRunner | undefined;
}

/**
 * Builds the connection of a kubeconfig context, with client-go's rules: `*-data` fields
 * win over the matching files; `tokenFile` wins over `token` and is re-read every minute;
 * a token, basic auth or a client certificate take precedence over an `exec` plugin,
 * which runs lazily on the first request; token and basic auth together are an error,
 * as are a CA with `insecure-skip-tls-verify` and a certificate without a key. The
 * namespace is `namespace`, else the context's, else `default`.
 *
 * @param config A parsed (possibly merged) kubeconfig.
 * @param options Context and namespace overrides, clock, file reader, command runner.
 * @returns The connection.
 * @throws {ConfigError} Naming the file, the entry and the field at fault, or the
 * permission flag to add.
 *
 * @example A context with an embedded token
 * ```ts
 * import { kubeconfigConnection, parseKubeconfig } from "./mod.ts";
 * import { strict as assert } from "node:assert";
 *
 * const config = parseKubeconfig(`
 * clusters: [{ name: c, cluster: { server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true } }]
 * users: [{ name: u, user: { token: abc } }]
 * contexts: [{ name: x, context: { cluster: c, user: u, namespace: issuers } }]
 * current-context: x
 * `, "/k");
 * const connection = await kubeconfigConnection(config);
 * assert.equal(connection.server, "https://10.0.0.1:6443");
 * assert.equal(connection.insecureSkipTlsVerify, true);
 * assert.equal(connection.namespace, "issuers");
 * assert.equal(await connection.credentials?.authorization(), "Bearer abc");
 * ```
 */
export async function kubeconfigConnection(
  config: Kubeconfig,
  options: KubeconfigConnectionOptions = {},
): Promise<ClusterConnection> {
  const selected = selectContext(config, options.context);
  const { cluster, user } = selected;
  const read = options.readTextFile ?? denoReadTextFile;
  const server = serverUrl(cluster);
  const connection: ClusterConnection = {
    server,
    namespace: options.namespace || selected.context.namespace || "default",
  };
  const ca = cluster.certificateAuthorityData ??
    (cluster.certificateAuthority === undefined
      ? undefined
      : await readPem(read, "certificate authority", cluster.certificateAuthority));
  if (cluster.insecureSkipTlsVerify) {
    if (ca !== undefined) {
      throw new ConfigError(
        `kubeconfig ${cluster.file}: cluster ${JSON.stringify(cluster.name)} sets a certificate ` +
          `authority and insecure-skip-tls-verify; remove one (${cluster.field})`,
      );
    }
    connection.insecureSkipTlsVerify = true;
  }
  if (ca !== undefined) connection.caCertsPem = [ca];
  if (cluster.tlsServerName) connection.tlsServerName = cluster.tlsServerName;
  if (!user) return connection;

  const at = `kubeconfig ${user.file}: user ${JSON.stringify(user.name)}`;
  const cert = user.clientCertificateData ??
    (user.clientCertificate === undefined
      ? undefined
      : await readPem(read, "client certificate", user.clientCertificate));
  const key = user.clientKeyData ??
    (user.clientKey === undefined ? undefined : await readPem(read, "client key", user.clientKey));
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? "client-certificate" : "client-key";
    throw new ConfigError(
      `${at} has a client ${cert === undefined ? "key" : "certificate"} but no ` +
        `${missing} or ${missing}-data (${user.field})`,
    );
  }
  if (cert !== undefined && key !== undefined) {
    connection.clientCertPem = cert;
    connection.clientKeyPem = key;
  }
  const credentials = await credentialSource(user, at, cert !== undefined, {
    read,
    clock: options.clock,
    runCommand: options.runCommand,
    cluster,
    server,
    ca,
  });
  if (credentials) connection.credentials = credentials;
  return connection;
}

interface SourceContext {
  read: ReadTextFile;
  clock: Clock | undefined;
  runCommand: CommandRunner | undefined;
  cluster: KubeconfigCluster;
  server: string;
  ca: string | undefined;
}

async function credentialSource(
  user: KubeconfigUser,
  at: string,
  hasCert: boolean,
  ctx: SourceContext,
): Promise<CredentialSource | undefined> {
  const hasToken = user.token !== undefined || user.tokenFile !== undefined;
  const hasBasic = user.username !== undefined || user.password !== undefined;
  if (hasToken && hasBasic) {
    throw new ConfigError(
      `${at} sets both a token and basic auth (username/password); only one is allowed ` +
        `(${user.field})`,
    );
  }
  if (user.tokenFile !== undefined) {
    const source = new TokenFileCredentials(user.tokenFile, {
      readTextFile: (path) => readFile(ctx.read, "token file", path),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
    });
    await source.authorization(); // fail now, as client-go does, not on the first request
    return source;
  }
  if (user.token !== undefined) return bearerTokenCredentials(user.token);
  if (hasBasic) return basicAuthCredentials(user.username ?? "", user.password ?? "");
  if (hasCert) return undefined;
  if (user.exec) {
    return new ExecCredentials(user.exec, {
      user: user.name,
      cluster: {
        server: ctx.server,
        tlsServerName: ctx.cluster.tlsServerName,
        insecureSkipTlsVerify: ctx.cluster.insecureSkipTlsVerify,
        certificateAuthorityPem: ctx.ca,
      },
      ...(ctx.clock ? { clock: ctx.clock } : {}),
      ...(ctx.runCommand ? { run: ctx.runCommand } : {}),
    });
  }
  if (user.authProvider !== undefined) {
    throw new ConfigError(
      `${at} uses auth-provider ${JSON.stringify(user.authProvider)}, which is not supported; ` +
        `use an exec credential plugin instead (${user.field}.auth-provider)`,
    );
  }
  return undefined;
}

function serverUrl(cluster: KubeconfigCluster & { server: string }): string {
  // client-go accepts "host:port" and assumes https.
  const text = cluster.server.includes("://") ? cluster.server : `https://${cluster.server}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    url = new URL("invalid:");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(
      `kubeconfig ${cluster.file}: cluster ${JSON.stringify(cluster.name)} has an invalid ` +
        `server ${JSON.stringify(cluster.server)} (${cluster.field}.server)`,
    );
  }
  return text.replace(/\/+$/, "");
}

async function readPem(read: ReadTextFile, what: string, path: string): Promise<string> {
  const text = await readFile(read, what, path);
  try {
    assertPem(text, `${what} ${path}`);
  } catch (err) {
    if (err instanceof FieldError) throw new ConfigError(err.message);
    throw err;
  }
  return text;
}
