/**
 * What a conformance case is: a name that says what it checks, the features it needs, and
 * the check itself.
 *
 * @module
 */
import type { JsonObject } from "../../core/json.ts";
import type { ConformanceFeature, ConformanceOptions } from "./conformance_options.ts";
import type { KitEnv } from "./_kit_env.ts";

/** One conformance case. */
export interface CaseDefinition {
  /** Says what is checked. */
  name: string;
  /** Features the CA must support (else the case is skipped, saying which). */
  needs?: ConformanceFeature[];
  /** Why the case cannot run for these options (such as a missing issuer scope), if so. */
  skipReason?: (options: ConformanceOptions<JsonObject>) => string | undefined;
  /** Runs the case; throws a `CaseFailure` saying what broke. */
  run: (env: KitEnv) => Promise<void>;
}

/** Skips a case when the issuer types have no cluster-scoped kind. */
export function needsClusterKind(options: ConformanceOptions<JsonObject>): string | undefined {
  return options.issuerTypes.some((t) => !t.namespaced)
    ? undefined
    : "the issuerTypes have no cluster-scoped kind";
}

/** Skips a case when the issuer types have no namespaced kind. */
export function needsNamespacedKind(options: ConformanceOptions<JsonObject>): string | undefined {
  return options.issuerTypes.some((t) => t.namespaced)
    ? undefined
    : "the issuerTypes have no namespaced kind";
}
