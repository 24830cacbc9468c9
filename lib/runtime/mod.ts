/**
 * The controller runtime: the work queue and its rate limiters, Prometheus metrics with
 * controller-runtime's names, and the `/healthz`, `/readyz` and `/metrics` endpoints;
 * controllers that reconcile keys from informer events, and the manager that runs them
 * with leader election, probes and graceful shutdown; structured logging.
 *
 * @module
 */
export * from "./rate_limiter.ts";
export * from "./work_queue.ts";
export * from "./metrics.ts";
export * from "./histogram.ts";
export * from "./registry.ts";
export * from "./controller_runtime_metrics.ts";
export * from "./health_server.ts";
export * from "./object_reference.ts";
export * from "./event_recorder.ts";
export * from "./lease_lock.ts";
export * from "./leader_election.ts";
export * from "./logging.ts";
export * from "./reconciler.ts";
export * from "./predicate.ts";
export * from "./runnable.ts";
export * from "./controller.ts";
export * from "./leader_elector_like.ts";
export * from "./manager.ts";
export * from "./signal_on_termination.ts";
// `ReconcileResult` is both the reconcile outcome (reconciler.ts) and the metric label
// type (controller_runtime_metrics.ts): the outcome is the public one.
export type { ReconcileResult } from "./reconciler.ts";
