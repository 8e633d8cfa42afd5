/** `audit <company>`: the read-only audit, answered with its card (and links to every row). */
import { nextSyncOf } from '../../schedule';
import type { Reply, TeamsIdentity } from '../transport';
import { actorOf, companiesOf, now, type BotDeps } from './deps';

export async function sendAudit(deps: BotDeps, reply: Reply, query: string, who: TeamsIdentity): Promise<void> {
  const { views } = deps;
  const found = deps.findCompany(query, companiesOf(deps));
  if (found.kind !== 'match') {
    const names = (found.kind === 'ambiguous' ? found.candidates : found.suggestions).map((c) => c.name);
    const text = found.kind === 'ambiguous' ? `It matches ${names.join(', ')}: type more of the name.` : names.length ? `Did you mean ${names.join(' or ')}?` : 'Type "companies" for the list.';
    await reply.card(views.message({ title: `Which company is "${query}"?`, text, tone: 'warning' }));
    return;
  }
  await reply.typing();
  const company = deps.service.company(found.company.id);
  const state = await deps.store.getCompanyState(company.id);
  const { auditId, audit } = await deps.service.accountAudit(company.id, actorOf(who), { nextSync: nextSyncOf(company, state.paused, now(deps)) });
  await reply.card(views.audit({ audit, links: deps.auditLinks?.(auditId) ?? null }));
}
