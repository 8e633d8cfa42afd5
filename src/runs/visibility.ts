/**
 * `sync user` after its apply: is the person visible in KnowBe4 yet, or only sent? KnowBe4 may
 * apply a create or rename in its own background job, so the answer can be "sent" and, a little
 * later, "visible". Polling is bounded and backs off (the one retry wait, shared/retry.ts): a
 * job that takes longer is the sweep's to confirm or alert.
 */
import { lowerCase } from '../sync';
import { retryDelay, type Backoff } from '../shared';
import type { TargetClient } from './ports';
import { confirmSeen } from './sent';
import type { Actor, RunContext } from './types';

export interface VisibilityPoll extends Backoff {
  /** Looks after the first one; the total wait is bounded by the backoff's sum. */
  attempts: number;
}

/** About 2 minutes: 2 s, 4 s, 8 s, 16 s, 30 s, 30 s, 30 s. */
export const DEFAULT_VISIBILITY_POLL: VisibilityPoll = { attempts: 7, baseMs: 2000, maxMs: 30_000 };

/** The person's record shows under `userName` (and is theirs, or not yet linked to anyone). */
export async function isVisible(target: TargetClient, sourceId: string, userName: string): Promise<boolean> {
  const found = await target.findUserByUserName(userName);
  return found !== null && (found.externalId === null || lowerCase(found.externalId) === lowerCase(sourceId));
}

/**
 * Looks until the person shows under `userName`, with backoff, at most `attempts` more times.
 * When they show, their writes still waiting are confirmed (store and audit) at once.
 */
export async function waitUntilVisible(
  ctx: RunContext,
  input: { companyId: string; sourceId: string; userName: string; actor: Actor },
  poll: VisibilityPoll,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<boolean> {
  const target = ctx.deps.connectors.target(input.companyId);
  for (let attempt = 0; attempt <= poll.attempts; attempt++) {
    if (await isVisible(target, input.sourceId, input.userName)) {
      const mine = (await ctx.deps.store.sentWrites.waiting(input.companyId)).map((w) => w.write).filter((w) => w.sourceId !== null && lowerCase(w.sourceId) === lowerCase(input.sourceId));
      // What shows is the person under their address: their create and rename are seen (an
      // archive of theirs cannot be waiting while they are in scope).
      await confirmSeen(ctx, input.companyId, mine.filter((w) => w.kind !== 'archive'), input.actor, { planId: null, runId: null });
      return true;
    }
    if (attempt < poll.attempts) await sleep(retryDelay(attempt, null, poll));
  }
  return false;
}
