import { strict as assert } from "node:assert";
import { systemClock } from "../core/clock.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { controllerRuntimeMetrics } from "./controller_runtime_metrics.ts";
import { ExponentialFailureRateLimiter } from "./rate_limiter.ts";
import { Registry } from "./registry.ts";
import { WorkQueue } from "./work_queue.ts";

function newQueue(clock = new FakeClock()) {
  return { clock, queue: new WorkQueue<string>({ clock }) };
}

/** Resolves to the key, or "blocked" if `get` does not resolve within a few turns. */
async function tryGet(queue: WorkQueue<string>): Promise<string | undefined | "blocked"> {
  const stop = new AbortController();
  const got = queue.get(stop.signal);
  for (let i = 0; i < 5; i++) await Promise.resolve();
  stop.abort();
  const key = await got;
  return key === undefined && !queue.shuttingDown ? "blocked" : key;
}

Deno.test("WorkQueue hands keys out in order and de-duplicates waiting keys", async () => {
  const { queue } = newQueue();
  for (const k of ["a", "b", "a", "c", "b"]) queue.add(k);
  assert.equal(queue.len, 3);
  assert.deepEqual([await queue.get(), await queue.get(), await queue.get()], ["a", "b", "c"]);
  assert.equal(await tryGet(queue), "blocked");
  queue.shutdown();
});

Deno.test("WorkQueue never hands a held key to a second worker; the re-add waits for done", async () => {
  const { queue } = newQueue();
  queue.add("a");
  assert.equal(await queue.get(), "a");
  queue.add("a");
  queue.add("a");
  assert.equal(queue.len, 0, "deferred, not queued");
  assert.equal(await tryGet(queue), "blocked");
  const second = queue.get();
  queue.done("a");
  assert.equal(await second, "a", "the deferred re-add is handed out once, after done");
  queue.done("a");
  assert.equal(await tryGet(queue), "blocked");
  queue.shutdown();
});

Deno.test("WorkQueue wakes a waiting worker as soon as a key is added", async () => {
  const { queue } = newQueue();
  const waiting = queue.get();
  queue.add("a");
  assert.equal(await waiting, "a");
  queue.shutdown();
});

Deno.test("WorkQueue.addAfter delays a key with one clock timer for all keys", async () => {
  const { clock, queue } = newQueue();
  queue.addAfter("late", 300);
  queue.addAfter("early", 100);
  queue.addAfter("middle", 200);
  assert.equal(clock.pendingSleeps, 1);
  await clock.advance(99);
  assert.equal(queue.len, 0);
  await clock.advance(1);
  assert.deepEqual([queue.len, await queue.get()], [1, "early"]);
  await clock.advance(200);
  assert.deepEqual([await queue.get(), await queue.get()], ["middle", "late"]);
  assert.equal(clock.pendingSleeps, 0);
  queue.shutdown();
});

Deno.test("WorkQueue.addAfter: the earliest deadline wins", async () => {
  const { clock, queue } = newQueue();
  queue.addAfter("a", 100);
  queue.addAfter("a", 500); // later: ignored
  queue.addAfter("b", 500);
  queue.addAfter("b", 100); // sooner: moves it up
  await clock.advance(100);
  assert.equal(queue.len, 2);
  queue.done((await queue.get())!);
  queue.done((await queue.get())!);
  await clock.advance(1000);
  assert.equal(queue.len, 0, "neither comes back at 500 ms");
  queue.shutdown();
});

Deno.test("WorkQueue: a key already due ignores addAfter, and add cancels a delay", async () => {
  const { clock, queue } = newQueue();
  queue.add("a");
  queue.addAfter("a", 100);
  assert.equal(await queue.get(), "a");
  queue.done("a");
  queue.addAfter("b", 100);
  queue.add("b");
  assert.equal(await queue.get(), "b");
  queue.done("b");
  await clock.advance(1000);
  assert.equal(queue.len, 0);
  queue.shutdown();
});

Deno.test("WorkQueue.addAfter on a held key queues it after both done and the delay", async () => {
  const { clock, queue } = newQueue();
  queue.add("a");
  assert.equal(await queue.get(), "a");
  queue.addAfter("a", 100);
  await clock.advance(100);
  assert.equal(queue.len, 0, "still held");
  queue.done("a");
  assert.equal(await queue.get(), "a");
  queue.done("a");
  queue.shutdown();
});

Deno.test("WorkQueue.addAfter with zero or negative delay adds at once; NaN is refused", () => {
  const { queue } = newQueue();
  queue.addAfter("a", 0);
  queue.addAfter("b", -5);
  assert.equal(queue.len, 2);
  assert.throws(() => queue.addAfter("c", NaN), /ms must be a number, got NaN/);
  queue.shutdown();
});

Deno.test("WorkQueue.addRateLimited backs off per key; forget resets it", async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue<string>({
    clock,
    rateLimiter: new ExponentialFailureRateLimiter(5, 1000),
  });
  const retryAfter = async () => {
    const start = clock.now();
    queue.addRateLimited("a");
    await clock.runNext();
    const key = await queue.get();
    queue.done(key!);
    return clock.now() - start;
  };
  assert.deepEqual([await retryAfter(), await retryAfter(), await retryAfter()], [5, 10, 20]);
  assert.equal(queue.numRequeues("a"), 3);
  queue.forget("a");
  assert.equal(queue.numRequeues("a"), 0);
  assert.equal(await retryAfter(), 5);
  queue.shutdown();
});

Deno.test("WorkQueue.get resolves undefined when its signal aborts, and leaves no waiter", async () => {
  const { queue } = newQueue();
  const stop = new AbortController();
  const got = queue.get(stop.signal);
  stop.abort();
  assert.equal(await got, undefined);
  queue.add("a");
  assert.equal(queue.len, 1, "the aborted waiter did not take the key");
  assert.equal(await queue.get(AbortSignal.abort()), undefined);
  queue.shutdown();
});

Deno.test("WorkQueue.shutdown wakes waiters, drops queued and delayed keys, cancels the timer", async () => {
  const { clock, queue } = newQueue();
  const waiting = queue.get();
  queue.shutdown();
  assert.equal(await waiting, undefined);
  const other = newQueue(clock).queue;
  other.add("a");
  other.addAfter("b", 100);
  assert.equal(clock.pendingSleeps, 1);
  other.shutdown();
  assert.equal(clock.pendingSleeps, 0);
  assert.equal(other.len, 0);
  other.add("c");
  assert.equal(await other.get(), undefined);
});

Deno.test("WorkQueue.shutdownWithDrain waits for held keys; await using drains", async () => {
  const { queue } = newQueue();
  queue.add("a");
  queue.add("b");
  const [a, b] = [await queue.get(), await queue.get()];
  let drained = false;
  const drain = queue.shutdownWithDrain().then(() => drained = true);
  queue.add("a"); // ignored: shutting down
  queue.done(a!);
  await Promise.resolve();
  assert.equal(drained, false);
  queue.done(b!);
  await drain;
  assert.equal(drained, true);
  {
    await using q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add("x");
  }
});

Deno.test("WorkQueue.done refuses a key nobody holds, naming it", () => {
  const { queue } = newQueue();
  assert.throws(
    () => queue.done("ns/x"),
    (e) => e instanceof RangeError && /key "ns\/x" is not being processed/.test(e.message),
  );
  queue.shutdown();
});

Deno.test("WorkQueue works on the real clock and leaves no timer after shutdown", async () => {
  const queue = new WorkQueue<string>({ clock: systemClock });
  queue.addAfter("soon", 1);
  queue.addAfter("never", 60_000);
  assert.equal(await queue.get(), "soon");
  queue.done("soon");
  await queue.shutdownWithDrain();
});

Deno.test("WorkQueue records the workqueue_* metrics under its name", async () => {
  const clock = new FakeClock();
  const metrics = controllerRuntimeMetrics(new Registry());
  const queue = new WorkQueue<string>({
    name: "cr",
    clock,
    metrics,
    rateLimiter: new ExponentialFailureRateLimiter(5, 1000),
  });
  const w = metrics.workqueue;
  queue.add("a");
  queue.add("a");
  queue.add("b");
  assert.equal(w.adds.labels("cr", "cr").value, 2);
  assert.equal(w.depth.labels("cr", "cr", "").value, 2);
  await clock.advance(2000);
  assert.equal(await queue.get(), "a");
  assert.equal(w.depth.labels("cr", "cr", "").value, 1);
  assert.equal(w.queueDuration.labels("cr", "cr").sum, 2);
  await clock.advance(3000);
  const text = metrics.registry.expose();
  assert.match(text, /^workqueue_unfinished_work_seconds\{controller="cr",name="cr"\} 3$/m);
  assert.match(
    text,
    /^workqueue_longest_running_processor_seconds\{controller="cr",name="cr"\} 3$/m,
  );
  queue.done("a");
  assert.equal(w.workDuration.labels("cr", "cr").sum, 3);
  queue.addRateLimited("a");
  assert.equal(w.retries.labels("cr", "cr").value, 1);
  assert.match(
    metrics.registry.expose(),
    /^workqueue_depth\{controller="cr",name="cr",priority=""\} 1$/m,
  );
  queue.shutdown();
  assert.equal(w.depth.labels("cr", "cr", "").value, 0);
  assert.throws(() => new WorkQueue({ metrics }), /options\.name is required/);
});
