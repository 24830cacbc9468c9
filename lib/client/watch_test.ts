import { strict as assert } from "node:assert";
import { isGone, KubeApiError } from "./kube_api_error.ts";
import type { KubeObject } from "./object.ts";
import { decodeWatchEvents, type WatchEvent, watchEvents } from "./watch.ts";
import { chunkStream } from "./_test_helpers.ts";

const line = (type: string, object: unknown) => JSON.stringify({ type, object }) + "\n";
const obj = (name: string, rv: string) => ({ metadata: { name, resourceVersion: rv } });

Deno.test("decodeWatchEvents yields typed events split and joined across chunks", async () => {
  const text = line("ADDED", obj("a", "1")) + line("MODIFIED", obj("a", "2")) +
    line("BOOKMARK", { metadata: { resourceVersion: "3" } }) + line("DELETED", obj("a", "4"));
  const chunks = [text.slice(0, 10), text.slice(10, 70), text.slice(70, 71), text.slice(71)];
  const source = chunkStream(chunks);
  const events: WatchEvent<KubeObject>[] = [];
  for await (const event of decodeWatchEvents(source.stream)) events.push(event);
  assert.deepEqual(events.map((e) => [e.type, e.object.metadata.resourceVersion]), [
    ["ADDED", "1"],
    ["MODIFIED", "2"],
    ["BOOKMARK", "3"],
    ["DELETED", "4"],
  ]);
  assert.equal(source.cancelled(), false);
});

Deno.test("an ERROR event throws a KubeApiError with the Status; 410 is isGone", async () => {
  const status = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    reason: "Expired",
    message: "too old resource version: 1 (5)",
    code: 410,
  };
  const source = chunkStream([line("ADDED", obj("a", "1")) + line("ERROR", status)], {
    endless: true,
  });
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (
        const e of decodeWatchEvents(source.stream, { method: "GET", path: "/api/v1/secrets" })
      ) seen.push(e.type);
    })(),
    (e: unknown) =>
      e instanceof KubeApiError && isGone(e) &&
      e.message === "GET /api/v1/secrets: 410 Expired: too old resource version: 1 (5)",
  );
  assert.deepEqual(seen, ["ADDED"]);
  assert.equal(source.cancelled(), true);
});

Deno.test("an ERROR event without a Status still throws a KubeApiError", async () => {
  const { stream } = chunkStream([line("ERROR", { message: "odd" })]);
  await assert.rejects(
    Array.fromAsync(decodeWatchEvents(stream)),
    (e: unknown) => e instanceof KubeApiError && e.code === 500 && /odd/.test(e.message),
  );
});

Deno.test("malformed events throw a SyntaxError naming what was wrong", async () => {
  const cases: [string, RegExp][] = [
    ["[1]\n", /expected an event object, got \[1\]/],
    [line("ADDED", null), /event "ADDED" has no object/],
    [line("SURPRISE", obj("a", "1")), /unknown event type "SURPRISE"/],
  ];
  for (const [text, pattern] of cases) {
    const source = chunkStream([text], { endless: true });
    await assert.rejects(Array.fromAsync(decodeWatchEvents(source.stream)), pattern);
    assert.equal(source.cancelled(), true, text);
  }
});

Deno.test("aborting ends the iteration quietly and cancels the stream", async () => {
  const source = chunkStream([line("ADDED", obj("a", "1"))], { endless: true });
  const stop = new AbortController();
  const seen: string[] = [];
  for await (const e of decodeWatchEvents(source.stream, { signal: stop.signal })) {
    seen.push(e.type);
    stop.abort();
  }
  assert.deepEqual(seen, ["ADDED"]);
  assert.equal(source.cancelled(), true);
});

Deno.test("aborting while waiting for the next event ends the iteration", async () => {
  const source = chunkStream([], { endless: true });
  const stop = new AbortController();
  const iterating = Array.fromAsync(decodeWatchEvents(source.stream, { signal: stop.signal }));
  for (let i = 0; i < 100 && source.pulls() === 0; i++) await Promise.resolve();
  assert.equal(source.pulls(), 1, "the watch is waiting on the stream");
  stop.abort(new Error("shutdown"));
  assert.deepEqual(await iterating, []);
  assert.equal(source.cancelled(), true);
});

Deno.test("an already-aborted signal yields nothing; breaking out cancels the stream", async () => {
  const first = chunkStream([line("ADDED", obj("a", "1"))], { endless: true });
  assert.deepEqual(
    await Array.fromAsync(decodeWatchEvents(first.stream, { signal: AbortSignal.abort() })),
    [],
  );
  assert.equal(first.cancelled(), true);
  const second = chunkStream([line("ADDED", obj("a", "1"))], { endless: true });
  for await (const _ of decodeWatchEvents(second.stream)) break;
  assert.equal(second.cancelled(), true);
});

Deno.test("watchEvents reads a stream of values, such as a stand-in client returns", async () => {
  const values = ReadableStream.from([{ type: "ADDED", object: obj("a", "1") }]);
  const events = await Array.fromAsync(watchEvents(values));
  assert.deepEqual(events, [{ type: "ADDED", object: obj("a", "1") }]);
});
