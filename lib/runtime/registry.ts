/**
 * A Prometheus registry: the set of metric families served at `/metrics`.
 *
 * @module
 */
import { Histogram, type HistogramOptions } from "./histogram.ts";
import { type Collectable, Counter, Gauge, type MetricOptions } from "./metrics.ts";

/** The `Content-Type` of the text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Holds metric families by name and writes them all in the text exposition format 0.0.4,
 * sorted by name; families without series are left out, as client_golang does.
 *
 * @example Registering and exposing
 * ```ts
 * import { Registry } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const registry = new Registry();
 * const up = registry.gauge({ name: "up", help: "Whether the process is up." });
 * up.set(1);
 * assert.equal(registry.expose(), "# HELP up Whether the process is up.\n# TYPE up gauge\nup 1\n");
 * ```
 */
export class Registry {
  readonly #families = new Map<string, Collectable>();
  readonly #hooks = new Set<() => void>();

  /**
   * Adds a family.
   *
   * @param metric The family; its name must not be registered yet.
   * @returns The same family.
   * @throws {TypeError} When a family of that name is already registered.
   */
  register<M extends Collectable>(metric: M): M {
    if (this.#families.has(metric.name)) {
      throw new TypeError(`Registry.register: a metric named ${metric.name} is already registered`);
    }
    this.#families.set(metric.name, metric);
    return metric;
  }

  /** Removes the family `name`; returns whether it was registered. */
  unregister(name: string): boolean {
    return this.#families.delete(name);
  }

  /** The family registered as `name`, if any. */
  get(name: string): Collectable | undefined {
    return this.#families.get(name);
  }

  /** Creates and registers a {@linkcode Counter}. */
  counter<const L extends readonly string[] = readonly []>(options: MetricOptions<L>): Counter<L> {
    return this.register(new Counter<L>(options));
  }

  /** Creates and registers a {@linkcode Gauge}. */
  gauge<const L extends readonly string[] = readonly []>(options: MetricOptions<L>): Gauge<L> {
    return this.register(new Gauge<L>(options));
  }

  /** Creates and registers a {@linkcode Histogram}. */
  histogram<const L extends readonly string[] = readonly []>(
    options: HistogramOptions<L>,
  ): Histogram<L> {
    return this.register(new Histogram<L>(options));
  }

  /**
   * Runs `hook` before every {@linkcode Registry.expose}, to bring values computed on
   * demand (such as how long the running work has taken) up to date.
   *
   * @param hook Called synchronously; it must not throw.
   * @returns A function that removes the hook.
   */
  onCollect(hook: () => void): () => void {
    this.#hooks.add(hook);
    return () => void this.#hooks.delete(hook);
  }

  /** Every family in text exposition format 0.0.4. */
  expose(): string {
    for (const hook of this.#hooks) hook();
    return [...this.#families.keys()].sort()
      .map((name) => this.#families.get(name)?.expose() ?? "")
      .join("");
  }
}
