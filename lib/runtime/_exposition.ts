/**
 * Pieces of the Prometheus text exposition format 0.0.4 shared by the metric kinds:
 * number formatting, escaping, name checks and the labelled-series map.
 *
 * @module
 */

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Formats a sample value or bucket bound as client_golang does (Go's `%g` shortest form:
 * `1e+06`, `9.999999999999999e-06`, `0.005`, `+Inf`), so `le` labels match Go exporters'.
 */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (value === 0) return "0";
  const [mantissa = "", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const digits = String(Math.abs(exponent)).padStart(2, "0");
    return `${mantissa}e${exponent < 0 ? "-" : "+"}${digits}`;
  }
  return String(value);
}

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}

/** Escapes HELP text: backslash and newline. */
export function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (c) => c === "\n" ? "\\n" : "\\\\");
}

/** The `# HELP` and `# TYPE` header of a family. */
export function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

/** Throws a `TypeError` naming `who` unless `name` is a valid metric name. */
export function checkMetricName(who: string, name: string): void {
  if (!METRIC_NAME.test(name)) {
    throw new TypeError(
      `${who}: metric name must match ${METRIC_NAME.source}, got ${JSON.stringify(name)}`,
    );
  }
}

/** Throws a `TypeError` unless every label name is valid, unreserved and unique. */
export function checkLabelNames(
  who: string,
  labelNames: readonly string[],
  reserved: readonly string[] = [],
): void {
  const seen = new Set<string>();
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith("__") || reserved.includes(label)) {
      throw new TypeError(`${who}: invalid or reserved label name ${JSON.stringify(label)}`);
    }
    if (seen.has(label)) {
      throw new TypeError(`${who}: duplicate label name ${JSON.stringify(label)}`);
    }
    seen.add(label);
  }
}

interface Series<C> {
  /** `{a="x",b="y"}` with names sorted, or "" without labels. */
  labelText: string;
  /** The label pairs without braces, for appending `le`. */
  pairsText: string;
  child: C;
}

/**
 * The labelled series of one family. Label pairs are written sorted by label name and
 * series sorted by their label text, as client_golang does.
 */
export class SeriesMap<C> {
  readonly #who: string;
  readonly #labelNames: readonly string[];
  readonly #create: () => C;
  readonly #series = new Map<string, Series<C>>();
  readonly #order: number[];

  constructor(who: string, labelNames: readonly string[], create: () => C) {
    this.#who = who;
    this.#labelNames = labelNames;
    this.#create = create;
    this.#order = labelNames.map((_, i) => i).sort((a, b) =>
      (labelNames[a] ?? "") < (labelNames[b] ?? "") ? -1 : 1
    );
    if (labelNames.length === 0) this.get([]);
  }

  /** The child for these label values, created on first use. */
  get(values: readonly string[]): C {
    if (values.length !== this.#labelNames.length) {
      throw new RangeError(
        `${this.#who}: expected ${this.#labelNames.length} label values (${
          this.#labelNames.join(", ")
        }), got ${values.length}`,
      );
    }
    const key = values.join("\u0000");
    const found = this.#series.get(key);
    if (found) return found.child;
    for (const v of values) {
      if (typeof v !== "string") {
        throw new TypeError(`${this.#who}: label values must be strings, got ${typeof v}`);
      }
    }
    const pairsText = this.#order
      .map((i) => `${this.#labelNames[i]}="${escapeLabelValue(values[i] ?? "")}"`)
      .join(",");
    const series: Series<C> = {
      labelText: pairsText === "" ? "" : `{${pairsText}}`,
      pairsText,
      child: this.#create(),
    };
    this.#series.set(key, series);
    return series.child;
  }

  /** Drops the series with these label values; returns whether it existed. */
  remove(values: readonly string[]): boolean {
    return this.#series.delete(values.join("\u0000"));
  }

  /** Drops every series (a family without labels keeps its one series, zeroed). */
  clear(): void {
    this.#series.clear();
    if (this.#labelNames.length === 0) this.get([]);
  }

  /** The series sorted for exposition. */
  sorted(): Series<C>[] {
    return [...this.#series.values()].sort((a, b) =>
      a.labelText < b.labelText ? -1 : a.labelText > b.labelText ? 1 : 0
    );
  }
}

/** Checks a family's name and label names, throwing a `TypeError` that names the bad one. */
export function checkFamily(
  who: string,
  name: string,
  labelNames: readonly string[],
  reserved: string[] = [],
): void {
  checkMetricName(who, name);
  checkLabelNames(`${who} ${name}`, labelNames, reserved);
}
