/**
 * `@certkit/issuer-lib`: write a cert-manager external issuer in Deno by providing only
 * `check` (is my CA usable?) and `sign` (turn this request into a PEM chain).
 *
 * The library is layered: wire types and pure helpers (`lib/core`) → a fetch-based
 * Kubernetes client → caches → the controller runtime → the issuer reconcilers. The
 * in-memory Kubernetes API server for tests is exported separately as
 * `@certkit/issuer-lib/testing`.
 *
 * @example Formatting a condition time
 * ```ts
 * import { formatTime } from "@certkit/issuer-lib";
 *
 * console.log(formatTime(0)); // 1970-01-01T00:00:00Z
 * ```
 *
 * @module
 */
export * from "./lib/core/mod.ts";
export * from "./lib/client/mod.ts";
export * from "./lib/cache/mod.ts";
export * from "./lib/runtime/mod.ts";
export * from "./lib/issuer/mod.ts";
