import { strict as assert } from "node:assert";
import fc from "fast-check";
import { KeyedWriteScheduler } from "./_event_write_scheduler.ts";

/** Writes that finish only when the test says so, with a log of starts and ends. */
function harness(concurrency: number) {
  const log: string[] = [];
  const open = new Map<string, () => void>();
  let running = 0;
  let maxRunning = 0;
  const errors: unknown[] = [];
  let settled = Promise.withResolvers<void>();
  const scheduler = new KeyedWriteScheduler(concurrency, (error) => {
    if (error !== undefined) errors.push(error);
    settled.resolve();
    settled = Promise.withResolvers<void>();
  });
  return {
    scheduler,
    log,
    errors,
    get maxRunning() {
      return maxRunning;
    },
    /** The names of the writes started and not finished. */
    open(): string[] {
      return [...open.keys()];
    },
    submit(key: string, name: string, fail = false): void {
      scheduler.submit(key, async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        log.push(`start ${name}`);
        await new Promise<void>((resolve) => open.set(name, resolve));
        open.delete(name);
        running--;
        log.push(`end ${name}`);
        if (fail) throw new Error(`${name} failed`);
      });
    },
    /** Lets the write `name` finish, and waits until the scheduler has started its successors. */
    async finish(name: string): Promise<void> {
      const resolve = open.get(name);
      if (!resolve) throw new Error(`${name} is not running; running: ${[...open.keys()]}`);
      const next = settled.promise;
      resolve();
      await next;
    },
  };
}

Deno.test("KeyedWriteScheduler runs up to concurrency writes of different keys at once", async () => {
  const h = harness(3);
  for (let i = 0; i < 5; i++) h.submit(`k${i}`, `w${i}`);
  assert.deepEqual(h.open(), ["w0", "w1", "w2"]);
  assert.equal(h.scheduler.running, 3);
  assert.equal(h.scheduler.size, 5);
  assert.equal(h.scheduler.full, true);
  await h.finish("w1");
  assert.deepEqual(h.open(), ["w0", "w2", "w3"]);
  await h.finish("w0");
  await h.finish("w2");
  await h.finish("w3");
  await h.finish("w4");
  await h.scheduler.whenIdle();
  assert.equal(h.scheduler.size, 0);
  assert.equal(h.maxRunning, 3);
});

Deno.test("KeyedWriteScheduler runs the writes of one key one at a time, in order", async () => {
  const h = harness(4);
  h.submit("a", "a1");
  h.submit("a", "a2");
  h.submit("b", "b1");
  h.submit("a", "a3");
  // a2 waits for a1; b1, submitted after it, does not wait.
  assert.deepEqual(h.open(), ["a1", "b1"]);
  await h.finish("b1");
  assert.deepEqual(h.open(), ["a1"]);
  await h.finish("a1");
  assert.deepEqual(h.open(), ["a2"]);
  await h.finish("a2");
  await h.finish("a3");
  await h.scheduler.whenIdle();
  assert.deepEqual(h.log, [
    "start a1",
    "start b1",
    "end b1",
    "end a1",
    "start a2",
    "end a2",
    "start a3",
    "end a3",
  ]);
});

Deno.test("KeyedWriteScheduler keeps a key's order when a slot frees up before the key does", async () => {
  const h = harness(1);
  h.submit("a", "a1");
  h.submit("b", "b1");
  h.submit("a", "a2");
  h.submit("b", "b2");
  await h.finish("a1");
  // b1 was submitted before a2, so it gets the slot; a2 and b2 keep their keys' order.
  assert.deepEqual(h.open(), ["b1"]);
  await h.finish("b1");
  assert.deepEqual(h.open(), ["a2"]);
  await h.finish("a2");
  await h.finish("b2");
  await h.scheduler.whenIdle();
});

Deno.test("KeyedWriteScheduler reports a failed write and goes on", async () => {
  const h = harness(1);
  h.submit("a", "a1", true);
  h.submit("a", "a2");
  await h.finish("a1");
  await h.finish("a2");
  await h.scheduler.whenIdle();
  assert.equal(h.errors.length, 1);
  assert.equal((h.errors[0] as Error).message, "a1 failed");
});

Deno.test("KeyedWriteScheduler refuses a concurrency that is not a positive integer", () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => new KeyedWriteScheduler(bad, () => {}), {
      name: "RangeError",
      message: `KeyedWriteScheduler: concurrency must be a positive integer, got ${bad}`,
    });
  }
});

Deno.test("KeyedWriteScheduler property: never over concurrency, never two of a key, keys in order", async () => {
  const step = fc.oneof(
    fc.record({ submit: fc.constantFrom("a", "b", "c", "d") }),
    fc.record({ finish: fc.nat(7) }),
  );
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 40 }), async (
      concurrency,
      steps,
    ) => {
      const h = harness(concurrency);
      const submitted = new Map<string, string[]>();
      let n = 0;
      const check = () => {
        const open = h.open();
        assert.ok(open.length <= concurrency, `${open} over ${concurrency}`);
        const keys = open.map((name) => name.split("/")[0]);
        assert.equal(new Set(keys).size, keys.length, `two writes of one key: ${open}`);
      };
      for (const s of steps) {
        if ("submit" in s) {
          const name = `${s.submit}/${n++}`;
          submitted.set(s.submit, [...(submitted.get(s.submit) ?? []), name]);
          h.submit(s.submit, name);
        } else {
          const open = h.open();
          const name = open[s.finish % Math.max(1, open.length)];
          if (name) await h.finish(name);
        }
        check();
      }
      while (h.open().length > 0) {
        await h.finish(h.open()[0] as string);
        check();
      }
      await h.scheduler.whenIdle();
      assert.equal(h.maxRunning <= concurrency, true);
      for (const [key, names] of submitted) {
        const started = h.log.filter((line) => line.startsWith(`start ${key}/`))
          .map((line) => line.slice("start ".length));
        assert.deepEqual(started, names);
      }
    }),
    { numRuns: 200 },
  );
});
