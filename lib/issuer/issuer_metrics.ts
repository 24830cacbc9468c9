/**
 * The issuer metrics, besides controller-runtime's: readiness per issuer, `check` and
 * `sign` calls by outcome, and how long `sign` takes.
 *
 * @module
 */

import type { Counter, Gauge } from "../runtime/metrics.ts";
import type { Histogram } from "../runtime/histogram.ts";
import type { Collectable } from "../runtime/metrics.ts";
import type { Registry } from "../runtime/registry.ts";

/**
 * How a `check` call ended: `success`, `retryable` or `permanent` (the `outcome` label of
 * `certkit_issuer_checks_total`).
 *
 * @example Labelling a check
 * ```ts
 * import type { CheckOutcomeLabel } from "@certkit/issuer-lib";
 *
 * const outcomes: CheckOutcomeLabel[] = ["success", "retryable", "permanent"];
 * console.assert(outcomes.length === 3);
 * ```
 */
export type CheckOutcomeLabel = "success" | "retryable" | "permanent";

/**
 * How a `sign` call ended: `success`, `invalid` (the result was refused, such as an
 * empty chain), `pending`, `retryable`, `permanent` or `issuer_error` (the `outcome` label
 * of `certkit_issuer_signs_total`).
 *
 * @example Labelling a sign
 * ```ts
 * import type { SignOutcomeLabel } from "@certkit/issuer-lib";
 *
 * const label = (e: unknown): SignOutcomeLabel => e === undefined ? "success" : "retryable";
 * console.assert(label(undefined) === "success");
 * ```
 */
export type SignOutcomeLabel =
  | "success"
  | "invalid"
  | "pending"
  | "retryable"
  | "permanent"
  | "issuer_error";

/**
 * The buckets of `certkit_issuer_sign_duration_seconds`, in seconds: 5 ms to 60 s, for
 * signers from a local key to a remote CA.
 *
 * @example The range
 * ```ts
 * import { SIGN_DURATION_BUCKETS } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.deepEqual([SIGN_DURATION_BUCKETS[0], SIGN_DURATION_BUCKETS.at(-1)], [0.005, 60]);
 * ```
 */
export const SIGN_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
]);

/**
 * Typed handles on the issuer metric families of one registry.
 *
 * @example Reading the families after issuing
 * ```ts
 * import { issuerMetrics, Registry } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const registry = new Registry();
 * const metrics = issuerMetrics(registry);
 * metrics.issuerReady.labels("ca.example.com", "MyIssuer", "default", "ca").set(1);
 * metrics.signs.labels("CertificateRequest", "ca.example.com", "MyIssuer", "success").inc();
 * metrics.signDuration.labels("CertificateRequest", "ca.example.com", "MyIssuer").observe(0.02);
 * assert.match(registry.expose(), /certkit_issuer_ready\{group="ca.example.com",kind="MyIssuer",name="ca",namespace="default"\} 1/);
 * ```
 */
export interface IssuerMetrics {
  /** `certkit_issuer_ready{group,kind,namespace,name}`: 1 while the issuer is Ready, else 0. */
  issuerReady: Gauge<readonly ["group", "kind", "namespace", "name"]>;
  /** `certkit_issuer_checks_total{group,kind,outcome}`: `check` calls by outcome. */
  checks: Counter<readonly ["group", "kind", "outcome"]>;
  /** `certkit_issuer_signs_total{request_kind,group,kind,outcome}`: `sign` calls by outcome. */
  signs: Counter<readonly ["request_kind", "group", "kind", "outcome"]>;
  /** `certkit_issuer_sign_duration_seconds{request_kind,group,kind}`: how long `sign` took. */
  signDuration: Histogram<readonly ["request_kind", "group", "kind"]>;
}

function reuse<M extends Collectable>(registry: Registry, name: string, create: () => M): M {
  return (registry.get(name) as M | undefined) ?? create();
}

/**
 * The issuer metric families of a registry, registered on first use (a second call with
 * the same registry returns the same families).
 *
 * @param registry The registry served at `/metrics` (a manager's `registry`).
 * @returns The families.
 *
 * @example Registering twice shares the families
 * ```ts
 * import { issuerMetrics, Registry } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const registry = new Registry();
 * assert.equal(issuerMetrics(registry).signs, issuerMetrics(registry).signs);
 * ```
 */
export function issuerMetrics(registry: Registry): IssuerMetrics {
  return {
    issuerReady: reuse(registry, "certkit_issuer_ready", () =>
      registry.gauge({
        name: "certkit_issuer_ready",
        help: "Whether the issuer is Ready (1) or not (0), as its Ready condition says.",
        labelNames: ["group", "kind", "namespace", "name"] as const,
      })),
    checks: reuse(registry, "certkit_issuer_checks_total", () =>
      registry.counter({
        name: "certkit_issuer_checks_total",
        help: "Calls of the issuer check function, by outcome.",
        labelNames: ["group", "kind", "outcome"] as const,
      })),
    signs: reuse(registry, "certkit_issuer_signs_total", () =>
      registry.counter({
        name: "certkit_issuer_signs_total",
        help: "Calls of the sign function, by request kind, issuer type and outcome.",
        labelNames: ["request_kind", "group", "kind", "outcome"] as const,
      })),
    signDuration: reuse(registry, "certkit_issuer_sign_duration_seconds", () =>
      registry.histogram({
        name: "certkit_issuer_sign_duration_seconds",
        help: "How long the sign function took, in seconds.",
        labelNames: ["request_kind", "group", "kind"] as const,
        buckets: SIGN_DURATION_BUCKETS,
      })),
  };
}
