/** One company's standing (`status <company>`) and one person's answer (`sync user`). */
import {
  groupLine,
  personParts,
  planChanges,
  type PeopleSection,
  type Plan,
  type Report,
} from '../../sync';
import { RUN_LOOK, STATUS_WORDS, type RunListStatus } from './lists';
import { render, renderWithin, type CardJson, type Style } from './render';
import { reportStatus, type RunOutcome } from './run';
import { cardTime, plain, plural, withoutIds } from './text';

export interface StatusInput {
  companyId: string;
  company: string;
  paused: boolean;
  /** ISO 8601, when known (from the audit trail). */
  pausedSince: string | null;
  pausedBy: string | null;
  lastRun: { at: string; status: RunListStatus; summary: string } | null;
  /** ISO 8601; null when paused or not scheduled. */
  nextRun: string | null;
  /** Plans previewed and not yet applied, cancelled or expired. */
  pendingApprovals: number;
  /** Conflicts in the latest plan: people nothing is written for until someone decides. */
  openConflicts: number;
}

export function statusCard(input: StatusInput): CardJson {
  const look: Style = input.paused ? 'warning' : input.lastRun && (input.lastRun.status === 'failed' || input.lastRun.status === 'partial') ? 'attention' : 'good';
  const state = input.paused
    ? `⏸ Paused${input.pausedSince ? ` since ${cardTime(input.pausedSince)}` : ''}${input.pausedBy ? ` by ${plain(input.pausedBy, 60)}` : ''}: no nightly runs until resumed`
    : input.nextRun
      ? `Active: next run ${cardTime(input.nextRun)}`
      : 'Active: no nightly schedule (runs when an admin previews and applies)';
  const last = input.lastRun;
  const lines = [
    last ? `**Last run** ${RUN_LOOK[last.status].icon} ${STATUS_WORDS[last.status]} ${cardTime(last.at)}: ${plain(last.summary, 200)}` : '**Last run** none yet',
    `**Waiting for approval** ${input.pendingApprovals === 0 ? 'nothing' : plural(input.pendingApprovals, 'plan')}`,
    `**Open conflicts** ${input.openConflicts === 0 ? 'none' : `${plural(input.openConflicts, 'person', 'people')} kb4sync leaves alone until someone decides (preview to see who)`}`,
  ];
  return render('status', { companyId: input.companyId, company: plain(input.company, 80), style: look, state, lines: lines.map((line) => ({ line })), paused: input.paused });
}

export interface SyncUserInput {
  address: string;
  company: string;
  plan: Plan;
  report: Report;
  status: RunOutcome;
  error: string | null;
}

/** What happened to one person, as a verb: the `sync user` card is about them, not about sections. */
const DONE: Record<PeopleSection, string> = {
  joiners: 'Created in KnowBe4',
  leavers: 'Archived (training history kept)',
  renamed: 'Renamed',
  returning: 'Reactivated',
  details: 'Details changed',
  linked: 'Linked to their Microsoft 365 account',
};

const PERSON_LOOK: Record<RunOutcome, { style: Style; icon: string; word: string }> = {
  succeeded: { style: 'good', icon: '✔', word: 'now in step with Microsoft 365' },
  partial: { style: 'warning', icon: '⚠', word: 'partly updated' },
  failed: { style: 'attention', icon: '✖', word: 'not updated' },
};

/** `sync user`: who the person is, what changed for them, and where they stand now. */
export function syncUserCard(input: SyncUserInput): CardJson {
  const status = input.status ?? reportStatus(input.report);
  const look = PERSON_LOOK[status];
  const { people, groups } = planChanges(input.plan);
  const name = people.find((p) => p.name)?.name ?? null;
  return renderWithin('result', (max, textMax) => {
    const changes = [
      ...people.map((p) => {
        const { what } = personParts(p, { valueMax: Math.floor(textMax / 2) });
        return `**${DONE[p.section]}**${what ? ` ${withoutIds(plain(what, textMax * 2))}` : ''}`;
      }),
      ...groups.map((g) => `**Group** ${plain(groupLine(g).replace(/: \+1$/, ': added').replace(/: −1$/, ': removed'), textMax)}`),
    ];
    const failures = [...(input.error ? [input.error] : []), ...input.report.errors.map((e) => e.message)].slice(0, Math.max(max, 1));
    return {
      heading: plain(name ? `${name} (${input.address})` : input.address, 120),
      icon: look.icon,
      style: look.style,
      companyId: input.report.company_id,
      when: `${plain(input.company, 80)} · ${cardTime(input.report.sync_summary.sync_timestamp)}`,
      summary: `${look.word.charAt(0).toUpperCase()}${look.word.slice(1)}`,
      lines: [],
      runId: input.report.run_id,
      facts: [],
      hasFacts: false,
      sections: [
        { title: 'What changed', color: 'Default', total: changes.length.toLocaleString('en-US'), rows: changes.slice(0, Math.max(max, 1)).map((line) => ({ line })), more: '', hasMore: false, hint: '', hasHint: false },
        ...(failures.length > 0
          ? [{ title: 'Failed', color: 'Attention', total: failures.length.toLocaleString('en-US'), rows: failures.map((f) => ({ line: withoutIds(plain(f, textMax)) })), more: '', hasMore: false, hint: 'Retry what failed sends these again.', hasHint: true }]
          : []),
      ],
      hasFailures: failures.length > 0,
      next: status === 'succeeded' ? `Nothing else to do for this person.` : `Type "sync user ${plain(input.address, 100)}" again once the reason above is fixed.`,
      reportUrl: '',
      hasReportUrl: false,
    };
  });
}
