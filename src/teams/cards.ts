/**
 * Card builders: plain data in, Adaptive Card JSON out. Each builder makes a view model (strings
 * already escaped and cut, lists already capped) and expands a template from `cards/` with
 * adaptivecards-templating; no card JSON is assembled by hand. Every card is measured and, when
 * too big for a Teams message, re-rendered with fewer rows until it fits.
 */
import { Template } from 'adaptivecards-templating';
import { z } from 'zod';
import type { AttributeChange, Operation, OperationOutcome, Plan, PlanStats } from '../sync';
import { PHASES } from '../sync';
import type { Report } from '../sync';
import { COMMAND_HELP } from './commands';
import type { CompanyRef } from './companyMatch';
import { moreText, plain, plural, truncate } from './cardText';
import applyingTemplate from '../../cards/applying.json';
import autoPauseTemplate from '../../cards/autoPause.json';
import choiceTemplate from '../../cards/choice.json';
import companiesTemplate from '../../cards/companies.json';
import credentialAlertTemplate from '../../cards/credentialAlert.json';
import errorTemplate from '../../cards/error.json';
import messageTemplate from '../../cards/message.json';
import failureAlertTemplate from '../../cards/failureAlert.json';
import guardAlertTemplate from '../../cards/guardAlert.json';
import helpTemplate from '../../cards/help.json';
import previewTemplate from '../../cards/preview.json';
import resultTemplate from '../../cards/result.json';
import runsTemplate from '../../cards/runs.json';
import summaryTemplate from '../../cards/summary.json';
import syncUserTemplate from '../../cards/syncUser.json';

/** An expanded Adaptive Card, ready to be an attachment's `content`. */
export type CardJson = Record<string, unknown>;

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
/** Teams rejects messages over about 28 KB, card included. */
export const TEAMS_MESSAGE_LIMIT_BYTES = 28 * 1024;
/** What a card may use: the rest of the limit is the activity envelope around it. */
export const CARD_BYTE_BUDGET = 26_000;

export const TEMPLATES = {
  preview: previewTemplate,
  applying: applyingTemplate,
  result: resultTemplate,
  error: errorTemplate,
  message: messageTemplate,
  runs: runsTemplate,
  companies: companiesTemplate,
  help: helpTemplate,
  choice: choiceTemplate,
  syncUser: syncUserTemplate,
  failureAlert: failureAlertTemplate,
  guardAlert: guardAlertTemplate,
  credentialAlert: credentialAlertTemplate,
  autoPause: autoPauseTemplate,
  summary: summaryTemplate,
} as const;
export type TemplateName = keyof typeof TEMPLATES;

/** UTF-8 byte length of the card as it goes on the wire. */
export function cardSize(card: unknown): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}

/** Wrap a card as a Bot Framework attachment. */
export function cardAttachment(card: CardJson): { contentType: string; content: CardJson } {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card };
}

// Templates are parsed once; Template copies the JSON it is given.
const compiled = new Map<TemplateName, Template>();

export function render(name: TemplateName, data: object): CardJson {
  let template = compiled.get(name);
  if (!template) {
    template = new Template(TEMPLATES[name]);
    compiled.set(name, template);
  }
  const card: unknown = template.expand({ $root: data });
  if (typeof card !== 'object' || card === null || Array.isArray(card)) {
    throw new Error(`card template ${name} did not expand to an object`);
  }
  return card as CardJson;
}

/** Row caps tried in turn until the card fits; the last one shows counts only. */
const ROW_LEVELS = [10, 6, 3, 1, 0] as const;

/** Render with the largest row cap that fits the budget; counts are never dropped. */
function renderWithin(name: TemplateName, build: (rows: number, textMax: number) => object): CardJson {
  for (const rows of ROW_LEVELS) {
    for (const textMax of [120, 60]) {
      const card = render(name, build(rows, textMax));
      if (cardSize(card) <= CARD_BYTE_BUDGET) return card;
    }
  }
  // Only reachable with absurd scalar inputs (a megabyte company name): say so rather than fail to send.
  return errorCard({ title: 'Card too large', message: `The ${name} card does not fit in a Teams message.` });
}

type Color = 'Default' | 'Good' | 'Warning' | 'Attention' | 'Accent';
type Style = 'default' | 'good' | 'warning' | 'attention' | 'emphasis';
interface Row {
  label: string;
  detail: string;
}

function capRows<T>(items: readonly T[], max: number, toRow: (item: T) => Row, where: string) {
  const shown = items.slice(0, max).map(toRow);
  const more = moreText(items.length, shown.length, where);
  return { rows: shown, more, hasMore: more !== '' };
}

// ---------------------------------------------------------------------------------------------
// Preview
// ---------------------------------------------------------------------------------------------

export interface PlanCounts {
  create: number;
  /** Rows of the Update section: attribute updates, renames, reactivations, manager links. */
  update: number;
  archive: number;
  /** Rows of the Groups section: new groups, additions and removals. */
  groups: number;
  conflicts: number;
  unmanaged: number;
}

const UPDATE_KINDS: ReadonlySet<Operation['kind']> = new Set(['update', 'rename', 'reactivate', 'setManager']);
const GROUP_KINDS: ReadonlySet<Operation['kind']> = new Set(['createGroup', 'addToGroup', 'removeFromGroup']);

/** The numbers on the preview card, one per section. */
export function planCounts(plan: Plan): PlanCounts {
  let create = 0;
  let update = 0;
  let archive = 0;
  let groups = 0;
  for (const op of plan.operations) {
    if (op.kind === 'create') create++;
    else if (op.kind === 'archive') archive++;
    else if (UPDATE_KINDS.has(op.kind)) update++;
    else if (GROUP_KINDS.has(op.kind)) groups++;
  }
  return { create, update, archive, groups, conflicts: plan.conflicts.length, unmanaged: plan.unmanaged.length };
}

const previewOptionsSchema = z.object({
  planId: z.string().min(1),
  digest: z.string().min(1),
  csvUrl: z.url({ protocol: /^https?$/ }),
  jsonUrl: z.url({ protocol: /^https?$/ }),
  /** When the plan expires, already formatted for people (the builders read no clock). */
  expires: z.string().optional(),
});
export type PreviewOptions = z.input<typeof previewOptionsSchema>;

function changeText(change: { attribute: string; before: string | null; after: string | null }, max: number): string {
  return `${change.attribute}: ${plain(change.before, max)} → ${plain(change.after, max)}`;
}

/** One line describing an operation (label = who, detail = what). */
export function operationRow(op: Operation, textMax = 160): Row {
  const short = Math.max(20, Math.floor(textMax / 3));
  switch (op.kind) {
    case 'create': {
      const name = [op.values.givenName, op.values.familyName].filter(Boolean).join(' ');
      const extra = [name, op.values.department, op.values.title].filter((v): v is string => Boolean(v)).join(' · ');
      return { label: plain(op.userName, textMax / 2), detail: plain(extra || null, textMax) };
    }
    case 'update': {
      const shownChanges = op.changes.slice(0, 3).map((c: AttributeChange) => changeText(c, short));
      const rest = op.changes.length - shownChanges.length;
      return {
        label: plain(op.userName, textMax / 2),
        detail: shownChanges.join('; ') + (rest > 0 ? `; +${rest} more` : ''),
      };
    }
    case 'rename':
      return { label: plain(op.from, textMax / 2), detail: `email: ${plain(op.from, short)} → ${plain(op.to, short)}` };
    case 'reactivate':
      return { label: plain(op.userName, textMax / 2), detail: `reactivate archived user: ${plain(op.reason, textMax)}` };
    case 'setManager':
      return { label: plain(op.userName, textMax / 2), detail: changeText({ attribute: 'manager', before: op.before, after: op.after }, short) };
    case 'archive':
      return { label: plain(op.userName, textMax / 2), detail: plain(op.reason, textMax) };
    case 'createGroup':
      return { label: plain(op.name, textMax / 2), detail: 'new group' };
    case 'addToGroup':
      return { label: `+ ${plain(op.userName, textMax / 2)}`, detail: `→ ${plain(op.groupName, short)} (${op.via})` };
    case 'removeFromGroup':
      return { label: `− ${plain(op.userName, textMax / 2)}`, detail: `from ${plain(op.groupName, short)}` };
  }
}

function statsLine(stats: PlanStats): string {
  return [
    `${plural(stats.inScope, 'Microsoft 365 user')} in scope`,
    `${plural(stats.targetUsers, 'KnowBe4 user')}`,
    `${stats.matched.toLocaleString('en-US')} matched`,
  ].join(' · ');
}

export function previewCard(plan: Plan, options: PreviewOptions): CardJson {
  const opts = previewOptionsSchema.parse(options);
  const counts = planCounts(plan);
  const byKind = (kinds: ReadonlySet<Operation['kind']> | Operation['kind']) =>
    plan.operations.filter((op) => (typeof kinds === 'string' ? op.kind === kinds : kinds.has(op.kind)));
  const lists = {
    create: byKind('create'),
    update: byKind(UPDATE_KINDS),
    archive: byKind('archive'),
    groups: byKind(GROUP_KINDS),
  };
  const blocked = plan.guard.status === 'blocked' ? plan.guard : null;
  const empty = plan.operations.length === 0;

  return renderWithin('preview', (max, textMax) => {
    const section = (title: string, ops: Operation[]) => ({
      title,
      total: ops.length.toLocaleString('en-US'),
      ...capRows(ops, max, (op) => operationRow(op, textMax), title.toLowerCase()),
    });
    const conflicts = capRows(
      plan.conflicts,
      max,
      (c) => ({ label: plain(c.sourceUsers.map((u) => u.address ?? u.id).join(', '), textMax / 2), detail: `${c.reason}: ${plain(c.message, textMax)}` }),
      'conflicts',
    );
    const sections = [
      section('Create', lists.create),
      section('Update', lists.update),
      section('Archive', lists.archive),
      section('Groups', lists.groups),
      { title: 'Conflicts (not written)', total: counts.conflicts.toLocaleString('en-US'), ...conflicts },
      { title: 'Unreadable in KnowBe4 (held)', total: (plan.unreadable ?? []).length.toLocaleString('en-US'), ...capRows(plan.unreadable ?? [], max, (u) => ({ label: plain(u.name ?? u.id ?? u.resource, textMax / 2), detail: plain(u.reason, textMax) }), 'unreadable') },
    ].filter((s) => s.total !== '0');
    const unmanaged = capRows(plan.unmanaged, max, (u) => ({ label: plain(u.userName, textMax / 2), detail: plain(u.reason, textMax) }), 'not managed');
    const count = (label: string, value: number, color: Color) => ({ label, value: value.toLocaleString('en-US'), color: value > 0 ? color : 'Default' });
    return {
      company: plain(plan.company.name, 80),
      subtitle: statsLine(plan.stats),
      planId: opts.planId,
      digest: opts.digest,
      csvUrl: opts.csvUrl,
      jsonUrl: opts.jsonUrl,
      expiresText: opts.expires ? ` · expires ${plain(opts.expires, 40)}` : '',
      blocked: blocked !== null,
      archiveCount: blocked?.archiveCount ?? counts.archive,
      guardReasons: (blocked?.reasons ?? []).slice(0, 5).map((r) => ({ text: plain(r, 200) })),
      counts: [
        count('Create', counts.create, 'Good'),
        count('Update', counts.update, 'Accent'),
        count('Archive', counts.archive, 'Attention'),
        count('Groups', counts.groups, 'Accent'),
        count('Conflicts', counts.conflicts, 'Warning'),
        count('Not managed', counts.unmanaged, 'Warning'),
      ],
      empty,
      sections,
      hasUnmanaged: counts.unmanaged > 0,
      unmanagedTotal: counts.unmanaged.toLocaleString('en-US'),
      unmanaged: unmanaged.rows,
      unmanagedMore: unmanaged.more,
      hasUnmanagedMore: unmanaged.hasMore,
      canApply: !empty,
      applyTitle: blocked ? `Apply (confirm ${blocked.archiveCount} archives)` : `Apply ${plural(plan.operations.length, 'change')}`,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Applying (progress)
// ---------------------------------------------------------------------------------------------

export interface PhaseProgress {
  name: string;
  done: number;
  total: number;
  failed: number;
}

export interface ApplyProgress {
  company: string;
  runId: string;
  startedBy: string;
  phases: PhaseProgress[];
}

const PHASE_NAMES = ['Groups', 'Create, rename, reactivate', 'Attribute updates', 'Manager links', 'Group memberships', 'Archives'];

/** Per-phase progress from the stored outcomes (pending, done, failed, skipped). */
export function phaseProgress(plan: Plan, outcomes: ReadonlyMap<string, OperationOutcome>): PhaseProgress[] {
  return PHASES.map((kinds, i) => {
    const ops = plan.operations.filter((op) => kinds.includes(op.kind));
    let done = 0;
    let failed = 0;
    for (const op of ops) {
      const status = outcomes.get(op.id)?.status ?? 'pending';
      if (status === 'done' || status === 'skipped') done++;
      else if (status === 'failed') failed++;
    }
    return { name: PHASE_NAMES[i] ?? kinds.join(', '), done, total: ops.length, failed };
  }).filter((p) => p.total > 0);
}

export function applyingCard(progress: ApplyProgress): CardJson {
  const done = progress.phases.reduce((n, p) => n + p.done + p.failed, 0);
  const total = progress.phases.reduce((n, p) => n + p.total, 0);
  const failed = progress.phases.reduce((n, p) => n + p.failed, 0);
  return renderWithin('applying', () => ({
    company: plain(progress.company, 80),
    runId: plain(progress.runId, 80),
    startedBy: plain(progress.startedBy, 80),
    done: done.toLocaleString('en-US'),
    total: total.toLocaleString('en-US'),
    percent: total === 0 ? 100 : Math.floor((done / total) * 100),
    failedText: failed > 0 ? `, ${plural(failed, 'failure')}` : '',
    phases: progress.phases.slice(0, 10).map((p) => ({
      name: plain(p.name, 60),
      done: (p.done + p.failed).toLocaleString('en-US'),
      total: p.total.toLocaleString('en-US'),
      color: p.failed > 0 ? 'Attention' : p.done === p.total ? 'Good' : 'Default',
      state: p.done + p.failed >= p.total ? (p.failed > 0 ? `${p.failed} failed` : 'done') : p.done + p.failed > 0 ? 'running' : 'waiting',
    })),
  }));
}

// ---------------------------------------------------------------------------------------------
// Result
// ---------------------------------------------------------------------------------------------

export type RunStatus = 'success' | 'partial' | 'failed';

/** success = no errors; partial = errors but something was written; failed = errors and nothing written. */
export function reportStatus(report: Report): RunStatus {
  if (report.success) return 'success';
  const s = report.sync_summary;
  const wrote = s.users_created + s.users_updated + s.users_archived + report.group_changes.group_additions + report.group_changes.group_removals;
  return wrote > 0 ? 'partial' : 'failed';
}

const STATUS_LOOK: Record<RunStatus, { style: Style; color: Color; word: string; icon: string }> = {
  success: { style: 'good', color: 'Good', word: 'Sync complete', icon: '✔' },
  partial: { style: 'warning', color: 'Warning', word: 'Sync partly applied', icon: '⚠' },
  failed: { style: 'attention', color: 'Attention', word: 'Sync failed', icon: '✖' },
};

export interface ResultOptions {
  /** Override the status derived from the report (e.g. the run stopped before writing). */
  status?: RunStatus;
  reportUrl?: string;
}

/** The seed report's numbers, in the seed's order. */
export function reportFacts(report: Report): { title: string; value: string }[] {
  const s = report.sync_summary;
  const n = (v: number) => v.toLocaleString('en-US');
  const a = report.attribute_updates;
  return [
    { title: 'Microsoft 365 users found', value: n(s.m365_users_found) },
    { title: 'KnowBe4 users found', value: n(s.knowbe4_users_found) },
    { title: 'Matched', value: n(s.users_matched) },
    { title: 'Created', value: n(s.users_created) },
    { title: 'Updated', value: n(s.users_updated) },
    { title: 'Archived', value: n(s.users_archived) },
    { title: 'Groups synced', value: n(s.groups_synced) },
    {
      title: 'Attribute updates',
      value: `names ${n(a.names_updated)} · departments ${n(a.departments_updated)} · titles ${n(a.titles_updated)} · managers ${n(a.managers_updated)}`,
    },
    { title: 'Group changes', value: `+${n(report.group_changes.group_additions)} / −${n(report.group_changes.group_removals)}` },
  ];
}

export function resultCard(report: Report, options: ResultOptions = {}): CardJson {
  const status = options.status ?? reportStatus(report);
  const look = STATUS_LOOK[status];
  const reportUrl = options.reportUrl ? z.url({ protocol: /^https?$/ }).parse(options.reportUrl) : '';
  return renderWithin('result', (max, textMax) => {
    const failures = capRows(report.errors, max, (e) => ({ label: plain(e.user ?? e.operation, textMax / 2), detail: `${e.kind}: ${plain(e.message, textMax)}` }), 'failures');
    const conflicts = capRows(report.conflicts, max, (c) => ({ label: plain(c.m365_users.map((u) => u.address ?? u.id).join(', '), textMax / 2), detail: `${c.reason}: ${plain(c.message, textMax)}` }), 'conflicts');
    return {
      heading: report.dry_run ? 'Preview (nothing written)' : look.word,
      style: look.style,
      color: look.color,
      company: plain(report.sync_summary.company, 80),
      companyId: report.company_id,
      timestamp: plain(report.sync_summary.sync_timestamp, 40),
      runId: plain(report.run_id, 80),
      facts: reportFacts(report),
      hasFailures: report.errors.length > 0,
      failureTotal: report.errors.length.toLocaleString('en-US'),
      failures: failures.rows,
      failureMore: failures.more,
      hasFailureMore: failures.hasMore,
      hasConflicts: report.conflicts.length > 0,
      conflictTotal: report.conflicts.length.toLocaleString('en-US'),
      conflicts: conflicts.rows,
      conflictMore: conflicts.more,
      hasConflictMore: conflicts.hasMore,
      reportUrl,
      hasReportUrl: reportUrl !== '',
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Errors, refusals
// ---------------------------------------------------------------------------------------------

export interface ErrorCardInput {
  title: string;
  message: string;
  fix?: string;
  /** Small print, e.g. a request id or the audit entry. */
  detail?: string;
}

export function errorCard(input: ErrorCardInput): CardJson {
  const card = render('error', {
    title: plain(input.title, 120),
    message: plain(input.message, 1000),
    fix: input.fix ? plain(input.fix, 1000) : '',
    hasFix: Boolean(input.fix),
    detail: input.detail ? plain(input.detail, 300) : '',
    hasDetail: Boolean(input.detail),
  });
  return card;
}

export type MessageTone = 'info' | 'good' | 'warning' | 'attention';

const TONE_LOOK: Record<MessageTone, { style: Style; color: Color }> = {
  info: { style: 'emphasis', color: 'Default' },
  good: { style: 'good', color: 'Good' },
  warning: { style: 'warning', color: 'Warning' },
  attention: { style: 'attention', color: 'Attention' },
};

/** A short answer: confirmations, refusals, problems. */
export function messageCard(input: { title: string; message: string; fix?: string | null; tone?: MessageTone }): CardJson {
  return render('message', {
    ...TONE_LOOK[input.tone ?? 'info'],
    title: plain(input.title, 120),
    message: plain(input.message, 1000),
    fix: input.fix ? plain(input.fix, 1000) : '',
    hasFix: Boolean(input.fix),
  });
}

/** The card for someone who may not apply, or an action that is no longer valid. */
export function refusedCard(message: string, fix?: string): CardJson {
  return errorCard({ title: 'Not allowed', message, ...(fix ? { fix } : {}) });
}

// ---------------------------------------------------------------------------------------------
// Lists: runs, companies, help, choice
// ---------------------------------------------------------------------------------------------

export type RunListStatus = RunStatus | 'blocked' | 'running' | 'cancelled' | 'preview';

export interface RunListItem {
  runId: string;
  /** Formatted for people by the caller. */
  when: string;
  kind: 'preview' | 'apply' | 'scheduled' | 'syncUser';
  status: RunListStatus;
  summary: string;
}

const RUN_LOOK: Record<RunListStatus, { icon: string; color: Color }> = {
  success: { icon: '✔', color: 'Good' },
  partial: { icon: '⚠', color: 'Warning' },
  failed: { icon: '✖', color: 'Attention' },
  blocked: { icon: '⛔', color: 'Warning' },
  running: { icon: '⏳', color: 'Accent' },
  cancelled: { icon: '–', color: 'Default' },
  preview: { icon: '👁', color: 'Default' },
};

export function runsCard(company: string, runs: readonly RunListItem[]): CardJson {
  return renderWithin('runs', (max, textMax) => {
    const limit = Math.max(max * 2, 1);
    return {
      company: plain(company, 80),
      empty: runs.length === 0,
      runs: runs.slice(0, limit).map((r) => ({
        ...RUN_LOOK[r.status],
        runId: plain(r.runId, 40),
        when: plain(r.when, 40),
        kind: r.kind,
        summary: plain(`${r.status}: ${r.summary}`, textMax),
      })),
      more: moreText(runs.length, Math.min(runs.length, limit), 'runs'),
      hasMore: runs.length > limit,
    };
  });
}

export interface CompanyListItem {
  id: string;
  name: string;
  lastRun: string | null;
  lastResult: RunListStatus | null;
  nextRun: string | null;
  paused: boolean;
}

export function companiesCard(companies: readonly CompanyListItem[]): CardJson {
  return renderWithin('companies', (max) => {
    const limit = Math.max(max * 5, 1);
    return {
      total: companies.length.toLocaleString('en-US'),
      empty: companies.length === 0,
      companies: companies.slice(0, limit).map((c) => ({
        id: plain(c.id, 60),
        name: plain(c.name, 60),
        pausedText: c.paused ? ' · ⏸ paused' : '',
        lastRun: plain(c.lastRun ?? 'never', 40),
        lastResult: c.lastResult ?? '—',
        color: c.lastResult ? RUN_LOOK[c.lastResult].color : 'Default',
        nextRun: c.paused ? 'paused' : plain(c.nextRun ?? 'not scheduled', 40),
      })),
      more: moreText(companies.length, Math.min(companies.length, limit), 'companies'),
      hasMore: companies.length > limit,
    };
  });
}

export function helpCard(): CardJson {
  return render('help', { commands: COMMAND_HELP.map((c) => ({ usage: c.usage, description: c.description })) });
}

/** Adaptive Card hosts (the default host config, and Teams on mobile) show at most five actions. */
export const MAX_CHOICES = 5;

export interface ChoiceInput {
  query: string;
  /** The command to run once chosen; echoed back in the button data. */
  command: 'preview' | 'status' | 'runs' | 'pause' | 'resume';
  candidates: readonly CompanyRef[];
}

export function choiceCard(input: ChoiceInput): CardJson {
  return render('choice', {
    query: plain(input.query, 80),
    command: input.command,
    choices: input.candidates.slice(0, MAX_CHOICES).map((c) => ({ id: c.id, name: truncate(c.name, 60) })),
    more: `${moreText(input.candidates.length, MAX_CHOICES, 'matches')}: type more of the name.`,
    hasMore: input.candidates.length > MAX_CHOICES,
  });
}

// ---------------------------------------------------------------------------------------------
// Sync one user
// ---------------------------------------------------------------------------------------------

export type SyncUserStatus = 'created' | 'updated' | 'unchanged' | 'failed' | 'conflict' | 'notInScope';

export interface SyncUserInput {
  email: string;
  company: string;
  status: SyncUserStatus;
  message: string;
  operations: readonly Operation[];
}

const SYNC_USER_LOOK: Record<SyncUserStatus, { heading: string; style: Style; color: Color }> = {
  created: { heading: 'User created in KnowBe4', style: 'good', color: 'Good' },
  updated: { heading: 'User updated in KnowBe4', style: 'good', color: 'Good' },
  unchanged: { heading: 'Already in step', style: 'default', color: 'Default' },
  failed: { heading: 'User sync failed', style: 'attention', color: 'Attention' },
  conflict: { heading: 'Conflict: nothing written', style: 'warning', color: 'Warning' },
  notInScope: { heading: 'User is not in scope', style: 'warning', color: 'Warning' },
};

export function syncUserCard(input: SyncUserInput): CardJson {
  return renderWithin('syncUser', (max, textMax) => {
    const changes = capRows(input.operations, max, (op) => operationRow(op, textMax), 'changes');
    return {
      ...SYNC_USER_LOOK[input.status],
      email: plain(input.email, 120),
      company: plain(input.company, 80),
      message: plain(input.message, 500),
      hasChanges: input.operations.length > 0,
      changes: changes.rows,
      more: changes.more,
      hasMore: changes.hasMore,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Proactive: alerts and the nightly summary
// ---------------------------------------------------------------------------------------------

export interface FailureAlertInput {
  companyId: string;
  company: string;
  runId: string;
  message: string;
  failures: Report['errors'];
  /** Failed runs in a row, this one included. */
  consecutiveFailures: number;
}

export function failureAlertCard(input: FailureAlertInput): CardJson {
  return renderWithin('failureAlert', (max, textMax) => {
    const failures = capRows(input.failures, max, (e) => ({ label: plain(e.user ?? e.operation, textMax / 2), detail: `${e.kind}: ${plain(e.message, textMax)}` }), 'failures');
    return {
      companyId: input.companyId,
      company: plain(input.company, 80),
      runId: input.runId,
      message: plain(input.message, 500),
      facts: [
        { title: 'Run', value: plain(input.runId, 80) },
        { title: 'Failed operations', value: input.failures.length.toLocaleString('en-US') },
        { title: 'Failed runs in a row', value: String(input.consecutiveFailures) },
      ],
      failures: failures.rows,
      more: failures.more,
      hasMore: failures.hasMore,
    };
  });
}

export interface GuardAlertInput {
  companyId: string;
  company: string;
  planId: string;
  archiveCount: number;
  reasons: readonly string[];
}

export function guardAlertCard(input: GuardAlertInput): CardJson {
  return render('guardAlert', {
    companyId: input.companyId,
    company: plain(input.company, 80),
    planId: input.planId,
    archiveCount: input.archiveCount.toLocaleString('en-US'),
    reasons: input.reasons.slice(0, 5).map((r) => ({ text: plain(r, 200) })),
  });
}

export type CredentialProblem = 'graphSecretExpired' | 'graphCertificate' | 'graphConsent' | 'scimTokenRevoked' | 'reportingToken';

/** What to do about each credential failure, in the words of the admin who has to do it. */
export const CREDENTIAL_FIXES: Record<CredentialProblem, { system: string; fix: string }> = {
  graphSecretExpired: {
    system: 'Microsoft Graph',
    fix: 'In Entra ID > App registrations > the kb4sync app > Certificates & secrets, create a new client secret, put it in the environment variable named below and restart kb4sync.',
  },
  graphCertificate: {
    system: 'Microsoft Graph',
    fix: 'Upload a new certificate to the kb4sync app registration in Entra ID, point the certificate path in the variable named below to it, and restart kb4sync.',
  },
  graphConsent: {
    system: 'Microsoft Graph',
    fix: 'A Global Administrator of the tenant must grant admin consent to the kb4sync app (User.Read.All, GroupMember.Read.All, Organization.Read.All).',
  },
  scimTokenRevoked: {
    system: 'KnowBe4 SCIM',
    fix: 'In KnowBe4 > Account Settings > User Management > SCIM, generate a new token, put it in the environment variable named below and restart kb4sync. Generating a token revokes the old one.',
  },
  reportingToken: {
    system: 'KnowBe4 Reporting API',
    fix: 'In KnowBe4 > Account Settings > API, create a new Reporting API token and put it in the environment variable named below.',
  },
};

export interface CredentialAlertInput {
  company: string;
  problem: CredentialProblem;
  message: string;
  /** Name of the environment variable that holds the credential (never its value). */
  envVar?: string;
  link?: { title: string; url: string };
}

export function credentialAlertCard(input: CredentialAlertInput): CardJson {
  const known = CREDENTIAL_FIXES[input.problem];
  const url = input.link ? z.url({ protocol: /^https?$/ }).parse(input.link.url) : '';
  return render('credentialAlert', {
    company: plain(input.company, 80),
    message: plain(input.message, 500),
    fix: plain(known.fix, 500),
    facts: [
      { title: 'Company', value: plain(input.company, 80) },
      { title: 'System', value: known.system },
      ...(input.envVar ? [{ title: 'Variable', value: plain(input.envVar, 80) }] : []),
    ],
    hasLink: url !== '',
    linkTitle: input.link ? truncate(input.link.title, 40) : '',
    linkUrl: url,
  });
}

export interface AutoPauseInput {
  companyId: string;
  company: string;
  failures: number;
  lastError: string;
}

export function autoPauseCard(input: AutoPauseInput): CardJson {
  return render('autoPause', {
    companyId: input.companyId,
    company: plain(input.company, 80),
    failures: input.failures,
    lastError: plain(input.lastError, 300),
  });
}

export interface SummaryItem {
  name: string;
  status: RunListStatus;
  summary: string;
}

export interface SummaryInput {
  /** The night it covers, formatted by the caller. */
  date: string;
  companies: readonly SummaryItem[];
}

export function summaryCard(input: SummaryInput): CardJson {
  const tally = new Map<RunListStatus, number>();
  for (const c of input.companies) tally.set(c.status, (tally.get(c.status) ?? 0) + 1);
  const totals = [...tally].map(([status, n]) => `${n} ${status}`).join(', ') || 'no runs';
  // Problems first: the admin reads the top of the card.
  const order: RunListStatus[] = ['failed', 'blocked', 'partial', 'running', 'cancelled', 'preview', 'success'];
  const sorted = [...input.companies].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status));
  return renderWithin('summary', (max, textMax) => {
    const limit = Math.max(max * 5, 1);
    return {
      date: plain(input.date, 40),
      totals,
      companies: sorted.slice(0, limit).map((c) => ({ ...RUN_LOOK[c.status], name: plain(c.name, 60), summary: plain(c.summary, textMax) })),
      more: moreText(sorted.length, Math.min(sorted.length, limit), 'companies'),
      hasMore: sorted.length > limit,
    };
  });
}
