/** The end of an apply, whatever ended it: the run's report, its record, company state, audit, metrics. */
import { buildReport, type Report } from '../sync';
import { audit } from './audit';
import { recordSent } from './sent';
import { settledFromNote } from './writes';
import type { StoredPlan } from './ports';
import type { Actor, ApplyResult, RunContext } from './types';

/** The report of a run that stopped: what the journal says was done, failed or never reached. */
export async function stoppedReport(ctx: RunContext, stored: StoredPlan, runId: string, error: string): Promise<Report> {
  const states = new Map((await ctx.deps.store.states(stored.planId)).map((s) => [s.opId, s]));
  const report = buildReport({
    plan: stored.plan,
    runId,
    dryRun: false,
    timestamp: ctx.clock().toISOString(),
    outcomes: new Map(
      stored.plan.operations.map((op) => {
        const s = states.get(op.id);
        const settled = settledFromNote(s?.error);
        return [op.id, s?.state === 'done' ? (settled ? { status: 'done', settled } : { status: 'done' }) : s?.state === 'failed' ? { status: 'failed', error: s.error ?? 'failed' } : { status: 'pending' }];
      }),
    ),
  });
  report.success = false;
  report.errors.unshift({ operation: 'run', kind: 'create', user: null, message: error });
  return report;
}

/** The run's apply record: the one an interrupted attempt left running, or a new one. */
export async function applyRunFor(ctx: RunContext, stored: StoredPlan, actor: Actor, startedAt: Date): Promise<string> {
  const { store } = ctx.deps;
  const existing = await store.runForPlan(stored.planId, 'apply');
  if (existing?.status === 'running') return existing.runId;
  return store.createRun({ companyId: stored.companyId, planId: stored.planId, kind: 'apply', trigger: actor.via, actor: actor.id, startedAt });
}

/** Records how the apply ended and returns its result. */
export async function finishApply(
  ctx: RunContext,
  input: { stored: StoredPlan; runId: string; actor: Actor; startedAt: Date; status: ApplyResult['status']; report: Report; error: string | null; failure?: unknown },
): Promise<ApplyResult> {
  const { store, log, metrics } = ctx.deps;
  const { stored, runId, status, report, error } = input;
  // Before the plan is marked done: a crash here leaves it applying, and the resume records them.
  await recordSent(ctx, stored);
  await store.setPlanStatus(stored.planId, status === 'failed' ? 'failed' : 'applied');
  const finishedAt = ctx.clock();
  await store.finishRun(runId, { status, finishedAt, report, error });
  const state = await store.getCompanyState(stored.companyId);
  await store.updateCompanyState(stored.companyId, {
    lastRunId: runId,
    lastRunStatus: status,
    lastRunAt: finishedAt,
    consecutiveFailures: status === 'failed' ? state.consecutiveFailures + 1 : 0,
    // The shrink guard's baseline is a whole directory's count: a one-person plan says nothing of it.
    ...(status === 'succeeded' && stored.kind === 'full' ? { lastGoodSourceCount: stored.plan.stats.inScope } : {}),
  });
  await audit(ctx, input.actor, 'apply', { companyId: stored.companyId, planId: stored.planId, runId, outcome: status === 'failed' ? 'failed' : 'ok', detail: { status, error } });
  metrics?.runs.inc({ kind: 'apply', result: status });
  metrics?.runDuration.observe({ kind: 'apply' }, (finishedAt.getTime() - input.startedAt.getTime()) / 1000);
  if (status === 'failed') log.error({ company: stored.companyId, planId: stored.planId, runId, error }, 'apply stopped');
  log.info({ company: stored.companyId, planId: stored.planId, runId, status }, 'apply finished');
  return { runId, planId: stored.planId, status, report, error, failure: input.failure };
}
