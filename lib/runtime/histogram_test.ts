import { strict as assert } from "node:assert";
import { DEFAULT_BUCKETS, exponentialBuckets, Histogram } from "./histogram.ts";

Deno.test("Histogram writes cumulative buckets with le last, +Inf, _sum and _count", () => {
  const h = new Histogram({
    name: "rt_seconds",
    help: "RT.",
    labelNames: ["controller"],
    buckets: [0.1, 0.5, 1],
  });
  for (const v of [0.1, 0.2, 0.7, 2]) h.labels("cr").observe(v);
  assert.equal(
    h.expose(),
    "# HELP rt_seconds RT.\n# TYPE rt_seconds histogram\n" +
      'rt_seconds_bucket{controller="cr",le="0.1"} 1\n' +
      'rt_seconds_bucket{controller="cr",le="0.5"} 2\n' +
      'rt_seconds_bucket{controller="cr",le="1"} 3\n' +
      'rt_seconds_bucket{controller="cr",le="+Inf"} 4\n' +
      'rt_seconds_sum{controller="cr"} 3\n' +
      'rt_seconds_count{controller="cr"} 4\n',
  );
  assert.equal(h.labels("cr").count, 4);
});

Deno.test("a bound is inclusive: an observation equal to it lands in that bucket", () => {
  const h = new Histogram({ name: "h", help: "H.", buckets: [1, 2] });
  h.observe(1);
  assert.match(h.expose(), /h_bucket\{le="1"\} 1\n/);
});

Deno.test("Histogram defaults to Prometheus' buckets and drops an explicit +Inf", () => {
  assert.deepEqual(new Histogram({ name: "h", help: "" }).buckets, DEFAULT_BUCKETS);
  assert.deepEqual(new Histogram({ name: "h", help: "", buckets: [1, Infinity] }).buckets, [1]);
});

Deno.test("Histogram rejects unsorted buckets and the le label", () => {
  assert.throws(
    () => new Histogram({ name: "h", help: "", buckets: [1, 1] }),
    /strictly increasing .* got \[1,1\]/,
  );
  assert.throws(() => new Histogram({ name: "h", help: "", labelNames: ["le"] }), /"le"/);
});

Deno.test("exponentialBuckets multiplies step by step, like client_golang", () => {
  assert.deepEqual(exponentialBuckets(1e-8, 10, 4), [
    1e-8,
    1e-7,
    0.000001,
    0.000009999999999999999,
  ]);
  assert.throws(() => exponentialBuckets(1, 1, 3), /factor must be > 1, got 1/);
  assert.throws(() => exponentialBuckets(1, 2, 0), /count .* got 0/);
});
