/** `audit <company>`: the read-only audit, answered with its card (and links to every row). */
import { nextSyncOf } from '../../schedule';
import type { Card, Reply, TeamsIdentity } from '../transport';
import { answer, resolveCompany } from './ask';
import { actorOf, now, type BotDeps } from './deps';

/** Reads both sides (no writes) and renders the audit; also the answer to a "which company?" click. */
export async function auditCardOf(deps: BotDeps, companyId: string, who: TeamsIdentity): Promise<Card> {
  const company = deps.service.company(companyId);
  const state = await deps.store.getCompanyState(company.id);
  const { auditId, audit } = await deps.service.accountAudit(company.id, actorOf(who), { nextSync: nextSyncOf(company, state.paused, now(deps)) });
  return deps.views.audit({ audit, links: deps.auditLinks?.(auditId) ?? null });
}

export async function sendAudit(deps: BotDeps, reply: Reply, query: string, who: TeamsIdentity): Promise<void> {
  // An unknown or several-matching name gets the same choice card as every other command.
  const resolved = await resolveCompany(deps, reply, query, 'audit');
  if (!resolved) return;
  await reply.typing();
  await answer(deps, reply, resolved, await auditCardOf(deps, resolved.company.id, who));
}
