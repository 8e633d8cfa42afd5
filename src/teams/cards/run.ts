/** The cards of one run: progress while it applies, then its result. */
import { z } from 'zod';
import { waitingLine, type Report } from '../../sync';
import { capRows, renderWithin, type CardJson, type Color, type Style } from './render';
import { plain, plural } from './text';

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
    // Only when there are some: writes KnowBe4 accepted and does not show yet, and ones it now shows.
    ...((report.waiting_for_knowbe4?.length ?? 0) > 0 ? [{ title: 'Waiting for KnowBe4', value: waitingLine(report.waiting_for_knowbe4?.length ?? 0) ?? '' }] : []),
    ...((report.confirmed?.length ?? 0) > 0 ? [{ title: 'Confirmed by KnowBe4', value: `${n(report.confirmed?.length ?? 0)} sent earlier, now shown` }] : []),
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
