/**
 * Turning SIGTERM and SIGINT into an `AbortSignal` (controller-runtime's
 * `SetupSignalHandler`), so a Kubernetes pod stop becomes a graceful shutdown.
 *
 * @module
 */

/** An abort signal tied to the process's termination signals; dispose it to stop listening. */
export interface TerminationSignal extends Disposable {
  /** Aborts on the first SIGTERM or SIGINT, with a reason naming the signal. */
  readonly signal: AbortSignal;
}

/** Options of {@linkcode signalOnTermination}. */
export interface SignalOnTerminationOptions {
  /** The OS signals to listen for (default SIGTERM and SIGINT; SIGTERM is skipped on Windows). */
  signals?: readonly Deno.Signal[];
  /**
   * Called on a second signal while the first one's shutdown runs (default: exit with
   * code 1 at once, as controller-runtime does).
   */
  onSecondSignal?: (signal: Deno.Signal) => void;
}

/**
 * Listens for SIGTERM and SIGINT: the first aborts {@linkcode TerminationSignal.signal},
 * which starts a graceful shutdown; a second one exits at once with code 1. Disposing the
 * handle removes the listeners (needs no permission).
 *
 * @param options The signals to listen for and what a second signal does.
 * @returns The signal, disposable.
 *
 * @example Stopping a manager on SIGTERM
 * ```ts
 * import { signalOnTermination } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * using termination = signalOnTermination();
 * // await manager.start(termination.signal);
 * assert.equal(termination.signal.aborted, false);
 * ```
 */
export function signalOnTermination(options: SignalOnTerminationOptions = {}): TerminationSignal {
  const signals = options.signals ??
    (Deno.build.os === "windows" ? ["SIGINT"] : ["SIGTERM", "SIGINT"]) as Deno.Signal[];
  const onSecond = options.onSecondSignal ?? (() => Deno.exit(1));
  const controller = new AbortController();
  const listeners: { name: Deno.Signal; listener: () => void }[] = [];
  const removeAll = () => {
    for (const { name, listener } of listeners.splice(0)) {
      Deno.removeSignalListener(name, listener);
    }
  };
  try {
    for (const name of signals) {
      const listener = () => {
        if (controller.signal.aborted) return onSecond(name);
        controller.abort(new DOMException(`Received ${name}: shutting down`, "AbortError"));
      };
      Deno.addSignalListener(name, listener);
      listeners.push({ name, listener });
    }
  } catch (error) {
    removeAll();
    throw error;
  }
  return { signal: controller.signal, [Symbol.dispose]: removeAll };
}
