import { strict as assert } from "node:assert";
import { jsonLines } from "./json_lines.ts";
import { chunkStream } from "./_test_helpers.ts";

Deno.test("jsonLines joins values split across chunks and splits chunks with several", async () => {
  const { stream } = chunkStream(['{"a":', '1}\n{"b":2}\n{"c"', ":3}\n"]);
  assert.deepEqual(await Array.fromAsync(jsonLines(stream)), [{ a: 1 }, { b: 2 }, { c: 3 }]);
});

Deno.test("jsonLines handles CRLF, blank lines and a last line without newline", async () => {
  const { stream } = chunkStream(['{"a":1}\r\n\n  \n', '{"b":2}']);
  assert.deepEqual(await Array.fromAsync(jsonLines(stream)), [{ a: 1 }, { b: 2 }]);
});

Deno.test("jsonLines decodes UTF-8 characters split between chunks", async () => {
  const bytes = new TextEncoder().encode('{"name":"zürich-✓"}\n');
  const cut = bytes.indexOf(0xc3) + 1; // inside "ü"
  const { stream } = chunkStream([bytes.slice(0, cut), bytes.slice(cut)]);
  assert.deepEqual(await Array.fromAsync(jsonLines(stream)), [{ name: "zürich-✓" }]);
});

Deno.test("jsonLines reads from the source only as values are asked for", async () => {
  const source = chunkStream(['{"a":1}\n', '{"b":2}\n'], { endless: true });
  const reader = jsonLines(source.stream).getReader();
  assert.deepEqual(await reader.read(), { done: false, value: { a: 1 } });
  assert.equal(source.pulls(), 1);
  await reader.cancel();
  assert.equal(source.cancelled(), true);
});

Deno.test("jsonLines errors with the line quoted, and cancels the source", async () => {
  const source = chunkStream(['{"a":1}\nnot json\n'], { endless: true });
  await assert.rejects(
    Array.fromAsync(jsonLines(source.stream)),
    (e: unknown) =>
      e instanceof SyntaxError &&
      e.message.includes('a line of the stream is not JSON: "not json"'),
  );
  assert.equal(source.cancelled(), true);
});
