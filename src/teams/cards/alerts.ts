/** Proactive cards: failure, guard and auto-pause alerts, and the nightly summary. */
import type { Report } from '../../sync';
import { RUN_LOOK, type RunListStatus } from './lists';
import { capRows, render, renderWithin, type CardJson } from './render';
import { moreText, plain, withSeparators } from './text';

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
    archiveNoun: input.archiveCount === 1 ? 'user' : 'users',
    reasons: input.reasons.slice(0, 5).map((r) => ({ text: plain(withSeparators(r), 200) })),
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
  const order: RunListStatus[] = ['failed', 'blocked', 'partial', 'interrupted', 'running', 'cancelled', 'preview', 'succeeded'];
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
