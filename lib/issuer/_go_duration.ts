/**
 * Go's `Duration.String`, to name a retry window in a message the way Go users read
 * durations (`1h0m0s`). Parsing is `parseGoDuration` of the certificate area.
 *
 * @module
 */

function trimFraction(value: number): string {
  return String(Number(value.toFixed(9)));
}

/**
 * Formats milliseconds as Go's `Duration.String` does: `1h0m0s`, `1m30s`, `1.5s`,
 * `500ms`, `0s`.
 *
 * @param ms The duration in milliseconds.
 * @returns Go's text for it.
 */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  if (abs < 1) {
    const ns = abs * 1e6;
    return ns < 1000 ? `${sign}${trimFraction(ns)}ns` : `${sign}${trimFraction(ns / 1000)}µs`;
  }
  if (abs < 1000) return `${sign}${trimFraction(abs)}ms`;
  const hours = Math.floor(abs / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const seconds = trimFraction((abs % 60_000) / 1000);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}
