/** The plan counted in people (sync/people.ts): one person, one count per category. */
import { countPeople, inStep, plan } from '../../src/sync';
import { group, mirrorOf, rules, src, tgt } from '../helpers/builders';

const boss = src({ mail: 'boss@acme.com', fields: { department: 'Sales' } });

test('a joiner is one joiner, however many operations joining takes', () => {
  const hire = src({ mail: 'hire@acme.com', managerId: boss.id, fields: { department: 'Sales' } });
  const p = plan(
    rules({ groups: { default: 'All Staff', departments: { Sales: 'Sales Team' }, mirror: [] } }),
    { users: [boss, hire], groups: [] },
    { users: [mirrorOf(boss)], groups: [group('All Staff', []), group('Sales Team', [])] },
    { previousSourceCount: null },
  );
  expect(p.operations.filter((o) => o.kind !== 'addToGroup').length).toBeGreaterThan(1);
  const counts = countPeople(p);
  expect(counts).toMatchObject({ joiners: 1, detailsChanged: 0, leavers: 0 });
  expect(counts.groupAdditions).toBe(p.operations.filter((o) => o.kind === 'addToGroup').length);
});

test('new details and a new manager for one person are one person with changed details', () => {
  const other = src({ mail: 'other@acme.com' });
  const rep = src({ mail: 'rep@acme.com', managerId: other.id, fields: { jobTitle: 'Senior Rep' } });
  const p = plan(rules(), { users: [other, rep], groups: [] }, { users: [mirrorOf(other), mirrorOf(rep, { values: { title: 'Rep' } })], groups: [] }, { previousSourceCount: null });
  expect(p.operations.map((o) => o.kind).sort()).toEqual(['setManager', 'update']);
  expect(countPeople(p)).toMatchObject({ detailsChanged: 1, joiners: 0 });
  expect(inStep(countPeople(p))).toBe(false);
});

test('a record found by address that only gains its Entra link is linked, not a changed person', () => {
  const p = plan(rules(), { users: [boss], groups: [] }, { users: [tgt({ userName: 'boss@acme.com', values: { department: 'Sales' } })], groups: [] }, { previousSourceCount: null });
  const updates = p.operations.filter((o) => o.kind === 'update');
  expect(updates).toHaveLength(1);
  expect(countPeople(p)).toMatchObject({ linked: 1, detailsChanged: 0 });
});

test('renames, leavers and returning people count once each; the done subset counts the same way', () => {
  const moved = src({ mail: 'moved@acme.com', proxyAddresses: ['SMTP:moved@acme.com', 'smtp:moved@old.acme.com'] });
  const back = src({ mail: 'back@acme.com' });
  const p = plan(
    rules({ removeStaleUsers: true, guard: { maxArchive: 100, maxArchivePercent: 100, maxSourceShrinkPercent: 100 } }),
    { users: [boss, moved, back], groups: [] },
    { users: [mirrorOf(boss), tgt({ userName: 'moved@old.acme.com' }), mirrorOf(back, { active: false }), tgt({ userName: 'gone@acme.com' })], groups: [] },
    { previousSourceCount: null },
  );
  const counts = countPeople(p);
  expect(counts).toMatchObject({ renamed: 1, returning: 1, leavers: 1, joiners: 0 });
  const done = p.operations.filter((o) => o.kind === 'archive');
  expect(countPeople(p, done)).toMatchObject({ leavers: 1, renamed: 0, returning: 0 });
});

test('a plan with nothing to apply and nothing to decide is in step', () => {
  const p = plan(rules(), { users: [boss], groups: [] }, { users: [mirrorOf(boss)], groups: [] }, { previousSourceCount: null });
  expect(p.operations).toEqual([]);
  expect(inStep(countPeople(p))).toBe(true);
});
