// Work queue throughput: add, get and done for 10 000 distinct keys per iteration.
import { FakeClock } from "../testing/fake_clock.ts";
import { controllerRuntimeMetrics } from "./controller_runtime_metrics.ts";
import { Registry } from "./registry.ts";
import { WorkQueue } from "./work_queue.ts";

const N = 10_000;
const KEYS = Array.from({ length: N }, (_, i) => `default/request-${i}`);

async function cycle(queue: WorkQueue<string>): Promise<void> {
  for (const key of KEYS) queue.add(key);
  for (let i = 0; i < N; i++) {
    const key = await queue.get();
    if (key === undefined) throw new Error("queue shut down mid-bench");
    queue.done(key);
  }
}

Deno.bench("add + get + done, 10k keys", { group: "queue", baseline: true }, async () => {
  await cycle(new WorkQueue<string>({ clock: new FakeClock() }));
});

Deno.bench("add + get + done, 10k keys, with metrics", { group: "queue" }, async () => {
  const metrics = controllerRuntimeMetrics(new Registry());
  await cycle(new WorkQueue<string>({ name: "bench", clock: new FakeClock(), metrics }));
});

Deno.bench("add 10k keys twice (de-duplication)", { group: "add" }, () => {
  const queue = new WorkQueue<string>({ clock: new FakeClock() });
  for (const key of KEYS) queue.add(key);
  for (const key of KEYS) queue.add(key);
  queue.shutdown();
});

Deno.bench("addAfter 10k keys, one timer", { group: "add" }, () => {
  const queue = new WorkQueue<string>({ clock: new FakeClock() });
  KEYS.forEach((key, i) => queue.addAfter(key, 1 + (i * 7919) % N));
  queue.shutdown();
});
