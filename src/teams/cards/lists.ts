/** Lists: run history, companies, help (the choice between companies is in ask.ts). */
import { COMMAND_HELP } from '../commands';
import { render, renderWithin, type CardJson, type Color } from './render';
import type { RunStatus } from './run';
import { moreText, plain } from './text';

export type RunListStatus = RunStatus | 'blocked' | 'running' | 'cancelled' | 'preview';

export interface RunListItem {
  runId: string;
  /** Formatted for people by the caller. */
  when: string;
  kind: 'preview' | 'apply' | 'scheduled' | 'syncUser';
  status: RunListStatus;
  summary: string;
}

export const RUN_LOOK: Record<RunListStatus, { icon: string; color: Color }> = {
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
  /** What a new company waits for, or that it is ready. */
  note?: string | null;
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
        flags: `${c.paused ? ' · ⏸ paused' : ''}${c.note ? ` · ${plain(c.note, 80)}` : ''}`,
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
