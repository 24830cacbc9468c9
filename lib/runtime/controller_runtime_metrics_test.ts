import { strict as assert } from "node:assert";
import {
  controllerRuntimeMetrics,
  RECONCILE_TIME_BUCKETS,
  WORKQUEUE_DURATION_BUCKETS,
} from "./controller_runtime_metrics.ts";
import { Registry } from "./registry.ts";

Deno.test("controllerRuntimeMetrics registers controller-runtime's names, labels and help", () => {
  const m = controllerRuntimeMetrics(new Registry());
  m.reconcileTotal.labels("cr", "requeue_after").inc();
  m.reconcileErrors.labels("cr").inc();
  m.terminalReconcileErrors.labels("cr").inc();
  m.reconcilePanics.labels("cr").inc();
  m.activeWorkers.labels("cr").set(1);
  m.maxConcurrentReconciles.labels("cr").set(4);
  m.restClientRequests.labels("200", "GET", "10.0.0.1:6443").inc();
  m.leaderElectionMasterStatus.labels("issuer-lock").set(1);
  const text = m.registry.expose();
  for (
    const line of [
      "# HELP controller_runtime_reconcile_total Total number of reconciliations per controller",
      'controller_runtime_reconcile_total{controller="cr",result="requeue_after"} 1',
      "# HELP controller_runtime_reconcile_errors_total Total number of reconciliation errors per controller",
      "# TYPE controller_runtime_terminal_reconcile_errors_total counter",
      'controller_runtime_reconcile_panics_total{controller="cr"} 1',
      "# HELP controller_runtime_active_workers Number of currently used workers per controller",
      'controller_runtime_max_concurrent_reconciles{controller="cr"} 4',
      'rest_client_requests_total{code="200",host="10.0.0.1:6443",method="GET"} 1',
      "# HELP rest_client_requests_total Number of HTTP requests, partitioned by status code, method, and host.",
      'leader_election_master_status{name="issuer-lock"} 1',
    ]
  ) assert.ok(text.split("\n").includes(line), `missing line: ${line}\n${text}`);
});

Deno.test("reconcile time uses controller-runtime's 40 buckets from 5 ms to 60 s", () => {
  assert.equal(RECONCILE_TIME_BUCKETS.length, 40);
  assert.equal(RECONCILE_TIME_BUCKETS[0], 0.005);
  assert.equal(RECONCILE_TIME_BUCKETS.at(-1), 60);
  const m = controllerRuntimeMetrics(new Registry());
  m.reconcileTime.labels("cr").observe(0.3);
  const text = m.registry.expose();
  assert.match(
    text,
    /^controller_runtime_reconcile_time_seconds_bucket\{controller="cr",le="0.25"\} 0$/m,
  );
  assert.match(
    text,
    /^controller_runtime_reconcile_time_seconds_bucket\{controller="cr",le="0.3"\} 1$/m,
  );
  assert.match(text, /^controller_runtime_reconcile_time_seconds_count\{controller="cr"\} 1$/m);
});

Deno.test("workqueue durations use client_golang's ExponentialBuckets(10e-9, 10, 12) bounds", () => {
  const m = controllerRuntimeMetrics(new Registry());
  m.workqueue.queueDuration.labels("q", "q").observe(0.5);
  const les = [
    ...m.registry.expose().matchAll(/workqueue_queue_duration_seconds_bucket\{.*le="([^"]+)"\}/g),
  ]
    .map((match) => match[1]);
  assert.deepEqual(les, [
    "1e-08",
    "1e-07",
    "1e-06",
    "9.999999999999999e-06",
    "9.999999999999999e-05",
    "0.001",
    "0.01",
    "0.1",
    "1",
    "10",
    "100",
    "1000",
    "+Inf",
  ]);
  assert.equal(WORKQUEUE_DURATION_BUCKETS.length, 12);
});

Deno.test("controllerRuntimeMetrics returns the same handles for the same registry", () => {
  const registry = new Registry();
  assert.equal(controllerRuntimeMetrics(registry), controllerRuntimeMetrics(registry));
  assert.notEqual(controllerRuntimeMetrics(registry), controllerRuntimeMetrics(new Registry()));
});
