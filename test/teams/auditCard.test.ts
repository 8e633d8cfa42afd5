/** The audit and review cards: decisions first, one line per empty section, every count kept however many rows; toggles paged. */
import { auditCard, CARD_BYTE_BUDGET, cardSize, reviewCard } from '../../src/teams/cards';
import { parseCardAction } from '../../src/teams/handlers/cardActions';
import { bigPlan } from './fixtures';
import { parseCommand } from '../../src/teams/commands';
import { views } from '../../src/teams/views';
import type { AccountAudit } from '../../src/sync';
import { findAll, parseCard, textOf } from './cardHelpers';

function audit(n: number): AccountAudit {
  const rows = (what: string) => Array.from({ length: n }, (_, i) => `${what}.${i}.${'x'.repeat(40)}@example.com`);
  return {
    company: { id: 'big', name: 'Big Client' },
    at: '2026-11-30T07:00:00.000Z',
    decisions: n === 0 ? [] : [`${n} seats over the contracted 100`],
    drift: { count: n, rows: rows('drift').map((u) => ({ userName: u, kind: 'attributes', detail: 'department: Sales → Finance' })), fixedBy: n === 0 ? '' : 'The scheduled sync at 2026-12-01T02:00:00.000Z fixes it.' },
    atRisk: { count: n, rows: rows('risk').map((u) => ({ userName: u, reason: 'No longer licensed in M365', scimManaged: false, archivedByKb4sync: false })), scimManaged: 0 },
    stuck: { count: n, rows: rows('stuck').map((u) => ({ kind: 'conflict', subject: u, detail: 'two users share it', since: '2026-11-20T02:00:00.000Z' })), unconfirmedWritesKnown: true },
    seats: { used: 100 + n, contracted: 100, free: 0, over: n, trend: [{ at: '2026-11-23T07:00:00.000Z', used: 100 }, { at: '2026-11-30T07:00:00.000Z', used: 100 + n }] },
    reach: { inScope: 100 + n, neverSignedIn: n, rows: rows('never').map((u) => ({ userName: u })), phishPronePercentage: 12.5 },
  };
}

test.each([0, 3, 5000])('an audit with %i rows per section fits a Teams message and keeps its counts', (n) => {
  const card = auditCard({ audit: audit(n), links: { csv: 'https://bot.example.com/downloads/audit-1.csv?sig=x', json: 'https://bot.example.com/downloads/audit-1.json?sig=x' } });
  expect(parseCard(card).messages).toEqual([]);
  expect(cardSize(card)).toBeLessThanOrEqual(CARD_BYTE_BUDGET);
  const text = textOf(card);
  if (n === 0) {
    expect(text).toContain('Nothing needs a decision');
    for (const line of ['none: KnowBe4 matches Microsoft 365', 'none: every active KnowBe4 user is in scope', 'nothing stuck']) expect(text).toContain(line);
  } else {
    expect(text.indexOf('Needs a decision')).toBeLessThan(text.indexOf('Drift'));
    expect(text).toContain(`${n.toLocaleString('en-US')} records differ`);
    expect(text).toContain(`**${n} over**`);
  }
  if (n === 5000) expect(text).toMatch(/more drifted records in the download/);
  expect(findAll(card, (node) => node.type === 'Action.OpenUrl')).toHaveLength(2);
});

test('without download links the card has no buttons; the weekly notification is the same card', () => {
  const card = auditCard({ audit: audit(2), links: null });
  expect(findAll(card, (node) => node.type === 'Action.OpenUrl')).toHaveLength(0);
  const notified = views.notification({ kind: 'audit', company: { id: 'big', name: 'Big Client' }, auditId: 'a1', audit: audit(2) });
  expect(textOf(notified)).toBe(textOf(card));
});

test('the audit command', () => {
  expect(parseCommand('audit Acme Corp')).toEqual({ kind: 'audit', company: 'Acme Corp' });
  expect(parseCommand('<at>kb4sync</at> audit "Globex"')).toEqual({ kind: 'audit', company: 'Globex' });
  expect(parseCommand('audit')).toEqual({ kind: 'incomplete', command: 'audit', given: '' });
});

test('the review card: archives first, a toggle pair per row, paged under the message limit with the held ids carried along', () => {
  const plan = bigPlan(3000);
  const archives = plan.operations.filter((op) => op.kind === 'archive');
  const card = reviewCard({ plan, planId: 'p1', digest: 'ab'.repeat(32), offset: 0, held: archives.slice(0, 2).map((op) => op.id) });
  expect(parseCard(card).messages).toEqual([]);
  expect(cardSize(card)).toBeLessThanOrEqual(CARD_BYTE_BUDGET);
  const toggles = findAll(card, (n) => n.type === 'Input.Toggle');
  const apply = findAll(card, (n) => n.verb === 'applySelected')[0];
  const parsed = parseCardAction({ verb: 'applySelected', data: apply?.data });
  if (parsed?.verb !== 'applySelected') throw new Error('not parsed');
  expect(toggles).toHaveLength(parsed.data.ops.length * 2);
  expect(parsed.data.held).toEqual(archives.slice(0, 2).map((op) => op.id));
  expect(parsed.data.ops[0]).toBe(archives[0]?.id);
  expect(findAll(card, (n) => n.verb === 'reviewHolds')).toHaveLength(1);
});
