/**
 * Card buttons (`Action.Execute`): the data is checked before anything runs, changes need an admin,
 * reading needs an allowed tenant, and every refusal is audited.
 */
import { describeProblem } from '../../notify';
import { ApplyRefused } from '../../runs';
import { mayChange, tenantAllowed } from '../authorize';
import type { Card, CardInvoke } from '../transport';
import { startApply } from './applyProgress';
import { parseCardAction, type CardAction } from './cardActions';
import { actorOf, companiesOf, freshPreviewCard, now, previewCardOf, type BotDeps } from './deps';
import { checkConsent } from './onboard';
import { companiesCard } from './digest';
import { applySelected, reviewHolds } from './holds';
import { auditCardOf } from './audit';
import { setPaused } from './pause';
import { statusOf } from './status';

/** Verbs that change something: an admin's only. */
const CHANGES: ReadonlySet<CardAction['verb']> = new Set(['apply', 'applySelected', 'cancel', 'pause', 'resume', 'retry']);

/** The company and plan a button is about, for the audit entry of a refusal. */
function subject(action: CardAction): { companyId: string | null; planId: string | null } {
  // A page of `companies` is about no one company.
  const data: { companyId?: string; planId?: string } = action.verb === 'companiesPage' ? {} : { ...action.data };
  return { companyId: data.companyId ?? null, planId: data.planId ?? null };
}

export async function handleInvoke(deps: BotDeps, invoke: CardInvoke): Promise<Card> {
  const { views, config, store } = deps;
  const who = invoke.from;
  const action = parseCardAction({ verb: invoke.verb, data: invoke.data });
  if (!action) return views.message({ title: 'That button is not valid', text: 'The card was changed or is from another app. Run the command again.', tone: 'attention' });
  const allowed = CHANGES.has(action.verb) ? mayChange(config, who) : tenantAllowed(config, who);
  if (!allowed.ok) {
    const { companyId, planId } = subject(action);
    await deps.service.audit(actorOf(who), action.verb, { companyId, planId, runId: null, outcome: 'refused', detail: { reason: allowed.reason } });
    return views.message({ title: 'Not allowed', text: allowed.message, tone: 'attention' });
  }
  try {
    switch (action.verb) {
      case 'apply':
        return await startApply(deps, invoke, who, action.data);
      case 'cancel': {
        const { data } = action;
        await deps.service.cancel(data.planId, actorOf(who), { digest: data.digest });
        return views.message({ title: 'Cancelled', text: 'Nothing was applied. Run "preview sync <company>" for a new plan.' });
      }
      case 'review': {
        const stored = await store.getPlan(action.data.planId);
        if (!stored) break;
        if (stored.status !== 'pending' || stored.expiresAt <= now(deps)) {
          return await freshPreviewCard(deps, stored.companyId, who);
        }
        return previewCardOf(deps, stored);
      }
      case 'choose': {
        const { data } = action;
        const company = companiesOf(deps).find((c) => c.id === data.companyId);
        if (!company) break;
        if (data.command === 'preview') {
          return await freshPreviewCard(deps, company.id, who);
        }
        // setPaused checks the admin list itself, and audits a refusal.
        if (data.command === 'pause' || data.command === 'resume') return await setPaused(deps, company, data.command === 'pause', who);
        if (data.command === 'runs') return views.history({ company, runs: await store.listRuns(company.id, 10) });
        if (data.command === 'audit') return await auditCardOf(deps, company.id, who);
        return await statusOf(deps, company);
      }
      case 'pause':
      case 'resume': {
        const company = companiesOf(deps).find((c) => c.id === action.data.companyId);
        if (!company) break;
        return await setPaused(deps, company, action.verb === 'pause', who);
      }
      case 'reviewHolds':
        return await reviewHolds(deps, action.data);
      case 'applySelected':
        return await applySelected(deps, invoke, who, action.data);
      case 'companiesPage': {
        const card = await companiesCard(deps, action.data.view, action.data.filter, action.data.offset);
        if (card) return card;
        break;
      }
      case 'checkConsent': {
        const card = await checkConsent(deps, action.data.companyId, action.data.domain ?? '');
        if (card) return card;
        break;
      }
      case 'retry': {
        const company = companiesOf(deps).find((c) => c.id === action.data.companyId);
        if (!company || !deps.scheduler) break;
        const scheduler = deps.scheduler;
        void scheduler.runNow(deps.service.company(company.id)).catch((err: unknown) => deps.log.error({ err }, 'retry failed'));
        return views.message({ title: `Retrying ${company.name}`, text: 'A new run has started; its summary or alert will follow here.' });
      }
    }
    return views.message({ title: 'That button is not valid', text: 'The card was changed or is out of date. Run the command again.', tone: 'attention' });
  } catch (err) {
    if (err instanceof ApplyRefused) {
      // A wrong archive count keeps the card: the same plan, the error beside the box.
      if (err.reason === 'confirmation-required' && action.verb === 'apply') {
        const stored = await store.getPlan(action.data.planId);
        if (stored?.plan.guard.status === 'blocked') return previewCardOf(deps, stored, `Not applied: type ${stored.plan.guard.archiveCount.toLocaleString('en-US')} to confirm.`);
      }
      return views.message({ title: 'Not applied', text: err.message, tone: 'warning' });
    }
    const problem = describeProblem(err);
    return views.message({ title: `${problem.service} problem`, text: problem.message, fix: problem.fix, tone: 'attention' });
  }
}
