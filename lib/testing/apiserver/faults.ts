/**
 * Fault injection for the fake API server: fail matching requests with a chosen
 * status, slow them down, or fail a share of them at random.
 *
 * @module
 */
import { matchesRequest, type RequestFacts, type RequestMatch } from "./request_match.ts";

/** How a failing request is answered. */
export interface FailureSpec {
  /** HTTP status code, such as 500 or 429. */
  code: number;
  /** Status reason; defaults from the code (`InternalError`, `TooManyRequests`, …). */
  reason?: string;
  /** Status message; a default names the fault. */
  message?: string;
  /** Adds `Retry-After` (and `details.retryAfterSeconds`). */
  retryAfterSeconds?: number;
  /** Answers with API Priority and Fairness' plain-text body instead of a Status (429 only). */
  plainText?: boolean;
}

/** A rule: which requests, how many, and what happens to them. */
export interface FaultRule {
  /** Which requests. */
  match: RequestMatch;
  /** How many matching requests it affects (default 1; `Infinity` for all). */
  times?: number;
  /** Share of matching requests affected, from 0 to 1 (default 1). */
  ratio?: number;
  /** Fail the request. */
  fail?: FailureSpec;
  /** Delay the request by this many milliseconds (of the server's clock) before serving it. */
  latencyMs?: number;
}

/** A rule once added: how much it has done, and a way to remove it. */
export interface FaultHandle {
  /** How many requests it has affected. */
  readonly injected: number;
  /** Removes the rule. */
  remove(): void;
}

/** What the server should do to a request. */
export interface FaultDecision {
  /** Answer the request with this failure instead of serving it. */
  fail?: FailureSpec;
  /** Delay the request by this many milliseconds first. */
  latencyMs?: number;
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
  injected: number;
}

/**
 * The fault rules of one server. Rules are checked in the order they were added; the
 * first failing rule that applies answers the request, and every applying latency rule
 * adds its delay.
 *
 * @example Failing the next status write
 * ```ts
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * const fault = server.faults.add({ match: { verb: "get", resource: "namespaces" }, fail: { code: 500 } });
 * const res = await server.fetch(new Request("http://fake/api/v1/namespaces/default"));
 * assert.equal(res.status, 500);
 * await res.body?.cancel();
 * assert.equal(fault.injected, 1);
 * ```
 */
export class FaultInjector {
  #rules: ActiveRule[] = [];
  #counts: Record<string, number> = {};
  readonly #random: () => number;

  /**
   * Creates an injector.
   *
   * @param random The source of randomness for `ratio` rules.
   */
  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /**
   * Adds a rule.
   *
   * @param rule The rule.
   * @returns A handle to watch and remove it.
   */
  add(rule: FaultRule): FaultHandle {
    if (rule.fail && !(rule.fail.code >= 400 && rule.fail.code <= 599)) {
      throw new RangeError(
        `FaultRule.fail.code must be an HTTP error code (400-599), got ${rule.fail.code}`,
      );
    }
    if (rule.ratio !== undefined && !(rule.ratio >= 0 && rule.ratio <= 1)) {
      throw new RangeError(`FaultRule.ratio must be between 0 and 1, got ${rule.ratio}`);
    }
    if (!rule.fail && rule.latencyMs === undefined) {
      throw new TypeError("FaultRule needs `fail` or `latencyMs`");
    }
    const active: ActiveRule = { rule, remaining: rule.times ?? 1, injected: 0 };
    this.#rules.push(active);
    return {
      get injected() {
        return active.injected;
      },
      remove: () => {
        this.#rules = this.#rules.filter((r) => r !== active);
      },
    };
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules = [];
  }

  /** How many requests each kind of fault has affected (`status:<code>`, `latency`). */
  get injectedCounts(): Readonly<Record<string, number>> {
    return { ...this.#counts };
  }

  /** Decides what happens to a request (the server calls this once per request). */
  decide(facts: RequestFacts): FaultDecision {
    const decision: FaultDecision = {};
    for (const active of [...this.#rules]) {
      if (active.remaining <= 0) continue;
      if (!matchesRequest(active.rule.match, facts)) continue;
      if (active.rule.ratio !== undefined && this.#random() >= active.rule.ratio) continue;
      if (active.rule.fail && decision.fail) continue;
      active.remaining--;
      active.injected++;
      if (active.remaining <= 0) this.#rules = this.#rules.filter((r) => r !== active);
      if (active.rule.fail) {
        decision.fail = active.rule.fail;
        const key = `status:${active.rule.fail.code}`;
        this.#counts[key] = (this.#counts[key] ?? 0) + 1;
      }
      if (active.rule.latencyMs !== undefined) {
        decision.latencyMs = (decision.latencyMs ?? 0) + active.rule.latencyMs;
        this.#counts.latency = (this.#counts.latency ?? 0) + 1;
      }
    }
    return decision;
  }
}
