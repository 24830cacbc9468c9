/**
 * Decoding a streamed body of JSON values, one per line, as the API server writes watch
 * events: values split across chunks, several values in one chunk, `\r\n` line ends and
 * blank lines.
 *
 * @module
 */
import type { RestJsonValue } from "./rest_client.ts";

/**
 * Turns a byte stream of newline-delimited JSON into a stream of values. The result
 * pulls from `source` only when read, and cancelling it cancels `source` at once, so an
 * abandoned watch releases its connection.
 *
 * @param source The response body.
 * @returns A stream of the decoded values; it errors with a `SyntaxError` quoting the
 * line when a line is not JSON.
 *
 * @example Values split across chunks
 * ```ts
 * import { jsonLines } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const encoder = new TextEncoder();
 * const body = ReadableStream.from([encoder.encode('{"a":1}\n{"b"'), encoder.encode(':2}\n')]);
 * assert.deepEqual(await Array.fromAsync(jsonLines(body)), [{ a: 1 }, { b: 2 }]);
 * ```
 */
export function jsonLines(source: ReadableStream<Uint8Array>): ReadableStream<RestJsonValue> {
  const reader = source.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let start = 0; // where the next line begins in `buffer`
  let scanFrom = 0; // where to look for the next newline: everything before has none
  let done = false;
  const parse = (line: string): RestJsonValue => {
    try {
      return JSON.parse(line) as RestJsonValue;
    } catch (e) {
      const shown = line.length > 200 ? `${line.slice(0, 200)}…` : line;
      throw new SyntaxError(
        `jsonLines: a line of the stream is not JSON: ${JSON.stringify(shown)}`,
        { cause: e },
      );
    }
  };
  return new ReadableStream<RestJsonValue>({
    async pull(controller) {
      try {
        await next(controller);
      } catch (e) {
        await reader.cancel(e).catch(() => {});
        throw e;
      }
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });

  async function next(controller: ReadableStreamDefaultController<RestJsonValue>) {
    for (;;) {
      const newline = buffer.indexOf("\n", scanFrom);
      if (newline >= 0) {
        const line = buffer.slice(start, newline).trim();
        start = scanFrom = newline + 1;
        if (line === "") continue;
        controller.enqueue(parse(line));
        return;
      }
      scanFrom = buffer.length;
      if (done) {
        const rest = buffer.slice(start).trim();
        buffer = "";
        start = scanFrom = 0;
        if (rest !== "") controller.enqueue(parse(rest));
        controller.close();
        reader.releaseLock();
        return;
      }
      const chunk = await reader.read();
      const text = chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      done = chunk.done;
      buffer = buffer.slice(start) + text;
      scanFrom -= start;
      start = 0;
    }
  }
}
