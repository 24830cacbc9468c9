import { strict as assert } from "node:assert";
import fc from "fast-check";
import { DeadlineHeap } from "./_deadline_heap.ts";

Deno.test("DeadlineHeap pops due keys earliest first, ties in insertion order", () => {
  const heap = new DeadlineHeap<string>();
  heap.set("c", 30);
  heap.set("a", 10);
  heap.set("b", 10);
  heap.set("c", 5); // replaces 30
  heap.delete("a");
  assert.equal(heap.peekDeadline(), 5);
  assert.deepEqual([heap.popDue(10), heap.popDue(10), heap.popDue(10)], ["c", "b", undefined]);
  assert.equal(heap.size, 0);
});

Deno.test("DeadlineHeap matches a sorted model under churn, including its stale-entry rebuild", () => {
  const op = fc.oneof(
    fc.tuple(
      fc.constant("set" as const),
      fc.integer({ min: 0, max: 20 }),
      fc.integer({ min: 0, max: 100 }),
    ),
    fc.tuple(fc.constant("delete" as const), fc.integer({ min: 0, max: 20 }), fc.constant(0)),
    fc.tuple(fc.constant("pop" as const), fc.constant(0), fc.integer({ min: 0, max: 100 })),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 400, size: "max" }), (ops) => {
    const heap = new DeadlineHeap<number>();
    const model = new Map<number, { deadline: number; seq: number }>();
    let seq = 0;
    for (const [kind, key, n] of ops) {
      if (kind === "set") {
        heap.set(key, n);
        model.set(key, { deadline: n, seq: seq++ });
      } else if (kind === "delete") {
        heap.delete(key);
        model.delete(key);
      } else {
        const due = [...model].filter(([, e]) => e.deadline <= n)
          .sort(([, a], [, b]) => a.deadline - b.deadline || a.seq - b.seq);
        const want = due[0]?.[0];
        assert.equal(heap.popDue(n), want);
        if (want !== undefined) model.delete(want);
      }
      assert.equal(heap.size, model.size);
    }
    const earliest = Math.min(...[...model.values()].map((e) => e.deadline));
    assert.equal(heap.peekDeadline(), model.size === 0 ? undefined : earliest);
    const rest = [...model].sort(([, a], [, b]) => a.deadline - b.deadline || a.seq - b.seq);
    const drained: number[] = [];
    for (let k = heap.popDue(Infinity); k !== undefined; k = heap.popDue(Infinity)) drained.push(k);
    assert.deepEqual(drained, rest.map(([k]) => k), "every waiting key comes out, in order");
  }));
});

Deno.test("DeadlineHeap keeps every live key when stale entries force a rebuild", () => {
  const heap = new DeadlineHeap<string>();
  const live = ["e", "b", "f", "a", "d", "c"];
  live.forEach((key, i) => heap.set(key, [50, 20, 60, 10, 40, 30][i] ?? 0));
  for (let i = 0; i < 200; i++) heap.set("churn", 1000 - i); // 199 stale entries
  const drained: string[] = [];
  for (let k = heap.popDue(Infinity); k !== undefined; k = heap.popDue(Infinity)) drained.push(k);
  assert.deepEqual(drained, ["a", "b", "c", "d", "e", "f", "churn"]);
});
