/**
 * The fake API server's record of every request it answered, so tests can assert how
 * many reads and writes an operation cost.
 *
 * @module
 */
import { matchesRequest, type RequestFacts, type RequestMatch } from "./request_match.ts";

/** One answered request. */
export interface RequestRecord extends RequestFacts {
  /** Sequence number, from 1. */
  seq: number;
  /** When it arrived, in milliseconds since the epoch (the server's clock). */
  time: number;
  /** HTTP method. */
  method: string;
  /** The query string, without `?`. */
  query: string;
  /** The HTTP status code answered (200 for a watch that started). */
  code: number;
  /** The authenticated user name. */
  user: string;
  /** The User-Agent header. */
  userAgent: string;
  /** The field manager of a write, if any. */
  fieldManager: string;
  /** The injected fault that answered it, if any (`"status"`, `"latency"`). */
  fault?: string;
}

/** A {@linkcode RequestMatch} that can also ask for an HTTP status code. */
export interface RecordMatch extends RequestMatch {
  /** HTTP status code. */
  code?: number;
}

/**
 * A bounded log of the requests a fake API server answered.
 *
 * @example Counting writes
 * ```ts
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * await server.fetch(new Request("http://fake/api/v1/namespaces/default/secrets", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } }),
 * }));
 * assert.equal(server.requests.count({ verb: "create", resource: "secrets" }), 1);
 * ```
 */
export class RequestLog {
  #records: RequestRecord[] = [];
  #seq = 0;
  readonly #limit: number;
  #listeners = new Set<(record: RequestRecord) => void>();

  /**
   * Creates a log.
   *
   * @param limit How many records to keep; older ones are dropped first.
   */
  constructor(limit = 200_000) {
    this.#limit = limit;
  }

  /** Adds a record (the server calls this). */
  add(record: Omit<RequestRecord, "seq">): RequestRecord {
    const full = { ...record, seq: ++this.#seq };
    this.#records.push(full);
    if (this.#records.length > this.#limit * 1.25) {
      this.#records = this.#records.slice(-this.#limit);
    }
    for (const listener of this.#listeners) listener(full);
    return full;
  }

  /** The kept records, oldest first; only those matching `match` when given. */
  entries(match?: RecordMatch): RequestRecord[] {
    return match ? this.#records.filter((r) => matchesRecord(match, r)) : [...this.#records];
  }

  /** How many kept records match. */
  count(match: RecordMatch = {}): number {
    let n = 0;
    for (const r of this.#records) if (matchesRecord(match, r)) n++;
    return n;
  }

  /** Counts of matching records per verb. */
  countsByVerb(match: RecordMatch = {}): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.#records) {
      if (matchesRecord(match, r)) out[r.verb] = (out[r.verb] ?? 0) + 1;
    }
    return out;
  }

  /** The sequence number of the newest record (0 when none): a mark to count from. */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Forgets every record. */
  clear(): void {
    this.#records = [];
  }

  /**
   * Calls `listener` for every new record.
   *
   * @returns A function that removes the listener.
   */
  subscribe(listener: (record: RequestRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

function matchesRecord(match: RecordMatch, record: RequestRecord): boolean {
  if (match.code !== undefined && match.code !== record.code) return false;
  return matchesRequest(match, record);
}
