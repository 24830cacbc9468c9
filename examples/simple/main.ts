/**
 * The simple issuer's program: command-line flags in controller-runtime's style, logging,
 * the cluster connection, and `runIssuer` until SIGTERM or SIGINT.
 *
 * Exit codes: 0 after a graceful stop, 1 when the issuer fails or loses its leadership
 * (so the pod restarts and campaigns again), 2 for bad flags.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import {
  configureLogging,
  LeadershipLostError,
  loadConnection,
  type LogFormat,
  type LogLevel,
  parseGoDuration,
  runIssuer,
  signalOnTermination,
} from "@certkit/issuer-lib";
import { SimpleClusterIssuer, SimpleIssuer } from "./api.ts";
import { simpleSigner } from "./signer.ts";

/** The field manager of every status write, and the events' reporting controller. */
export const FIELD_MANAGER = "simpleissuer.simple.certkit.dev";
/** The Lease held by the leader (its Role in `deploy/rbac.yaml` names it). */
export const LEASE_NAME = "simple-issuer-leader-election";
/** Where SimpleClusterIssuers' Secrets are when neither the flag nor `POD_NAMESPACE` says. */
export const DEFAULT_CLUSTER_RESOURCE_NAMESPACE = "simple-issuer";
/** The most `--workers` accepted. */
export const MAX_WORKERS = 1000;

/** The program's settings, from its flags. */
export interface Flags {
  /** `--kubeconfig`: the kubeconfig file, instead of looking for one. */
  kubeconfig: string | undefined;
  /** `--context`: the kubeconfig context, instead of its current one. */
  context: string | undefined;
  /** `--cluster-resource-namespace`: where SimpleClusterIssuers' Secrets are. */
  clusterResourceNamespace: string;
  /** `--leader-elect`: run only while holding the Lease. */
  leaderElect: boolean;
  /** `--leader-election-namespace`: the Lease's namespace (default: the connection's). */
  leaderElectionNamespace: string | undefined;
  /** `--metrics-bind-address`: where `/metrics` is served; `0` for nowhere. */
  metricsBindAddress: string;
  /** `--health-probe-bind-address`: where `/healthz` and `/readyz` are served; `0` for nowhere. */
  healthProbeBindAddress: string;
  /** `--max-retry-duration`: how long ordinary signing errors are retried, in milliseconds. */
  maxRetryDurationMs: number;
  /** `--log-format`: `json` or `text` (default: text on a terminal, JSON lines otherwise). */
  logFormat: LogFormat | undefined;
  /** `--log-level`. */
  logLevel: LogLevel;
  /** `--workers`: how many requests (and issuers) each controller reconciles at once. */
  workers: number;
}

/** What {@linkcode parseFlags} found: the settings, or a request for help. */
export interface ParsedFlags {
  /** `-h` or `--help` was given: print {@linkcode USAGE} and exit 0. */
  help: boolean;
  /** The settings. */
  flags: Flags;
}

/** The environment variables the flags default from (read by `main`, not here). */
export interface FlagEnvironment {
  /** The pod's namespace (from the downward API): the default cluster resource namespace. */
  POD_NAMESPACE?: string | undefined;
}

/** A bad command line: the message says which flag and value, for the user. */
export class FlagError extends Error {
  /** Always `"FlagError"`. */
  override name = "FlagError";
}

/** The help text. */
export const USAGE = `Usage: simple-issuer [flags]

Signs cert-manager CertificateRequests and Kubernetes CertificateSigningRequests for
SimpleIssuers and SimpleClusterIssuers (simple.certkit.dev/v1alpha1), each with the CA in
the kubernetes.io/tls Secret its spec.secretName names.

Flags:
  --kubeconfig FILE
        The kubeconfig file. Default: $KUBECONFIG, else the pod's service account, else
        ~/.kube/config.
  --context NAME
        The kubeconfig context. Default: its current-context.
  --cluster-resource-namespace NAMESPACE
        Where the Secrets of SimpleClusterIssuers are. Default: $POD_NAMESPACE, else
        ${DEFAULT_CLUSTER_RESOURCE_NAMESPACE}.
  --leader-elect[=true|false]
        Run only while holding the Lease ${LEASE_NAME}, so that of several replicas
        one works. Default: false.
  --leader-election-namespace NAMESPACE
        The Lease's namespace. Default: the kubeconfig context's or the pod's namespace,
        else default.
  --metrics-bind-address ADDRESS
        Serve Prometheus /metrics at host:port or :port; 0 turns it off. Default: 0.
  --health-probe-bind-address ADDRESS
        Serve /healthz and /readyz at host:port or :port; 0 turns them off. Default: :8081.
  --max-retry-duration DURATION
        How long a request whose signing fails is retried, as a Go duration such as 30m or
        1h30m. Default: 1h.
  --workers N
        How many keys each controller reconciles at once (controller-runtime's
        MaxConcurrentReconciles), an integer from 1 to ${MAX_WORKERS}. Default: 1.
  --log-format json|text
        Default: text on a terminal, JSON lines otherwise.
  --log-level trace|debug|info|warning|error|fatal
        Default: info.
  -h, --help
        Show this help.
`;

const VALUE_FLAGS: readonly string[] = [
  "kubeconfig",
  "context",
  "cluster-resource-namespace",
  "leader-election-namespace",
  "metrics-bind-address",
  "health-probe-bind-address",
  "max-retry-duration",
  "log-format",
  "log-level",
  "workers",
];
const LOG_LEVELS: readonly string[] = ["trace", "debug", "info", "warning", "error", "fatal"];
const TRUE = ["1", "t", "T", "true", "TRUE", "True"];
const FALSE = ["0", "f", "F", "false", "FALSE", "False"];
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const BIND_ADDRESS = /^(?:\[[0-9a-fA-F:.]+\]|[^:[\]]*):(\d{1,5})$/;

function checkNamespace(flag: string, value: string): string {
  if (!NAMESPACE.test(value)) {
    throw new FlagError(
      `invalid value ${JSON.stringify(value)} for flag --${flag}: not a namespace name`,
    );
  }
  return value;
}

function checkBindAddress(flag: string, value: string): string {
  const port = BIND_ADDRESS.exec(value)?.[1];
  if (value !== "0" && !(port !== undefined && Number(port) <= 65535)) {
    throw new FlagError(
      `invalid value ${
        JSON.stringify(value)
      } for flag --${flag}: want host:port, :port, or 0 to turn it off`,
    );
  }
  return value;
}

/**
 * Parses the command line like Go's `flag` package: `--name value` or `--name=value`
 * (one dash works too), boolean flags as `--name` or `--name=false`; the last of a
 * repeated flag wins. Reads no environment and no files.
 *
 * @param args The arguments, such as `Deno.args`.
 * @param env The environment variables the defaults come from.
 * @returns The settings, and whether help was asked for.
 * @throws {FlagError} For an unknown flag, a missing or invalid value, or an argument
 *   that is not a flag.
 *
 * @example Flags of a Deployment
 * ```ts
 * import { parseFlags } from "./main.ts";
 * import { strict as assert } from "node:assert";
 *
 * const { flags } = parseFlags(["--leader-elect", "--max-retry-duration=30m"], {
 *   POD_NAMESPACE: "issuers",
 * });
 * assert.equal(flags.leaderElect, true);
 * assert.equal(flags.maxRetryDurationMs, 30 * 60_000);
 * assert.equal(flags.clusterResourceNamespace, "issuers");
 * ```
 */
export function parseFlags(args: readonly string[], env: FlagEnvironment = {}): ParsedFlags {
  const flags: Flags = {
    kubeconfig: undefined,
    context: undefined,
    clusterResourceNamespace: env.POD_NAMESPACE || DEFAULT_CLUSTER_RESOURCE_NAMESPACE,
    leaderElect: false,
    leaderElectionNamespace: undefined,
    metricsBindAddress: "0",
    healthProbeBindAddress: ":8081",
    maxRetryDurationMs: 60 * 60_000,
    logFormat: undefined,
    logLevel: "info",
    workers: 1,
  };
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const match = /^--?([a-z][a-z-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      throw new FlagError(`unexpected argument ${JSON.stringify(arg)}: every argument is a flag`);
    }
    const name = match[1] as string;
    let value = match[2];
    if (name === "h" || name === "help") {
      help = true;
      continue;
    }
    if (name === "leader-elect") {
      if (value !== undefined && !TRUE.includes(value) && !FALSE.includes(value)) {
        throw new FlagError(
          `invalid value ${JSON.stringify(value)} for flag --leader-elect: want true or false`,
        );
      }
      flags.leaderElect = value === undefined || TRUE.includes(value);
      continue;
    }
    if (!VALUE_FLAGS.includes(name)) {
      throw new FlagError(`flag provided but not defined: --${name}`);
    }
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) throw new FlagError(`flag needs an argument: --${name}`);
    }
    switch (name) {
      case "kubeconfig":
        flags.kubeconfig = value;
        break;
      case "context":
        flags.context = value;
        break;
      case "cluster-resource-namespace":
        flags.clusterResourceNamespace = checkNamespace(name, value);
        break;
      case "leader-election-namespace":
        flags.leaderElectionNamespace = checkNamespace(name, value);
        break;
      case "metrics-bind-address":
        flags.metricsBindAddress = checkBindAddress(name, value);
        break;
      case "health-probe-bind-address":
        flags.healthProbeBindAddress = checkBindAddress(name, value);
        break;
      case "max-retry-duration": {
        let ms: number;
        try {
          ms = parseGoDuration(value);
        } catch (error) {
          throw new FlagError(
            `invalid value ${JSON.stringify(value)} for flag --${name}: ${
              (error as Error).message
            }`,
          );
        }
        if (ms < 0) {
          throw new FlagError(
            `invalid value ${JSON.stringify(value)} for flag --${name}: must not be negative`,
          );
        }
        flags.maxRetryDurationMs = ms;
        break;
      }
      case "log-format":
        if (value !== "json" && value !== "text") {
          throw new FlagError(
            `invalid value ${JSON.stringify(value)} for flag --log-format: want json or text`,
          );
        }
        flags.logFormat = value;
        break;
      case "log-level":
        if (!LOG_LEVELS.includes(value)) {
          throw new FlagError(
            `invalid value ${JSON.stringify(value)} for flag --log-level: want one of ${
              LOG_LEVELS.join(", ")
            }`,
          );
        }
        flags.logLevel = value as LogLevel;
        break;
      case "workers": {
        const workers = /^\d+$/.test(value) ? Number(value) : NaN;
        if (!(workers >= 1 && workers <= MAX_WORKERS)) {
          throw new FlagError(
            `invalid value ${
              JSON.stringify(value)
            } for flag --workers: want a whole number from 1 to ${MAX_WORKERS}`,
          );
        }
        flags.workers = workers;
        break;
      }
    }
  }
  return { help, flags };
}

/** The seams of {@linkcode main}, for tests. */
export interface MainOptions {
  /** Reads an environment variable (default `Deno.env.get`). */
  env?: (name: string) => string | undefined;
  /** Writes a log line (default: standard error). */
  writeLog?: (line: string) => void;
  /** Runs the issuer (default `runIssuer`). */
  runIssuer?: typeof runIssuer;
}

/**
 * Runs the simple issuer until SIGTERM or SIGINT (a second signal exits at once).
 *
 * Deno permissions: `--allow-net` (the API server and the listen addresses),
 * `--allow-read` (the kubeconfig, or the pod's service account directory),
 * `--allow-env=KUBECONFIG,HOME,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT,POD_NAMESPACE`
 * and `--allow-sys=hostname` (the leader election identity): see the `example` task.
 *
 * @param args The command line.
 * @param options Test seams.
 * @returns The exit code: 0 after a graceful stop, 1 on failure or lost leadership, 2 for
 *   bad flags.
 */
export async function main(args: readonly string[], options: MainOptions = {}): Promise<number> {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  let parsed: ParsedFlags;
  try {
    parsed = parseFlags(args, { POD_NAMESPACE: env("POD_NAMESPACE") });
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    console.error(`simple-issuer: ${error.message}\nRun simple-issuer --help to see the flags.`);
    return 2;
  }
  if (parsed.help) {
    console.log(USAGE.trimEnd());
    return 0;
  }
  const { flags } = parsed;

  await using _logging = await configureLogging({
    level: flags.logLevel,
    ...(flags.logFormat ? { format: flags.logFormat } : {}),
    ...(options.writeLog ? { write: options.writeLog } : {}),
  });
  const log = getLogger(["simple-issuer"]);
  using termination = signalOnTermination();
  try {
    const connection = await loadConnection({
      kubeconfig: flags.kubeconfig,
      context: flags.context,
      env,
    });
    log.info("Starting the simple issuer for {server}.", {
      server: connection.server,
      clusterResourceNamespace: flags.clusterResourceNamespace,
      leaderElect: flags.leaderElect,
      workers: flags.workers,
    });
    await (options.runIssuer ?? runIssuer)({
      issuerTypes: [SimpleIssuer, SimpleClusterIssuer],
      fieldManager: FIELD_MANAGER,
      ...simpleSigner({ clusterResourceNamespace: flags.clusterResourceNamespace }),
      maxRetryDurationMs: flags.maxRetryDurationMs,
      workers: flags.workers,
      connection,
      signal: termination.signal,
      leaderElection: flags.leaderElect && {
        name: LEASE_NAME,
        ...(flags.leaderElectionNamespace ? { namespace: flags.leaderElectionNamespace } : {}),
      },
      metricsAddress: flags.metricsBindAddress,
      healthProbeAddress: flags.healthProbeBindAddress,
    });
    log.info("The simple issuer has stopped.");
    return 0;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof LeadershipLostError) {
      log.error(
        "Exiting with code 1: leadership was lost, so another replica may be signing now: {reason}",
        { reason },
      );
    } else {
      log.error("Exiting with code 1: the simple issuer failed: {reason}", { reason });
    }
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
