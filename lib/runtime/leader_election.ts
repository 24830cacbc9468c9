/**
 * Leader election on a coordination.k8s.io/v1 Lease with client-go's `LeaderElector`
 * semantics, so that of several replicas only one runs the controllers.
 *
 * @module
 */
import { type Clock, systemClock } from "../core/clock.ts";
import { isNotFound } from "../client/kube_api_error.ts";
import type { EventRecorder } from "./event_recorder.ts";
import type { LeaderElectionRecord, LeaseLock } from "./lease_lock.ts";
import { libraryLogger, type Logger } from "./logging.ts";
import type { ObjectReference } from "./object_reference.ts";

/**
 * client-go's `JitterFactor`: acquiring waits `retryPeriod × (1 + 1.2 × random)` between
 * tries, and the renew deadline must exceed `retryPeriod × 1.2`.
 *
 * @example The longest pause between two tries to acquire, with the default 2 s retry period
 * ```ts
 * import { LEADER_ELECTION_JITTER_FACTOR } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.equal(2_000 * (1 + LEADER_ELECTION_JITTER_FACTOR), 4_400);
 * ```
 */
export const LEADER_ELECTION_JITTER_FACTOR = 1.2;

/**
 * The error {@linkcode LeaderElector.run} rejects with when the lease is lost: it could
 * not be renewed within the renew deadline, or another candidate holds it. The process
 * should exit: its controllers may already overlap with the new leader's.
 *
 * @example Telling a lost lease from other failures
 * ```ts
 * import { LeadershipLostError } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const error = new LeadershipLostError("pod-a_1", "kube-system/issuer", "the renew deadline of 10000 ms passed");
 * assert.equal(error.name, "LeadershipLostError");
 * assert.equal(
 *   error.message,
 *   'pod-a_1 lost the lease kube-system/issuer: the renew deadline of 10000 ms passed',
 * );
 * ```
 */
export class LeadershipLostError extends Error {
  /** The candidate that lost the lease. */
  readonly identity: string;
  /** The lease, as `namespace/name`. */
  readonly lease: string;

  /**
   * Creates the error.
   *
   * @param identity The candidate that lost the lease.
   * @param lease The lease, as `namespace/name`.
   * @param why What happened.
   * @param options The underlying error, if any.
   */
  constructor(identity: string, lease: string, why: string, options?: ErrorOptions) {
    super(`${identity} lost the lease ${lease}: ${why}`, options);
    this.name = "LeadershipLostError";
    this.identity = identity;
    this.lease = lease;
  }
}

/**
 * Options of {@linkcode LeaderElector}.
 *
 * @example controller-runtime's defaults, spelled out, with the leadership gauge
 * ```ts
 * import {
 *   controllerRuntimeMetrics, KubeClient, LeaderElector, type LeaderElectorOptions, LeaseLock, Registry,
 * } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * const metrics = controllerRuntimeMetrics(new Registry());
 * const options: LeaderElectorOptions = {
 *   lock: new LeaseLock(client, { namespace: "kube-system", name: "my-issuer" }),
 *   identity: "my-issuer-7d9f_1",
 *   leaseDurationMs: 15_000,
 *   renewDeadlineMs: 10_000,
 *   retryPeriodMs: 2_000,
 *   onChange: (leading) => metrics.leaderElectionMasterStatus.labels("my-issuer").set(leading ? 1 : 0),
 * };
 * new LeaderElector(options);
 * ```
 */
export interface LeaderElectorOptions {
  /** The Lease to hold. */
  lock: LeaseLock;
  /**
   * This candidate's identity, unique among the replicas (default
   * {@linkcode defaultLeaderIdentity}: the host name and a random suffix, which needs
   * `--allow-sys=hostname`).
   */
  identity?: string;
  /** How long a claim lasts without renewal: followers wait this long (default 15 s; whole seconds). */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a failed renewal before it gives up (default 10 s). */
  renewDeadlineMs?: number;
  /** The pause between tries to acquire or renew (default 2 s). */
  retryPeriodMs?: number;
  /** Hand the lease over when `run` ends, so a successor takes over at once (default `true`). */
  releaseOnCancel?: boolean;
  /** The name of this election: the `name` label of `leader_election_master_status` (default the lease name). */
  name?: string;
  /** Where time comes from (default {@linkcode systemClock}). */
  clock?: Clock;
  /** Random numbers in `[0, 1)` for the jitter of acquiring (default `Math.random`). */
  random?: () => number;
  /** Records `<identity> became leader` and `<identity> stopped leading` on the Lease (reason `LeaderElection`). */
  recorder?: EventRecorder;
  /**
   * Hears every change of leadership: `true` once acquired, `false` once lost or
   * released. Set `leader_election_master_status{name}` here.
   */
  onChange?: (leading: boolean) => void;
  /** Where to log (default the logtape category `["certkit", "leader-election"]`). */
  logger?: Logger;
}

/**
 * A unique identity for this replica, as controller-runtime makes one: the host name, an
 * underscore and a random UUID. Reading the host name needs `--allow-sys=hostname`.
 *
 * @returns Such as `issuer-7d9f_0b7c…`.
 * @throws {Deno.errors.NotCapable} Without the `sys` permission for `hostname`.
 *
 * @example An identity
 * ```ts
 * import { defaultLeaderIdentity } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * assert.match(defaultLeaderIdentity(), /^.+_[0-9a-f-]{36}$/);
 * ```
 */
export function defaultLeaderIdentity(): string {
  return `${Deno.hostname()}_${crypto.randomUUID()}`;
}

function duration(what: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(
      `LeaderElector: ${what} must be a positive number of ms, got ${value}`,
    );
  }
  return value;
}

/**
 * Leader election as client-go's `LeaderElector` does it on a `LeaseLock`:
 * 1. **Acquire.** Read the Lease; when it does not exist, create it with this identity.
 *    When another holder's claim has not expired, wait `retryPeriod` (plus up to 1.2×
 *    jitter) and try again. Expiry is judged by the local clock at which this candidate
 *    last saw the Lease change, plus its `leaseDurationSeconds` — never by comparing
 *    `renewTime` with the local clock, so clock skew between nodes does not matter.
 *    Taking over an expired or released Lease sets `acquireTime` and adds one to
 *    `leaseTransitions`.
 * 2. **Lead.** Call `leading` with a signal that aborts when leadership ends, record
 *    `<identity> became leader` (reason `LeaderElection`) and tell `onChange(true)`.
 * 3. **Renew** every `retryPeriod`: replace the cached Lease (its resourceVersion
 *    included) with a new `renewTime`; on failure (a `409` means someone else wrote)
 *    re-read it and retry every `retryPeriod`. When no renewal succeeds within
 *    `renewDeadline`, or the Lease shows another holder, leadership is lost: the leading
 *    signal aborts with a {@linkcode LeadershipLostError}, and once `leading` has settled,
 *    `run` rejects with it (without trying to release: the lease is someone else's, or
 *    the API server is failing).
 * 4. **Release.** When `signal` aborts, the leading signal aborts; renewal goes on until
 *    `leading` settles (so the controllers drain while the lease is still held), then the
 *    Lease is released — `holderIdentity: ""`, `leaseDurationSeconds: 1`, both times now —
 *    so a follower takes over on its next try instead of waiting for expiry. `run`
 *    resolves (or rejects with `leading`'s error). `leading` settling by itself ends
 *    leadership the same way. A candidate stopped while its claim was in flight (the
 *    server may have applied it unanswered) releases the Lease too, if it names it.
 *
 * Durations are validated as client-go does: `leaseDuration > renewDeadline >
 * retryPeriod × 1.2`.
 *
 * @example Leading until shutdown, then handing the lease over
 * ```ts
 * import { KubeClient, LeaderElector, LeaseLock } from "@certkit/issuer-lib";
 * import { FakeApiServer } from "@certkit/issuer-lib/testing";
 * import { strict as assert } from "node:assert";
 *
 * await using server = new FakeApiServer();
 * using client = new KubeClient("http://fake", server.fetch);
 * const elector = new LeaderElector({
 *   lock: new LeaseLock(client, { namespace: "kube-system", name: "my-issuer" }),
 *   identity: "replica-a",
 * });
 * const stop = new AbortController();
 * await elector.run(stop.signal, async (leaderSignal) => {
 *   assert.equal(elector.isLeader, true);
 *   // Run the controllers until leaderSignal aborts; here, shut down at once.
 *   stop.abort();
 *   assert.equal(leaderSignal.aborted, true);
 *   await Promise.resolve();
 * });
 * assert.equal(elector.isLeader, false);
 * const { record } = await new LeaseLock(client, { namespace: "kube-system", name: "my-issuer" }).get();
 * assert.equal(record.holderIdentity, ""); // released for a successor
 * ```
 */
export class LeaderElector {
  /** This candidate's identity. */
  readonly identity: string;
  /** The election's name (the metric label). */
  readonly name: string;
  /** How long a claim lasts, in ms. */
  readonly leaseDurationMs: number;
  /** How long renewal may fail before leadership is lost, in ms. */
  readonly renewDeadlineMs: number;
  /** The pause between tries, in ms. */
  readonly retryPeriodMs: number;
  readonly #lock: LeaseLock;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #releaseOnCancel: boolean;
  readonly #recorder: EventRecorder | undefined;
  readonly #onChange: ((leading: boolean) => void) | undefined;
  readonly #log: Logger;
  #observed: LeaderElectionRecord | undefined;
  #observedRaw: string | undefined;
  #observedTime = 0;
  #leading = false;
  /** A create or update of the Lease was cut off by the campaign's abort: it may have landed. */
  #writeInterrupted = false;
  #running = false;

  /**
   * Creates an elector; nothing is requested until {@linkcode LeaderElector.run}.
   *
   * @param options The lock, identity, durations and hooks.
   * @throws {RangeError} When a duration is not positive, the lease duration is not a whole
   * number of seconds, or the durations break `leaseDuration > renewDeadline > retryPeriod × 1.2`.
   * @throws {TypeError} When the identity is empty.
   */
  constructor(options: LeaderElectorOptions) {
    const lease = duration("leaseDurationMs", options.leaseDurationMs, 15_000);
    const renew = duration("renewDeadlineMs", options.renewDeadlineMs, 10_000);
    const retry = duration("retryPeriodMs", options.retryPeriodMs, 2_000);
    if (lease % 1000 !== 0) {
      throw new RangeError(
        `LeaderElector: leaseDurationMs must be a whole number of seconds (the Lease stores seconds), got ${lease}`,
      );
    }
    if (!(lease > renew)) {
      throw new RangeError(
        `LeaderElector: leaseDurationMs (${lease}) must be greater than renewDeadlineMs (${renew})`,
      );
    }
    if (!(renew > retry * LEADER_ELECTION_JITTER_FACTOR)) {
      throw new RangeError(
        `LeaderElector: renewDeadlineMs (${renew}) must be greater than retryPeriodMs × ${LEADER_ELECTION_JITTER_FACTOR} (${
          retry * LEADER_ELECTION_JITTER_FACTOR
        })`,
      );
    }
    const identity = options.identity ?? defaultLeaderIdentity();
    if (typeof identity !== "string" || identity === "") {
      throw new TypeError(
        `LeaderElector: identity must be a non-empty string, got ${JSON.stringify(identity)}`,
      );
    }
    this.identity = identity;
    this.name = options.name ?? options.lock.name;
    this.leaseDurationMs = lease;
    this.renewDeadlineMs = renew;
    this.retryPeriodMs = retry;
    this.#lock = options.lock;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#releaseOnCancel = options.releaseOnCancel ?? true;
    this.#recorder = options.recorder;
    this.#onChange = options.onChange;
    this.#log = options.logger ?? libraryLogger("leader-election");
  }

  /** Whether this candidate leads now: between acquiring and losing or releasing the lease. */
  get isLeader(): boolean {
    return this.#leading;
  }

  /** The holder this candidate last saw on the Lease (`""` for nobody), if it read it yet. */
  get leader(): string | undefined {
    return this.#observed?.holderIdentity;
  }

  /**
   * Campaigns for the lease and leads while holding it (see the class description).
   *
   * @param signal Ends the campaign, or leadership: `leading` is told, then the lease released.
   * @param leading Runs while this candidate leads; its signal aborts when leadership ends.
   * @returns A promise that resolves once `signal` aborted (or `leading` ended) and the lease
   * was released, or at once when `signal` aborts before the lease is acquired.
   * @throws {LeadershipLostError} When the lease is lost while leading.
   * @throws {TypeError} When `run` is already running.
   */
  run(
    signal: AbortSignal,
    leading: (leaderSignal: AbortSignal) => Promise<void>,
  ): Promise<void> {
    if (this.#running) {
      throw new TypeError(`LeaderElector.run: ${this.identity} is already running`);
    }
    this.#running = true;
    return this.#run(signal, leading).finally(() => this.#running = false);
  }

  async #run(
    signal: AbortSignal,
    leading: (leaderSignal: AbortSignal) => Promise<void>,
  ): Promise<void> {
    this.#writeInterrupted = false;
    if (!await this.#acquire(signal)) {
      // Stopped while a claim was in flight: the server may have applied it after all, and
      // nobody would hand the lease over before it expires. Release it if it is ours.
      if (this.#writeInterrupted && this.#releaseOnCancel) await this.#release();
      return;
    }
    await this.#lead(signal, leading);
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    const lease = this.#lock.describe();
    this.#log.info("{identity} is attempting to acquire the leader lease {lease}.", {
      identity: this.identity,
      lease,
    });
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew(signal)) {
        this.#log.info("{identity} acquired the lease {lease} and leads.", {
          identity: this.identity,
          lease,
        });
        return true;
      }
      if (signal.aborted) break;
      const jitter = this.#random() * LEADER_ELECTION_JITTER_FACTOR * this.retryPeriodMs;
      try {
        await this.#clock.sleep(this.retryPeriodMs + jitter, signal);
      } catch {
        break;
      }
    }
    return false;
  }

  async #lead(
    signal: AbortSignal,
    leading: (leaderSignal: AbortSignal) => Promise<void>,
  ): Promise<void> {
    const leader = new AbortController();
    const onAbort = () => leader.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) onAbort();
    this.#setLeading(true);
    this.#event("became leader", "BecameLeader");
    const settled = Promise.withResolvers<void>();
    let failure: { error: unknown } | undefined;
    (async () => await leading(leader.signal))().catch((error) => failure = { error })
      .finally(() => settled.resolve());
    let lost: LeadershipLostError | undefined;
    try {
      lost = await this.#renewLoop(settled.promise);
      if (lost) {
        this.#log.error("{error}", { error: lost.message });
        leader.abort(lost);
        this.#setLeading(false);
      }
      await settled.promise;
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#setLeading(false);
      this.#event("stopped leading", "StoppedLeading");
      // After a loss the lease is someone else's or the API server is failing: exit now.
      if (this.#releaseOnCancel && !lost) await this.#release();
    }
    if (lost) throw lost;
    if (failure) throw failure.error;
  }

  /**
   * Renews every retry period until `done` settles (undefined) or leadership is lost.
   */
  async #renewLoop(done: Promise<void>): Promise<LeadershipLostError | undefined> {
    const stop = new AbortController();
    done.then(() => stop.abort());
    for (;;) {
      try {
        await this.#clock.sleep(this.retryPeriodMs, stop.signal);
      } catch {
        return undefined;
      }
      const lost = await this.#renewRound(stop.signal);
      if (lost) return lost;
    }
  }

  /** One round of client-go's `PollUntilContextTimeout(retryPeriod, renewDeadline)`. */
  async #renewRound(stop: AbortSignal): Promise<LeadershipLostError | undefined> {
    const lease = this.#lock.describe();
    const deadline = new Deadline(this.#clock, this.renewDeadlineMs, "the renew deadline passed");
    const end = this.#clock.now() + this.renewDeadlineMs;
    try {
      for (;;) {
        if (await this.#tryAcquireOrRenew(deadline.signal)) return undefined;
        const holder = this.#observed?.holderIdentity ?? "";
        if (holder !== "" && holder !== this.identity) {
          return new LeadershipLostError(this.identity, lease, `${holder} holds it now`);
        }
        if (stop.aborted) return undefined;
        if (deadline.signal.aborted || this.#clock.now() + this.retryPeriodMs >= end) {
          await deadline.passed;
          return new LeadershipLostError(
            this.identity,
            lease,
            `no renewal succeeded within the renew deadline of ${this.renewDeadlineMs} ms`,
          );
        }
        await this.#clock.sleep(this.retryPeriodMs, deadline.signal).catch(() => {});
      }
    } finally {
      await deadline.clear();
    }
  }

  /** client-go's `tryAcquireOrRenew`: `true` when this candidate holds the lease afterwards. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.#clock.now();
    const desired: LeaderElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.leaseDurationMs / 1000,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    const lease = this.#lock.describe();
    // 1. The leader's fast path: update the cached Lease, assuming nobody else wrote.
    if (this.#observedIsMe() && this.#leaseValid(now) && this.#observed) {
      desired.acquireTime = this.#observed.acquireTime;
      desired.leaseTransitions = this.#observed.leaseTransitions;
      try {
        await this.#lock.update(desired, signal);
        this.#setObserved(desired);
        return true;
      } catch (e) {
        if (signal.aborted) return false;
        this.#log.warning(
          "{identity} failed to renew the lease {lease} optimistically, re-reading it: {error}",
          { identity: this.identity, lease, error: message(e) },
        );
      }
    }
    // 2. Read the Lease, or create it.
    let got;
    try {
      got = await this.#lock.get(signal);
    } catch (e) {
      if (!isNotFound(e)) {
        this.#failed("read", e, signal);
        return false;
      }
      try {
        await this.#lock.create(desired, signal);
      } catch (e) {
        this.#failed("create", e, signal);
        return false;
      }
      this.#setObserved(desired);
      return true;
    }
    // 3. Note when the record last changed: expiry is judged from that local time.
    if (got.raw !== this.#observedRaw) {
      this.#setObserved(got.record);
      this.#observedRaw = got.raw;
    }
    if (got.record.holderIdentity !== "" && this.#leaseValid(now) && !this.#observedIsMe()) {
      this.#log.debug("The lease {lease} is held by {holder} and has not expired.", {
        lease,
        holder: got.record.holderIdentity,
      });
      return false;
    }
    // 4. Renew (keeping acquireTime and transitions) or take over.
    if (this.#observedIsMe()) {
      desired.acquireTime = got.record.acquireTime;
      desired.leaseTransitions = got.record.leaseTransitions;
    } else {
      desired.leaseTransitions = got.record.leaseTransitions + 1;
    }
    try {
      await this.#lock.update(desired, signal);
    } catch (e) {
      this.#failed("update", e, signal);
      return false;
    }
    this.#setObserved(desired);
    return true;
  }

  /** Logs a failed request on the Lease, unless it failed because `signal` aborted. */
  #failed(what: string, error: unknown, signal: AbortSignal): void {
    if (signal.aborted) {
      if (what !== "read") this.#writeInterrupted = true;
      return;
    }
    this.#log.error("{identity} could not {what} the lease {lease}: {error}", {
      identity: this.identity,
      what,
      lease: this.#lock.describe(),
      error: message(error),
    });
  }

  /**
   * Hands the lease over: `holderIdentity: ""`, `leaseDurationSeconds: 1`. Unlike
   * client-go, it checks the holder on the Lease just read (not the cached record), so
   * it never clears a successor's claim.
   */
  async #release(): Promise<void> {
    const lease = this.#lock.describe();
    const deadline = new Deadline(this.#clock, this.renewDeadlineMs, "the release timed out");
    try {
      const { record } = await this.#lock.get(deadline.signal);
      if (record.holderIdentity !== this.identity) return;
      const now = this.#clock.now();
      const released: LeaderElectionRecord = {
        holderIdentity: "",
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: record.leaseTransitions,
      };
      await this.#lock.update(released, deadline.signal);
      this.#setObserved(released);
      this.#log.info("{identity} released the lease {lease}.", { identity: this.identity, lease });
    } catch (e) {
      this.#log.error("{identity} could not release the lease {lease}: {error}", {
        identity: this.identity,
        lease,
        error: message(e),
      });
    } finally {
      await deadline.clear();
    }
  }

  #observedIsMe(): boolean {
    return this.#observed?.holderIdentity === this.identity;
  }

  #leaseValid(now: number): boolean {
    const seconds = this.#observed?.leaseDurationSeconds ?? 0;
    return this.#observedTime + seconds * 1000 > now;
  }

  #setObserved(record: LeaderElectionRecord): void {
    this.#observed = record;
    this.#observedTime = this.#clock.now();
  }

  #setLeading(leading: boolean): void {
    if (this.#leading === leading) return;
    this.#leading = leading;
    try {
      this.#onChange?.(leading);
    } catch (e) {
      this.#log.error("The onChange hook of the leader election {name} threw: {error}", {
        name: this.name,
        error: message(e),
      });
    }
  }

  #event(what: string, action: string): void {
    if (!this.#recorder) return;
    const lease = this.#lock.lease;
    const regarding: ObjectReference = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      namespace: this.#lock.namespace,
      name: this.#lock.name,
    };
    if (lease?.metadata.uid) regarding.uid = lease.metadata.uid;
    if (lease?.metadata.resourceVersion) {
      regarding.resourceVersion = lease.metadata.resourceVersion;
    }
    try {
      this.#recorder.record(regarding, {
        type: "Normal",
        reason: "LeaderElection",
        action,
        note: `${this.identity} ${what}`,
      });
    } catch (e) {
      this.#log.error("Could not record the leader election event: {error}", {
        error: message(e),
      });
    }
  }
}

/** A signal that aborts with a `TimeoutError` once `ms` have passed on `clock`. */
class Deadline {
  readonly #stopTimer = new AbortController();
  readonly #controller = new AbortController();
  /** Aborts when the deadline passes. */
  readonly signal: AbortSignal = this.#controller.signal;
  /** Resolves when the deadline passes, or once cleared. */
  readonly passed: Promise<void>;

  constructor(clock: Clock, ms: number, what: string) {
    this.passed = clock.sleep(ms, this.#stopTimer.signal).then(
      () => this.#controller.abort(new DOMException(what, "TimeoutError")),
      () => {},
    );
  }

  /** Stops the timer and waits for it to settle. */
  async clear(): Promise<void> {
    this.#stopTimer.abort();
    await this.passed;
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
