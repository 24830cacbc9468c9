/**
 * Test helpers of the controller and the manager: a hand-driven event source, gates a
 * reconciler can wait on, and waiting for a condition by letting the event loop (and,
 * optionally, a fake clock) run.
 *
 * @module
 */
import type { KubeObject } from "../client/object.ts";
import type { InformerHandler } from "../cache/informer.ts";
import type { FakeClock } from "../testing/fake_clock.ts";
import type { WatchSource } from "./controller.ts";

/** An {@linkcode WatchSource} a test drives by hand. */
export class StubSource<T extends KubeObject = KubeObject> implements WatchSource<T> {
  readonly handlers = new Set<InformerHandler<T>>();
  readonly #synced = Promise.withResolvers<void>();

  constructor() {
    this.#synced.promise.catch(() => {});
  }

  get synced(): Promise<void> {
    return this.#synced.promise;
  }

  addHandler(handler: InformerHandler<T>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  markSynced(): void {
    this.#synced.resolve();
  }

  failSync(error: unknown): void {
    this.#synced.reject(error);
  }

  add(object: T): void {
    for (const h of this.handlers) h.onAdd?.(object);
  }

  update(old: T, object: T): void {
    for (const h of this.handlers) h.onUpdate?.(old, object);
  }

  delete(object: T): void {
    for (const h of this.handlers) h.onDelete?.(object);
  }
}

/** A ConfigMap-like object. */
export function object(name: string, resourceVersion = "1", namespace = "default"): KubeObject {
  return { metadata: { name, namespace, resourceVersion } };
}

/** A promise a test resolves by hand. */
export class Gate {
  readonly #inner = Promise.withResolvers<void>();
  opened = false;

  get promise(): Promise<void> {
    return this.#inner.promise;
  }

  open(): void {
    this.opened = true;
    this.#inner.resolve();
  }
}

/** Lets pending promise continuations and zero-delay tasks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setTimeout(r, 0));
}

/**
 * Waits until `condition` holds, letting the event loop run and, with `clock`, moving the
 * fake clock from sleep to sleep every fourth round. Fails naming `what`.
 */
export async function until(
  condition: () => boolean,
  what: string,
  options: { clock?: FakeClock; rounds?: number } = {},
): Promise<void> {
  const rounds = options.rounds ?? 400;
  for (let i = 0; i < rounds; i++) {
    if (condition()) return;
    if (options.clock && i % 4 === 3) await options.clock.runNext();
    else await settle(1);
  }
  if (!condition()) throw new Error(`until: ${what} did not happen within ${rounds} rounds`);
}
