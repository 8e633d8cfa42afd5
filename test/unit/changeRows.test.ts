/** The plan in rows, one per person and change: what the full-diff download lists. */
import { countPeople, changeRows, type Operation, type Plan } from '../../src/sync';

const plan = (operations: Operation[]): Pick<Plan, 'operations' | 'conflicts' | 'unmanaged'> => ({ operations, conflicts: [], unmanaged: [] });

test('a joiner is one row, their groups and first manager on it; an existing person gets a row per change', () => {
  const operations: Operation[] = [
    { id: 'c1', kind: 'create', reason: 'new in Microsoft 365', sourceId: 's1', userName: 'ada@acme.com', values: { givenName: 'Ada', familyName: 'Lovelace', department: 'Sales' } },
    { id: 'g1', kind: 'addToGroup', reason: 'default group', group: { kind: 'existing', groupId: 'g' }, groupName: 'All Employees', via: 'default', user: { kind: 'new', sourceId: 's1' }, userName: 'ada@acme.com' },
    { id: 'm1', kind: 'setManager', reason: 'manager', user: { kind: 'new', sourceId: 's1' }, userName: 'ada@acme.com', manager: { kind: 'existing', targetId: 't9' }, before: null, after: 'boss@acme.com' },
    { id: 'u1', kind: 'update', reason: 'changed in Microsoft 365', targetId: 't2', sourceId: 's2', userName: 'bob@acme.com', changes: [{ attribute: 'department', before: 'Sales', after: 'Finance' }, { attribute: 'title', before: null, after: 'Analyst' }] },
    { id: 'u2', kind: 'update', reason: 'link', targetId: 't3', sourceId: 's3', userName: 'cy@acme.com', changes: [{ attribute: 'externalId', before: null, after: 's3' }] },
    { id: 'g2', kind: 'addToGroup', reason: 'department group', group: { kind: 'existing', groupId: 'f' }, groupName: 'Finance', via: 'department', user: { kind: 'existing', targetId: 't2' }, userName: 'bob@acme.com' },
    { id: 'a1', kind: 'archive', reason: 'disabled in Microsoft 365', targetId: 't4', userName: 'dee@acme.com', sourceId: 's4' },
  ];
  const rows = changeRows(plan(operations));
  // People in the card's section order (joiners, leavers, …, linked), then groups.
  expect(rows.map((r) => [r.category, r.person, r.field, r.before, r.after])).toEqual([
    ['joiner', 'ada@acme.com', '', '', 'department: Sales; group: All Employees; manager: boss@acme.com'],
    ['leaver', 'dee@acme.com', 'status', 'active', 'archived'],
    ['details', 'bob@acme.com', 'department', 'Sales', 'Finance'],
    ['details', 'bob@acme.com', 'title', '', 'Analyst'],
    ['linked', 'cy@acme.com', 'externalId', '', 's3'],
    ['groupAdded', 'bob@acme.com', 'group', '', 'Finance'],
  ]);
  // Each row names the operations behind it: a joiner's row all of theirs, a detail its own.
  expect(rows.map((r) => r.id)).toEqual(['c1 g1 m1', 'a1', 'u1', 'u1', 'u2', 'g2']);
  expect(rows[0]?.name).toBe('Ada Lovelace');
  // The rows' categories count what countPeople counts.
  const counts = countPeople({ operations, conflicts: [] });
  expect(rows.filter((r) => r.category === 'joiner')).toHaveLength(counts.joiners);
  expect(rows.filter((r) => r.category === 'leaver')).toHaveLength(counts.leavers);
  expect(new Set(rows.filter((r) => r.category === 'details').map((r) => r.person)).size).toBe(counts.detailsChanged);
});

test('every row of a person carries their display name when the plan knows it', () => {
  const operations: Operation[] = [
    { id: 'a1', kind: 'archive', reason: 'disabled in Microsoft 365', targetId: 't4', userName: 'dee@acme.com', sourceId: 's4' },
    { id: 'r1', kind: 'removeFromGroup', reason: 'left', groupId: 'g', groupName: 'Sales', targetId: 't4', userName: 'dee@acme.com' },
  ];
  const rows = changeRows({ ...plan(operations), names: { 't:t4': 'Dee Dee' } });
  expect(rows.map((r) => [r.category, r.name])).toEqual([
    ['leaver', 'Dee Dee'],
    ['groupRemoved', 'Dee Dee'],
  ]);
});

test('a details change that also links the record shows the Entra id as a detail, under the operation that links it', () => {
  const operations: Operation[] = [
    { id: 'u1', kind: 'update', reason: 'changed in Microsoft 365', targetId: 't2', sourceId: 's2', userName: 'bob@acme.com', changes: [{ attribute: 'externalId', before: 'old', after: 's2' }] },
    { id: 'm1', kind: 'setManager', reason: 'manager changed', user: { kind: 'existing', targetId: 't2' }, userName: 'bob@acme.com', manager: { kind: 'existing', targetId: 't9' }, before: 'x@acme.com', after: 'y@acme.com' },
    { id: 'n1', kind: 'createGroup', reason: 'department group', name: 'Finance' },
  ];
  const rows = changeRows(plan(operations));
  expect(rows.map((r) => [r.category, r.field, r.before, r.after, r.id])).toEqual([
    ['details', 'manager', 'x@acme.com', 'y@acme.com', 'm1'],
    ['details', 'externalId', 'old', 's2', 'u1'],
    ['groupCreated', 'group', '', 'Finance', 'n1'],
  ]);
  expect(rows[2]?.reason).toBe('department group');
});
