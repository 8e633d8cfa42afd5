/** Lists: run history, companies, help (the choice between companies is in ask.ts). */
import { COMMAND_HELP } from '../commands';
import { render, renderWithin, type CardJson, type Color } from './render';
import type { RunStatus } from '../../runs';
import { cardTime, moreText, plain } from './text';

/** The runs' own status, plus what a preview ended as. */
export type RunListStatus = RunStatus | 'blocked' | 'cancelled' | 'preview';

export interface RunListItem {
  runId: string;
  /** ISO 8601: the card host shows it in the reader's time zone. */
  when: string;
  kind: 'preview' | 'apply' | 'scheduled' | 'syncUser';
  status: RunListStatus;
  summary: string;
}

export const RUN_LOOK: Record<RunListStatus, { icon: string; color: Color }> = {
  succeeded: { icon: '✔', color: 'Good' },
  partial: { icon: '⚠', color: 'Warning' },
  failed: { icon: '✖', color: 'Attention' },
  interrupted: { icon: '⏸', color: 'Warning' },
  blocked: { icon: '⛔', color: 'Warning' },
  running: { icon: '⏳', color: 'Accent' },
  cancelled: { icon: '–', color: 'Default' },
  preview: { icon: '👁', color: 'Default' },
};

const KIND_WORDS: Record<RunListItem['kind'], string> = { preview: 'preview', apply: 'applied by an admin', scheduled: 'nightly run', syncUser: 'sync user' };
export const STATUS_WORDS: Record<RunListStatus, string> = {
  succeeded: 'done',
  partial: 'partly done',
  failed: 'failed',
  interrupted: 'interrupted, resumes by itself',
  blocked: 'held by the guard',
  running: 'running',
  cancelled: 'cancelled',
  preview: 'previewed',
};

export function runsCard(company: string, runs: readonly RunListItem[]): CardJson {
  return renderWithin('runs', (max, textMax) => {
    const limit = Math.max(max * 2, 1);
    return {
      company: plain(company, 80),
      empty: runs.length === 0,
      runs: runs.slice(0, limit).map((r) => ({
        ...RUN_LOOK[r.status],
        when: cardTime(r.when),
        kind: KIND_WORDS[r.kind],
        summary: plain(`${STATUS_WORDS[r.status]}: ${r.summary}`, textMax),
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
