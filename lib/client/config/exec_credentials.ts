/**
 * `exec` credential plugins (`client.authentication.k8s.io/v1` and `v1beta1`): run a
 * program that prints an `ExecCredential`, and cache it until it expires.
 *
 * @module
 */
import type { Clock } from "../../core/clock.ts";
import { systemClock } from "../../core/clock.ts";
import { parseTime } from "../../core/time.ts";
import type { CredentialSource } from "../connection.ts";
import { ConfigError } from "./errors.ts";
import type { ExecConfig } from "./kubeconfig.ts";
import { base64Utf8 } from "./_base64.ts";
import { describe, type Fields } from "./_fields.ts";

/** What a plugin needs to know about the cluster when `provideClusterInfo` is set. */
export interface ExecClusterInfo {
  /** The API server URL. */
  server: string;
  /** The name to verify the server certificate against. */
  tlsServerName?: string | undefined;
  /** Whether server certificate verification is skipped. */
  insecureSkipTlsVerify?: boolean | undefined;
  /** The cluster's CA bundle (PEM). */
  certificateAuthorityPem?: string | undefined;
}

/** The outcome of running a program. */
export interface CommandOutput {
  /** The exit code. */
  code: number;
  /** Standard output, as text. */
  stdout: string;
  /** Standard error, as text. */
  stderr: string;
}

/**
 * Runs a program with extra environment variables added to the inherited ones (default:
 * `Deno.Command` with stdin closed).
 */
export type CommandRunner = (
  command: string,
  options: { args: readonly string[]; env: Record<string, string>; signal?: AbortSignal },
) => Promise<CommandOutput>;

/** Options of {@linkcode ExecCredentials}. */
export interface ExecCredentialsOptions {
  /** The clock that decides when a credential has expired (default: the real clock). */
  clock?: Clock;
  /** The kubeconfig user the plugin belongs to, for error messages. */
  user?: string;
  /** The cluster, passed to the plugin in `KUBERNETES_EXEC_INFO` when it asks for it. */
  cluster?: ExecClusterInfo;
  /** How the program is run (default `Deno.Command`). */
  run?: CommandRunner;
}

/** A credential an exec plugin returned (`ExecCredential.status`). */
export interface ExecCredential {
  /** `status.token`. */
  token?: string | undefined;
  /** `status.clientCertificateData` (PEM). */
  clientCertificatePem?: string | undefined;
  /** `status.clientKeyData` (PEM). */
  clientKeyPem?: string | undefined;
  /** `status.expirationTimestamp`, in milliseconds since the epoch; none means no expiry. */
  expiresAt?: number | undefined;
}

const runWithDeno: CommandRunner = async (command, { args, env, signal }) => {
  const output = await new Deno.Command(command, {
    args: [...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(signal ? { signal } : {}),
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
};

/**
 * Credentials from an `exec` plugin, as kubectl runs them for EKS, GKE, AKS or OIDC
 * logins. The program runs on first use with the kubeconfig's `args` and `env` plus
 * `KUBERNETES_EXEC_INFO`; its `ExecCredential` is reused until `expirationTimestamp`
 * and the program runs again after that or after {@linkcode ExecCredentials.invalidate}.
 * Concurrent callers share one run (it is killed if the first caller's signal aborts).
 *
 * A plugin may return a client certificate and key instead of (or besides) a token. A
 * `Deno.HttpClient` fixes its certificate when created, so those are not part of the
 * `Authorization` header: {@linkcode ExecCredentials.clientCertificate} returns them,
 * and a transport that supports it must create a new HTTP client when they change.
 *
 * Deno permissions: `--allow-run=<command>`; the plugin inherits the environment
 * without `--allow-env`.
 *
 * @example A plugin that prints a token
 * ```ts
 * import { ExecCredentials } from "./mod.ts";
 * import { strict as assert } from "node:assert";
 *
 * const source = new ExecCredentials({
 *   apiVersion: "client.authentication.k8s.io/v1",
 *   command: "get-token",
 *   args: [],
 *   env: [],
 *   provideClusterInfo: false,
 * }, {
 *   // A stand-in for running the program.
 *   run: () => Promise.resolve({
 *     code: 0,
 *     stderr: "",
 *     stdout: JSON.stringify({
 *       apiVersion: "client.authentication.k8s.io/v1",
 *       kind: "ExecCredential",
 *       status: { token: "t0ken" },
 *     }),
 *   }),
 * });
 * assert.equal(await source.authorization(), "Bearer t0ken");
 * ```
 */
export class ExecCredentials implements CredentialSource {
  /** The plugin configuration. */
  readonly config: ExecConfig;
  #clock: Clock;
  #user: string | undefined;
  #cluster: ExecClusterInfo | undefined;
  #run: CommandRunner;
  #cached: ExecCredential | undefined;
  #running: Promise<ExecCredential> | undefined;

  /**
   * Creates the source; the plugin first runs on the first call.
   *
   * @param config The kubeconfig `exec` entry.
   * @param options Clock, user name, cluster information and a command runner.
   * @throws {ConfigError} When `interactiveMode` is `Always`: there is no terminal.
   */
  constructor(config: ExecConfig, options: ExecCredentialsOptions = {}) {
    this.config = config;
    this.#clock = options.clock ?? systemClock;
    this.#user = options.user;
    this.#cluster = options.cluster;
    this.#run = options.run ?? runWithDeno;
    if (config.interactiveMode === "Always") {
      throw new ConfigError(
        `${this.#what()} needs a terminal (interactiveMode: Always); set interactiveMode ` +
          "to IfAvailable or Never, or use another credential",
      );
    }
  }

  /**
   * `Bearer <token>` from the plugin, or `undefined` when it returned only a client
   * certificate.
   *
   * @param signal Kills the plugin if it is still running.
   * @throws {ConfigError} When the plugin is missing, not permitted, fails or prints
   * something that is not a valid `ExecCredential`.
   */
  async authorization(signal?: AbortSignal): Promise<string | undefined> {
    const { token } = await this.credential(signal);
    return token === undefined ? undefined : `Bearer ${token}`;
  }

  /**
   * The client certificate and key the plugin returned, if any; a transport must build
   * a new `Deno.HttpClient` when they change.
   *
   * @param signal Kills the plugin if it is still running.
   */
  async clientCertificate(
    signal?: AbortSignal,
  ): Promise<{ certPem: string; keyPem: string } | undefined> {
    const { clientCertificatePem: certPem, clientKeyPem: keyPem } = await this.credential(signal);
    return certPem && keyPem ? { certPem, keyPem } : undefined;
  }

  /**
   * The current credential: the cached one until it expires, else a fresh run.
   *
   * @param signal Kills the plugin if it is still running.
   */
  async credential(signal?: AbortSignal): Promise<ExecCredential> {
    signal?.throwIfAborted();
    const cached = this.#cached;
    if (cached && (cached.expiresAt === undefined || this.#clock.now() < cached.expiresAt)) {
      return cached;
    }
    this.#running ??= this.#execute(signal).finally(() => this.#running = undefined);
    return await this.#running;
  }

  /** Drops the cached credential: the next call runs the plugin again. */
  invalidate(): void {
    this.#cached = undefined;
  }

  #what(): string {
    const user = this.#user === undefined ? "" : ` of user ${JSON.stringify(this.#user)}`;
    return `exec plugin ${JSON.stringify(this.config.command)}${user}`;
  }

  async #execute(signal: AbortSignal | undefined): Promise<ExecCredential> {
    const { apiVersion, command, args } = this.config;
    const spec: Fields = { interactive: false };
    if (this.config.provideClusterInfo && this.#cluster) spec.cluster = clusterInfo(this.#cluster);
    const env: Record<string, string> = {};
    for (const { name, value } of this.config.env) env[name] = value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion, kind: "ExecCredential", spec });
    let output: CommandOutput;
    try {
      output = await this.#run(command, { args, env, ...(signal ? { signal } : {}) });
    } catch (err) {
      throw this.#spawnError(err);
    }
    if (output.code !== 0) {
      const stderr = output.stderr.trim().slice(-1000);
      throw new ConfigError(
        `${this.#what()} failed with exit code ${output.code}` + (stderr ? `: ${stderr}` : ""),
      );
    }
    const credential = this.#parse(output.stdout);
    this.#cached = credential;
    return credential;
  }

  #spawnError(err: unknown): unknown {
    if (err instanceof Deno.errors.NotCapable) {
      const flag = `--allow-run=${this.config.command}`;
      return new ConfigError(
        `cannot run ${this.#what()}: Deno's run permission is missing (run with ${flag})`,
        { cause: err, permissionFlag: flag },
      );
    }
    if (err instanceof Deno.errors.NotFound) {
      const hint = this.config.installHint?.trim();
      return new ConfigError(
        `${this.#what()} was not found; is it installed and on PATH?` + (hint ? `\n${hint}` : ""),
        { cause: err },
      );
    }
    if (err instanceof Deno.errors.PermissionDenied) {
      return new ConfigError(`${this.#what()} is not executable`, { cause: err });
    }
    return err;
  }

  #parse(stdout: string): ExecCredential {
    const fail = (detail: string) =>
      new ConfigError(`${this.#what()} returned an invalid ExecCredential: ${detail}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(stdout);
    } catch {
      throw fail(`stdout is not JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw fail(`expected a JSON object, got ${describe(parsed)}`);
    }
    const body = parsed as Fields;
    if (body.kind !== "ExecCredential") throw fail(`kind is ${describe(body.kind)}`);
    if (body.apiVersion !== this.config.apiVersion) {
      throw fail(
        `apiVersion is ${describe(body.apiVersion)}, but the kubeconfig asks for ` +
          JSON.stringify(this.config.apiVersion),
      );
    }
    const status = body.status;
    if (typeof status !== "object" || status === null || Array.isArray(status)) {
      throw fail("status is missing");
    }
    const s = status as Fields;
    const text = (key: string): string | undefined => {
      const value = s[key];
      if (value === undefined || value === null || value === "") return undefined;
      if (typeof value !== "string") throw fail(`status.${key} must be a string`);
      return value;
    };
    const token = text("token");
    const clientCertificatePem = text("clientCertificateData");
    const clientKeyPem = text("clientKeyData");
    if ((clientCertificatePem === undefined) !== (clientKeyPem === undefined)) {
      throw fail("status has only one of clientCertificateData and clientKeyData");
    }
    if (token === undefined && clientCertificatePem === undefined) {
      throw fail("status has neither a token nor clientCertificateData and clientKeyData");
    }
    const expiry = text("expirationTimestamp");
    const expiresAt = expiry === undefined ? undefined : parseTime(expiry);
    if (expiry !== undefined && expiresAt === undefined) {
      throw fail(`status.expirationTimestamp is not RFC 3339: ${JSON.stringify(expiry)}`);
    }
    return { token, clientCertificatePem, clientKeyPem, expiresAt };
  }
}

function clusterInfo(cluster: ExecClusterInfo): Fields {
  const info: Fields = { server: cluster.server };
  if (cluster.tlsServerName) info["tls-server-name"] = cluster.tlsServerName;
  if (cluster.insecureSkipTlsVerify) info["insecure-skip-tls-verify"] = true;
  if (cluster.certificateAuthorityPem) {
    info["certificate-authority-data"] = base64Utf8(cluster.certificateAuthorityPem);
  }
  return info;
}
