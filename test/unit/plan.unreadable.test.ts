/**
 * Unreadable KnowBe4 records: listed, held (never written, never archived), and the people they
 * may belong to held with them, while the rest of the company is planned as usual.
 */
import { diffCsv } from '../../src/teams/diffExport';
import { formatPlan } from '../../src/cli/planText';
import { buildReport, plan, type Plan, type UnreadableRecord } from '../../src/sync';
import { mirrorOf, rules, src, tgt } from '../helpers/builders';

const unreadableUser = (partial: Partial<UnreadableRecord>): UnreadableRecord => ({ resource: 'user', id: 'u-odd', name: null, externalId: null, reason: 'active is "maybe"', ...partial });

test('an unreadable record holds the person whose address, alias or id it carries; everyone else is planned', () => {
  const byAddress = src({ mail: 'ada@acme.com' });
  const byAlias = src({ mail: 'bob@acme.com', proxyAddresses: ['SMTP:bob@acme.com', 'smtp:robert@old.com'] });
  const byId = src({ mail: 'cy@acme.com' });
  const free = src({ mail: 'dee@acme.com' });
  const p = plan(
    rules({ groups: { default: 'All Staff', departments: {}, mirror: [] } }),
    { users: [byAddress, byAlias, byId, free], groups: [] },
    {
      users: [],
      groups: [],
      unreadable: [
        unreadableUser({ id: '1', name: 'ADA@acme.com' }),
        unreadableUser({ id: '2', name: 'robert@old.com' }),
        unreadableUser({ id: '3', name: null, externalId: byId.id.toUpperCase(), reason: 'userName is missing' }),
        unreadableUser({ id: '4', name: 'nobody@acme.com' }),
      ],
    },
    { previousSourceCount: null },
  );
  expect(p.operations.filter((o) => o.kind === 'create').map((o) => (o.kind === 'create' ? o.userName : ''))).toEqual(['dee@acme.com']);
  expect(p.operations.every((o) => JSON.stringify(o).includes(free.id) || o.kind === 'createGroup')).toBe(true);
  expect(p.unreadable?.map((u) => [u.id, u.heldSourceIds])).toEqual([
    ['1', [byAddress.id]],
    ['2', [byAlias.id]],
    ['3', [byId.id]],
    ['4', []],
  ]);
  // Held people still count as in scope (the guard's shrink check must not see them as gone).
  expect(p.stats.inScope).toBe(4);
});

test('the readable record a held person would match is never archived; an unreadable group is never created again', () => {
  const held = src({ mail: 'ada@acme.com' });
  const p = plan(
    rules({ removeStaleUsers: true, groups: { default: 'All Staff', departments: {}, mirror: [] } }),
    { users: [held], groups: [] },
    { users: [mirrorOf(held, { id: 'k1' }), tgt({ id: 'k2', userName: 'gone@acme.com' })], groups: [], unreadable: [unreadableUser({ name: 'ada@acme.com' }), { resource: 'group', id: 'g9', name: 'all staff', externalId: null, reason: 'members is not a list' }] },
    { previousSourceCount: null },
  );
  expect(p.operations.map((o) => o.id)).toEqual(['archive:k2']);
});

function odd(): Plan {
  return plan(rules(), { users: [src({ mail: 'ada@acme.com' })], groups: [] }, { users: [], groups: [], unreadable: [unreadableUser({ id: '7', name: 'ada@acme.com' })] }, { previousSourceCount: null });
}

test('report, CSV and text list each unreadable record with its reason', () => {
  const p = odd();
  const report = buildReport({ plan: p, runId: 'r', dryRun: true, timestamp: '2026-01-01T00:00:00Z' });
  expect(report.unreadable).toEqual([{ resource: 'user', id: '7', name: 'ada@acme.com', reason: 'active is "maybe"', held_m365_ids: [p.unreadable?.[0]?.heldSourceIds[0]] }]);
  expect(report.sync_summary.users_created).toBe(0);
  expect(diffCsv(p)).toContain('unreadable,ada@acme.com,,user,,,"active is ""maybe""",7');
  expect(formatPlan(p)).toMatch(/Unreadable in KnowBe4 \(held: never written, never archived\)[\s\S]*user ada@acme\.com {2}\(active is "maybe"\)/);
});

test('a plan without unreadable records has no unreadable field (stored plans and digests unchanged)', () => {
  const p = plan(rules(), { users: [src({ mail: 'ada@acme.com' })], groups: [] }, { users: [], groups: [] }, { previousSourceCount: null });
  expect('unreadable' in p).toBe(false);
});
