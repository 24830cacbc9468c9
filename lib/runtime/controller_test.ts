import { strict as assert } from "node:assert";
import { FakeClock } from "../testing/fake_clock.ts";
import { Controller, type ControllerOptions } from "./controller.ts";
import { controllerRuntimeMetrics } from "./controller_runtime_metrics.ts";
import { ExponentialFailureRateLimiter } from "./rate_limiter.ts";
import { type ReconcileContext, type ReconcileResult, TerminalError } from "./reconciler.ts";
import { Registry } from "./registry.ts";
import { Gate, settle, until } from "./_controller_test_helpers.ts";

type Step = (ctx: ReconcileContext) => Promise<ReconcileResult | void>;

/** A controller named `test` on a fake clock whose backoff is 1 s doubling, and its parts. */
function setup(steps: Step[], options: Partial<ControllerOptions<string>> = {}) {
  const clock = new FakeClock();
  const limiter = new ExponentialFailureRateLimiter<string>(1_000, 60_000);
  const metrics = controllerRuntimeMetrics(new Registry());
  const calls: { at: number; ctx: ReconcileContext }[] = [];
  const controller = new Controller<string>({
    name: "test",
    clock,
    rateLimiter: limiter,
    metrics,
    reconcile: (_key, ctx) => {
      calls.push({ at: clock.now(), ctx });
      const step = steps[calls.length - 1];
      return step ? step(ctx) : Promise.resolve({});
    },
    ...options,
  });
  const count = (result: string) => metrics.reconcileTotal.labels("test", result).value;
  const counts = () => ({
    success: count("success"),
    requeueAfter: count("requeue_after"),
    error: count("error"),
    errors: metrics.reconcileErrors.labels("test").value,
    terminal: metrics.terminalReconcileErrors.labels("test").value,
    panics: metrics.reconcilePanics.labels("test").value,
  });
  return { clock, limiter, metrics, calls, controller, counts };
}

const ok: Step = () => Promise.resolve({});
const fail: Step = () => Promise.reject(new Error("the API server answered 500"));

interface Row {
  name: string;
  steps: Step[];
  /** The counters after the last step. */
  counts: Partial<ReturnType<ReturnType<typeof setup>["counts"]>>;
  /** The key's failure count after the last step. */
  retries: number;
  /** When the key runs again after the last step, or `undefined` for never. */
  nextAfterMs: number | undefined;
}

const rows: Row[] = [
  {
    name: "success forgets",
    steps: [ok],
    counts: { success: 1 },
    retries: 0,
    nextAfterMs: undefined,
  },
  {
    name: "returning nothing is success",
    steps: [() => Promise.resolve()],
    counts: { success: 1 },
    retries: 0,
    nextAfterMs: undefined,
  },
  {
    name: "a delay of zero or less is success",
    steps: [() => Promise.resolve({ requeueAfterMs: -5 })],
    counts: { success: 1, requeueAfter: 0 },
    retries: 0,
    nextAfterMs: undefined,
  },
  {
    name: "requeueAfter forgets the backoff and queues after the delay",
    steps: [fail, fail, () => Promise.resolve({ requeueAfterMs: 5_000 })],
    counts: { requeueAfter: 1, error: 2 },
    retries: 0,
    nextAfterMs: 5_000,
  },
  {
    name: "an error retries with backoff",
    steps: [fail],
    counts: { error: 1, errors: 1, terminal: 0, panics: 0 },
    retries: 1,
    nextAfterMs: 1_000,
  },
  {
    name: "consecutive errors double the backoff",
    steps: [fail, fail],
    counts: { error: 2, errors: 2 },
    retries: 2,
    nextAfterMs: 2_000,
  },
  {
    name: "a terminal error is not retried and keeps the backoff history",
    steps: [fail, () => Promise.reject(new TerminalError(new Error("denied")))],
    counts: { error: 2, errors: 2, terminal: 1, panics: 0 },
    retries: 1,
    nextAfterMs: undefined,
  },
  {
    name: "an aggregate holding a terminal error is terminal",
    steps: [() =>
      Promise.reject(
        new AggregateError([new Error("write failed"), new TerminalError("bad CSR")], "both"),
      )],
    counts: { error: 1, terminal: 1 },
    retries: 0,
    nextAfterMs: undefined,
  },
  {
    name: "a TypeError escaping user code is a panic, counted and retried",
    steps: [
      (ctx) => Promise.resolve((ctx as unknown as { x: { y: number } }).x.y).then(() => ({})),
    ],
    counts: { error: 1, errors: 1, panics: 1, terminal: 0 },
    retries: 1,
    nextAfterMs: 1_000,
  },
  {
    name: "a synchronous throw is a panic, counted and retried",
    steps: [() => {
      throw new Error("thrown before any promise");
    }],
    counts: { error: 1, panics: 1 },
    retries: 1,
    nextAfterMs: 1_000,
  },
  {
    name: "throwing a non-Error is a panic",
    steps: [() => Promise.reject("just text")],
    counts: { error: 1, panics: 1 },
    retries: 1,
    nextAfterMs: 1_000,
  },
  {
    name: "a requeueAfterMs that is not a finite number is a panic",
    steps: [() => Promise.resolve({ requeueAfterMs: Infinity })],
    counts: { error: 1, panics: 1, requeueAfter: 0 },
    retries: 1,
    nextAfterMs: 1_000,
  },
];

for (const row of rows) {
  Deno.test(`Controller outcome: ${row.name}`, async () => {
    const { clock, limiter, calls, controller, counts } = setup(row.steps);
    const stop = new AbortController();
    const running = controller.start(stop.signal);
    controller.enqueue("default/a");
    await until(() => calls.length === row.steps.length, "the scripted reconciles", { clock });
    await settle();
    assert.deepEqual(
      Object.fromEntries(Object.keys(row.counts).map((k) => [k, counts()[k as "error"]])),
      row.counts,
    );
    assert.equal(limiter.retries("default/a"), row.retries);
    const n = calls.length;
    if (row.nextAfterMs === undefined) {
      await clock.advance(3_600_000);
      assert.equal(calls.length, n, "the key must not run again");
    } else {
      await clock.advance(row.nextAfterMs - 1);
      assert.equal(calls.length, n, "the key must not run before its delay");
      await clock.advance(1);
      await until(() => calls.length === n + 1, "the requeued reconcile");
    }
    stop.abort();
    await running;
  });
}

Deno.test("Controller: an error thrown while leaving a requeueAfter is ignored in favour of backoff", async () => {
  // In Go a reconciler can return both; here a throw carries no result, so the error wins.
  const { clock, calls, controller, counts } = setup([fail]);
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  controller.enqueueAfter("default/a", 10_000);
  await clock.advance(9_999);
  assert.equal(calls.length, 0);
  controller.enqueue("default/a");
  await until(() => calls.length === 1, "the reconcile");
  await settle();
  assert.equal(counts().requeueAfter, 0);
  stop.abort();
  await running;
});

Deno.test("Controller: the reconcile timeout aborts ctx.signal with a TimeoutError and retries", async () => {
  const waitForAbort: Step = (ctx) =>
    new Promise((_, reject) =>
      ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))
    );
  const { clock, calls, controller, counts, limiter } = setup([waitForAbort], {
    reconcileTimeoutMs: 1_000,
  });
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  controller.enqueue("default/a");
  await until(() => calls.length === 1, "the reconcile");
  await clock.advance(999);
  assert.equal(calls[0]?.ctx.signal.aborted, false);
  await clock.advance(1);
  assert.equal(calls[0]?.ctx.signal.aborted, true);
  const reason = calls[0]?.ctx.signal.reason;
  assert.ok(reason instanceof DOMException && reason.name === "TimeoutError");
  assert.match(reason.message, /default\/a timed out after 1000 ms/);
  await until(() => counts().errors === 1, "the error");
  assert.equal(counts().panics, 0);
  assert.equal(limiter.retries("default/a"), 1);
  stop.abort();
  await running;
  assert.equal(clock.pendingSleeps, 0, "no timer left behind");
});

Deno.test("Controller: a reconcile that finishes in time leaves no timeout timer", async () => {
  const { clock, calls, controller } = setup([ok], { reconcileTimeoutMs: 60_000 });
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  controller.enqueue("default/a");
  await until(() => calls.length === 1, "the reconcile");
  await settle();
  assert.equal(clock.pendingSleeps, 0);
  assert.equal(calls[0]?.ctx.signal.aborted, false);
  stop.abort();
  await running;
});

Deno.test("Controller: stop waits for the in-flight reconcile and drops queued keys", async () => {
  const gate = new Gate();
  const { calls, controller, counts } = setup([() => gate.promise.then(() => ({}))]);
  const stop = new AbortController();
  let stopped = false;
  const running = controller.start(stop.signal).then(() => void (stopped = true));
  controller.enqueue("default/a");
  await until(() => calls.length === 1, "the reconcile");
  controller.enqueue("default/b");
  stop.abort();
  await settle();
  assert.equal(stopped, false, "start must not settle while a reconcile is in flight");
  assert.equal(calls[0]?.ctx.signal.aborted, false, "the grace period has not passed");
  gate.open();
  await running;
  assert.equal(counts().success, 1);
  assert.equal(calls.length, 1, "default/b was queued after the stop began");
});

Deno.test("Controller: after the grace period in-flight reconciles are aborted", async () => {
  const waitForAbort: Step = (ctx) =>
    new Promise((_, reject) =>
      ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))
    );
  const { clock, calls, controller } = setup([waitForAbort], { gracePeriodMs: 5_000 });
  const stop = new AbortController();
  let stopped = false;
  const running = controller.start(stop.signal).then(() => void (stopped = true));
  controller.enqueue("default/a");
  await until(() => calls.length === 1, "the reconcile");
  stop.abort();
  await clock.advance(4_999);
  assert.equal(calls[0]?.ctx.signal.aborted, false);
  await clock.advance(1);
  await running;
  assert.equal(stopped, true);
  assert.equal((calls[0]?.ctx.signal.reason as DOMException).name, "AbortError");
});

Deno.test("Controller: the force signal aborts in-flight reconciles at once", async () => {
  const waitForAbort: Step = (ctx) =>
    new Promise((_, reject) =>
      ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))
    );
  const { calls, controller } = setup([waitForAbort]);
  const stop = new AbortController();
  const force = new AbortController();
  const running = controller.start(stop.signal, { forceSignal: force.signal });
  controller.enqueue("default/a");
  await until(() => calls.length === 1, "the reconcile");
  force.abort();
  await running;
  assert.equal(calls[0]?.ctx.signal.aborted, true);
});

Deno.test("Controller: await using stops it", async () => {
  const { calls, controller } = setup([]);
  {
    await using c = controller;
    void c.start();
    c.enqueue("default/a");
    await until(() => calls.length === 1, "the reconcile");
  }
  assert.throws(() => controller.start(), TypeError);
});

Deno.test("Controller: options are checked; fewer than one worker counts as one", () => {
  const reconcile = () => Promise.resolve({});
  assert.equal(new Controller({ name: "a", reconcile, workers: 0 }).workers, 1);
  assert.equal(new Controller({ name: "a", reconcile, workers: -3 }).workers, 1);
  assert.equal(new Controller({ name: "a", reconcile, workers: 2.7 }).workers, 2);
  assert.equal(new Controller({ name: "a", reconcile }).workers, 1);
  assert.throws(
    () => new Controller({ name: "a", reconcile, workers: Infinity }),
    /options.workers must be finite, got Infinity/,
  );
  assert.throws(() => new Controller({ name: "", reconcile }), TypeError);
  assert.throws(
    () => new Controller({ name: "a", reconcile, reconcileTimeoutMs: -1 }),
    /reconcileTimeoutMs must be >= 0, got -1/,
  );
});

Deno.test("Controller: start twice is a TypeError", async () => {
  const { controller } = setup([]);
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  assert.throws(() => controller.start(stop.signal), /already running/);
  stop.abort();
  await running;
});

Deno.test("Controller: metrics follow controller-runtime's names and series", async () => {
  const gate = new Gate();
  const { clock, calls, controller, metrics } = setup([
    () => clock.sleep(250).then(() => gate.promise).then(() => ({})),
  ], { workers: 3 });
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  controller.enqueue("default/a");
  await until(() => calls.length === 1, "the reconcile");
  assert.equal(metrics.activeWorkers.labels("test").value, 1);
  await clock.advance(250);
  gate.open();
  await until(() => metrics.reconcileTotal.labels("test", "success").value === 1, "success");
  assert.equal(metrics.activeWorkers.labels("test").value, 0);
  const text = metrics.registry.expose();
  for (
    const line of [
      'controller_runtime_max_concurrent_reconciles{controller="test"} 3',
      'controller_runtime_reconcile_total{controller="test",result="requeue"} 0',
      'controller_runtime_reconcile_errors_total{controller="test"} 0',
      'controller_runtime_terminal_reconcile_errors_total{controller="test"} 0',
      'controller_runtime_reconcile_panics_total{controller="test"} 0',
      'controller_runtime_reconcile_time_seconds_bucket{controller="test",le="0.25"} 1',
      'controller_runtime_reconcile_time_seconds_bucket{controller="test",le="0.2"} 0',
      'workqueue_adds_total{controller="test",name="test"} 1',
    ]
  ) {
    assert.ok(text.includes(line), `missing: ${line}`);
  }
  stop.abort();
  await running;
});
