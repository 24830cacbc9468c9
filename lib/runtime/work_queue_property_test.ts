// Property tests pinning the work queue's contract (style principle 7): random
// interleavings of add/addAfter/addRateLimited/get/done/forget/advance on a fake clock,
// checked step by step against a small model.
//
// The clock here is a microtask-only fake: the testing FakeClock lets work settle with
// real `setTimeout(0)` turns, which made these runs take ~13 s of wall time for <1 s of
// CPU and tied their pace to the machine's load. Nothing below waits on a real timer, so
// a run is the same sequence of steps however busy the machine is.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { Clock } from "../core/clock.ts";
import { ExponentialFailureRateLimiter } from "./rate_limiter.ts";
import { WorkQueue } from "./work_queue.ts";

const KEYS = ["a", "b", "c", "d"] as const;
type Key = typeof KEYS[number];
const BASE_MS = 5;
const MAX_MS = 1000;

type Op =
  | { op: "add"; key: Key }
  | { op: "addAfter"; key: Key; ms: number }
  | { op: "addRateLimited"; key: Key }
  | { op: "forget"; key: Key }
  | { op: "get" }
  | { op: "abortGet" }
  | { op: "done"; pick: number }
  | { op: "advance"; ms: number };

interface Sleeper {
  deadline: number;
  wake: () => void;
}

/**
 * A fake clock that settles with microtask turns only: `sleep` waits for `advance`, which
 * wakes sleepers in deadline order and lets each one's continuations run before moving on.
 */
class MicrotaskClock implements Clock {
  #now = 0;
  #sleepers: Sleeper[] = [];

  now(): number {
    return this.#now;
  }

  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const sleeper = {
        deadline: this.#now + Math.max(0, ms),
        wake: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      let next: Sleeper | undefined;
      for (const s of this.#sleepers) {
        if (!next || s.deadline < next.deadline) next = s; // pushed in seq order: ties keep the first
      }
      if (!next || next.deadline > target) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== next);
      this.#now = Math.max(this.#now, next.deadline);
      next.wake();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

const key = fc.constantFrom(...KEYS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("add" as const), key }),
  fc.record({ op: fc.constant("addAfter" as const), key, ms: fc.integer({ min: -5, max: 2000 }) }),
  fc.record({ op: fc.constant("addRateLimited" as const), key }),
  fc.record({ op: fc.constant("forget" as const), key }),
  fc.record({ op: fc.constant("get" as const) }),
  fc.record({ op: fc.constant("abortGet" as const) }),
  fc.record({ op: fc.constant("done" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 1500 }) }),
);

/** Drives a queue and a model of what it owes, asserting after every step. */
class Harness {
  readonly clock = new MicrotaskClock();
  readonly queue = new WorkQueue<Key>({
    clock: this.clock,
    rateLimiter: new ExponentialFailureRateLimiter<Key>(BASE_MS, MAX_MS),
  });
  readonly held = new Set<Key>();
  /** When each key with an unserved add is due, earliest deadline first. */
  readonly dueAt = new Map<Key, number>();
  readonly failures = new Map<Key, number>();
  readonly getters: AbortController[] = [];
  handOuts = 0;

  #handOut(key: Key): void {
    assert.ok(!this.held.has(key), `key ${key} handed to a second worker`);
    const due = this.dueAt.get(key);
    assert.ok(due !== undefined, `key ${key} handed out without a pending add`);
    assert.ok(due <= this.clock.now(), `key ${key} handed out at ${this.clock.now()}, due ${due}`);
    this.held.add(key);
    this.dueAt.delete(key);
    this.handOuts++;
  }

  #owe(key: Key, at: number): void {
    this.dueAt.set(key, Math.min(this.dueAt.get(key) ?? Infinity, at));
  }

  startGet(): Promise<void> {
    const controller = new AbortController();
    this.getters.push(controller);
    return this.queue.get(controller.signal).then((key) => {
      this.getters.splice(this.getters.indexOf(controller), 1);
      if (key !== undefined) this.#handOut(key);
    });
  }

  async apply(op: Op): Promise<void> {
    const now = this.clock.now();
    switch (op.op) {
      case "add":
        this.queue.add(op.key);
        this.#owe(op.key, now);
        break;
      case "addAfter":
        this.queue.addAfter(op.key, op.ms);
        this.#owe(op.key, now + Math.max(0, op.ms));
        break;
      case "addRateLimited": {
        const n = this.failures.get(op.key) ?? 0;
        this.failures.set(op.key, n + 1);
        this.queue.addRateLimited(op.key);
        this.#owe(op.key, now + Math.min(BASE_MS * 2 ** n, MAX_MS));
        break;
      }
      case "forget":
        this.queue.forget(op.key);
        this.failures.delete(op.key);
        break;
      case "get":
        if (this.getters.length < 3) void this.startGet();
        break;
      case "abortGet":
        this.getters[0]?.abort();
        break;
      case "done": {
        const keys = [...this.held];
        const key = keys[op.pick % Math.max(1, keys.length)];
        if (key === undefined) break;
        this.held.delete(key);
        this.queue.done(key);
        break;
      }
      case "advance":
        await this.clock.advance(op.ms);
    }
    await settle();
    this.check();
  }

  /** Due keys nobody holds are exactly the ready ones; backoff counts match the model. */
  check(): void {
    const now = this.clock.now();
    const ready = [...this.dueAt].filter(([k, due]) => due <= now && !this.held.has(k)).length;
    assert.equal(this.queue.len, ready, `ready keys at ${now}`);
    if (ready > 0) assert.equal(this.getters.length, 0, "a worker waits while keys are ready");
    for (const k of KEYS) assert.equal(this.queue.numRequeues(k), this.failures.get(k) ?? 0);
    assert.ok(this.clock.pendingSleeps <= 1, `${this.clock.pendingSleeps} timers, want <= 1`);
  }
}

/** Lets pending promise continuations run: a fixed number of microtask turns, no timers. */
async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) await Promise.resolve();
}

Deno.test("WorkQueue property: one holder per key, earliest deadline, nothing lost", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 60, size: "max" }), async (ops) => {
      const h = new Harness();
      for (const op of ops) await h.apply(op);
      // Finish: release everything, let every deadline pass, and serve what is owed.
      for (const c of [...h.getters]) c.abort();
      await settle();
      for (let round = 0; h.held.size > 0 || h.dueAt.size > 0; round++) {
        assert.ok(round < 50, `still owed after 50 rounds: ${[...h.dueAt.keys()]}`);
        for (const k of [...h.held]) await h.apply({ op: "done", pick: [...h.held].indexOf(k) });
        await h.apply({ op: "advance", ms: 2 * MAX_MS + 2000 });
        while (h.queue.len > 0) {
          await h.startGet();
          h.check();
        }
      }
      assert.equal(h.clock.pendingSleeps, 0, "no timer left once nothing waits");
      await h.queue.shutdownWithDrain();
    }),
    { numRuns: 300 },
  );
});

Deno.test("WorkQueue property: forget resets backoff to the base delay", async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 12 }), async (failures) => {
      const clock = new MicrotaskClock();
      const queue = new WorkQueue<string>({
        clock,
        rateLimiter: new ExponentialFailureRateLimiter<string>(BASE_MS, 1_000_000),
      });
      for (let i = 0; i < failures; i++) {
        queue.addRateLimited("k");
        await clock.advance(BASE_MS * 2 ** i - 1);
        assert.equal(queue.len, 0, `retry ${i} came early`);
        await clock.advance(1);
        assert.equal(await queue.get(), "k");
        queue.done("k");
      }
      assert.equal(queue.numRequeues("k"), failures);
      queue.forget("k");
      assert.equal(queue.numRequeues("k"), 0);
      queue.addRateLimited("k");
      await clock.advance(BASE_MS);
      assert.equal(queue.len, 1, "after forget the first retry waits the base delay");
      queue.shutdown();
    }),
    { numRuns: 10 },
  );
});

Deno.test("WorkQueue property: shutdownWithDrain resolves exactly when the last key is done", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { maxLength: 40, size: "max" }),
      fc.array(fc.nat(), { maxLength: 8 }),
      async (ops, order) => {
        const h = new Harness();
        for (const op of ops) await h.apply(op);
        let drained = false;
        const drain = h.queue.shutdownWithDrain().then(() => drained = true);
        await settle();
        assert.equal(h.getters.length, 0, "waiting workers are woken with undefined");
        assert.equal(await h.queue.get(), undefined);
        h.queue.add("a");
        assert.equal(h.queue.len, 0, "no adds after shutdown");
        assert.equal(h.clock.pendingSleeps, 0, "the timer is cancelled");
        const held = [...h.held];
        for (let i = 0; held.length > 0; i++) {
          assert.equal(drained, false, `drained with ${held.length} keys still held`);
          const [key] = held.splice((order[i] ?? 0) % held.length, 1);
          h.queue.done(key as Key);
          await settle();
        }
        assert.equal(drained, true, "drained once every key was done");
        await drain;
      },
    ),
    { numRuns: 200 },
  );
});
