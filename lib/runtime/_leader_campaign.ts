/**
 * The manager's side of leader election: run the elector, start the controllers from its
 * callback, and turn a loss of leadership into a {@linkcode LeadershipLostError}.
 *
 * @module
 */
import { LeadershipLostError } from "./leader_election.ts";
import type { LeaderElectorLike } from "./leader_elector_like.ts";
import type { Logger } from "./logging.ts";

/** What {@linkcode campaign} needs from the manager. */
export interface CampaignOptions {
  elector: LeaderElectorLike;
  /** Aborted by the manager once its controllers have stopped: the elector releases. */
  signal: AbortSignal;
  /** The manager's own stop: a loss after it is no loss. */
  stopping: AbortSignal;
  /** Starts the controllers; resolves once they have stopped. */
  startLeaders: () => Promise<unknown>;
  /** Leadership was lost while running. */
  onLost: (error: LeadershipLostError) => void;
  /** The elector failed. */
  onFail: (error: unknown) => void;
  log: Logger;
}

/**
 * Runs the elector until it settles.
 *
 * @returns A promise that resolves once the elector has stopped; failures go to the hooks.
 */
export async function campaign(options: CampaignOptions): Promise<void> {
  const { elector, signal, stopping, startLeaders, log } = options;
  try {
    await elector.run(signal, async (leading) => {
      if (stopping.aborted) return;
      log.info("Leadership acquired: starting the controllers.");
      const onLost = () => {
        if (stopping.aborted) return;
        const error = leading.reason instanceof LeadershipLostError
          ? leading.reason
          : lost(elector, "the leader elector ended leadership", { cause: leading.reason });
        log.error("Leadership was lost; stopping: {error}", { error });
        options.onLost(error);
      };
      if (leading.aborted) return onLost();
      leading.addEventListener("abort", onLost, { once: true });
      try {
        await startLeaders();
      } finally {
        leading.removeEventListener("abort", onLost);
      }
    });
  } catch (error) {
    options.onFail(error);
    return;
  }
  if (!stopping.aborted) options.onLost(lost(elector, "the leader elector stopped on its own"));
}

function lost(
  elector: LeaderElectorLike,
  why: string,
  options?: ErrorOptions,
): LeadershipLostError {
  const identity = elector.identity ?? "this replica";
  return new LeadershipLostError(identity, elector.name ?? "(unnamed)", why, options);
}
