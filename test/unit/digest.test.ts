/**
 * The digest across 500 generated companies: needs-an-admin first, grouped lines, totals, filters,
 * and paging: every page measured as the Teams message it becomes, every company on exactly one page.
 */
import { digestRows, digestTotals, filterRows, type DigestRow } from '../../src/sync';
import { CARD_BYTE_BUDGET, cardSize, digestCard, TEAMS_MESSAGE_LIMIT_BYTES } from '../../src/teams/cards';
import { parseCardAction } from '../../src/teams/handlers/cardActions';
import { findAll, parseCard, textOf } from '../teams/cardHelpers';
import { generatedCompanies } from '../helpers/companies';

const companies = generatedCompanies();
const rows = digestRows(companies);

test('needs-an-admin first (failed, blocked, waiting, over seats), then the rest by result and name; totals count every company', () => {
  const firstOther = rows.findIndex((r) => !r.needsAdmin);
  expect(rows.slice(0, firstOther).every((r) => r.needsAdmin)).toBe(true);
  expect(rows.slice(firstOther).some((r) => r.needsAdmin)).toBe(false);
  expect(new Set(rows.slice(0, firstOther).map((r) => r.result))).toEqual(new Set(['failed', 'guard-blocked', 'waiting', 'over-seats']));
  // A company that failed and is over its seats says both, and counts as failed.
  expect(rows.find((r) => r.id === 'client-000')).toMatchObject({ result: 'failed', overSeats: 1, needsAdmin: true });
  expect(rows.find((r) => r.id === 'client-000')?.detail).toContain('1 over seats');
  const totals = digestTotals(rows);
  expect(totals.companies).toBe(500);
  expect(totals.byResult.reduce((n, t) => n + t.count, 0)).toBe(500);
  expect(totals.byResult.find((t) => t.result === 'failed')?.count).toBe(50);
  expect(totals.needsAdmin).toBe(rows.filter((r) => r.needsAdmin).length);
});

test('filters: failing, over-seats, attention', () => {
  expect(filterRows(rows, 'failing').map((r) => r.result).sort()).toEqual([...Array(50).fill('failed'), ...Array(50).fill('partial')]);
  const over = filterRows(rows, 'over-seats');
  expect(over.length).toBe(50 + companies.filter((c, i) => i % 10 !== 3 && i % 50 === 0).length);
  expect(over.every((r) => r.overSeats > 0)).toBe(true);
  expect(filterRows(rows, 'attention')).toEqual(rows.filter((r) => r.needsAdmin));
});

/** Follows "Next" from the first page to the last, as the button's data would. */
function allPages(view: 'digest' | 'companies', shown: DigestRow[]) {
  const pages = [];
  let offset: number | null = 0;
  while (offset !== null && pages.length < 100) {
    const { card, page } = digestCard({ title: 'Daily digest', view, filter: null, rows: shown, totals: digestTotals(shown), offset });
    pages.push({ card, page });
    const next = findAll(card, (n) => n.type === 'Action.Execute')[0];
    if (page.nextOffset === null) {
      expect(next).toBeUndefined();
      offset = null;
    } else {
      const action = parseCardAction({ verb: next?.verb, data: next?.data });
      expect(action).toEqual({ verb: 'companiesPage', data: { view, filter: null, offset: page.nextOffset } });
      offset = action?.verb === 'companiesPage' ? action.data.offset : null;
    }
  }
  return pages;
}

test('500 companies page under the Teams message limit, at most 50 a page, every company exactly once', () => {
  const pages = allPages('digest', rows);
  expect(pages.length).toBeGreaterThanOrEqual(10);
  const seen: string[] = [];
  for (const { card, page } of pages) {
    expect(page.rows.length).toBeLessThanOrEqual(50);
    expect(page.rows.length).toBeGreaterThan(0);
    expect(cardSize(card)).toBeLessThanOrEqual(CARD_BYTE_BUDGET);
    // The message as the bot sends it: the card inside an activity.
    const activity = { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card }] };
    expect(Buffer.byteLength(JSON.stringify(activity), 'utf8')).toBeLessThan(TEAMS_MESSAGE_LIMIT_BYTES);
    expect(parseCard(card).messages).toEqual([]);
    const text = textOf(card);
    for (const r of page.rows) if (!r.name.includes('Holdings')) expect(text).toContain(`**${r.name}**`);
    seen.push(...page.rows.map((r) => r.id));
  }
  expect(seen).toEqual(rows.map((r) => r.id));
  // The first page opens with the totals and the companies that need an admin.
  const first = textOf(pages[0]!.card);
  expect(first).toContain(`500 companies · ${digestTotals(rows).needsAdmin} need an admin`);
  expect(first).toMatch(/\*\*Needs an admin \(\d+\)\*\*/);
  expect(first).toContain('Next 50');
});

test('an empty filter says so; a short list has no Next button', () => {
  const none = digestCard({ title: 'Companies: paused', view: 'companies', filter: 'paused', rows: [], totals: digestTotals([]), offset: 0 });
  expect(textOf(none.card)).toContain('No company is paused.');
  const few = digestCard({ title: 'Companies', view: 'companies', filter: null, rows: rows.slice(0, 3), totals: digestTotals(rows.slice(0, 3)), offset: 0 });
  expect(findAll(few.card, (n) => n.type === 'Action.Execute')).toHaveLength(0);
});

test('a forged page offset is refused', () => {
  expect(parseCardAction({ verb: 'companiesPage', data: { view: 'digest', filter: '', offset: '-1' } })).toBeNull();
  expect(parseCardAction({ verb: 'companiesPage', data: { view: 'digest', filter: 'everything', offset: '0' } })).toBeNull();
});
