/** What the bot's handlers are given, and the small helpers they share. */
import type { Config } from '../../config';
import type { Logger } from '../../observability';
import type { Actor, CompanyOverview, CompanyState, HoldRecords, Progress, RunRecord, RunService } from '../../runs';
import type { Scheduler } from '../../schedule';
import type { ConversationStore, KyselyRunStore } from '../../store';
import type { AccountAudit, Plan, Report } from '../../sync';
import type { DigestCardInput } from '../cards/digest';
import type { ReviewCardInput } from '../cards/review';
import type { ChoiceCommand, ChoiceReason } from '../cards/ask';
import type { OnboardingCardInput } from '../cards/messages';
import type { Command } from '../commands';
import type { Card, ProactiveSender, TeamsIdentity } from '../transport';

/** What a typed command means (see commands.ts). */
export type ParsedCommand = Command;

export type CompanyLookup =
  | { kind: 'match'; company: { id: string; name: string }; exact: boolean }
  | { kind: 'ambiguous'; candidates: { id: string; name: string }[] }
  | { kind: 'unknown'; suggestions: { id: string; name: string }[] };

export interface CompanyRow {
  id: string;
  name: string;
  paused: boolean;
  lastRunAt: Date | null;
  lastRunStatus: string | null;
  nextRunAt: Date | null;
  /** For a company that has never run: what it waits for, or "ready: preview it". */
  note?: string | null;
}

/** A client being onboarded, as the card shows it (the card's own input type). */
export type OnboardingView = OnboardingCardInput;

/** Onboarding, provided by the service (it owns kb4sync.yaml and the sign-in checks). */
export interface OnboardingPort {
  /** Adds the client to kb4sync.yaml and loads it; nothing is written to KnowBe4. */
  add(input: { name: string; domain: string; scimUrl: string | null; by: string }): Promise<OnboardingView>;
  /** Where a configured company stands now (consent, secrets); null when it is not configured. */
  check(companyId: string, domain: string): Promise<OnboardingView | null>;
}

/** The cards the bot sends; implemented over the templates in cards/. */
export interface BotViews {
  help(): Card;
  message(input: { title: string; text: string; fix?: string | null; tone?: 'good' | 'warning' | 'attention' }): Card;
  preview(input: { plan: Plan; planId: string; digest: string; expiresAt: Date; links: { csv: string; json: string } | null; confirmError?: string }): Card;
  applying(input: { plan: Plan; progress: Progress | null }): Card;
  result(input: { report: Report; status: 'succeeded' | 'partial' | 'failed'; error: string | null; nextRunAt?: Date | null }): Card;
  history(input: { company: { id: string; name: string }; runs: RunRecord[] }): Card;
  companies(rows: CompanyRow[]): Card;
  audit(input: { audit: AccountAudit; links: { csv: string; json: string } | null }): Card;
  digest(input: DigestCardInput): Card;
  review(input: ReviewCardInput): Card;
  onboarding(input: OnboardingView): Card;
  status(input: {
    company: { id: string; name: string };
    state: CompanyState;
    lastRun: RunRecord | null;
    nextRunAt: Date | null;
    /** When and by whom the company was paused (the latest pause in the audit trail). */
    pausedSince?: { at: Date; by: string | null } | null;
    pendingApprovals?: number;
    openConflicts?: number;
  }): Card;
  /** `sync user` once applied: about that person. */
  syncUser(input: { address: string; company: { id: string; name: string }; plan: Plan; report: Report; status: 'succeeded' | 'partial' | 'failed'; error: string | null }): Card;
  /** Asks which company (see cards/ask.ts for the reasons). */
  choice(input: { command: ChoiceCommand; candidates: { id: string; name: string }[]; query: string; reason: ChoiceReason }): Card;
}

export interface BotDeps {
  config: Config;
  /** Where a company that has never run stands (consent, secrets); null once it has run. */
  readiness?: (companyId: string) => Promise<string | null>;
  /** `onboard <name> <domain>` and its "Check again" button (absent: not offered). */
  onboarding?: OnboardingPort;
  service: RunService;
  store: KyselyRunStore;
  conversations: ConversationStore;
  /** Updates the card of a running apply. */
  sender: ProactiveSender;
  views: BotViews;
  parse: (text: string) => ParsedCommand;
  findCompany: (query: string, companies: { id: string; name: string }[]) => CompanyLookup;
  /** Signed links to the full diff of a plan (null when downloads are off). */
  links: (planId: string, expiresAt: Date) => { csv: string; json: string } | null;
  /** Every company's facts at once (the digest-style `companies`); absent: the plain list. */
  overview?: CompanyOverview;
  /** Standing holds ("Hold always" on the review card); absent: the toggle only holds this plan's change. */
  holds?: HoldRecords;
  /** Signed links to a stored audit's rows (absent or null when downloads are off). */
  auditLinks?: (auditId: string) => { csv: string; json: string } | null;
  scheduler?: Scheduler;
  log: Logger;
  clock?: () => Date;
  /** How often a running apply's card is refreshed at most. */
  progressIntervalMs?: number;
}

export function now(deps: BotDeps): Date {
  return (deps.clock ?? (() => new Date()))();
}

export function companiesOf(deps: BotDeps): { id: string; name: string }[] {
  return deps.config.companies.map((c) => ({ id: c.id, name: c.name }));
}

export function actorOf(who: TeamsIdentity): Actor {
  return { id: who.aadObjectId, name: who.name, tenantId: who.tenantId, via: 'teams' };
}

/** The preview card of a fresh or stored plan, with its download links. */
export function previewCardOf(deps: BotDeps, p: { plan: Plan; planId: string; digest: string; expiresAt: Date }, confirmError?: string): Card {
  return deps.views.preview({ plan: p.plan, planId: p.planId, digest: p.digest, expiresAt: p.expiresAt, links: deps.links(p.planId, p.expiresAt), ...(confirmError ? { confirmError } : {}) });
}

/**
 * A fresh preview through the one reconcile entry. The bot never applies by itself: whether the
 * plan is in step, blocked by the guard or waits for a person, the answer is its preview card,
 * which shows the guard's count to type or the Apply button.
 */
export async function freshPreviewCard(deps: BotDeps, companyId: string, who: TeamsIdentity): Promise<Card> {
  const { preview } = await deps.service.reconcile(companyId, actorOf(who), { approved: false });
  return previewCardOf(deps, preview);
}
