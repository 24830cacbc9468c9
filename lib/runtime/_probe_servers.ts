/**
 * The manager's HTTP servers: probes and metrics on their own addresses, or on one
 * server when both addresses are the same fixed port.
 *
 * @module
 */
import { type ProbeChecks, type ProbeServer, startProbeServer } from "./health_server.ts";
import type { Registry } from "./registry.ts";
import type { BindAddress } from "./_bind_address.ts";

/** What to serve where. */
export interface ProbeServersOptions {
  probes: BindAddress | undefined;
  metrics: BindAddress | undefined;
  checks: ProbeChecks;
  registry: Registry;
  /** Stops every server. */
  signal: AbortSignal;
}

/** The servers started. */
export interface ProbeServerSet {
  probeAddr?: Deno.NetAddr;
  metricsAddr?: Deno.NetAddr;
  /** Resolves once every server has stopped. */
  finished: Promise<void>;
  /** Why a server could not start; the others were stopped (await `finished`). */
  error?: unknown;
}

/**
 * Starts the servers synchronously, so their addresses are known at once.
 *
 * @param options The addresses, checks, registry and stop signal.
 * @returns The addresses, or the error of a server that could not start.
 */
export function startProbeServers(options: ProbeServersOptions): ProbeServerSet {
  const { probes, metrics, checks, registry } = options;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (options.signal.aborted) onAbort();
  options.signal.addEventListener("abort", onAbort, { once: true });
  const servers: ProbeServer[] = [];
  const set: ProbeServerSet = { finished: Promise.resolve() };
  const shared = probes !== undefined && metrics !== undefined && probes.port !== 0 &&
    probes.hostname === metrics.hostname && probes.port === metrics.port;
  try {
    if (probes) {
      const withMetrics = shared ? { registry } : {};
      const server = startProbeServer({ ...probes, signal: stop.signal, checks, ...withMetrics });
      servers.push(server);
      set.probeAddr = server.addr;
      if (shared) set.metricsAddr = server.addr;
    }
    if (metrics && !shared) {
      const server = startProbeServer({ ...metrics, signal: stop.signal, registry });
      servers.push(server);
      set.metricsAddr = server.addr;
    }
  } catch (error) {
    set.error = error;
    stop.abort();
  }
  set.finished = Promise.all(servers.map((s) => s.finished)).then(() => {
    options.signal.removeEventListener("abort", onAbort);
  });
  return set;
}
