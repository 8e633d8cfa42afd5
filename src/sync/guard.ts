/**
 * The guard: a plan that looks like an outage or a mistake (mass archiving, a source that shrank)
 * is blocked until an admin confirms the archive count.
 */
import type { GuardResult, GuardSettings, Plan, PlanContext } from './model';

export interface GuardInput {
  archiveCount: number;
  targetActive: number;
  inScope: number;
}

export function guard(settings: GuardSettings, input: GuardInput, context: PlanContext): GuardResult {
  const reasons: string[] = [];
  const { archiveCount, targetActive, inScope } = input;
  if (archiveCount > settings.maxArchive) {
    reasons.push(`Would archive ${archiveCount} users; the limit is ${settings.maxArchive}`);
  }
  if (archiveCount > 0 && targetActive > 0) {
    const percent = (archiveCount * 100) / targetActive;
    if (percent > settings.maxArchivePercent) {
      reasons.push(
        `Would archive ${formatPercent(percent)} of ${targetActive} active KnowBe4 users; the limit is ${settings.maxArchivePercent}%`,
      );
    }
  }
  if (inScope === 0 && targetActive > 0) {
    reasons.push('Microsoft 365 returned no users in scope: this looks like an outage or a scope mistake');
  } else if (context.previousSourceCount !== null && context.previousSourceCount > 0) {
    const previous = context.previousSourceCount;
    const shrink = ((previous - inScope) * 100) / previous;
    if (shrink > settings.maxSourceShrinkPercent) {
      reasons.push(
        `Microsoft 365 returned ${inScope} users in scope, ${formatPercent(shrink)} fewer than the ${previous} of the last good run (limit ${settings.maxSourceShrinkPercent}%)`,
      );
    }
  }
  return reasons.length === 0 ? { status: 'ok' } : { status: 'blocked', archiveCount, reasons };
}

function formatPercent(value: number): string {
  return `${Math.round(value * 10) / 10}%`;
}

/** Whether an admin's confirmation releases a blocked plan: it must be the exact archive count. */
export function confirmationReleases(result: GuardResult, confirmArchive: number | null | undefined): boolean {
  return result.status === 'ok' || confirmArchive === result.archiveCount;
}

export type Approval = { ok: true; plan: Plan } | { ok: false; archiveCount: number };

/**
 * The plan as an admin approves it for apply: unchanged when the guard passed it; with the
 * release recorded when they typed the exact archive count of a blocked one; refused otherwise.
 */
export function approvePlan(plan: Plan, confirmArchive: number | null | undefined, by: string | null): Approval {
  const { guard: result } = plan;
  if (result.status === 'ok') return { ok: true, plan };
  if (!confirmationReleases(result, confirmArchive)) return { ok: false, archiveCount: result.archiveCount };
  return { ok: true, plan: { ...plan, guardRelease: { archiveCount: result.archiveCount, by } } };
}
