/**
 * Reads another Deno process's JavaScript heap through its inspector (`deno run
 * --inspect=127.0.0.1:PORT`): a full garbage collection, then the heap's used size.
 *
 * @module
 */

/** The used JS heap of the process whose inspector listens on `port`, after a full GC. */
export async function heapUsedAfterGc(port: number): Promise<number> {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as {
    webSocketDebuggerUrl: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`bench: no inspector target on port ${port}`);
  const ws = new WebSocket(url);
  const opened = Promise.withResolvers<void>();
  ws.onopen = () => opened.resolve();
  ws.onerror = () => opened.reject(new Error(`bench: cannot connect to ${url}`));
  await opened.promise;
  const pending = new Map<number, (result: Record<string, unknown>) => void>();
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data as string) as {
      id?: number;
      result?: Record<string, unknown>;
    };
    if (message.id !== undefined) pending.get(message.id)?.(message.result ?? {});
  };
  let id = 0;
  const send = (method: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      pending.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params: {} }));
    });
  try {
    await send("HeapProfiler.collectGarbage");
    await send("HeapProfiler.collectGarbage");
    const usage = await send("Runtime.getHeapUsage");
    return Number(usage.usedSize);
  } finally {
    const closed = Promise.withResolvers<void>();
    ws.onclose = () => closed.resolve();
    ws.close();
    await closed.promise;
  }
}
