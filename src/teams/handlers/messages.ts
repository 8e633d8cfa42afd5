/** Typed commands: each answered with a card in the conversation it came from. */
import { describeProblem } from '../../notify';
import { nextSlot } from '../../schedule';
import { mayChange, tenantAllowed } from '../authorize';
import type { Conversation, IncomingMessage, Reply, TeamsIdentity } from '../transport';
import { freshPreviewCard, now, type BotDeps, type CompanyRow, type ParsedCommand } from './deps';
import { answer, askFor, resolveCompany, type Resolved } from './ask';
import { onboard } from './onboard';
import { sendAudit } from './audit';
import { companiesCard } from './digest';
import { setPaused } from './pause';
import { statusOf } from './status';
import { subscribe, unsubscribe } from './subscriptions';
import { replySyncUser } from './syncUser';

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

async function sendPreview(deps: BotDeps, reply: Reply, resolved: Resolved, who: TeamsIdentity): Promise<void> {
  await reply.typing();
  await answer(deps, reply, resolved, await freshPreviewCard(deps, resolved.company.id, who));
}

async function execute(deps: BotDeps, reply: Reply, conversation: Conversation, command: ParsedCommand, who: TeamsIdentity): Promise<void> {
  const { views, store, config } = deps;
  switch (command.kind) {
    case 'help':
      await reply.card(views.help());
      return;
    case 'unknown':
      await reply.card(views.help());
      return;
    case 'incomplete':
      await askFor(deps, reply, command.command, command.given);
      return;
    case 'preview': {
      const resolved = await resolveCompany(deps, reply, command.company, 'preview');
      if (resolved) await sendPreview(deps, reply, resolved, who);
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
      const resolved = await resolveCompany(deps, reply, command.company, 'status');
      if (!resolved) return;
      await answer(deps, reply, resolved, await statusOf(deps, resolved.company));
      return;
    }
    case 'audit':
      await sendAudit(deps, reply, command.company, who);
      return;
    case 'runs': {
      const resolved = await resolveCompany(deps, reply, command.company, 'runs');
      if (resolved) await answer(deps, reply, resolved, views.history({ company: resolved.company, runs: await store.listRuns(resolved.company.id, 10) }));
      return;
    }
    case 'pause':
    case 'resume': {
      // Never on a guessed name: resolveCompany asks "Did you mean …?" instead.
      const resolved = await resolveCompany(deps, reply, command.company, command.kind);
      if (resolved) await reply.card(await setPaused(deps, resolved.company, command.kind === 'pause', who));
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
      await replySyncUser(deps, reply, conversation, command.email, who);
      return;
    }
  }
}
