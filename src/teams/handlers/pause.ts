/** Pause and resume a company's schedule: admins only; the run service writes and audits it. */
import { mayChange } from '../authorize';
import type { Card, TeamsIdentity } from '../transport';
import { actorOf, type BotDeps } from './deps';

export async function setPaused(deps: BotDeps, company: { id: string; name: string }, paused: boolean, who: TeamsIdentity): Promise<Card> {
  const { views, config, service } = deps;
  const allowed = mayChange(config, who);
  const action = paused ? 'pause' : 'resume';
  if (!allowed.ok) {
    await service.audit(actorOf(who), action, { companyId: company.id, planId: null, runId: null, outcome: 'refused', detail: { reason: allowed.reason } });
    return views.message({ title: 'Not allowed', text: allowed.message, tone: 'attention' });
  }
  await service.setPaused(company.id, paused, actorOf(who));
  return views.message({
    title: paused ? `${company.name} paused` : `${company.name} resumed`,
    text: paused ? 'Scheduled syncs are paused until someone types "resume".' : 'Scheduled syncs will run again.',
    tone: 'good',
  });
}
