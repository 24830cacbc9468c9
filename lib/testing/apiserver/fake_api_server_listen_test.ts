import { strict as assert } from "node:assert";
import { FakeApiServer } from "./fake_api_server.ts";

/** Waits until `done()` holds, polling every few milliseconds (at most 5 s). */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(done(), `timed out waiting for ${what}`);
}

Deno.test("listen: a watch over the socket ends when the client goes and when the listener closes", async () => {
  await using server = new FakeApiServer();
  const listening = await server.listen();
  const url = `${listening.url}/api/v1/namespaces/default/configmaps?watch=true`;

  // The client gives up: the server hears it and drops the watch.
  const gone = new AbortController();
  const first = await fetch(url, { signal: gone.signal });
  assert.equal(first.status, 200);
  await until(() => server.openWatches === 1, "the first watch");
  gone.abort();
  await first.body?.cancel().catch(() => {});
  await until(() => server.openWatches === 0, "the first watch to end");

  // Closing the listener ends the watches it serves, and settles.
  const second = await fetch(url);
  await until(() => server.openWatches === 1, "the second watch");
  await listening.close();
  await second.body?.cancel().catch(() => {}); // settles, whether the stream ended or broke
  assert.equal(server.openWatches, 0);
});

Deno.test("listen: serving over a socket prints nothing (no Deno.serve legacy-abort notice)", async () => {
  const module = new URL("./fake_api_server.ts", import.meta.url).href;
  const script = `
    import { FakeApiServer } from ${JSON.stringify(module)};
    const server = new FakeApiServer();
    const listening = await server.listen();
    const get = await fetch(listening.url + "/api/v1/namespaces");
    await get.text();
    const stop = new AbortController();
    const watch = await fetch(listening.url + "/api/v1/configmaps?watch=true", { signal: stop.signal });
    while (server.openWatches === 0) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    await watch.body?.cancel().catch(() => {});
    await server.close();
    console.log("served", get.status);
  `;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--quiet",
      "--config",
      new URL("../../../deno.json", import.meta.url).pathname,
      script,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  assert.equal(decoder.decode(stderr), "");
  assert.equal(decoder.decode(stdout), "served 200\n");
  assert.equal(code, 0);
});
