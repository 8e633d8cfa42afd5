/** Preview: read both sides, plan, store the plan and a preview run before anyone sees it. */
import { companyRules } from '../config';
import { buildReport, plan as makePlan } from '../sync';
import { withStandingHolds } from './approve';
import { audit } from './audit';
import { confirmSeen, sentWaiting } from './sent';
import { planDigest, type Actor, type Preview, type RunContext } from './types';

export async function preview(ctx: RunContext, companyId: string, actor: Actor): Promise<Preview> {
  const company = ctx.company(companyId);
  const { store, connectors, log, metrics } = ctx.deps;
  const started = ctx.clock();
  const [source, target, state, sent] = await Promise.all([
    connectors.source(company.id).fetchSource(),
    connectors.target(company.id).fetchTarget(),
    store.getCompanyState(company.id),
    sentWaiting(ctx, company.id),
  ]);
  // Writes KnowBe4 accepted but does not show yet are pending: the planner makes none of them again.
  // Standing holds are honoured by every plan, the nightly one included.
  const plan = await withStandingHolds(ctx, company.id, makePlan(companyRules(company), source, target, { previousSourceCount: state.lastGoodSourceCount, sent }));
  const digest = planDigest(plan);
  const now = ctx.clock();
  const expiresAt = new Date(now.getTime() + ctx.settings.planTtlMs);
  const planId = await store.savePlan({ companyId: company.id, kind: 'full', plan, digest, createdAt: now, expiresAt, requestedBy: actor.id });

  // Records still claimed by someone in scope were seen just now; the report's last_m365_sync for
  // a record about to be archived is the last time that was true.
  const archived = plan.operations.flatMap((op) => (op.kind === 'archive' ? [op.targetId] : []));
  const notSeen = new Set([...archived, ...plan.unmanaged.map((u) => u.targetId)]);
  const lastSeen = await store.lastSeen(company.id, archived);
  await store.recordLastSeen(
    company.id,
    target.users.filter((t) => t.active && !notSeen.has(t.id)).map((t) => t.id),
    now,
  );

  const runId = await store.createRun({ companyId: company.id, planId, kind: 'preview', trigger: actor.via, actor: actor.id, startedAt: started });
  const report = buildReport({
    plan,
    runId,
    dryRun: true,
    timestamp: now.toISOString(),
    lastSeen: new Map([...lastSeen].map(([id, at]) => [id, at.toISOString()])),
  });
  await confirmSeen(ctx, company.id, plan.seen ?? [], actor, { planId, runId });
  await store.finishRun(runId, { status: 'succeeded', finishedAt: ctx.clock(), report, error: null });
  await audit(ctx, actor, 'preview', { companyId: company.id, planId, runId, outcome: 'ok', detail: { operations: plan.operations.length, guard: plan.guard.status, waiting: plan.waiting?.length ?? 0 } });
  metrics?.runs.inc({ kind: 'preview', result: 'succeeded' });
  log.info({ company: company.id, planId, operations: plan.operations.length, guard: plan.guard.status }, 'preview stored');
  return { planId, digest, expiresAt, plan, report, runId };
}

/**
 * One preview per company at a time in this process: a second request while one is reading both
 * sides gets the one in progress (a full read of a large tenant takes minutes and API quota).
 */
export class PreviewsInProgress {
  private readonly running = new Map<string, Promise<Preview>>();

  run(companyId: string, start: () => Promise<Preview>): Promise<Preview> {
    const current = this.running.get(companyId);
    if (current) return current;
    const started = start().finally(() => this.running.delete(companyId));
    this.running.set(companyId, started);
    return started;
  }
}
