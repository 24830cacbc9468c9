/**
 * One attempt of a request: its abort signal joins the caller's signal and a timeout
 * measured on the client's clock, and work raced against it is released if it loses.
 *
 * @module
 */
import type { Clock } from "../core/clock.ts";

/** One attempt's cancellation: the caller's signal, and the timeout by the client's clock. */
export class Attempt {
  readonly #controller = new AbortController();
  readonly #stopTimer = new AbortController();
  readonly #timeoutError: DOMException;
  readonly signal: AbortSignal;
  timedOut = false;

  constructor(
    clock: Clock,
    timeoutMs: number,
    outer: AbortSignal | undefined,
    method: string,
    path: string,
  ) {
    this.#timeoutError = new DOMException(
      `${method} ${path} did not complete within ${timeoutMs} ms`,
      "TimeoutError",
    );
    this.signal = outer
      ? AbortSignal.any([outer, this.#controller.signal])
      : this.#controller.signal;
    if (timeoutMs > 0) {
      clock.sleep(timeoutMs, this.#stopTimer.signal).then(() => {
        this.timedOut = true;
        this.#controller.abort(this.#timeoutError);
      }, () => {});
    }
  }

  /** Settles with `work`, or rejects as soon as the attempt is aborted or times out. */
  run<T>(work: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (signal.aborted) {
      work.then(discard, () => {});
      return Promise.reject(signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        work.then(discard, () => {});
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  /** Stops the timer. */
  done(): void {
    this.#stopTimer.abort();
  }
}

/** Releases a result that arrived after its attempt was given up. */
function discard(value: unknown): void {
  if (value instanceof Response) void value.body?.cancel().catch(() => {});
}
