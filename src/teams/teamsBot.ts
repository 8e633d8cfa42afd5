/**
 * The Teams face of kb4sync: commands in chats and channels, and the card buttons. It only
 * translates: Teams activities in, calls to the run service and store, cards out. Cards are built
 * by `views`; commands are parsed by `parse`.
 */
import {
  CardFactory,
  TeamsActivityHandler,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type CloudAdapter,
  type ConversationReference,
  type InvokeResponse,
} from 'botbuilder';
import { z } from 'zod';
import type { Config } from '../config';
import type { Logger } from '../observability';
import { describeProblem } from '../notify';
import type { Progress } from '../runs';
import type { CompanyState, RunRecord } from '../runs';
import { ApplyRefused, type Actor, type RunService } from '../runs';
import type { Scheduler } from '../schedule';
import { nextSlot } from '../schedule';
import type { ConversationStore } from '../store';
import type { KyselyRunStore } from '../store';
import type { Plan } from '../sync';
import type { Report } from '../sync';
import { mayChange, tenantAllowed, type TeamsIdentity } from './authorize';
import type { Command } from './commands';

export type Card = Record<string, unknown>;

/** What a typed command means (see commands.ts). */
export type ParsedCommand = Command;

export type CompanyLookup =
  | { kind: 'match'; company: { id: string; name: string } }
  | { kind: 'ambiguous'; candidates: { id: string; name: string }[] }
  | { kind: 'unknown'; suggestions: { id: string; name: string }[] };

export interface CompanyRow {
  id: string;
  name: string;
  paused: boolean;
  lastRunAt: Date | null;
  lastRunStatus: string | null;
  nextRunAt: Date | null;
}

/** The cards the bot sends; implemented over the templates in cards/. */
export interface BotViews {
  help(): Card;
  message(input: { title: string; text: string; fix?: string | null; tone?: 'good' | 'warning' | 'attention' }): Card;
  preview(input: { plan: Plan; planId: string; digest: string; expiresAt: Date; links: { csv: string; json: string } | null }): Card;
  applying(input: { plan: Plan; progress: Progress | null }): Card;
  result(input: { report: Report; status: 'succeeded' | 'partial' | 'failed'; error: string | null }): Card;
  history(input: { company: { id: string; name: string }; runs: RunRecord[] }): Card;
  companies(rows: CompanyRow[]): Card;
  status(input: { company: { id: string; name: string }; state: CompanyState; lastRun: RunRecord | null; nextRunAt: Date | null }): Card;
  choice(input: { command: 'preview' | 'status' | 'runs' | 'pause' | 'resume'; candidates: { id: string; name: string }[] }): Card;
}

export interface BotDeps {
  config: Config;
  service: RunService;
  store: KyselyRunStore;
  conversations: ConversationStore;
  adapter: CloudAdapter;
  appId: string;
  views: BotViews;
  parse: (text: string) => ParsedCommand;
  findCompany: (query: string, companies: { id: string; name: string }[]) => CompanyLookup;
  /** Signed links to the full diff of a plan (null when downloads are off). */
  links: (planId: string, expiresAt: Date) => { csv: string; json: string } | null;
  scheduler?: Scheduler;
  log: Logger;
  clock?: () => Date;
  /** How often a running apply's card is refreshed at most. */
  progressIntervalMs?: number;
}

const invokeData = z.looseObject({
  planId: z.string().min(1).max(100).optional(),
  digest: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  companyId: z.string().min(1).max(100).optional(),
  command: z.enum(['preview', 'status', 'runs', 'pause', 'resume']).optional(),
  // Input.Number arrives as a string from some clients.
  confirmArchive: z.union([z.number(), z.string()]).optional(),
});

function identity(context: TurnContext): TeamsIdentity {
  const a = context.activity;
  const channelData = a.channelData as { tenant?: { id?: string } } | undefined;
  return {
    aadObjectId: a.from?.aadObjectId ?? null,
    name: a.from?.name ?? null,
    tenantId: channelData?.tenant?.id ?? a.conversation?.tenantId ?? null,
  };
}

function actorOf(who: TeamsIdentity): Actor {
  return { id: who.aadObjectId, name: who.name, tenantId: who.tenantId, via: 'teams' };
}

function cardReply(card: Card) {
  return { attachments: [CardFactory.adaptiveCard(card)] };
}

function invokeCard(card: Card): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card };
}

export class Kb4syncBot extends TeamsActivityHandler {
  constructor(private readonly deps: BotDeps) {
    super();
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      // The bot itself among the new members: the app was installed here. Keep the reference.
      const botId = context.activity.recipient?.id;
      if (context.activity.membersAdded?.some((m) => m.id === botId)) {
        await this.subscribe(context, false);
        await context.sendActivity(cardReply(this.deps.views.help()));
      }
      await next();
    });
    this.onMembersRemoved(async (context, next) => {
      const botId = context.activity.recipient?.id;
      if (context.activity.membersRemoved?.some((m) => m.id === botId)) await this.deps.conversations.remove(context.activity.conversation.id);
      await next();
    });
  }

  private get clock(): () => Date {
    return this.deps.clock ?? (() => new Date());
  }

  private companies(): { id: string; name: string }[] {
    return this.deps.config.companies.map((c) => ({ id: c.id, name: c.name }));
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const who = identity(context);
    const { views } = this.deps;
    const tenant = tenantAllowed(this.deps.config, who);
    if (!tenant.ok) {
      await context.sendActivity(cardReply(views.message({ title: 'Not available here', text: tenant.message, tone: 'attention' })));
      return;
    }
    const text = (TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '').trim();
    const command = this.deps.parse(text);
    try {
      await this.execute(context, command, who);
    } catch (err) {
      const problem = describeProblem(err);
      this.deps.log.error({ err: problem.message, command: command.kind }, 'command failed');
      await context.sendActivity(cardReply(views.message({ title: `${problem.service} problem`, text: problem.message, fix: problem.fix, tone: 'attention' })));
    }
  }

  /** Resolves a company name typed loosely; answers ambiguity or a miss itself and returns null. */
  private async company(context: TurnContext, query: string, command: 'preview' | 'status' | 'runs' | 'pause' | 'resume') {
    const found = this.deps.findCompany(query, this.companies());
    if (found.kind === 'match') return found.company;
    const { views } = this.deps;
    if (found.kind === 'ambiguous') await context.sendActivity(cardReply(views.choice({ command, candidates: found.candidates })));
    else {
      const names = found.suggestions.map((c) => c.name);
      const text = names.length ? `Did you mean ${names.join(' or ')}?` : `Known companies: ${this.companies().map((c) => c.name).join(', ')}.`;
      await context.sendActivity(cardReply(views.message({ title: `No company called "${query}"`, text, tone: 'warning' })));
    }
    return null;
  }

  private async execute(context: TurnContext, command: ParsedCommand, who: TeamsIdentity): Promise<void> {
    const { views, service, store, config } = this.deps;
    switch (command.kind) {
      case 'help':
        await context.sendActivity(cardReply(views.help()));
        return;
      case 'unknown':
        await context.sendActivity(cardReply(views.help()));
        return;
      case 'preview': {
        const company = await this.company(context, command.company, 'preview');
        if (company) await this.sendPreview(context, company.id, who);
        return;
      }
      case 'companies': {
        const rows: CompanyRow[] = [];
        for (const c of config.companies) {
          const state = await store.getCompanyState(c.id);
          const paused = c.paused || state.paused;
          rows.push({ id: c.id, name: c.name, paused, lastRunAt: state.lastRunAt, lastRunStatus: state.lastRunStatus, nextRunAt: paused ? null : nextSlot(c, this.clock()) });
        }
        await context.sendActivity(cardReply(views.companies(rows)));
        return;
      }
      case 'status': {
        if (command.company === undefined) return this.execute(context, { kind: 'companies' }, who);
        const company = await this.company(context, command.company, 'status');
        if (!company) return;
        const state = await store.getCompanyState(company.id);
        const [lastRun] = await store.listRuns(company.id, 1);
        const cfg = service.company(company.id);
        await context.sendActivity(cardReply(views.status({ company, state, lastRun: lastRun ?? null, nextRunAt: cfg.paused || state.paused ? null : nextSlot(cfg, this.clock()) })));
        return;
      }
      case 'runs': {
        const company = await this.company(context, command.company, 'runs');
        if (company) await context.sendActivity(cardReply(views.history({ company, runs: await store.listRuns(company.id, 10) })));
        return;
      }
      case 'pause':
      case 'resume': {
        const company = await this.company(context, command.company, command.kind);
        if (company) await context.sendActivity(cardReply(await this.setPaused(company, command.kind === 'pause', who)));
        return;
      }
      case 'subscribe':
        await this.subscribe(context, true);
        return;
      case 'unsubscribe': {
        const removed = await this.deps.conversations.remove(context.activity.conversation.id.split(';messageid=')[0] as string);
        await context.sendActivity(
          cardReply(views.message({ title: removed ? 'Unsubscribed' : 'Not subscribed', text: removed ? 'This conversation no longer gets kb4sync summaries and alerts.' : 'This conversation was not subscribed.' })),
        );
        return;
      }
      case 'syncUser': {
        const allowed = mayChange(config, who);
        if (!allowed.ok) {
          await context.sendActivity(cardReply(views.message({ title: 'Not allowed', text: allowed.message, tone: 'attention' })));
          return;
        }
        await context.sendActivity({ type: 'typing' });
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
        await context.sendActivity(cardReply(card));
        return;
      }
    }
  }

  private async sendPreview(context: TurnContext, companyId: string, who: TeamsIdentity): Promise<void> {
    await context.sendActivity({ type: 'typing' });
    const preview = await this.deps.service.preview(companyId, actorOf(who));
    const links = this.deps.links(preview.planId, preview.expiresAt);
    await context.sendActivity(cardReply(this.deps.views.preview({ plan: preview.plan, planId: preview.planId, digest: preview.digest, expiresAt: preview.expiresAt, links })));
  }

  private async subscribe(context: TurnContext, confirm: boolean): Promise<void> {
    const a = context.activity;
    const reference = TurnContext.getConversationReference(a);
    // A message in a channel thread carries `;messageid=…`: subscribe the channel, not the thread,
    // so summaries arrive as new posts and one channel is one subscription.
    const channelId = a.conversation.id.split(';messageid=')[0] as string;
    reference.conversation = { ...reference.conversation, id: channelId } as typeof reference.conversation;
    const type = a.conversation?.conversationType;
    const kind = type === 'channel' ? 'channel' : type === 'groupChat' ? 'groupChat' : 'personal';
    const channelData = a.channelData as { channel?: { name?: string }; team?: { name?: string } } | undefined;
    const name = [channelData?.team?.name, channelData?.channel?.name].filter(Boolean).join(' / ') || a.conversation?.name || null;
    await this.deps.conversations.save({ id: channelId, reference: reference as unknown as Record<string, unknown>, kind, name, companies: null }, this.clock());
    if (confirm) {
      await context.sendActivity(cardReply(this.deps.views.message({ title: 'Subscribed', text: 'This conversation will get nightly summaries and alerts for every company.', tone: 'good' })));
    }
  }

  private async setPaused(company: { id: string; name: string }, paused: boolean, who: TeamsIdentity): Promise<Card> {
    const { views, config, store } = this.deps;
    const allowed = mayChange(config, who);
    const action = paused ? 'pause' : 'resume';
    if (!allowed.ok) {
      await store.recordAudit({ at: this.clock(), actorId: who.aadObjectId, actorName: who.name, tenantId: who.tenantId, action, companyId: company.id, planId: null, runId: null, outcome: 'refused', via: 'teams', detail: { reason: allowed.reason } });
      return views.message({ title: 'Not allowed', text: allowed.message, tone: 'attention' });
    }
    await store.updateCompanyState(company.id, paused ? { paused: true } : { paused: false, consecutiveFailures: 0 });
    await store.recordAudit({ at: this.clock(), actorId: who.aadObjectId, actorName: who.name, tenantId: who.tenantId, action, companyId: company.id, planId: null, runId: null, outcome: 'ok', via: 'teams', detail: {} });
    return views.message({
      title: paused ? `${company.name} paused` : `${company.name} resumed`,
      text: paused ? 'Scheduled syncs are paused until someone types "resume".' : 'Scheduled syncs will run again.',
      tone: 'good',
    });
  }

  /**
   * botbuilder reads `value.action.type` of an adaptiveCard/action invoke without checking that
   * `value.action` exists: a forged invoke whose value is an array or has no action threw inside
   * the SDK (a 501 and an "internal error" message in the chat). Answer it as botbuilder answers
   * other malformed invokes: 400, BadRequest.
   */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const value = context.activity.value as { action?: unknown } | undefined;
    if (context.activity.name === 'adaptiveCard/action' && value && (typeof value !== 'object' || typeof value.action !== 'object' || value.action === null)) {
      return { status: 400, body: { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: 'Missing value.action' } } };
    }
    return super.onInvokeActivity(context);
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const { views, config, store } = this.deps;
    const who = identity(context);
    const verb = invokeValue.action?.verb ?? '';
    const parsed = invokeData.safeParse(invokeValue.action?.data ?? {});
    if (!parsed.success) return invokeCard(views.message({ title: 'That button is not valid', text: 'The card was changed or is from another app. Run the command again.', tone: 'attention' }));
    const data = parsed.data;
    const changes = ['apply', 'cancel', 'pause', 'resume', 'retry'].includes(verb);
    const allowed = changes ? mayChange(config, who) : tenantAllowed(config, who);
    if (!allowed.ok) {
      await store.recordAudit({ at: this.clock(), actorId: who.aadObjectId, actorName: who.name, tenantId: who.tenantId, action: verb, companyId: data.companyId ?? null, planId: data.planId ?? null, runId: null, outcome: 'refused', via: 'teams', detail: { reason: allowed.reason } });
      return invokeCard(views.message({ title: 'Not allowed', text: allowed.message, tone: 'attention' }));
    }
    try {
      switch (verb) {
        case 'apply':
          return await this.apply(context, who, data);
        case 'cancel': {
          // Like Apply, Cancel needs the card's digest: a forged click knows only a plan id.
          if (!data.planId || !data.digest) break;
          await this.deps.service.cancel(data.planId, actorOf(who), { digest: data.digest });
          return invokeCard(views.message({ title: 'Cancelled', text: 'Nothing was applied. Run "preview sync <company>" for a new plan.' }));
        }
        case 'review': {
          const stored = data.planId ? await store.getPlan(data.planId) : null;
          if (!stored) break;
          if (stored.status !== 'pending' || stored.expiresAt <= this.clock()) {
            const preview = await this.deps.service.preview(stored.companyId, actorOf(who));
            return invokeCard(views.preview({ plan: preview.plan, planId: preview.planId, digest: preview.digest, expiresAt: preview.expiresAt, links: this.deps.links(preview.planId, preview.expiresAt) }));
          }
          return invokeCard(views.preview({ plan: stored.plan, planId: stored.planId, digest: stored.digest, expiresAt: stored.expiresAt, links: this.deps.links(stored.planId, stored.expiresAt) }));
        }
        case 'choose': {
          if (!data.companyId || !data.command) break;
          const company = this.companies().find((c) => c.id === data.companyId);
          if (!company) break;
          if (data.command === 'preview') {
            const preview = await this.deps.service.preview(company.id, actorOf(who));
            return invokeCard(views.preview({ plan: preview.plan, planId: preview.planId, digest: preview.digest, expiresAt: preview.expiresAt, links: this.deps.links(preview.planId, preview.expiresAt) }));
          }
          // setPaused checks the admin list itself, and audits a refusal.
          if (data.command === 'pause' || data.command === 'resume') return invokeCard(await this.setPaused(company, data.command === 'pause', who));
          if (data.command === 'runs') return invokeCard(views.history({ company, runs: await store.listRuns(company.id, 10) }));
          const state = await store.getCompanyState(company.id);
          const [lastRun] = await store.listRuns(company.id, 1);
          return invokeCard(views.status({ company, state, lastRun: lastRun ?? null, nextRunAt: nextSlot(this.deps.service.company(company.id), this.clock()) }));
        }
        case 'pause':
        case 'resume': {
          const company = this.companies().find((c) => c.id === data.companyId);
          if (!company) break;
          return invokeCard(await this.setPaused(company, verb === 'pause', who));
        }
        case 'retry': {
          const company = this.companies().find((c) => c.id === data.companyId);
          if (!company || !this.deps.scheduler) break;
          const scheduler = this.deps.scheduler;
          void scheduler.runNow(this.deps.service.company(company.id)).catch((err: unknown) => this.deps.log.error({ err }, 'retry failed'));
          return invokeCard(views.message({ title: `Retrying ${company.name}`, text: 'A new run has started; its summary or alert will follow here.' }));
        }
      }
      return invokeCard(views.message({ title: 'That button is not valid', text: 'The card was changed or is out of date. Run the command again.', tone: 'attention' }));
    } catch (err) {
      if (err instanceof ApplyRefused) return invokeCard(views.message({ title: 'Not applied', text: err.message, tone: 'warning' }));
      const problem = describeProblem(err);
      return invokeCard(views.message({ title: `${problem.service} problem`, text: problem.message, fix: problem.fix, tone: 'attention' }));
    }
  }

  /** Starts the apply, answers "applying" at once, and updates the same message until the result. */
  private async apply(context: TurnContext, who: TeamsIdentity, data: z.infer<typeof invokeData>): Promise<AdaptiveCardInvokeResponse> {
    const { views, service, adapter, appId, log } = this.deps;
    if (!data.planId || !data.digest) return invokeCard(views.message({ title: 'That button is not valid', text: 'Run the preview again.', tone: 'attention' }));
    const confirm = data.confirmArchive === undefined || data.confirmArchive === '' ? null : Number(data.confirmArchive);
    const reference = TurnContext.getConversationReference(context.activity) as Partial<ConversationReference>;
    const messageId = context.activity.replyToId;
    let latest: Progress | null = null;
    let lastUpdate = 0;
    let updating: Promise<void> = Promise.resolve();
    const update = (card: Card) => {
      if (!messageId) return Promise.resolve();
      // Updates are chained so an older card never overwrites a newer one.
      updating = updating.then(() =>
        adapter
          .continueConversationAsync(appId, reference, async (ctx) => {
            await ctx.updateActivity({ type: 'message', id: messageId, attachments: [CardFactory.adaptiveCard(card)] });
          })
          .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'card update failed')),
      );
      return updating;
    };

    const started = await service.startApply(data.planId, actorOf(who), {
      digest: data.digest,
      confirmArchive: Number.isFinite(confirm) ? confirm : null,
      onProgress: (p) => {
        latest = p;
        const now = Date.now();
        if (now - lastUpdate < (this.deps.progressIntervalMs ?? 2000)) return;
        lastUpdate = now;
        void update(views.applying({ plan: started.plan, progress: p }));
      },
    });
    started.result
      .then((r) => update(views.result({ report: r.report, status: r.status, error: r.error })))
      .catch((err: unknown) => {
        const problem = describeProblem(err);
        return update(views.message({ title: 'The run stopped', text: problem.message, fix: problem.fix, tone: 'attention' }));
      });
    return invokeCard(views.applying({ plan: started.plan, progress: latest }));
  }
}
