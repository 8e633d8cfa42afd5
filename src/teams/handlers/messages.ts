/** Typed commands: each answered with a card in the conversation it came from. */
import { describeProblem } from '../../notify';
import { nextSlot } from '../../schedule';
import { mayChange, tenantAllowed } from '../authorize';
import type { Conversation, IncomingMessage, Reply, TeamsIdentity } from '../transport';
import { actorOf, companiesOf, freshPreviewCard, now, type BotDeps, type CompanyRow, type ParsedCommand } from './deps';
import { onboard } from './onboard';
import { sendAudit } from './audit';
import { companiesCard } from './digest';
import { setPaused } from './pause';
import { subscribe, unsubscribe } from './subscriptions';

export async function handleMessage(deps: BotDeps, message: IncomingMessage, reply: Reply): Promise<void> {
  const who = message.from;
  const { views } = deps;
  const tenant = tenantAllowed(deps.config, who);
  if (!tenant.ok) {
    await reply.card(views.message({ title: 'Not available here', text: tenant.message, tone: 'attention' }));
    return;
  }
  const command = deps.parse(message.text);
  try {
    await execute(deps, reply, message.conversation, command, who);
  } catch (err) {
    const problem = describeProblem(err);
    deps.log.error({ err: problem.message, command: command.kind }, 'command failed');
    await reply.card(views.message({ title: `${problem.service} problem`, text: problem.message, fix: problem.fix, tone: 'attention' }));
  }
}

/** Resolves a company name typed loosely; answers ambiguity or a miss itself and returns null. */
async function findCompany(deps: BotDeps, reply: Reply, query: string, command: 'preview' | 'status' | 'runs' | 'pause' | 'resume') {
  const found = deps.findCompany(query, companiesOf(deps));
  if (found.kind === 'match') return found.company;
  const { views } = deps;
  if (found.kind === 'ambiguous') await reply.card(views.choice({ command, candidates: found.candidates }));
  else {
    const names = found.suggestions.map((c) => c.name);
    const text = names.length ? `Did you mean ${names.join(' or ')}?` : `Known companies: ${companiesOf(deps).map((c) => c.name).join(', ')}.`;
    await reply.card(views.message({ title: `No company called "${query}"`, text, tone: 'warning' }));
  }
  return null;
}

async function sendPreview(deps: BotDeps, reply: Reply, companyId: string, who: TeamsIdentity): Promise<void> {
  await reply.typing();
  await reply.card(await freshPreviewCard(deps, companyId, who));
}

async function execute(deps: BotDeps, reply: Reply, conversation: Conversation, command: ParsedCommand, who: TeamsIdentity): Promise<void> {
  const { views, service, store, config } = deps;
  switch (command.kind) {
    case 'help':
      await reply.card(views.help());
      return;
    case 'unknown':
      await reply.card(views.help());
      return;
    case 'preview': {
      const company = await findCompany(deps, reply, command.company, 'preview');
      if (company) await sendPreview(deps, reply, company.id, who);
      return;
    }
    case 'companies': {
      const digest = await companiesCard(deps, 'companies', command.filter ?? null, 0);
      if (digest) {
        await reply.card(digest);
        return;
      }
      const rows: CompanyRow[] = [];
      for (const c of config.companies) {
        const state = await store.getCompanyState(c.id);
        const paused = c.paused || state.paused;
        const note = deps.readiness ? await deps.readiness(c.id).catch(() => null) : null;
        rows.push({ id: c.id, name: c.name, paused, lastRunAt: state.lastRunAt, lastRunStatus: state.lastRunStatus, nextRunAt: paused ? null : nextSlot(c, now(deps)), note });
      }
      await reply.card(views.companies(rows));
      return;
    }
    case 'onboard':
      await reply.typing();
      await reply.card(await onboard(deps, command, who));
      return;
    case 'status': {
      if (command.company === undefined) return execute(deps, reply, conversation, { kind: 'companies' }, who);
      const company = await findCompany(deps, reply, command.company, 'status');
      if (!company) return;
      const state = await store.getCompanyState(company.id);
      const [lastRun] = await store.listRuns(company.id, 1);
      const cfg = service.company(company.id);
      await reply.card(views.status({ company, state, lastRun: lastRun ?? null, nextRunAt: cfg.paused || state.paused ? null : nextSlot(cfg, now(deps)) }));
      return;
    }
    case 'audit':
      await sendAudit(deps, reply, command.company, who);
      return;
    case 'runs': {
      const company = await findCompany(deps, reply, command.company, 'runs');
      if (company) await reply.card(views.history({ company, runs: await store.listRuns(company.id, 10) }));
      return;
    }
    case 'pause':
    case 'resume': {
      const company = await findCompany(deps, reply, command.company, command.kind);
      if (company) await reply.card(await setPaused(deps, company, command.kind === 'pause', who));
      return;
    }
    case 'subscribe':
      await subscribe(deps, conversation, true, reply);
      return;
    case 'unsubscribe':
      await unsubscribe(deps, conversation, reply);
      return;
    case 'syncUser': {
      const allowed = mayChange(config, who);
      if (!allowed.ok) {
        await reply.card(views.message({ title: 'Not allowed', text: allowed.message, tone: 'attention' }));
        return;
      }
      await reply.typing();
      const r = await service.syncUser(command.email, actorOf(who));
      const card =
        r.kind === 'applied'
          ? views.result({ report: r.result.report, status: r.result.status, error: r.result.error })
          : r.kind === 'in-sync'
            ? views.message({ title: `${r.address} is in step`, text: `KnowBe4 already matches Microsoft 365 for this user (${r.company.name}).`, tone: 'good' })
            : r.kind === 'not-found'
              ? views.message({ title: `No user ${r.address}`, text: `No Microsoft 365 user has this address in ${r.searched.join(', ')}.`, tone: 'warning' })
              : r.kind === 'ambiguous'
                ? views.message({ title: `${r.address} is in several companies`, text: `Found in ${r.companies.map((c) => c.name).join(' and ')}; nothing was changed.`, tone: 'warning' })
                : r.kind === 'out-of-scope'
                  ? views.message({ title: `${r.address} is not in scope`, text: `${r.company.name} does not sync this user (${r.reason}).`, tone: 'warning' })
                  : views.message({ title: `${r.address} is in conflict`, text: r.message, tone: 'attention' });
      await reply.card(card);
      return;
    }
  }
}
