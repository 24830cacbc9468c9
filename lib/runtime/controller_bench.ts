// Reconcile dispatch overhead: 10 000 keys through a controller whose reconciler does
// nothing, so the figure is the controller's own cost per key (queue, worker loop,
// per-reconcile logger and abort signal, outcome handling, metrics). The work queue
// alone is in work_queue_bench.ts, for comparison.
import { FakeClock } from "../testing/fake_clock.ts";
import { Controller } from "./controller.ts";

const N = 10_000;
const KEYS = Array.from({ length: N }, (_, i) => `default/request-${i}`);

async function dispatch(workers: number, timeoutMs?: number): Promise<void> {
  let count = 0;
  const all = Promise.withResolvers<void>();
  const controller = new Controller({
    name: "bench",
    workers,
    clock: new FakeClock(),
    ...(timeoutMs ? { reconcileTimeoutMs: timeoutMs } : {}),
    reconcile: () => {
      if (++count === N) all.resolve();
      return Promise.resolve({});
    },
  });
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  for (const key of KEYS) controller.enqueue(key);
  await all.promise;
  stop.abort();
  await running;
}

Deno.bench(
  "no-op reconcile, 10k keys, 1 worker",
  { group: "dispatch", baseline: true },
  async () => {
    await dispatch(1);
  },
);

Deno.bench("no-op reconcile, 10k keys, 4 workers", { group: "dispatch" }, async () => {
  await dispatch(4);
});

Deno.bench(
  "no-op reconcile, 10k keys, 1 worker, reconcile timeout",
  { group: "dispatch" },
  async () => {
    await dispatch(1, 60_000);
  },
);
