/**
 * The contract between the {@linkcode Manager} and leader election.
 *
 * @module
 */

/**
 * What the manager needs from leader election: this library's `LeaderElector` (on a
 * Lease) fits it, and so does a stand-in in a test.
 * 1. `run(signal, onStartedLeading)` campaigns until `signal` aborts.
 * 2. Once it holds the lease it calls `onStartedLeading(leading)` exactly once. `leading`
 *    aborts when leadership is lost — with a {@linkcode LeadershipLostError} as reason,
 *    ideally — and also when `signal` aborts. The manager runs its controllers from this
 *    callback; the promise it returns settles once they have stopped and never rejects.
 * 3. On a graceful stop the manager aborts `signal` only after its controllers have
 *    stopped, so an elector that releases the lease when `signal` aborts releases it with
 *    no reconcile in flight.
 * 4. `run` settles once the elector has stopped (lease released, no timer or request
 *    left). If it rejects, the manager stops and rejects with that error. If `leading`
 *    aborts, or `run` settles, while the manager was not stopping, the manager cancels
 *    in-flight reconciles at once, stops, and rejects with a
 *    {@linkcode LeadershipLostError}: the reason of `leading` when it is one.
 *
 * @example A stand-in that leads at once (a single replica)
 * ```ts
 * import type { LeaderElectorLike } from "@certkit/issuer-lib";
 *
 * const alwaysLeader: LeaderElectorLike = {
 *   identity: "only-replica",
 *   async run(signal, onStartedLeading) {
 *     await onStartedLeading(signal);
 *   },
 * };
 * await alwaysLeader.run(AbortSignal.abort(), async () => {});
 * ```
 */
export interface LeaderElectorLike {
  /** This replica's identity, named in the {@linkcode LeadershipLostError} the manager makes. */
  readonly identity?: string;
  /** The election's (lease's) name, named in the {@linkcode LeadershipLostError} the manager makes. */
  readonly name?: string;
  /**
   * Campaigns for leadership until `signal` aborts.
   *
   * @param signal Stops campaigning, and releases the lease when held.
   * @param onStartedLeading Called once leadership is acquired, with a signal that aborts
   *   when it is lost.
   * @returns A promise that settles once the elector has fully stopped.
   */
  run(
    signal: AbortSignal,
    onStartedLeading: (leading: AbortSignal) => Promise<void>,
  ): Promise<void>;
}
