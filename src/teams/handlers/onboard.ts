/** `onboard <name> <domain>` and its "Check again" button: admins only, audited either way. */
import { mayChange } from '../authorize';
import type { Card, TeamsIdentity } from '../transport';
import { actorOf, type BotDeps } from './deps';

export async function onboard(deps: BotDeps, input: { name: string; domain: string; scimUrl: string | null }, who: TeamsIdentity): Promise<Card> {
  const { views, config, service } = deps;
  if (!deps.onboarding) return views.message({ title: 'Onboarding is not available here', text: 'Run "kb4sync onboard" on the kb4sync host instead.', tone: 'warning' });
  const allowed = mayChange(config, who);
  const audit = (outcome: 'ok' | 'refused', companyId: string | null, detail: Record<string, unknown>) =>
    service.audit(actorOf(who), 'onboard', { companyId, planId: null, runId: null, outcome, detail });
  if (!allowed.ok) {
    await audit('refused', null, { reason: allowed.reason, domain: input.domain });
    return views.message({ title: 'Not allowed', text: allowed.message, tone: 'attention' });
  }
  const added = await deps.onboarding.add({ ...input, by: who.name ?? who.aadObjectId ?? 'Teams' });
  await audit('ok', added.companyId, { domain: added.domain, tenantId: added.tenantId });
  return views.onboarding(added);
}

export async function checkConsent(deps: BotDeps, companyId: string, domain: string): Promise<Card | null> {
  const view = await deps.onboarding?.check(companyId, domain);
  return view ? deps.views.onboarding(view) : null;
}
