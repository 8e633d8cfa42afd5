/**
 * Apply: a stored plan, exactly once, under the company's lease. A click (or the schedule, or the
 * CLI) starts only a pending plan that has not expired; continuing an interrupted one is the
 * service's own job (resume.ts).
 */
import { approvePlan, buildReport } from '../sync';
import { Kb4AuthError, Kb4ForbiddenError } from '../knowbe4';
import { audit } from './audit';
import { errorMessage, execute, JournalUnavailable, RunAborted, RunHalted, type Progress } from './executor';
import { applyRunFor, finishApply, stoppedReport } from './finish';
import { HeldLease } from './leases';
import type { Lifecycle } from './lifecycle';
import type { StoredPlan } from './ports';
import { ApplyRefused, REFUSAL_TEXT, RunInterrupted, type Actor, type ApplyOptions, type ApplyResult, type RefusalReason, type RunContext, type StartedApply } from './types';

/**
 * Checks everything that can refuse an apply, takes the company lease and claims the plan, then
 * starts the work and returns at once: the bot answers the click with "applying" and follows
 * `result`.
 */
export async function startApply(ctx: RunContext, life: Lifecycle, planId: string, actor: Actor, options: ApplyOptions = {}): Promise<StartedApply> {
  const { store } = ctx.deps;
  const stored = await store.getPlan(planId);
  const refuse = async (reason: RefusalReason, message: string): Promise<never> => {
    await audit(ctx, actor, 'apply', { companyId: stored?.companyId ?? null, planId, runId: null, outcome: 'refused', detail: { reason } });
    throw new ApplyRefused(reason, message);
  };
  if (life.stopping) return refuse('shutting-down', REFUSAL_TEXT['shutting-down']);
  if (!stored) return refuse('not-found', REFUSAL_TEXT['not-found']);
  if (ctx.settings.appliesOff !== null) return refuse('applies-off', ctx.settings.appliesOff);
  if (options.digest !== undefined && options.digest !== stored.digest) {
    return refuse('tampered', 'The card does not match the stored plan. Run a new preview.');
  }
  // Only a pending plan that has not expired starts here: an `applying` one, even with its lease
  // free, is the service's to continue, and only while it is young.
  if (stored.status !== 'pending') return refuse(stored.status, REFUSAL_TEXT[stored.status]);
  if (stored.expiresAt.getTime() <= ctx.clock().getTime()) {
    // The claim marks an expired pending plan `expired` (it never claims one): the card and the
    // store then say the same.
    await store.claimPlanForApply(planId, ctx.clock());
    return refuse('expired', REFUSAL_TEXT.expired);
  }
  // The core approves the plan; a guard release is recorded in it, and that is what runs.
  const approval = approvePlan(stored.plan, options.confirmArchive, actor.id);
  if (!approval.ok) {
    return refuse('confirmation-required', `This plan is blocked by the guard. Type the number of users it archives (${approval.archiveCount}) to apply it.`);
  }
  const lease = await HeldLease.acquire(ctx, stored.companyId);
  if (!lease) return refuse('busy', `Another run for ${stored.plan.company.name} is in progress. Try again when it has finished.`);
  try {
    const claim = await store.claimPlanForApply(planId, ctx.clock(), approval.plan === stored.plan ? undefined : approval.plan);
    if (!claim.ok) await refuse(claim.reason, REFUSAL_TEXT[claim.reason]);
  } catch (err) {
    await lease.release();
    throw err;
  }
  const result = life.track(
    planId,
    runPlan(ctx, life, { ...stored, plan: approval.plan, status: 'applying' }, actor, lease, options.onProgress).finally(() => releaseQuietly(ctx, lease)),
  );
  return { planId, plan: approval.plan, result };
}

export async function releaseQuietly(ctx: RunContext, lease: HeldLease): Promise<void> {
  await lease.release().catch((err: unknown) => {
    lease.abandon();
    ctx.deps.log.warn({ lease: lease.name, err: errorMessage(err) }, 'lease not released: it lapses by itself');
  });
}

/**
 * Carries out a claimed plan while `lease` is held. Resolves with the result of a run that ended;
 * rejects with RunInterrupted when it stopped before its end (lease lost, shutdown, store gone)
 * with its plan still `applying`, for the service to continue.
 */
export async function runPlan(ctx: RunContext, life: Lifecycle, stored: StoredPlan, actor: Actor, lease: HeldLease, onProgress?: (p: Progress) => void): Promise<ApplyResult> {
  const { store, connectors, metrics } = ctx.deps;
  const startedAt = ctx.clock();
  const runId = await applyRunFor(ctx, stored, actor, startedAt);
  await audit(ctx, actor, 'apply', { companyId: stored.companyId, planId: stored.planId, runId, outcome: 'ok', detail: { started: true } });

  lease.keepAlive();
  try {
    const outcomes = await execute(stored.planId, stored.plan, connectors.target(stored.companyId), store, {
      concurrency: ctx.settings.concurrency ?? ctx.company(stored.companyId).knowbe4.maxConcurrency,
      batchSize: ctx.settings.batchSize,
      onProgress,
      // A revoked token or missing permission fails every later request too: stop at once.
      isFatal: ctx.deps.isFatal ?? ((e) => e instanceof Kb4AuthError || e instanceof Kb4ForbiddenError),
      shouldStop: () => life.stopping ?? lease.check(),
    });
    for (const op of stored.plan.operations) metrics?.operations.inc({ kind: op.kind, result: outcomes.get(op.id)?.status ?? 'pending' });
    const failed = [...outcomes.values()].some((o) => o.status !== 'done');
    const report = buildReport({ plan: stored.plan, runId, dryRun: false, timestamp: ctx.clock().toISOString(), outcomes });
    return await finishApply(ctx, { stored, runId, actor, startedAt, status: failed ? 'partial' : 'succeeded', report, error: null });
  } catch (err) {
    if (err instanceof RunHalted || err instanceof JournalUnavailable) throw await interrupted(ctx, stored, runId, actor, err);
    const failure = err instanceof RunAborted ? err.cause : err;
    const error = errorMessage(failure);
    const report = await stoppedReport(ctx, stored, runId, error);
    return await finishApply(ctx, { stored, runId, actor, startedAt, status: 'failed', report, error, failure });
  }
}

/** The plan stays `applying` and its run `running`: whoever takes the lease next continues both. */
async function interrupted(ctx: RunContext, stored: StoredPlan, runId: string, actor: Actor, err: RunHalted | JournalUnavailable): Promise<RunInterrupted> {
  const reason = err instanceof RunHalted ? err.reason : err;
  const message = reason instanceof RunInterrupted ? reason.message : `The apply stopped: ${reason.message}. kb4sync continues it by itself.`;
  ctx.deps.log.warn({ company: stored.companyId, planId: stored.planId, runId, reason: message }, 'apply interrupted');
  await audit(ctx, actor, 'apply', { companyId: stored.companyId, planId: stored.planId, runId, outcome: 'failed', detail: { interrupted: message } }).catch(() => undefined);
  return new RunInterrupted(message, { cause: reason });
}
