/**
 * Resume: the service continues applies that stopped before their end (a crash, a restart, a lost
 * lease, a dropped database), at start-up and on every sweep. Only while the plan is young: an old
 * one is failed, with the reason, and the admin previews again.
 */
import { releaseQuietly, runPlan } from './apply';
import { applyRunFor, finishApply, stoppedReport } from './finish';
import { HeldLease } from './leases';
import type { Lifecycle } from './lifecycle';
import type { StoredPlan } from './ports';
import { RESUME_ACTOR, ResumeTooLate, RunInterrupted, type ApplyResult, type RunContext } from './types';

export async function resume(ctx: RunContext, life: Lifecycle): Promise<ApplyResult[]> {
  const { store, log } = ctx.deps;
  const results: ApplyResult[] = [];
  // Nothing may be written (the local trial): an interrupted plan waits, untouched.
  if (ctx.settings.appliesOff !== null) return results;
  for (const candidate of await store.plansInStatus('applying')) {
    if (life.stopping) break;
    if (life.isApplying(candidate.planId)) continue;
    // A live holder is still working on it; its lease lapses if it died.
    const lease = await HeldLease.acquire(ctx, candidate.companyId);
    if (!lease) continue;
    try {
      // Someone may have finished it between the listing and the lease.
      const stored = await store.getPlan(candidate.planId);
      if (stored?.status !== 'applying') continue;
      const age = ctx.clock().getTime() - stored.createdAt.getTime();
      if (age >= ctx.settings.resumeWithinMs) {
        results.push(await abandon(ctx, stored, age));
        continue;
      }
      log.warn({ planId: stored.planId, company: stored.companyId }, 'resuming an interrupted apply');
      results.push(await life.track(stored.planId, runPlan(ctx, life, stored, RESUME_ACTOR, lease)));
    } catch (err) {
      if (!(err instanceof RunInterrupted)) throw err;
      log.warn({ planId: candidate.planId, reason: err.message }, 'resume interrupted');
    } finally {
      await releaseQuietly(ctx, lease);
    }
  }
  return results;
}

const hours = (ms: number) => `${Math.round((ms / 3_600_000) * 10) / 10} h`;

/** Fails an interrupted plan that is too old to continue safely, saying why and what to do. */
async function abandon(ctx: RunContext, stored: StoredPlan, age: number): Promise<ApplyResult> {
  const error =
    `This apply was interrupted and its plan is ${hours(age)} old, older than the ${hours(ctx.settings.resumeWithinMs)} within which kb4sync finishes an interrupted apply by itself: ` +
    'Microsoft 365 and KnowBe4 may have changed since. Nothing more was written. Run a new preview.';
  ctx.deps.log.warn({ planId: stored.planId, company: stored.companyId }, 'interrupted apply too old to resume: failed');
  const startedAt = ctx.clock();
  const runId = await applyRunFor(ctx, stored, RESUME_ACTOR, startedAt);
  const report = await stoppedReport(ctx, stored, runId, error);
  return finishApply(ctx, { stored, runId, actor: RESUME_ACTOR, startedAt, status: 'failed', report, error, failure: new ResumeTooLate(error) });
}
