/**
 * Prometheus counters and gauges, each a family of series told apart by label values,
 * and the types every metric kind shares.
 *
 * @module
 */
import { checkFamily, formatFloat, header, SeriesMap } from "./_exposition.ts";

/** One string per label name, in the order the names were declared. */
export type LabelValues<L extends readonly string[]> = { [I in keyof L]: string };

/** What every metric kind is created from. */
export interface MetricOptions<L extends readonly string[]> {
  /** The metric name, e.g. `controller_runtime_reconcile_total`. */
  name: string;
  /** The `# HELP` text. */
  help: string;
  /** The label names; values are given in this order to `labels(...)`. */
  labelNames?: L;
}

/** A metric family a {@linkcode Registry} can write out. */
export interface Collectable {
  /** The family name. */
  readonly name: string;
  /** The family in text format 0.0.4, or "" when it has no series. */
  expose(): string;
}

/** One counter series. */
export interface CounterChild {
  /** Adds `amount` (default 1); it must not be negative. */
  inc(amount?: number): void;
  /** The current total. */
  readonly value: number;
}

/** One gauge series. */
export interface GaugeChild {
  /** Sets the value. */
  set(value: number): void;
  /** Adds `amount` (default 1). */
  inc(amount?: number): void;
  /** Subtracts `amount` (default 1). */
  dec(amount?: number): void;
  /** The current value. */
  readonly value: number;
}

/**
 * A value that only goes up, such as a count of reconciles.
 *
 * @typeParam L The label names, as a tuple so `labels(...)` is checked for arity.
 *
 * @example A labelled counter
 * ```ts
 * import { Counter } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const total = new Counter({ name: "jobs_total", help: "Jobs run.", labelNames: ["result"] });
 * total.labels("ok").inc();
 * total.labels("ok").inc(2);
 * assert.equal(total.expose(), '# HELP jobs_total Jobs run.\n# TYPE jobs_total counter\njobs_total{result="ok"} 3\n');
 * ```
 */
export class Counter<const L extends readonly string[] = readonly []> implements Collectable {
  /** The family name. */
  readonly name: string;
  /** The help text. */
  readonly help: string;
  /** The label names. */
  readonly labelNames: L;
  readonly #series: SeriesMap<CounterChild>;

  /**
   * Creates the counter.
   *
   * @param options Name, help and label names.
   */
  constructor(options: MetricOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? ([] as unknown as L);
    checkFamily("Counter", this.name, this.labelNames);
    const name = this.name;
    this.#series = new SeriesMap(`Counter ${name}`, this.labelNames, () => {
      let value = 0;
      return {
        inc(amount = 1) {
          if (!(amount >= 0)) {
            throw new RangeError(`Counter ${name}: inc amount must be >= 0, got ${amount}`);
          }
          value += amount;
        },
        get value() {
          return value;
        },
      };
    });
  }

  /** The series for these label values, created at 0 on first use. */
  labels(...values: LabelValues<L>): CounterChild {
    return this.#series.get(values);
  }

  /** Removes the series for these label values. */
  remove(...values: LabelValues<L>): boolean {
    return this.#series.remove(values);
  }

  /** Adds to the only series of a counter without labels. */
  inc(this: Counter<readonly []>, amount = 1): void {
    this.#series.get([]).inc(amount);
  }

  /** The family in text format. */
  expose(): string {
    const lines = this.#series.sorted().map((s) =>
      `${this.name}${s.labelText} ${formatFloat(s.child.value)}\n`
    );
    return lines.length === 0 ? "" : header(this.name, this.help, "counter") + lines.join("");
  }
}

/**
 * A value that goes up and down, such as a queue depth.
 *
 * @typeParam L The label names.
 *
 * @example Active workers
 * ```ts
 * import { Gauge } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const active = new Gauge({ name: "workers", help: "Busy workers.", labelNames: ["pool"] });
 * active.labels("a").inc();
 * active.labels("a").inc();
 * active.labels("a").dec();
 * assert.equal(active.labels("a").value, 1);
 * ```
 */
export class Gauge<const L extends readonly string[] = readonly []> implements Collectable {
  /** The family name. */
  readonly name: string;
  /** The help text. */
  readonly help: string;
  /** The label names. */
  readonly labelNames: L;
  readonly #series: SeriesMap<GaugeChild>;

  /**
   * Creates the gauge.
   *
   * @param options Name, help and label names.
   */
  constructor(options: MetricOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? ([] as unknown as L);
    checkFamily("Gauge", this.name, this.labelNames);
    this.#series = new SeriesMap(`Gauge ${this.name}`, this.labelNames, () => {
      let value = 0;
      return {
        set: (v: number) => void (value = v),
        inc: (amount = 1) => void (value += amount),
        dec: (amount = 1) => void (value -= amount),
        get value() {
          return value;
        },
      };
    });
  }

  /** The series for these label values, created at 0 on first use. */
  labels(...values: LabelValues<L>): GaugeChild {
    return this.#series.get(values);
  }

  /** Removes the series for these label values. */
  remove(...values: LabelValues<L>): boolean {
    return this.#series.remove(values);
  }

  /** Sets the only series of a gauge without labels. */
  set(this: Gauge<readonly []>, value: number): void {
    this.#series.get([]).set(value);
  }

  /** The family in text format. */
  expose(): string {
    const lines = this.#series.sorted().map((s) =>
      `${this.name}${s.labelText} ${formatFloat(s.child.value)}\n`
    );
    return lines.length === 0 ? "" : header(this.name, this.help, "gauge") + lines.join("");
  }
}
