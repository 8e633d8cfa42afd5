/** The cards of one run: progress while it applies, then its result. */
import { z } from 'zod';
import type { RunStatus } from '../../runs';
import { linkedText, peopleOfReport, peopleSummary, waitingLine, type Report } from '../../sync';
import { capRows, renderWithin, type CardJson, type Color, type Style } from './render';
import { cardTime, plain, plural, withoutIds } from './text';

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

export function applyingCard(progress: ApplyProgress): CardJson {
  const done = progress.phases.reduce((n, p) => n + p.done + p.failed, 0);
  const total = progress.phases.reduce((n, p) => n + p.total, 0);
  const failed = progress.phases.reduce((n, p) => n + p.failed, 0);
  return renderWithin('applying', () => ({
    company: plain(progress.company, 80),
    startedBy: plain(progress.startedBy, 80),
    hasStartedBy: progress.startedBy !== '',
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

/** How a run ended: the runs' own status, as the store keeps it. */
export type RunOutcome = Extract<RunStatus, 'succeeded' | 'partial' | 'failed'>;

/** succeeded = no errors; partial = errors but something was written; failed = errors and nothing written. */
export function reportStatus(report: Report): RunOutcome {
  if (report.success) return 'succeeded';
  const s = report.sync_summary;
  const wrote = s.users_created + s.users_updated + s.users_archived + report.group_changes.group_additions + report.group_changes.group_removals;
  return wrote > 0 ? 'partial' : 'failed';
}

// Headings keep the default colour on the tinted container: readable in light and dark themes.
const STATUS_LOOK: Record<RunOutcome, { style: Style; word: string; icon: string }> = {
  succeeded: { style: 'good', word: 'sync complete', icon: '✔' },
  partial: { style: 'warning', word: 'sync partly applied', icon: '⚠' },
  failed: { style: 'attention', word: 'sync failed', icon: '✖' },
};

export interface ResultOptions {
  /** Override the status derived from the report (e.g. the run stopped before writing). */
  status?: RunOutcome;
  reportUrl?: string;
  /** The company's next scheduled run (ISO 8601), or null when none: the card's next step. */
  nextRunAt?: string | null;
  /** Heading instead of "<company>: sync complete" (e.g. a `sync user` answer). */
  heading?: string;
}

/** The context numbers, folded under the summary: the seed's counts of both sides. */
export function reportFacts(report: Report): { title: string; value: string }[] {
  const s = report.sync_summary;
  const n = (v: number) => v.toLocaleString('en-US');
  return [
    { title: 'Microsoft 365 users in scope', value: n(s.m365_users_found) },
    { title: 'KnowBe4 users', value: n(s.knowbe4_users_found) },
    { title: 'Matched', value: n(s.users_matched) },
    { title: 'Groups managed', value: n(s.groups_synced) },
  ];
}

const SECTION_ROWS = 5;

export function resultCard(report: Report, options: ResultOptions = {}): CardJson {
  const status = options.status ?? reportStatus(report);
  const look = STATUS_LOOK[status];
  const people = peopleOfReport(report);
  const reportUrl = options.reportUrl ? z.url({ protocol: /^https?$/ }).parse(options.reportUrl) : '';
  const company = report.sync_summary.company;
  const joined = report.users_created.filter((u) => u.enrollment_status === 'Invited' || u.enrollment_status === 'Planned');
  return renderWithin('result', (max, textMax) => {
    const rowsMax = Math.min(max, SECTION_ROWS);
    const who = (name: string | null, email: string) => (name ? `**${plain(name, textMax / 2)}** (${plain(email, textMax / 2)})` : plain(email, textMax / 2));
    const section = <T>(title: string, color: Color, items: readonly T[], line: (item: T) => string, hint = '') => {
      const capped = capRows(items, rowsMax, (item) => ({ label: line(item), detail: '' }), title.toLowerCase());
      return { title, color, total: items.length.toLocaleString('en-US'), rows: capped.rows.map((r) => ({ line: r.label })), more: capped.more, hasMore: capped.hasMore, hint, hasHint: hint !== '' };
    };
    const sections = [
      section('Joined', 'Default', joined, (u) => who([u.first_name, u.last_name].filter(Boolean).join(' ') || null, u.email)),
      section('Left (archived, history kept)', 'Default', report.users_archived, (u) => who(u.name ?? null, u.email)),
      section('Failed', 'Attention', report.errors, (e) => `${e.user ? `**${plain(e.user, textMax / 2)}** ` : ''}${withoutIds(plain(e.message, textMax))}`,
        report.errors.length > 0 ? 'Retry what failed sends these again; everything else is done. If they fail again, the reason above says what to fix.' : ''),
      section('Conflicts (nothing written for them)', 'Default', report.conflicts, (c) => `**${plain(c.m365_users.map((u) => u.address ?? 'a user with no address').join(', '), textMax / 2)}** ${withoutIds(plain(c.message, textMax))}`),
    ].filter((x) => x.total !== '0');
    // Writes KnowBe4 accepted and does not show yet, and earlier ones it now shows.
    const confirmed = report.confirmed?.length ?? 0;
    const lines = [linkedText(people.linked), waitingLine(report.waiting_for_knowbe4?.length ?? 0) ?? '', confirmed > 0 ? `${confirmed.toLocaleString('en-US')} ${confirmed === 1 ? 'change' : 'changes'} sent earlier, now shown by KnowBe4` : '']
      .filter(Boolean)
      .map((l) => ({ line: l }));
    const at = cardTime(report.sync_summary.sync_timestamp);
    const next = options.nextRunAt ? `Next run: ${cardTime(options.nextRunAt)}.` : `To check again, type "preview sync ${plain(company, 80)}".`;
    return {
      heading: options.heading ? plain(options.heading, 120) : report.dry_run ? `${plain(company, 80)}: preview (nothing written)` : `${plain(company, 80)}: ${look.word}`,
      icon: look.icon,
      style: look.style,
      companyId: report.company_id,
      when: `${report.dry_run ? 'Previewed' : 'Finished'} ${at}`,
      summary: peopleSummary(people),
      lines,
      runId: report.run_id,
      facts: reportFacts(report),
      hasFacts: true,
      sections,
      hasFailures: report.errors.length > 0,
      next,
      reportUrl,
      hasReportUrl: reportUrl !== '',
    };
  });
}
