/**
 * The fake API server as a standalone process, for `kubectl` and for programs under
 * test: `deno task apiserver --kubeconfig FILE [--port N]`.
 *
 * It serves HTTPS on 127.0.0.1 with a generated CA and an admin bearer token (kubectl
 * sends credentials only over HTTPS), writes a kubeconfig for it, logs one line per
 * request, and runs until SIGINT or SIGTERM.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { FakeApiServer } from "./fake_api_server.ts";

const USAGE = `Usage: deno task apiserver --kubeconfig FILE [options]

Starts the in-memory Kubernetes API server on 127.0.0.1 and writes a kubeconfig for it.

Options:
  --kubeconfig FILE   where to write the kubeconfig (required)
  --port N            port to listen on (default: any free port)
  --load FILE         create the objects in a YAML/JSON file at start (repeatable),
                      e.g. CustomResourceDefinitions
  --namespace NS      default namespace of the kubeconfig context (created if missing)
  --http              serve plain HTTP without authentication (kubectl then sends no token)
  --quiet             do not log requests
  -h, --help          show this help
`;

/** What the command line asked for. */
export interface ApiServerArgs {
  kubeconfig: string;
  port: number;
  load: string[];
  namespace: string | undefined;
  http: boolean;
  quiet: boolean;
}

/** A command-line mistake, reported with the usage text and exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Parses the command line.
 *
 * @param argv The arguments after the program name.
 * @returns The parsed arguments, or `"help"`.
 * @throws UsageError For unknown flags, a missing `--kubeconfig` or a bad port.
 */
export function parseApiServerArgs(argv: string[]): ApiServerArgs | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: "string" },
        port: { type: "string" },
        load: { type: "string", multiple: true },
        namespace: { type: "string" },
        http: { type: "boolean" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (!v.kubeconfig) throw new UsageError("--kubeconfig FILE is required");
  const port = v.port === undefined ? 0 : Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a number from 0 to 65535, got ${JSON.stringify(v.port)}`);
  }
  return {
    kubeconfig: v.kubeconfig,
    port,
    load: v.load ?? [],
    namespace: v.namespace,
    http: v.http ?? false,
    quiet: v.quiet ?? false,
  };
}

/**
 * Runs the standalone server until `signal` aborts.
 *
 * @param args The parsed command line.
 * @param signal Stops the server.
 * @param log Where log lines go.
 */
export async function runApiServer(
  args: ApiServerArgs,
  signal: AbortSignal,
  log: (line: string) => void = console.log,
): Promise<void> {
  const token = args.http ? undefined : crypto.randomUUID().replaceAll("-", "");
  const server = new FakeApiServer({
    ...(token ? { tokens: { [token]: { username: "admin", groups: ["system:masters"] } } } : {}),
    ...(args.namespace ? { namespaces: [args.namespace] } : {}),
  });
  for (const file of args.load) {
    const text = await Deno.readTextFile(file);
    const created = server.loadSync(text);
    log(`loaded ${created.length} object(s) from ${file}`);
  }
  if (!args.quiet) {
    server.requests.subscribe((r) => {
      const target = r.resource
        ? `${r.resource}${r.subresource ? `/${r.subresource}` : ""}${
          r.namespace ? ` ns=${r.namespace}` : ""
        }${r.name ? ` name=${r.name}` : ""}`
        : r.path;
      log(
        `${r.method} ${r.path}${
          r.query ? `?${r.query}` : ""
        } -> ${r.code} (${r.verb} ${target}) user=${r.user} ua=${JSON.stringify(r.userAgent)}`,
      );
    });
  }
  const listening = await server.listen({ port: args.port, tls: !args.http });
  const kubeconfig = listening.kubeconfig({
    ...(token ? { token } : {}),
    ...(args.namespace ? { namespace: args.namespace } : {}),
  });
  await Deno.writeTextFile(args.kubeconfig, kubeconfig, { mode: 0o600 });
  log(`fake kube-apiserver listening on ${listening.url}`);
  log(
    `kubeconfig written to ${args.kubeconfig}; try: kubectl --kubeconfig ${args.kubeconfig} get namespaces`,
  );
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  log("shutting down");
  await server.close();
}

if (import.meta.main) {
  let args: ApiServerArgs | "help";
  try {
    args = parseApiServerArgs(Deno.args);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\n\n${USAGE}`);
      Deno.exit(2);
    }
    throw e;
  }
  if (args === "help") {
    console.log(USAGE);
    Deno.exit(0);
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    await runApiServer(args, stop.signal);
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}
