/**
 * Wire types and pure helpers every layer shares: JSON values, the meta/v1 `Status`,
 * Kubernetes time formats, and the {@linkcode Clock}.
 *
 * @module
 */
export * from "./json.ts";
export * from "./status.ts";
export * from "./time.ts";
export * from "./clock.ts";
