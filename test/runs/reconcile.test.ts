/** The one reconcile policy the scheduler, the bot and the CLI share (runs/reconcile.ts). */
import { decide } from '../../src/runs';
import { approvePlan, plan } from '../../src/sync';
import { mirrorOf, rules, src, tgt } from '../helpers/builders';

const alice = src({ mail: 'alice@acme.com' });
const inStep = plan(rules(), { users: [alice], groups: [] }, { users: [mirrorOf(alice)], groups: [] }, { previousSourceCount: null });
const oneCreate = plan(rules(), { users: [alice, src({ mail: 'bob@acme.com' })], groups: [] }, { users: [mirrorOf(alice)], groups: [] }, { previousSourceCount: null });
const leavers = Array.from({ length: 12 }, (_, i) => tgt({ userName: `left${i}@acme.com` }));
const blocked = plan(rules({ removeStaleUsers: true }), { users: [alice], groups: [] }, { users: [mirrorOf(alice), ...leavers], groups: [] }, { previousSourceCount: null });

test('the plans under test are what their names say', () => {
  expect(inStep.operations).toHaveLength(0);
  expect(oneCreate.operations.map((o) => o.kind)).toContain('create');
  expect(blocked.guard).toMatchObject({ status: 'blocked', archiveCount: 12 });
});

test('nothing to do is in step, approved or not', () => {
  expect(decide(inStep, { approved: true })).toEqual({ kind: 'in-step' });
  expect(decide(inStep, { approved: false })).toEqual({ kind: 'in-step' });
});

test('changes wait for a person unless approved', () => {
  expect(decide(oneCreate, { approved: false })).toEqual({ kind: 'ask' });
  expect(decide(oneCreate, { approved: true })).toEqual({ kind: 'apply' });
});

test('a blocked guard stops even an approved run, until the exact archive count is typed', () => {
  expect(decide(blocked, { approved: true })).toMatchObject({ kind: 'guard-blocked', archiveCount: 12 });
  expect(decide(blocked, { approved: true, confirmArchive: 11 })).toMatchObject({ kind: 'guard-blocked' });
  expect(decide(blocked, { approved: true, confirmArchive: 12 })).toEqual({ kind: 'apply' });
  expect(decide(blocked, { approved: false, confirmArchive: 12 })).toEqual({ kind: 'ask' });
});

test('approving a plan records a guard release in it, and only for the exact count', () => {
  expect(approvePlan(oneCreate, null, 'admin')).toEqual({ ok: true, plan: oneCreate });
  expect(approvePlan(blocked, 11, 'admin')).toEqual({ ok: false, archiveCount: 12 });
  expect(approvePlan(blocked, undefined, 'admin')).toEqual({ ok: false, archiveCount: 12 });
  const approved = approvePlan(blocked, 12, 'admin');
  expect(approved).toEqual({ ok: true, plan: { ...blocked, guardRelease: { archiveCount: 12, by: 'admin' } } });
  // The plan as previewed is left as it was: the release belongs to the approved copy only.
  expect(blocked.guardRelease).toBeUndefined();
});
