/**
 * The metric families controller-runtime and client-go register, with their exact names,
 * help texts, label names and buckets, so dashboards built for Go operators work as is.
 *
 * @module
 */
import { exponentialBuckets, type Histogram } from "./histogram.ts";
import type { Counter, Gauge } from "./metrics.ts";
import type { Registry } from "./registry.ts";

/** controller-runtime's `controller_runtime_reconcile_time_seconds` buckets, in seconds. */
export const RECONCILE_TIME_BUCKETS: readonly number[] = Object.freeze([
  ...[0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7],
  ...[0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10],
  ...[15, 20, 25, 30, 40, 50, 60],
]);

/** The work queue duration buckets: client_golang's `ExponentialBuckets(10e-9, 10, 12)`. */
export const WORKQUEUE_DURATION_BUCKETS: readonly number[] = Object.freeze(
  exponentialBuckets(1e-8, 10, 12),
);

/** The reconcile outcomes counted by `controller_runtime_reconcile_total`. */
export type ReconcileResult = "success" | "error" | "requeue" | "requeue_after";

/** The work queue families; every series is labelled `name` and `controller` (both the queue name). */
export interface WorkQueueMetricFamilies {
  /** `workqueue_depth{name,controller,priority}`; this queue has no priorities, so `priority=""`. */
  depth: Gauge<readonly ["name", "controller", "priority"]>;
  /** `workqueue_adds_total{name,controller}`. */
  adds: Counter<readonly ["name", "controller"]>;
  /** `workqueue_queue_duration_seconds{name,controller}`. */
  queueDuration: Histogram<readonly ["name", "controller"]>;
  /** `workqueue_work_duration_seconds{name,controller}`. */
  workDuration: Histogram<readonly ["name", "controller"]>;
  /** `workqueue_unfinished_work_seconds{name,controller}`. */
  unfinishedWork: Gauge<readonly ["name", "controller"]>;
  /** `workqueue_longest_running_processor_seconds{name,controller}`. */
  longestRunningProcessor: Gauge<readonly ["name", "controller"]>;
  /** `workqueue_retries_total{name,controller}`. */
  retries: Counter<readonly ["name", "controller"]>;
}

/** Typed handles on the controller-runtime metric families of one {@linkcode Registry}. */
export interface ControllerRuntimeMetrics {
  /** The registry the families live in. */
  registry: Registry;
  /** `controller_runtime_reconcile_total{controller,result}`. */
  reconcileTotal: Counter<readonly ["controller", "result"]>;
  /** `controller_runtime_reconcile_errors_total{controller}`. */
  reconcileErrors: Counter<readonly ["controller"]>;
  /** `controller_runtime_terminal_reconcile_errors_total{controller}`. */
  terminalReconcileErrors: Counter<readonly ["controller"]>;
  /** `controller_runtime_reconcile_panics_total{controller}`. */
  reconcilePanics: Counter<readonly ["controller"]>;
  /** `controller_runtime_reconcile_time_seconds{controller}`. */
  reconcileTime: Histogram<readonly ["controller"]>;
  /** `controller_runtime_active_workers{controller}`. */
  activeWorkers: Gauge<readonly ["controller"]>;
  /** `controller_runtime_max_concurrent_reconciles{controller}`. */
  maxConcurrentReconciles: Gauge<readonly ["controller"]>;
  /** The `workqueue_*` families. */
  workqueue: WorkQueueMetricFamilies;
  /** `rest_client_requests_total{code,method,host}`. */
  restClientRequests: Counter<readonly ["code", "method", "host"]>;
  /** `leader_election_master_status{name}`. */
  leaderElectionMasterStatus: Gauge<readonly ["name"]>;
}

const cache = new WeakMap<Registry, ControllerRuntimeMetrics>();

/**
 * Registers controller-runtime's metric families in `registry` and returns typed handles.
 * Calling it again with the same registry returns the same handles.
 *
 * @param registry Where to register; it must not hold families of these names already.
 * @returns The handles.
 *
 * @example Counting a reconcile
 * ```ts
 * import { controllerRuntimeMetrics, Registry } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const metrics = controllerRuntimeMetrics(new Registry());
 * metrics.reconcileTotal.labels("certificaterequest", "success").inc();
 * assert.match(
 *   metrics.registry.expose(),
 *   /controller_runtime_reconcile_total\{controller="certificaterequest",result="success"\} 1/,
 * );
 * ```
 */
export function controllerRuntimeMetrics(registry: Registry): ControllerRuntimeMetrics {
  const cached = cache.get(registry);
  if (cached) return cached;
  const c = ["controller"] as const;
  const q = ["name", "controller"] as const;
  const queueHistogram = (name: string, help: string) =>
    registry.histogram({ name, help, labelNames: q, buckets: WORKQUEUE_DURATION_BUCKETS });
  const metrics: ControllerRuntimeMetrics = {
    registry,
    reconcileTotal: registry.counter({
      name: "controller_runtime_reconcile_total",
      help: "Total number of reconciliations per controller",
      labelNames: ["controller", "result"] as const,
    }),
    reconcileErrors: registry.counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Total number of reconciliation errors per controller",
      labelNames: c,
    }),
    terminalReconcileErrors: registry.counter({
      name: "controller_runtime_terminal_reconcile_errors_total",
      help: "Total number of terminal reconciliation errors per controller",
      labelNames: c,
    }),
    reconcilePanics: registry.counter({
      name: "controller_runtime_reconcile_panics_total",
      help: "Total number of reconciliation panics per controller",
      labelNames: c,
    }),
    reconcileTime: registry.histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Length of time per reconciliation per controller",
      labelNames: c,
      buckets: RECONCILE_TIME_BUCKETS,
    }),
    activeWorkers: registry.gauge({
      name: "controller_runtime_active_workers",
      help: "Number of currently used workers per controller",
      labelNames: c,
    }),
    maxConcurrentReconciles: registry.gauge({
      name: "controller_runtime_max_concurrent_reconciles",
      help: "Maximum number of concurrent reconciles per controller",
      labelNames: c,
    }),
    workqueue: {
      depth: registry.gauge({
        name: "workqueue_depth",
        help: "Current depth of workqueue by workqueue and priority",
        labelNames: ["name", "controller", "priority"] as const,
      }),
      adds: registry.counter({
        name: "workqueue_adds_total",
        help: "Total number of adds handled by workqueue",
        labelNames: q,
      }),
      queueDuration: queueHistogram(
        "workqueue_queue_duration_seconds",
        "How long in seconds an item stays in workqueue before being requested",
      ),
      workDuration: queueHistogram(
        "workqueue_work_duration_seconds",
        "How long in seconds processing an item from workqueue takes.",
      ),
      unfinishedWork: registry.gauge({
        name: "workqueue_unfinished_work_seconds",
        help: "How many seconds of work has been done that is in progress and hasn't been " +
          "observed by work_duration. Large values indicate stuck threads. One can deduce " +
          "the number of stuck threads by observing the rate at which this increases.",
        labelNames: q,
      }),
      longestRunningProcessor: registry.gauge({
        name: "workqueue_longest_running_processor_seconds",
        help: "How many seconds has the longest running processor for workqueue been running.",
        labelNames: q,
      }),
      retries: registry.counter({
        name: "workqueue_retries_total",
        help: "Total number of retries handled by workqueue",
        labelNames: q,
      }),
    },
    restClientRequests: registry.counter({
      name: "rest_client_requests_total",
      help: "Number of HTTP requests, partitioned by status code, method, and host.",
      labelNames: ["code", "method", "host"] as const,
    }),
    leaderElectionMasterStatus: registry.gauge({
      name: "leader_election_master_status",
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates " +
        "backup, 1 indicates master. 'name' is the string used to identify the lease. " +
        "Please make sure to group by name.",
      labelNames: ["name"] as const,
    }),
  };
  cache.set(registry, metrics);
  return metrics;
}
