/**
 * Reading a child process's output line by line in tests, waiting for a line instead of
 * sleeping.
 *
 * @module
 */

/** A line reader over a process's output that keeps everything it read. */
export class Lines {
  readonly all: string[] = [];
  #buffer = "";
  #waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.#buffer += chunk;
        let nl: number;
        while ((nl = this.#buffer.indexOf("\n")) >= 0) {
          this.#line(this.#buffer.slice(0, nl));
          this.#buffer = this.#buffer.slice(nl + 1);
        }
      }
      if (this.#buffer) this.#line(this.#buffer);
    })();
  }

  #line(line: string): void {
    this.all.push(line);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.test(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  /** Resolves with the first line (already read or still to come) that passes `test`. */
  next(test: (line: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    const seen = this.all.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    const { promise, resolve, reject } = Promise.withResolvers<string>();
    const timer = setTimeout(() => {
      this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
      reject(
        new Error(`no line with ${what} within ${timeoutMs} ms; got:\n${this.all.join("\n")}`),
      );
    }, timeoutMs);
    const done = (line: string) => {
      clearTimeout(timer);
      resolve(line);
    };
    this.#waiters.push({ test, resolve: done });
    this.done.then(() => {
      if (this.#waiters.some((w) => w.resolve === done)) {
        clearTimeout(timer);
        reject(new Error(`output ended without ${what}; got:\n${this.all.join("\n")}`));
      }
    });
    return promise;
  }
}
