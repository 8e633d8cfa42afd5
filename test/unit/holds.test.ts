/** The core's approved plan: what a held new user or a held archive takes out of a plan, and what it leaves. */
import { holdChanges, plan, standingRequests, type HoldRequest, type Plan } from '../../src/sync';
import { group, mirrorOf, rules, src, tgt } from '../helpers/builders';

const by = (opId: string): HoldRequest => ({ opId, by: 'Ann', at: '2026-12-02T09:00:00.000Z', reason: null, standing: false });

const boss = src({ mail: 'boss@acme.com' });
const report = src({ mail: 'report@acme.com', managerId: boss.id });
const stays = src({ mail: 'stays@acme.com' });
const stale = tgt({ userName: 'stale@acme.com' });
const staysRecord = mirrorOf(stays);
const base: Plan = plan(
  rules({ removeStaleUsers: true, groups: { default: 'Everyone', departments: { Finance: 'Finance' }, mirror: [] }, guard: { maxArchive: 0, maxArchivePercent: 100, maxSourceShrinkPercent: 100 } }),
  { users: [boss, report, stays], groups: [] },
  { users: [staysRecord, stale], groups: [group('Everyone', [stale.id, staysRecord.id])] },
  { previousSourceCount: null },
);

test('a held new user: no create, no memberships, no manager link either way; the rest stays', () => {
  const result = holdChanges(base, [by(`create:${boss.id}`)]);
  if (!result.ok) throw new Error('refused');
  const ids = result.plan.operations.map((op) => op.id);
  expect(ids).not.toContain(`create:${boss.id}`);
  expect(result.plan.operations.some((op) => (op.kind === 'addToGroup' || op.kind === 'setManager') && op.user.kind === 'new' && op.user.sourceId === boss.id)).toBe(false);
  // The report is still created, without a link to the manager who is not.
  expect(ids).toContain(`create:${report.id}`);
  expect(result.plan.operations.some((op) => op.kind === 'setManager' && op.manager?.kind === 'new' && op.manager.sourceId === boss.id)).toBe(false);
  expect(result.plan.held).toEqual([{ opId: `create:${boss.id}`, kind: 'create', userName: 'boss@acme.com', by: 'Ann', at: '2026-12-02T09:00:00.000Z', reason: null, standing: false }]);
});

test('a held archive keeps the person active and in their groups; with no archive left the guard has nothing to confirm', () => {
  expect(base.guard.status).toBe('blocked');
  const result = holdChanges(base, [by(`archive:${stale.id}`)]);
  if (!result.ok) throw new Error('refused');
  expect(result.plan.operations.some((op) => (op.kind === 'archive' || op.kind === 'removeFromGroup') && op.targetId === stale.id)).toBe(false);
  expect(result.plan.guard).toEqual({ status: 'ok' });
});

test('a selection naming anything but this plan\'s creates and archives is refused whole', () => {
  expect(holdChanges(base, [by(`archive:${stale.id}`), by('archive:elsewhere'), by(base.operations.find((op) => op.kind === 'addToGroup')!.id)])).toEqual({
    ok: false,
    unknown: ['archive:elsewhere', base.operations.find((op) => op.kind === 'addToGroup')!.id],
  });
  expect(holdChanges(base, [])).toEqual({ ok: true, plan: base });
});

test('standing holds match the login address in any case', () => {
  expect(standingRequests(base, [{ address: ' STALE@acme.com', by: 'Bob', at: '2026-11-01T00:00:00.000Z', reason: 'legal hold' }])).toEqual([
    { opId: `archive:${stale.id}`, by: 'Bob', at: '2026-11-01T00:00:00.000Z', reason: 'legal hold', standing: true },
  ]);
});
