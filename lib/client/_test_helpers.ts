/**
 * Test helpers: byte streams built from chunks that record whether they were
 * cancelled, a fake API server with a client on one fake clock, and a way to drive
 * the clock until some work settles.
 *
 * @module
 */
import { FakeApiServer } from "../testing/mod.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { KubeClient, type KubeClientOptions } from "./kube_client.ts";
import type { Transport } from "./transport.ts";

/** A byte stream of the given chunks that tells when it was cancelled or fully read. */
export function chunkStream(
  chunks: readonly (string | Uint8Array)[],
  options: { endless?: boolean } = {},
): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean; pulls: () => number } {
  const encoder = new TextEncoder();
  let index = 0;
  let cancelled = false;
  let pulls = 0;
  let parked: (() => void) | undefined;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++;
      const chunk = chunks[index++];
      if (chunk !== undefined) {
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
        return;
      }
      if (!options.endless) {
        controller.close();
        return;
      }
      return new Promise<void>((resolve) => parked = resolve);
    },
    cancel() {
      cancelled = true;
      parked?.();
    },
  }, { highWaterMark: 0 });
  return { stream, cancelled: () => cancelled, pulls: () => pulls };
}

/** Moves the clock from sleep to sleep until `work` settles. */
export async function drive<T>(clock: FakeClock, work: Promise<T>): Promise<T> {
  let settled = false;
  const watched = work.finally(() => settled = true);
  watched.catch(() => {});
  for (let i = 0; i < 50 && !settled; i++) await clock.runNext();
  return await watched;
}

/** A fake API server on a fake clock, and a client on the same clock that records requests. */
export function clientOnFake(options: KubeClientOptions = {}): {
  clock: FakeClock;
  server: FakeApiServer;
  client: KubeClient;
  seen: Request[];
} {
  const clock = new FakeClock(Date.UTC(2024, 0, 1));
  const server = new FakeApiServer({ clock });
  const seen: Request[] = [];
  const transport: Transport = (req) => {
    seen.push(req.clone());
    return server.fetch(req);
  };
  const client = new KubeClient("http://fake", transport, { clock, random: () => 0, ...options });
  return { clock, server, client, seen };
}

/** A Secret manifest. */
export function secret(name: string): {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  stringData: Record<string, string>;
} {
  return { apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: { k: "v" } };
}
