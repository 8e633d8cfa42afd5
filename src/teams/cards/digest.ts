/**
 * The digest card (the nightly summary across clients, and `companies`): totals, the companies
 * that need an admin first, the rest grouped by result, one line each. A page holds as many rows
 * as fit a Teams message (at most 50); "Next" carries where the next page starts, so no row is
 * ever dropped.
 */
import { DIGEST_TITLES, digestPage, type CompanyFilter, type DigestPage, type DigestResult, type DigestRow, type DigestTotals } from '../../sync';
import { cardSize, CARD_BYTE_BUDGET, render, type CardJson, type Color, type Style } from './render';
import { plain, plural } from './text';

export type DigestView = 'digest' | 'companies';

export interface DigestCardInput {
  title: string;
  view: DigestView;
  filter: CompanyFilter | null;
  /** Every row of the view (after the filter), in digest order. */
  rows: readonly DigestRow[];
  totals: DigestTotals;
  offset: number;
}

const LOOK: Record<DigestResult, { icon: string; color: Color }> = {
  failed: { icon: '✖', color: 'Attention' },
  'guard-blocked': { icon: '⛔', color: 'Warning' },
  waiting: { icon: '⏳', color: 'Warning' },
  'over-seats': { icon: '💺', color: 'Attention' },
  partial: { icon: '⚠', color: 'Warning' },
  paused: { icon: '⏸', color: 'Default' },
  changed: { icon: '✔', color: 'Good' },
  'in-step': { icon: '✔', color: 'Good' },
  'never-run': { icon: '–', color: 'Default' },
};

function totalsLine(t: DigestTotals): string {
  const parts = t.byResult.map((r) => `${r.count.toLocaleString('en-US')} ${DIGEST_TITLES[r.result].toLowerCase()}`);
  return `${plural(t.companies, 'company', 'companies')} · ${t.needsAdmin.toLocaleString('en-US')} ${t.needsAdmin === 1 ? 'needs' : 'need'} an admin${parts.length ? ` · ${parts.join(', ')}` : ''}`;
}

interface Group {
  title: string;
  style: Style;
  color: Color;
  lines: { icon: string; text: string }[];
}

/** Consecutive rows of one group share a heading; its count is the whole view's, not the page's. */
function groupsOf(rows: readonly DigestRow[], totals: DigestTotals): Group[] {
  const groups: Group[] = [];
  let key = '';
  for (const r of rows) {
    const k = r.needsAdmin ? 'admin' : r.result;
    if (k !== key) {
      key = k;
      const count = r.needsAdmin ? totals.needsAdmin : (totals.byResult.find((t) => t.result === r.result)?.count ?? 0);
      groups.push({
        title: `${r.needsAdmin ? 'Needs an admin' : DIGEST_TITLES[r.result]} (${count.toLocaleString('en-US')})`,
        style: r.needsAdmin ? 'attention' : 'default',
        color: r.needsAdmin ? 'Attention' : 'Default',
        lines: [],
      });
    }
    const label = r.needsAdmin ? `${DIGEST_TITLES[r.result]}: ` : '';
    groups[groups.length - 1]?.lines.push({ icon: LOOK[r.result].icon, text: `**${plain(r.name, 60)}** · ${label}${plain(r.detail, 90)}` });
  }
  return groups;
}

function pageCard(input: DigestCardInput, page: Pick<DigestPage, 'rows' | 'offset' | 'nextOffset' | 'total'>): CardJson {
  const last = page.offset + page.rows.length;
  const rest = page.nextOffset === null ? 0 : page.total - page.nextOffset;
  return render('digest', {
    title: plain(input.title, 100),
    totals: totalsLine(input.totals),
    empty: page.total === 0,
    emptyText: input.filter === null ? 'No companies are configured.' : `No company is ${input.filter}.`,
    groups: groupsOf(page.rows, input.totals),
    range: page.total === 0 ? '' : `Companies ${(page.offset + 1).toLocaleString('en-US')}–${last.toLocaleString('en-US')} of ${page.total.toLocaleString('en-US')}`,
    hasNext: page.nextOffset !== null,
    nextTitle: `Next ${Math.min(50, rest)}`,
    view: input.view,
    filter: input.filter ?? '',
    nextOffset: String(page.nextOffset ?? 0),
  });
}

/** The card for the page at `input.offset`, and which rows it shows. */
export function digestCard(input: DigestCardInput): { card: CardJson; page: DigestPage } {
  const total = input.rows.length;
  const start = Math.min(Math.max(0, Math.floor(input.offset)), total);
  // Measured as it will be sent: with the Next button whenever rows remain after these.
  const fits = (rows: DigestRow[]) => cardSize(pageCard(input, { rows, offset: start, nextOffset: start + rows.length < total ? start + rows.length : null, total })) <= CARD_BYTE_BUDGET;
  const page = digestPage(input.rows, start, fits);
  return { card: pageCard(input, page), page };
}
