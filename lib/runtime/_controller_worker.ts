/**
 * A controller's worker loop: take a key, reconcile it, act on the outcome as
 * controller-runtime's `reconcileHandler` does, record the metrics.
 *
 * @module
 */
import type { Logger } from "./logging.ts";
import type { Clock } from "../core/clock.ts";
import type { CounterChild, GaugeChild } from "./metrics.ts";
import type { HistogramChild } from "./histogram.ts";
import type { ControllerRuntimeMetrics } from "./controller_runtime_metrics.ts";
import type { WorkQueue } from "./work_queue.ts";
import {
  isReconcilePanic,
  isTerminalError,
  type Reconciler,
  type ReconcileResult,
} from "./reconciler.ts";

/** What a {@linkcode Worker} needs from its controller. */
export interface WorkerOptions<K> {
  name: string;
  reconcile: Reconciler<K>;
  queue: WorkQueue<K & NonNullable<unknown>>;
  clock: Clock;
  log: Logger;
  metrics: ControllerRuntimeMetrics;
  /** Aborts when the controller stops: errors caused by the stop are not reported as failures. */
  stopping: AbortSignal;
  reconcileTimeoutMs?: number;
}

type Outcome =
  | { kind: "result"; result: ReconcileResult | void }
  | { kind: "error"; error: unknown; panic: boolean };

/** The bound metric series of one controller. */
interface Series {
  success: CounterChild;
  error: CounterChild;
  requeueAfter: CounterChild;
  errors: CounterChild;
  terminal: CounterChild;
  panics: CounterChild;
  time: HistogramChild;
  active: GaugeChild;
}

/** Runs reconciles for one controller; each {@linkcode Worker.loop} call is one worker. */
export class Worker<K> {
  readonly #o: WorkerOptions<K>;
  readonly #series: Series;
  readonly #inFlight = new Map<K, AbortController>();

  constructor(options: WorkerOptions<K>) {
    this.#o = options;
    const m = options.metrics;
    const name = options.name;
    // controller-runtime creates every series at zero when a controller starts.
    this.#series = {
      success: m.reconcileTotal.labels(name, "success"),
      error: m.reconcileTotal.labels(name, "error"),
      requeueAfter: m.reconcileTotal.labels(name, "requeue_after"),
      errors: m.reconcileErrors.labels(name),
      terminal: m.terminalReconcileErrors.labels(name),
      panics: m.reconcilePanics.labels(name),
      time: m.reconcileTime.labels(name),
      active: m.activeWorkers.labels(name),
    };
    m.reconcileTotal.labels(name, "requeue");
  }

  /** The keys being reconciled now. */
  get inFlight(): K[] {
    return [...this.#inFlight.keys()];
  }

  /** Aborts the `ctx.signal` of every reconcile in flight. */
  abortAll(reason: unknown): void {
    for (const controller of this.#inFlight.values()) controller.abort(reason);
  }

  /**
   * Shuts the queue down and waits for the in-flight reconciles; once the grace period
   * is over, or `force` aborts, aborts their signals and waits for them to settle.
   */
  async drain(gracePeriodMs: number, force: AbortSignal): Promise<void> {
    const { queue, clock, log, name } = this.#o;
    const drained = queue.shutdownWithDrain().then(() => "drained" as const);
    const timer = new AbortController();
    const grace = clock.sleep(gracePeriodMs, timer.signal).then(
      () => "grace" as const,
      () => "drained" as const,
    );
    const forced = abortPromise(force);
    try {
      const first = await Promise.race([drained, grace, forced.promise.then(() => "forced")]);
      if (first === "drained") return;
      log.warning(
        first === "grace"
          ? "The grace period of {gracePeriodMs} ms is over: cancelling the reconciles of {keys}."
          : "Stopping at once: cancelling the reconciles of {keys}.",
        { gracePeriodMs, keys: this.inFlight.map(describeKey) },
      );
      this.abortAll(new DOMException(`Controller ${name} is shutting down`, "AbortError"));
      await drained;
    } finally {
      timer.abort();
      forced.dispose();
    }
  }

  /** Takes keys until the queue shuts down. */
  async loop(): Promise<void> {
    for (let key = await this.#o.queue.get(); key !== undefined; key = await this.#o.queue.get()) {
      try {
        await this.#process(key as K);
      } finally {
        this.#o.queue.done(key);
      }
    }
  }

  async #process(key: K): Promise<void> {
    const { clock, reconcileTimeoutMs } = this.#o;
    const log = this.#o.log.with({ key: describeKey(key), reconcileID: crypto.randomUUID() });
    const abort = new AbortController();
    this.#inFlight.set(key, abort);
    const timer = new AbortController();
    if (reconcileTimeoutMs) {
      clock.sleep(reconcileTimeoutMs, timer.signal).then(() =>
        abort.abort(
          new DOMException(
            `The reconcile of ${describeKey(key)} timed out after ${reconcileTimeoutMs} ms`,
            "TimeoutError",
          ),
        ), () => {});
    }
    this.#series.active.inc();
    const started = clock.now();
    let outcome: Outcome;
    try {
      outcome = await this.#call(key, { signal: abort.signal, log, clock });
    } finally {
      timer.abort();
      this.#inFlight.delete(key);
      this.#series.time.observe(Math.max(0, clock.now() - started) / 1000);
      this.#series.active.dec();
    }
    this.#handle(key, outcome, log);
  }

  /** Calls the reconciler; nothing it throws, synchronously or not, escapes. */
  async #call(key: K, ctx: Parameters<Reconciler<K>>[1]): Promise<Outcome> {
    let pending: Promise<ReconcileResult | void>;
    try {
      pending = this.#o.reconcile(key, ctx);
    } catch (error) {
      return { kind: "error", error, panic: !isTerminalError(error) };
    }
    try {
      const result = await pending;
      const ms = result?.requeueAfterMs;
      if (ms !== undefined && (typeof ms !== "number" || Number.isNaN(ms) || ms === Infinity)) {
        const error = new RangeError(
          `The reconciler returned requeueAfterMs ${String(ms)} for ${
            describeKey(key)
          }; it must be a finite number`,
        );
        return { kind: "error", error, panic: true };
      }
      return { kind: "result", result };
    } catch (error) {
      return { kind: "error", error, panic: isReconcilePanic(error) };
    }
  }

  #handle(key: K, outcome: Outcome, log: Logger): void {
    const { queue } = this.#o;
    const s = this.#series;
    if (outcome.kind === "error") {
      const { error, panic } = outcome;
      const terminal = isTerminalError(error);
      if (panic) s.panics.inc();
      s.errors.inc();
      s.error.inc();
      if (terminal) s.terminal.inc();
      else queue.addRateLimited(key as K & NonNullable<unknown>);
      if (this.#o.stopping.aborted && isAbort(error)) {
        log.info("The reconcile was cancelled by the shutdown.");
      } else if (panic) {
        log.error("Observed a panic in the reconciler; it will be retried: {error}", { error });
      } else if (terminal) {
        log.error("Reconciler error; it is terminal and will not be retried: {error}", { error });
      } else {
        log.error("Reconciler error; it will be retried with backoff: {error}", { error });
      }
      return;
    }
    const ms = outcome.result?.requeueAfterMs ?? 0;
    queue.forget(key as K & NonNullable<unknown>);
    if (ms > 0) {
      queue.addAfter(key as K & NonNullable<unknown>, ms);
      s.requeueAfter.inc();
      log.trace("Reconcile done; requeueing after {requeueAfterMs} ms.", { requeueAfterMs: ms });
    } else {
      s.success.inc();
      log.trace("Reconcile successful.");
    }
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

/** A key as text for logs: strings as they are, anything else as JSON. */
export function describeKey(key: unknown): string {
  if (typeof key === "string") return key;
  try {
    return JSON.stringify(key) ?? String(key);
  } catch {
    return String(key);
  }
}

/** A promise that resolves when `signal` aborts, and a way to drop its listener. */
export function abortPromise(signal: AbortSignal): { promise: Promise<void>; dispose(): void } {
  if (signal.aborted) return { promise: Promise.resolve(), dispose: () => {} };
  const { promise, resolve } = Promise.withResolvers<void>();
  const onAbort = () => resolve();
  signal.addEventListener("abort", onAbort, { once: true });
  return { promise, dispose: () => signal.removeEventListener("abort", onAbort) };
}
