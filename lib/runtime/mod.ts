/**
 * The controller runtime: the work queue and its rate limiters, Prometheus metrics with
 * controller-runtime's names, and the `/healthz`, `/readyz` and `/metrics` endpoints.
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
