/** `status <company>`: the last result, the next run, paused since when, what waits for an admin. */
import { nextSlot } from '../../schedule';
import type { Card } from '../transport';
import { now, type BotDeps } from './deps';

export async function statusOf(deps: BotDeps, company: { id: string; name: string }): Promise<Card> {
  const { store, service, views } = deps;
  const state = await store.getCompanyState(company.id);
  const cfg = service.company(company.id);
  const paused = cfg.paused || state.paused;
  const [lastRun] = await store.listRuns(company.id, 1);
  const latest = await store.latestPlan(company.id);
  const at = now(deps);
  const pending = latest && latest.status === 'pending' && latest.expiresAt > at && latest.plan.operations.length > 0 ? 1 : 0;
  // The latest pause in the audit trail says since when, and who (a nightly auto-pause has no actor).
  const pause = paused ? (await store.listAudit({ companyId: company.id, limit: 50 })).find((e) => e.action === 'pause' && e.outcome === 'ok') : undefined;
  return views.status({
    company,
    state: { ...state, paused },
    lastRun: lastRun ?? null,
    nextRunAt: paused ? null : nextSlot(cfg, at),
    pausedSince: pause ? { at: pause.at, by: pause.actorName } : null,
    pendingApprovals: pending,
    openConflicts: latest ? latest.plan.conflicts.length : (lastRun?.report?.conflicts.length ?? 0),
  });
}
