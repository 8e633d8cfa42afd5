/**
 * The planner hands most operations over as runs it claims are already in id order (see
 * src/sync/operations.ts), so apply order rests on that claim: check it on random companies whose
 * ids sort differently as text and as numbers, with group names that prefix one another.
 */
import fc from 'fast-check';
import { phaseOf, plan, type Operation } from '../../src/sync';
import { group, rules, src, tgt } from '../helpers/builders';

const GROUPS = ['Sales', 'Sales Team', 'sales:t', 'Sales-Ops', 'All Staff'];
const DEPARTMENTS = ['Sales', 'Marketing', 'Ops', 'Legal'];

const company = fc
  .uniqueArray(
    fc.record({
      n: fc.integer({ min: 1, max: 5000 }),
      upper: fc.boolean(),
      hasRecord: fc.boolean(),
      linked: fc.boolean(),
      active: fc.boolean(),
      renamed: fc.boolean(),
      title: fc.constantFrom('Engineer', 'CTO'),
      department: fc.constantFrom(...DEPARTMENTS),
      manager: fc.nat(40),
      inGroups: fc.subarray(GROUPS),
    }),
    { maxLength: 40, selector: (r) => r.n },
  )
  .map((rows) => {
    const id = (n: number, upper: boolean) => (upper ? `A${n.toString(16).toUpperCase()}` : `a${n.toString(16)}`);
    const users = rows.map((r) => src({ id: id(r.n, r.upper), mail: `u${r.n}@acme.com`, fields: { givenName: 'A', surname: 'B', jobTitle: r.title, department: r.department } }));
    rows.forEach((r, i) => {
      const manager = users[r.manager % Math.max(users.length, 1)];
      if (manager && manager !== users[i]) (users[i] as (typeof users)[number]).managerId = manager.id;
    });
    const records = rows.flatMap((r, i) =>
      r.hasRecord
        ? [tgt({ id: `kb4-${r.n}`, externalId: r.linked ? (users[i]?.id ?? null) : null, userName: r.renamed ? `old${r.n}@acme.com` : `u${r.n}@acme.com`, active: r.active, values: { title: 'Engineer' } })]
        : [],
    );
    const leavers = rows.slice(0, 5).map((r) => tgt({ id: `kb4-left-${r.n}`, userName: `left${r.n}@acme.com` }));
    const members = (name: string) => rows.flatMap((r) => (r.hasRecord && r.inGroups.includes(name) ? [`kb4-${r.n}`] : [])).concat(leavers.map((l) => l.id));
    return {
      source: { users, groups: [] },
      target: { users: [...records, ...leavers], groups: GROUPS.slice(1).map((name) => group(name, members(name))) },
    };
  });

const companyRules = rules({
  removeStaleUsers: true,
  guard: { maxArchive: 1000, maxArchivePercent: 100, maxSourceShrinkPercent: 100 },
  groups: { default: 'All Staff', departments: { Sales: 'Sales', Marketing: 'Sales Team', Ops: 'sales:t', Legal: 'Sales-Ops' }, mirror: [] },
});

function outOfOrder(ops: Operation[]): string | null {
  for (let i = 1; i < ops.length; i++) {
    const a = ops[i - 1] as Operation;
    const b = ops[i] as Operation;
    if (phaseOf(a) > phaseOf(b) || (phaseOf(a) === phaseOf(b) && !(a.id < b.id))) return `${a.id} before ${b.id}`;
  }
  return null;
}

test('every plan is in phase order, then in strictly increasing id order', () => {
  fc.assert(
    fc.property(company, ({ source, target }) => {
      const p = plan(companyRules, source, target, { previousSourceCount: null });
      expect(outOfOrder(p.operations)).toBeNull();
    }),
    { numRuns: 300 },
  );
});
