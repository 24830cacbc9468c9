/**
 * The resource lock of leader election: a coordination.k8s.io/v1 Lease read and written
 * the way client-go's `resourcelock.LeaseLock` does, and the pure conversions between a
 * Lease spec and a {@linkcode LeaderElectionRecord}.
 *
 * @module
 */
import { formatMicroTime, parseMicroTime, parseTime } from "../core/time.ts";
import type { KubeObject } from "../client/object.ts";
import type { ResourceDescriptor } from "../client/resource.ts";
import { ResourceClient } from "../client/resource_client.ts";
import type { RestClient } from "../client/rest_client.ts";

/**
 * coordination.k8s.io/v1 `LeaseSpec`. Unset fields may come as absent or `null`.
 *
 * @example A held lease
 * ```ts
 * import type { LeaseSpec } from "@certkit/issuer-lib";
 *
 * const spec: LeaseSpec = {
 *   holderIdentity: "issuer-7d9f_1", leaseDurationSeconds: 15, leaseTransitions: 2,
 *   acquireTime: "2024-01-01T00:00:00.000000Z", renewTime: "2024-01-01T00:00:10.000000Z",
 * };
 * console.log(spec.holderIdentity);
 * ```
 */
export interface LeaseSpec {
  /** Who holds the lease; `""` or absent when nobody does. */
  holderIdentity?: string | null;
  /** How long a holder's claim lasts after `renewTime`, in whole seconds. */
  leaseDurationSeconds?: number | null;
  /** When the current holder acquired the lease (`metav1.MicroTime`). */
  acquireTime?: string | null;
  /** When the holder last renewed the lease (`metav1.MicroTime`). */
  renewTime?: string | null;
  /** How many times the lease changed holders. */
  leaseTransitions?: number | null;
  /** The coordinated leader election strategy (kept as is). */
  strategy?: string | null;
  /** The preferred holder of coordinated leader election (kept as is). */
  preferredHolder?: string | null;
}

/**
 * A coordination.k8s.io/v1 `Lease`.
 *
 * @example Reading who leads
 * ```ts
 * import { KubeClient, LEASES, ResourceClient } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * const leases = new ResourceClient(client, LEASES, { namespace: "kube-system" });
 * await leases.create({ metadata: { name: "my-issuer" }, spec: { holderIdentity: "pod-a", leaseDurationSeconds: 15 } });
 * assert.equal((await leases.get("my-issuer")).spec?.holderIdentity, "pod-a");
 * ```
 */
export interface Lease extends KubeObject {
  /** The lease's claim. */
  spec?: LeaseSpec;
}

/**
 * Where Leases are served.
 *
 * @example The path of a Lease
 * ```ts
 * import { LEASES, resourcePath } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(
 *   resourcePath(LEASES, { namespace: "kube-system", name: "issuer" }),
 *   "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/issuer",
 * );
 * ```
 */
export const LEASES: ResourceDescriptor<Lease> = Object.freeze({
  group: "coordination.k8s.io",
  version: "v1",
  plural: "leases",
  kind: "Lease",
  namespaced: true,
});

/**
 * What leader election reads from and writes to its lock (client-go's
 * `LeaderElectionRecord`). Times are milliseconds since the epoch, or `undefined` when the
 * lease has none.
 *
 * @example A released lease
 * ```ts
 * import type { LeaderElectionRecord } from "@certkit/issuer-lib";
 *
 * const now = Date.UTC(2024, 0, 1);
 * const released: LeaderElectionRecord = {
 *   holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: 3,
 * };
 * console.log(released.holderIdentity === "" ? "nobody leads" : released.holderIdentity);
 * ```
 */
export interface LeaderElectionRecord {
  /** The holder; `""` when nobody holds the lease. */
  holderIdentity: string;
  /** How long the claim lasts, in whole seconds. */
  leaseDurationSeconds: number;
  /** When the holder acquired the lease. */
  acquireTime: number | undefined;
  /** When the holder last renewed it. */
  renewTime: number | undefined;
  /** How many times the lease changed holders. */
  leaseTransitions: number;
}

function time(text: string | null | undefined): number | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  return parseMicroTime(text) ?? parseTime(text);
}

/**
 * Reads a Lease spec as a leader election record (client-go's
 * `LeaseSpecToLeaderElectionRecord`): unset fields become `""`, `0` or `undefined`.
 *
 * @param spec The Lease's spec, possibly absent.
 * @returns The record.
 *
 * @example An empty Lease
 * ```ts
 * import { leaseSpecToRecord } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.deepEqual(leaseSpecToRecord(undefined), {
 *   holderIdentity: "", leaseDurationSeconds: 0, acquireTime: undefined, renewTime: undefined, leaseTransitions: 0,
 * });
 * ```
 */
export function leaseSpecToRecord(spec: LeaseSpec | undefined): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? "",
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: time(spec?.acquireTime),
    renewTime: time(spec?.renewTime),
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

/**
 * Writes a leader election record as a Lease spec (client-go's
 * `LeaderElectionRecordToLeaseSpec`), with `metav1.MicroTime` times (six fractional
 * digits; the API server rejects three). `strategy` and `preferredHolder` of `previous`
 * are kept.
 *
 * @param record The record.
 * @param previous The spec being replaced, if any.
 * @returns The spec to send.
 *
 * @example A fresh claim
 * ```ts
 * import { recordToLeaseSpec } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const now = Date.UTC(2024, 0, 1);
 * assert.deepEqual(
 *   recordToLeaseSpec({ holderIdentity: "a", leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaseTransitions: 0 }),
 *   {
 *     holderIdentity: "a", leaseDurationSeconds: 15, leaseTransitions: 0,
 *     acquireTime: "2024-01-01T00:00:00.000000Z", renewTime: "2024-01-01T00:00:00.000000Z",
 *   },
 * );
 * ```
 */
export function recordToLeaseSpec(record: LeaderElectionRecord, previous?: LeaseSpec): LeaseSpec {
  const spec: LeaseSpec = {};
  if (previous?.strategy) spec.strategy = previous.strategy;
  if (previous?.preferredHolder) spec.preferredHolder = previous.preferredHolder;
  spec.holderIdentity = record.holderIdentity;
  spec.leaseDurationSeconds = record.leaseDurationSeconds;
  if (record.acquireTime !== undefined) spec.acquireTime = formatMicroTime(record.acquireTime);
  if (record.renewTime !== undefined) spec.renewTime = formatMicroTime(record.renewTime);
  spec.leaseTransitions = record.leaseTransitions;
  return spec;
}

/**
 * Options of {@linkcode LeaseLock}.
 *
 * @example A lock labelled for its app
 * ```ts
 * import { KubeClient, LeaseLock, type LeaseLockOptions } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * const options: LeaseLockOptions = { namespace: "kube-system", name: "my-issuer", labels: { app: "my-issuer" } };
 * console.log(new LeaseLock(client, options).describe()); // kube-system/my-issuer
 * ```
 */
export interface LeaseLockOptions {
  /** The Lease's namespace. */
  namespace: string;
  /** The Lease's name. */
  name: string;
  /** Labels set on the Lease when this lock creates it. */
  labels?: Record<string, string>;
}

/**
 * What {@linkcode LeaseLock.get} read.
 *
 * @example Telling whether the Lease changed since the last read
 * ```ts
 * import { KubeClient, LeaseLock } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * const lock = new LeaseLock(client, { namespace: "kube-system", name: "my-issuer" });
 * const now = Date.UTC(2024, 0, 1);
 * await lock.create({ holderIdentity: "a", leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaseTransitions: 0 });
 * const first = await lock.get();
 * const second = await lock.get();
 * assert.equal(first.raw, second.raw); // nobody renewed in between
 * ```
 */
export interface ObservedLease {
  /** The record. */
  record: LeaderElectionRecord;
  /** The spec as the server sent it, as JSON text: compared to tell whether it changed. */
  raw: string;
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * One Lease used as a leader election lock. Like client-go's `LeaseLock`, it caches the
 * Lease it last read or wrote, and {@linkcode LeaseLock.update} replaces that object —
 * resourceVersion included — so a write based on a stale read fails with `409 Conflict`.
 *
 * @example Creating and reading a Lease in the in-process fake
 * ```ts
 * import { KubeClient, LeaseLock } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * const lock = new LeaseLock(client, { namespace: "kube-system", name: "my-issuer" });
 * const now = Date.UTC(2024, 0, 1);
 * await lock.create({ holderIdentity: "pod-a", leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaseTransitions: 0 });
 * const { record } = await lock.get();
 * assert.equal(record.holderIdentity, "pod-a");
 * assert.equal(lock.lease?.spec?.renewTime, "2024-01-01T00:00:00.000000Z");
 * ```
 */
export class LeaseLock {
  /** The Lease's namespace. */
  readonly namespace: string;
  /** The Lease's name. */
  readonly name: string;
  readonly #labels: Record<string, string> | undefined;
  readonly #leases: ResourceClient<Lease>;
  #lease: Lease | undefined;

  /**
   * Creates a lock; nothing is requested until it is used.
   *
   * @param client The client requests go through.
   * @param options The Lease's namespace and name, and labels for creating it.
   * @throws {TypeError} When the namespace or name is not a valid object name.
   */
  constructor(client: RestClient, options: LeaseLockOptions) {
    for (const field of ["namespace", "name"] as const) {
      const value: unknown = options[field];
      if (typeof value !== "string" || value.length > 253 || !NAME.test(value)) {
        throw new TypeError(
          `LeaseLock: ${field} must be a lower-case DNS subdomain name, got ${
            JSON.stringify(value)
          }`,
        );
      }
    }
    this.namespace = options.namespace;
    this.name = options.name;
    this.#labels = options.labels;
    this.#leases = new ResourceClient(client, LEASES, { namespace: options.namespace });
  }

  /** The Lease last read or written, if any (for the `regarding` of events). */
  get lease(): Lease | undefined {
    return this.#lease;
  }

  /** `namespace/name`, for log lines. */
  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  /**
   * Reads the Lease and caches it.
   *
   * @param signal Cancels the request.
   * @returns The record and the raw spec.
   * @throws {KubeApiError} `isNotFound` when the Lease does not exist.
   */
  async get(signal?: AbortSignal): Promise<ObservedLease> {
    const lease = await this.#leases.get(this.name, signal ? { signal } : {});
    this.#lease = lease;
    return { record: leaseSpecToRecord(lease.spec), raw: JSON.stringify(lease.spec ?? {}) };
  }

  /**
   * Creates the Lease with `record` and caches it.
   *
   * @param record The first claim.
   * @param signal Cancels the request.
   * @throws {KubeApiError} `isAlreadyExists` when another candidate created it first.
   */
  async create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    const metadata: Lease["metadata"] = { name: this.name, namespace: this.namespace };
    if (this.#labels) metadata.labels = { ...this.#labels };
    this.#lease = await this.#leases.create(
      {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata,
        spec: recordToLeaseSpec(record),
      },
      signal ? { signal } : {},
    );
  }

  /**
   * Replaces the cached Lease's spec with `record` (resourceVersion included) and caches
   * the answer.
   *
   * @param record The new claim.
   * @param signal Cancels the request.
   * @throws {Error} When nothing was read or created yet.
   * @throws {KubeApiError} `isConflict` when the Lease changed since it was cached.
   */
  async update(record: LeaderElectionRecord, signal?: AbortSignal): Promise<void> {
    const cached = this.#lease;
    if (!cached) {
      throw new Error(
        `LeaseLock ${this.describe()}: the lease is not initialized; call get or create first`,
      );
    }
    this.#lease = await this.#leases.update(
      { ...cached, spec: recordToLeaseSpec(record, cached.spec) },
      signal ? { signal } : {},
    );
  }
}
