/**
 * The one policy every entry shares, the scheduler, the bot and the CLI: after a preview, is
 * there nothing to do, does the guard need an admin's explicit count, does a person approve, or
 * does it apply now. Pure: the callers do what the decision says, each in its own medium.
 */
import { confirmationReleases, type Plan } from '../sync';
import type { Preview } from './types';

export type ReconcileDecision =
  | { kind: 'in-step' }
  | { kind: 'guard-blocked'; archiveCount: number; reasons: string[] }
  | { kind: 'ask' }
  | { kind: 'apply' };

export interface ReconcilePolicy {
  /** Apply without a person's approval (a nightly `autoApply`, or `--yes` on the command line). */
  approved: boolean;
  /** The archive count an admin typed, which releases a blocked guard when it matches. */
  confirmArchive?: number | null;
}

export function decide(plan: Plan, policy: ReconcilePolicy): ReconcileDecision {
  // The guard comes first: a blocked plan is news even when it holds nothing to write.
  if (plan.guard.status === 'blocked' && !confirmationReleases(plan.guard, policy.confirmArchive ?? null)) {
    return { kind: 'guard-blocked', archiveCount: plan.guard.archiveCount, reasons: plan.guard.reasons };
  }
  if (plan.operations.length === 0) return { kind: 'in-step' };
  return policy.approved ? { kind: 'apply' } : { kind: 'ask' };
}

/** A fresh preview and what the policy says to do with it: what `RunService.reconcile` answers. */
export interface Reconciled {
  preview: Preview;
  decision: ReconcileDecision;
}
