/**
 * The stored plan is a versioned format parsed in full on the way out of the store: what Apply
 * executes is exactly what was planned, and anything else is refused with a reason.
 */
import { decodePlan, encodePlan, PLAN_FORMAT, StoredPlanUnreadable } from '../../src/store/planFormat';
import { plan, planNames, type Plan } from '../../src/sync';
import { group, mirrorOf, rules, src, tgt } from '../helpers/builders';

const alice = src({ mail: 'alice@acme.com', fields: { department: 'Sales', jobTitle: 'Rep' } });
const bob = src({ mail: 'bob@acme.com', managerId: alice.id });
// Every operation kind the planner makes, so the schema is exercised on each.
const everyKind: Plan = plan(
  rules({ removeStaleUsers: true, groups: { default: 'All Staff', departments: { Sales: 'Sales Team' }, mirror: [] } }),
  { users: [alice, bob, src({ mail: 'carol@acme.com', proxyAddresses: ['SMTP:carol@acme.com', 'smtp:carol@old.acme.com'] })], groups: [] },
  {
    users: [mirrorOf(alice, { values: { title: 'Old title', department: 'Sales' } }), tgt({ userName: 'carol@old.acme.com' }), tgt({ userName: 'gone@acme.com' })],
    groups: [group('Sales Team', [])],
  },
  { previousSourceCount: null },
);

test('the plan under test holds every operation kind it can', () => {
  expect(new Set(everyKind.operations.map((o) => o.kind))).toEqual(new Set(['createGroup', 'create', 'rename', 'update', 'setManager', 'addToGroup', 'archive']));
});

test('a plan round-trips through the format exactly, with its version', () => {
  const json = encodePlan(everyKind);
  expect(JSON.parse(json)).toMatchObject({ format: PLAN_FORMAT });
  expect(decodePlan('p1', json)).toEqual(everyKind);
});

test('names travel as a list; a plan stored with them as an object still reads, with the same names', () => {
  expect(everyKind.nameList?.length).toBeGreaterThan(0);
  const { nameList: _list, ...older } = everyKind;
  const stored = decodePlan('p0', encodePlan({ ...older, names: Object.fromEntries(planNames(everyKind)) }));
  expect(planNames(stored)).toEqual(planNames(everyKind));
  expect(planNames(decodePlan('p1', encodePlan(everyKind)))).toEqual(planNames(everyKind));
});

test('a plan stored before the format had a version (format 1, the bare plan) still reads', () => {
  expect(decodePlan('p1', JSON.stringify(everyKind))).toEqual(everyKind);
});

test('a plan of another format version is refused, naming both versions', () => {
  const future = JSON.stringify({ format: PLAN_FORMAT + 1, plan: everyKind });
  expect(() => decodePlan('p9', future)).toThrow(StoredPlanUnreadable);
  expect(() => decodePlan('p9', future)).toThrow(`format ${PLAN_FORMAT + 1}, this version reads ${PLAN_FORMAT}`);
});

test.each([
  ['an unknown operation kind', (p: Record<string, unknown>[]) => (p[0]!.kind = 'deleteEverything'), 'operations.0'],
  ['an archive without its target', (p: Record<string, unknown>[]) => delete p.find((o) => o.kind === 'archive')!.targetId, 'targetId'],
  ['a field the planner never writes', (p: Record<string, unknown>[]) => (p[0]!.force = true), 'force'],
])('a stored plan with %s is refused, not executed', (_name, tamper, where) => {
  const body = JSON.parse(encodePlan(everyKind)) as { plan: { operations: Record<string, unknown>[] } };
  tamper(body.plan.operations);
  expect(() => decodePlan('p2', JSON.stringify(body))).toThrow(StoredPlanUnreadable);
  expect(() => decodePlan('p2', JSON.stringify(body))).toThrow(where);
});
