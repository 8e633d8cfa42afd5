/** Pause and resume a company's schedule: admins only, audited either way. */
import { mayChange } from '../authorize';
import type { Card, TeamsIdentity } from '../transport';
import { now, type BotDeps } from './deps';

export async function setPaused(deps: BotDeps, company: { id: string; name: string }, paused: boolean, who: TeamsIdentity): Promise<Card> {
  const { views, config, store } = deps;
  const allowed = mayChange(config, who);
  const action = paused ? 'pause' : 'resume';
  if (!allowed.ok) {
    await store.recordAudit({ at: now(deps), actorId: who.aadObjectId, actorName: who.name, tenantId: who.tenantId, action, companyId: company.id, planId: null, runId: null, outcome: 'refused', via: 'teams', detail: { reason: allowed.reason } });
    return views.message({ title: 'Not allowed', text: allowed.message, tone: 'attention' });
  }
  await store.updateCompanyState(company.id, paused ? { paused: true } : { paused: false, consecutiveFailures: 0 });
  await store.recordAudit({ at: now(deps), actorId: who.aadObjectId, actorName: who.name, tenantId: who.tenantId, action, companyId: company.id, planId: null, runId: null, outcome: 'ok', via: 'teams', detail: {} });
  return views.message({
    title: paused ? `${company.name} paused` : `${company.name} resumed`,
    text: paused ? 'Scheduled syncs are paused until someone types "resume".' : 'Scheduled syncs will run again.',
    tone: 'good',
  });
}
