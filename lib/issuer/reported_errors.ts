/**
 * The reported-error channel (spec §8): how a request reconciler tells an issuer
 * reconciler that `sign` threw an `IssuerError`. One instance is shared by all controllers
 * of a combined controller; it lives in memory only.
 *
 * @module
 */

import type { IssuerKey } from "./matching.ts";

/** What identifies an issuer type here: its Go-style GVK text. */
export interface ReportedErrorType {
  /** `<group>/<version>, Kind=<kind>`. */
  readonly gvkString: string;
}

interface Consumer {
  enqueue: (key: IssuerKey) => void;
  errors: Map<string, unknown>;
}

function keyText(key: IssuerKey): string {
  return `${key.namespace}/${key.name}`;
}

/**
 * The in-process store of errors reported against issuers, keyed by issuer type and issuer
 * key, with a consumer (the issuer reconciler's queue) per type.
 */
export class ReportedErrors {
  #consumers = new Map<string, Consumer>();

  /**
   * Registers the issuer reconciler of a type.
   *
   * @param type The issuer type.
   * @param enqueue Adds an issuer key to that reconciler's queue (a plain add: immediate,
   * deduplicated, no rate limit, no predicates).
   * @returns A function that unregisters the consumer (and drops its stored errors).
   * @throws {Error} `consumer for <gvk> already registered`.
   */
  register(type: ReportedErrorType, enqueue: (key: IssuerKey) => void): () => void {
    if (this.#consumers.has(type.gvkString)) {
      throw new Error(`consumer for ${type.gvkString} already registered`);
    }
    const consumer: Consumer = { enqueue, errors: new Map() };
    this.#consumers.set(type.gvkString, consumer);
    return () => {
      if (this.#consumers.get(type.gvkString) === consumer) this.#consumers.delete(type.gvkString);
    };
  }

  /**
   * Reports an error against an issuer: stores it (a later report overwrites) and queues
   * the issuer.
   *
   * @param type The issuer type.
   * @param key The issuer.
   * @param error The error (the inner error of an `IssuerError`).
   * @throws {Error} `consumer for <gvk> does not exist`.
   */
  report(type: ReportedErrorType, key: IssuerKey, error: unknown): void {
    const consumer = this.#consumers.get(type.gvkString);
    if (consumer === undefined) throw new Error(`consumer for ${type.gvkString} does not exist`);
    consumer.errors.set(keyText(key), error);
    consumer.enqueue({ namespace: key.namespace, name: key.name });
  }

  /**
   * Takes the error reported against an issuer, removing it.
   *
   * @param type The issuer type.
   * @param key The issuer.
   * @returns `{ error }`, or `undefined` when nothing was reported.
   */
  take(type: ReportedErrorType, key: IssuerKey): { error: unknown } | undefined {
    const errors = this.#consumers.get(type.gvkString)?.errors;
    const k = keyText(key);
    if (errors === undefined || !errors.has(k)) return undefined;
    const error = errors.get(k);
    errors.delete(k);
    return { error };
  }
}
