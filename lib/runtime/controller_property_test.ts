import { strict as assert } from "node:assert";
import fc from "fast-check";
import { FakeClock } from "../testing/fake_clock.ts";
import { Controller } from "./controller.ts";
import { Gate, settle, until } from "./_controller_test_helpers.ts";

type Op = { op: "add"; key: number } | { op: "finish"; pick: number } | { op: "tick" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant("add" as const),
      key: fc.integer({ min: 0, max: 5 }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant("finish" as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("tick" as const) }), weight: 1 },
);

Deno.test("Controller property: with 4 workers a key is never reconciled twice at once, and no add is lost", async () => {
  let everConcurrent = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), async (ops) => {
      let seq = 0;
      const lastAdd = new Map<string, number>();
      const lastStart = new Map<string, number>();
      const active = new Set<string>();
      const running: { key: string; gate: Gate }[] = [];
      let maxActive = 0;
      let overlap: string | undefined;
      const controller = new Controller({
        name: "prop",
        workers: 4,
        clock: new FakeClock(),
        reconcile: async (key) => {
          if (active.has(key)) overlap = key;
          active.add(key);
          maxActive = Math.max(maxActive, active.size);
          lastStart.set(key, ++seq);
          const gate = new Gate();
          running.push({ key, gate });
          await gate.promise;
          active.delete(key);
          return {};
        },
      });
      const stop = new AbortController();
      const done = controller.start(stop.signal);
      for (const op of ops) {
        if (op.op === "add") {
          const key = `default/k${op.key}`;
          lastAdd.set(key, ++seq);
          controller.enqueue(key);
        } else if (op.op === "finish") {
          const open = running.filter((r) => !r.gate.opened);
          open[op.pick % Math.max(1, open.length)]?.gate.open();
        }
        await settle(1);
      }
      // Finish everything, including the rounds the adds above still owe.
      await until(() => {
        for (const r of running) r.gate.open();
        return active.size === 0 &&
          [...lastAdd].every(([key, added]) => (lastStart.get(key) ?? 0) > added);
      }, "every add followed by a reconcile");
      stop.abort();
      await done;
      everConcurrent = Math.max(everConcurrent, maxActive);
      assert.equal(overlap, undefined, `key ${overlap} ran on two workers at once`);
      assert.ok(maxActive <= 4, `${maxActive} reconciles ran at once with 4 workers`);
    }),
    { numRuns: 60 },
  );
  // Reaching exactly 4 is pinned by the deterministic test below.
  assert.ok(everConcurrent > 1, "the runs never reconciled two keys at once");
});

Deno.test("Controller: 4 workers run 4 keys at once and the fifth waits", async () => {
  const gates = new Map<string, Gate>();
  const controller = new Controller({
    name: "four",
    workers: 4,
    clock: new FakeClock(),
    reconcile: async (key) => {
      const gate = new Gate();
      gates.set(key, gate);
      await gate.promise;
      return {};
    },
  });
  const stop = new AbortController();
  const done = controller.start(stop.signal);
  for (let i = 0; i < 5; i++) controller.enqueue(`default/k${i}`);
  await until(() => gates.size === 4, "four reconciles");
  await settle();
  assert.equal(gates.size, 4);
  gates.get("default/k0")?.open();
  await until(() => gates.size === 5, "the fifth reconcile");
  for (const gate of gates.values()) gate.open();
  stop.abort();
  await done;
});
