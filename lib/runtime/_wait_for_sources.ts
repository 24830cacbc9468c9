/**
 * A controller's wait for its sources' caches to sync, bounded by a timeout and cut short
 * by a stop (controller-runtime's `WaitForCacheSync` with `CacheSyncTimeout`).
 *
 * @module
 */
import type { Clock } from "../core/clock.ts";
import { abortPromise } from "./_controller_worker.ts";

/** What {@linkcode waitForSources} waits for. */
export interface WaitForSourcesOptions {
  /** The controller's name, for error messages. */
  name: string;
  /** Each source's `synced` promise. */
  sources: readonly Promise<void>[];
  /** A stop: the wait then resolves `false`. */
  signal: AbortSignal;
  clock: Clock;
  /** How long to wait; 0 waits forever. */
  timeoutMs: number;
}

/**
 * Waits until every source synced.
 *
 * @returns `true` once all synced, `false` when stopped first.
 * @throws {Error} When the timeout passes or a source stops before it synced.
 */
export async function waitForSources(options: WaitForSourcesOptions): Promise<boolean> {
  const { name, sources, signal, clock, timeoutMs } = options;
  if (sources.length === 0) return !signal.aborted;
  const stopped = abortPromise(signal);
  const timer = new AbortController();
  const timeout = timeoutMs > 0
    ? clock.sleep(timeoutMs, timer.signal).then(() => "timeout" as const)
    : new Promise<never>(() => {});
  timeout.catch(() => {});
  const synced = Promise.all(sources).then(
    () => ({ synced: true as const }),
    (error: unknown) => ({ synced: false as const, error }),
  );
  try {
    const first = await Promise.race([
      synced,
      timeout,
      stopped.promise.then(() => "stopped" as const),
    ]);
    if (first === "stopped" || signal.aborted) return false;
    if (first === "timeout") {
      throw new Error(`Controller ${name}: the sources did not sync within ${timeoutMs} ms`);
    }
    if (!first.synced) {
      throw new Error(`Controller ${name}: a source stopped before it synced`, {
        cause: first.error,
      });
    }
    return true;
  } finally {
    timer.abort();
    stopped.dispose();
  }
}
