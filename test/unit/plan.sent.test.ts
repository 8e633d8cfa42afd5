/**
 * The core's rules for writes KnowBe4 accepted but does not show yet: a plan makes none of them
 * again (nor what hangs on a pending create), the guard does not count pending archives, a read
 * that shows them confirms them, and a 409 on create is settled by what the look-up found.
 */
import { plan, sentState, settleCreate, type SentWrite } from '../../src/sync';
import { mirrorOf, rules, src, tgt } from '../helpers/builders';

const sent = (over: Partial<SentWrite> & Pick<SentWrite, 'kind' | 'userName'>): SentWrite => ({ planId: 'p1', opId: `${over.kind}:${over.userName}`, sourceId: null, targetId: null, sentAt: '2026-12-02T02:00:00.000Z', ...over });

const withGroups = rules({ removeStaleUsers: true, groups: { default: 'All Staff', departments: {}, mirror: [] }, guard: { maxArchive: 0, maxArchivePercent: 0, maxSourceShrinkPercent: 100 } });

test('a pending create, rename and archive are not planned again; neither is what depends on the new record; the guard counts no pending archive', () => {
  const boss = src({ mail: 'boss@acme.com' });
  const hire = src({ mail: 'hire@acme.com', managerId: boss.id });
  const mover = src({ mail: 'mover@acme.com' });
  const other = src({ mail: 'other@acme.com' });
  const target = {
    users: [mirrorOf(boss), tgt({ userName: 'mover.old@acme.com', externalId: mover.id, id: 'kb-mover' }), tgt({ userName: 'gone@acme.com', id: 'kb-gone', externalId: 'someone-gone' })],
    groups: [],
  };
  const source = { users: [boss, hire, mover, other], groups: [] };
  const before = plan(withGroups, source, target, { previousSourceCount: null });
  expect(before.operations.map((o) => o.kind)).toEqual(expect.arrayContaining(['create', 'rename', 'archive', 'setManager', 'addToGroup']));
  expect(before.guard.status).toBe('blocked');

  const waiting = [
    sent({ kind: 'create', userName: 'hire@acme.com', sourceId: hire.id, targetId: 'kb-hire' }),
    sent({ kind: 'rename', userName: 'mover@acme.com', sourceId: mover.id, targetId: 'kb-mover' }),
    sent({ kind: 'archive', userName: 'gone@acme.com', targetId: 'kb-gone' }),
  ];
  const during = plan(withGroups, source, target, { previousSourceCount: null, sent: waiting });
  const about = (address: string) => during.operations.filter((o) => 'userName' in o && o.userName === address);
  expect(about('hire@acme.com')).toEqual([]);
  expect(during.operations.filter((o) => o.kind === 'rename' || o.kind === 'archive')).toEqual([]);
  // Someone else's create is still planned: only what was sent waits.
  expect(during.operations.filter((o) => o.kind === 'create').map((o) => (o.kind === 'create' ? o.userName : ''))).toEqual(['other@acme.com']);
  expect(during.guard.status).toBe('ok');
  expect(during.waiting).toEqual(waiting);
  expect(during.seen).toBeUndefined();
});

test('a read that shows a write confirms it: a create by id (or, without one, by address and link), a rename by its new name, an archive by active false', () => {
  const target = {
    users: [
      tgt({ userName: 'a@acme.com', id: 'kb-a', externalId: 'e-a' }),
      tgt({ userName: 'b@acme.com', id: 'kb-b', externalId: 'e-b' }),
      tgt({ userName: 'c.new@acme.com', id: 'kb-c' }),
      tgt({ userName: 'd@acme.com', id: 'kb-d', active: false }),
      tgt({ userName: 'e@acme.com', id: 'kb-e', externalId: 'someone-else' }),
    ],
    groups: [],
  };
  const writes = [
    sent({ kind: 'create', userName: 'a@acme.com', sourceId: 'e-a', targetId: 'kb-a' }),
    sent({ kind: 'create', userName: 'B@acme.com', sourceId: 'e-b' }),
    sent({ kind: 'rename', userName: 'c.new@acme.com', targetId: 'kb-c' }),
    sent({ kind: 'archive', userName: 'd@acme.com', targetId: 'kb-d' }),
    // Not shown: a create whose address shows someone else's record, a rename still under the old name, a create not listed.
    sent({ kind: 'create', userName: 'e@acme.com', sourceId: 'e-e' }),
    sent({ kind: 'rename', userName: 'a.new@acme.com', targetId: 'kb-a' }),
    sent({ kind: 'create', userName: 'f@acme.com', sourceId: 'e-f', targetId: 'kb-f' }),
  ];
  const state = sentState(writes, target);
  expect(state.seen.map((w) => w.opId)).toEqual(['create:a@acme.com', 'create:B@acme.com', 'rename:c.new@acme.com', 'archive:d@acme.com']);
  expect(state.waiting.map((w) => w.opId)).toEqual(['create:e@acme.com', 'rename:a.new@acme.com', 'create:f@acme.com']);
});

test('a 409 on create is settled by what the userName look-up found, never by writing', () => {
  const op = { id: 'create:e-1', reason: 'new', kind: 'create' as const, sourceId: 'E-1', userName: 'x@acme.com', values: {} };
  expect(settleCreate(op, { kind: 'created', id: '9' })).toEqual({ kind: 'created', targetId: '9' });
  expect(settleCreate(op, { kind: 'exists', found: null })).toEqual({ kind: 'waiting' });
  expect(settleCreate(op, { kind: 'exists', found: tgt({ userName: 'x@acme.com', id: '10', externalId: 'e-1' }) })).toEqual({ kind: 'ours', targetId: '10' });
  const unlinked = settleCreate(op, { kind: 'exists', found: tgt({ userName: 'x@acme.com', id: '11', externalId: null }) });
  expect(unlinked).toMatchObject({ kind: 'held', targetId: '11', reason: expect.stringContaining('linked to no Entra user') });
  const another = settleCreate(op, { kind: 'exists', found: tgt({ userName: 'x@acme.com', id: '12', externalId: 'e-2' }) });
  expect(another).toMatchObject({ kind: 'held', targetId: '12', reason: expect.stringContaining('externalId e-2') });
});
