/**
 * Prometheus histograms: observations counted into cumulative buckets.
 *
 * @module
 */
import { checkFamily, formatFloat, header, SeriesMap } from "./_exposition.ts";
import type { Collectable, LabelValues, MetricOptions } from "./metrics.ts";

/** One histogram series. */
export interface HistogramChild {
  /** Records one observation. */
  observe(value: number): void;
  /** How many observations were recorded. */
  readonly count: number;
  /** The sum of the observations. */
  readonly sum: number;
}

/** Prometheus' default histogram buckets, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [
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
];

/**
 * `count` bucket bounds from `start`, each `factor` times the previous, computed as
 * client_golang's `ExponentialBuckets` does (so `1e-8 × 10` gives its `9.999999999999999e-06`).
 *
 * @example workqueue duration buckets
 * ```ts
 * import { exponentialBuckets } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.deepEqual(exponentialBuckets(1, 2, 4), [1, 2, 4, 8]);
 * ```
 */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(start > 0)) throw new RangeError(`exponentialBuckets: start must be > 0, got ${start}`);
  if (!(factor > 1)) throw new RangeError(`exponentialBuckets: factor must be > 1, got ${factor}`);
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`exponentialBuckets: count must be an integer >= 1, got ${count}`);
  }
  const out: number[] = [];
  for (let b = start; out.length < count; b *= factor) out.push(b);
  return out;
}

/** Histogram options: the bucket upper bounds (`+Inf` is implied). */
export interface HistogramOptions<L extends readonly string[]> extends MetricOptions<L> {
  /** Strictly increasing upper bounds (default {@linkcode DEFAULT_BUCKETS}). */
  buckets?: readonly number[];
}

/**
 * Counts observations into cumulative buckets, such as reconcile durations in seconds.
 *
 * @typeParam L The label names (`le` is reserved).
 *
 * @example Two observations
 * ```ts
 * import { Histogram } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const h = new Histogram({ name: "d_seconds", help: "D.", buckets: [0.1, 1] });
 * h.observe(0.05);
 * h.observe(3);
 * assert.equal(
 *   h.expose(),
 *   "# HELP d_seconds D.\n# TYPE d_seconds histogram\n" +
 *     'd_seconds_bucket{le="0.1"} 1\nd_seconds_bucket{le="1"} 1\nd_seconds_bucket{le="+Inf"} 2\n' +
 *     "d_seconds_sum 3.05\nd_seconds_count 2\n",
 * );
 * ```
 */
export class Histogram<const L extends readonly string[] = readonly []> implements Collectable {
  /** The family name. */
  readonly name: string;
  /** The help text. */
  readonly help: string;
  /** The label names. */
  readonly labelNames: L;
  /** The finite upper bounds. */
  readonly buckets: readonly number[];
  readonly #series: SeriesMap<HistogramChild & { readonly counts: number[] }>;

  /**
   * Creates the histogram.
   *
   * @param options Name, help, label names and buckets.
   */
  constructor(options: HistogramOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? ([] as unknown as L);
    checkFamily("Histogram", this.name, this.labelNames, ["le"]);
    const buckets = (options.buckets ?? DEFAULT_BUCKETS).filter((b) => b !== Infinity);
    buckets.forEach((b, i) => {
      if (Number.isNaN(b) || (i > 0 && !(b > (buckets[i - 1] ?? 0)))) {
        throw new RangeError(
          `Histogram ${this.name}: buckets must be strictly increasing numbers, got [${buckets}]`,
        );
      }
    });
    this.buckets = Object.freeze(buckets);
    this.#series = new SeriesMap(`Histogram ${this.name}`, this.labelNames, () => {
      const counts = new Array<number>(buckets.length + 1).fill(0);
      let count = 0;
      let sum = 0;
      return {
        counts,
        observe(value: number) {
          let i = 0;
          while (i < buckets.length && value > (buckets[i] ?? Infinity)) i++;
          counts[i] = (counts[i] ?? 0) + 1;
          count++;
          sum += value;
        },
        get count() {
          return count;
        },
        get sum() {
          return sum;
        },
      };
    });
  }

  /** The series for these label values, created empty on first use. */
  labels(...values: LabelValues<L>): HistogramChild {
    return this.#series.get(values);
  }

  /** Removes the series for these label values. */
  remove(...values: LabelValues<L>): boolean {
    return this.#series.remove(values);
  }

  /** Records into the only series of a histogram without labels. */
  observe(this: Histogram<readonly []>, value: number): void {
    this.#series.get([]).observe(value);
  }

  /** The family in text format. */
  expose(): string {
    const series = this.#series.sorted();
    if (series.length === 0) return "";
    let out = header(this.name, this.help, "histogram");
    for (const { labelText, pairsText, child } of series) {
      const prefix = pairsText === "" ? "" : `${pairsText},`;
      let cumulative = 0;
      [...this.buckets, Infinity].forEach((bound, i) => {
        cumulative += child.counts[i] ?? 0;
        out += `${this.name}_bucket{${prefix}le="${formatFloat(bound)}"} ${
          formatFloat(cumulative)
        }\n`;
      });
      out += `${this.name}_sum${labelText} ${formatFloat(child.sum)}\n`;
      out += `${this.name}_count${labelText} ${formatFloat(child.count)}\n`;
    }
    return out;
  }
}
