/**
 * The two time formats of the Kubernetes API: `metav1.Time` (RFC 3339, whole seconds)
 * and `metav1.MicroTime` (exactly six fractional digits).
 *
 * @module
 */

/**
 * Formats a time as `metav1.Time`: RFC 3339 in UTC with whole seconds.
 *
 * @param epochMs Milliseconds since the Unix epoch.
 * @returns Text such as `2024-05-01T10:00:00Z`.
 *
 * @example Formatting a condition time
 * ```ts
 * import { formatTime } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(formatTime(Date.UTC(2024, 4, 1, 10, 0, 0, 999)), "2024-05-01T10:00:00Z");
 * ```
 */
export function formatTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * Formats a time as `metav1.MicroTime`: RFC 3339 in UTC with exactly six fractional
 * digits, as the API server requires for Lease and events.k8s.io times.
 *
 * @param epochMs Milliseconds since the Unix epoch.
 * @returns Text such as `2024-05-01T10:00:00.123000Z`.
 *
 * @example Formatting a lease renew time
 * ```ts
 * import { formatMicroTime } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(formatMicroTime(Date.UTC(2024, 4, 1, 10, 0, 0, 123)), "2024-05-01T10:00:00.123000Z");
 * ```
 */
export function formatMicroTime(epochMs: number): string {
  return new Date(Math.floor(epochMs)).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 time as the API server does for `metav1.Time`.
 *
 * @param text The time text.
 * @returns Milliseconds since the Unix epoch, or `undefined` when `text` is not RFC 3339.
 *
 * @example Parsing a creation timestamp
 * ```ts
 * import { parseTime } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(parseTime("2024-05-01T10:00:00Z"), Date.UTC(2024, 4, 1, 10));
 * assert.equal(parseTime("yesterday"), undefined);
 * ```
 */
export function parseTime(text: string): number | undefined {
  if (!TIME.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Parses a `metav1.MicroTime`, which must have exactly six fractional digits.
 *
 * @param text The time text.
 * @returns Milliseconds since the Unix epoch, or `undefined` when the format is wrong.
 *
 * @example Three digits are not enough
 * ```ts
 * import { parseMicroTime } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(parseMicroTime("2024-05-01T10:00:00.123Z"), undefined);
 * assert.equal(parseMicroTime("2024-05-01T10:00:00.123000Z"), Date.UTC(2024, 4, 1, 10, 0, 0, 123));
 * ```
 */
export function parseMicroTime(text: string): number | undefined {
  if (!MICRO_TIME.test(text)) return undefined;
  return parseTime(text);
}
