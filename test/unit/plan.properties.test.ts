/**
 * Properties of the planner over random companies whose two sides overlap in every awkward way:
 * shared and aliased addresses, case and Unicode variants, stale links, archived records,
 * managers in and out of scope, managed and unmanaged groups.
 */
import fc from 'fast-check';
import {
  addressKey,
  plan,
  planNames,
  simulate,
  type CompanyRules,
  type SourceSnapshot,
  type SourceUser,
  type TargetSnapshot,
  type TargetUser,
  type Plan,
  type Operation,
  type UserRef,
} from '../../src/sync';
import { BP, E3, guid } from '../helpers/builders';

const LOCALS = ['ada', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'josé', 'jose\u0301', 'svc-scan'];
const DOMAINS = ['acme.com', 'Acme.com', 'contoso.com'];
const SOURCE_IDS = Array.from({ length: 12 }, (_, i) => guid(1000 + i));

const address = fc.tuple(fc.constantFrom(...LOCALS), fc.constantFrom(...DOMAINS), fc.boolean()).map(([l, d, upper]) => {
  const a = `${l}@${d}`;
  return upper ? a.toUpperCase() : a;
});
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const text = (values: string[]) => maybe(fc.constantFrom(...values));

const sourceUser = (id: string): fc.Arbitrary<SourceUser> =>
  fc.record({
    mail: maybe(address),
    upn: fc.oneof(address, fc.constant(`guest_x.com#EXT#@acme.onmicrosoft.com`)),
    aliases: fc.array(address, { maxLength: 2 }),
    accountEnabled: fc.boolean().map((b) => b || Math.random() < 0.7),
    guest: fc.boolean(),
    licenses: fc.constantFrom([E3], [BP], [], [E3, BP]).map((l) => [...l]),
    managerId: maybe(fc.constantFrom(...SOURCE_IDS)),
    givenName: text(['Ada', 'Bob', ' Ada ']),
    surname: text(['Lovelace', 'King']),
    displayName: text(['Grace Hopper', 'Solo']),
    jobTitle: text(['Engineer', 'CTO']),
    department: text(['Sales', 'sales ', 'Engineering', 'Legal']),
    employeeId: text(['E1', 'E2']),
  }).map((r) => ({
    id,
    userPrincipalName: r.upn,
    mail: r.mail,
    proxyAddresses: [...(r.mail ? [`SMTP:${r.mail}`] : []), ...r.aliases.map((a) => `smtp:${a}`)],
    accountEnabled: r.accountEnabled,
    userType: r.guest ? 'Guest' : 'Member',
    licenses: r.licenses,
    managerId: r.managerId === id ? null : r.managerId,
    fields: { givenName: r.givenName, surname: r.surname, displayName: r.displayName, jobTitle: r.jobTitle, department: r.department, employeeId: r.employeeId },
  }));

const sourceSnapshot: fc.Arbitrary<SourceSnapshot> = fc
  .subarray(SOURCE_IDS, { minLength: 0 })
  .chain((ids) => fc.tuple(...ids.map(sourceUser)))
  .chain((users) =>
    fc.subarray(users.map((u) => u.id)).map((mirrorMembers) => ({
      users,
      groups: [{ id: 'entra-group-1', displayName: 'Finance', memberIds: mirrorMembers }],
    })),
  );

const targetSnapshot: fc.Arbitrary<TargetSnapshot> = fc
  .uniqueArray(
    fc.record({
      userName: address,
      externalId: maybe(fc.constantFrom(...SOURCE_IDS, guid(9999))),
      active: fc.boolean(),
      managerIndex: maybe(fc.nat(9)),
      givenName: text(['Ada', 'Bob']),
      familyName: text(['Lovelace', 'King']),
      title: text(['Engineer', 'CTO']),
      department: text(['Sales', 'Engineering']),
      customField1: text(['keep']),
    }),
    { maxLength: 10, selector: (r) => addressKey(r.userName) },
  )
  .chain((records) => {
    const users: TargetUser[] = records.map((r, i) => ({
      id: `kb4-${i}`,
      externalId: r.externalId,
      userName: r.userName,
      active: r.active,
      managerId: r.managerIndex !== null && r.managerIndex < records.length ? `kb4-${r.managerIndex}` : null,
      values: { givenName: r.givenName, familyName: r.familyName, title: r.title, department: r.department, customField1: r.customField1 },
    }));
    const ids = users.map((u) => u.id);
    return fc
      .tuple(fc.subarray(ids), fc.subarray(ids), fc.subarray(ids), fc.boolean())
      .map(([allStaff, sales, other, salesExists]) => ({
        users,
        groups: [
          { id: 'g-all', displayName: 'All Staff', externalId: null, memberIds: allStaff },
          ...(salesExists ? [{ id: 'g-sales', displayName: 'sales team', externalId: null, memberIds: sales }] : []),
          { id: 'g-other', displayName: 'Phish Champions', externalId: null, memberIds: other },
        ],
      }));
  });

const companyRules: fc.Arbitrary<CompanyRules> = fc
  .record({
    removeStaleUsers: fc.boolean(),
    includeGuests: fc.boolean(),
    emailSource: fc.constantFrom<'mail' | 'upn'>('mail', 'upn'),
    licenses: fc.constantFrom([], ['SPE_E3']).map((l) => [...l]),
    exclude: fc.constantFrom([], ['svc-*@*']).map((l) => [...l]),
    defaultGroup: fc.constantFrom(null, 'All Staff'),
    mirror: fc.boolean(),
    syncManagers: fc.boolean(),
  })
  .map((r) => ({
    id: 'acme',
    name: 'Acme Corp',
    scope: { licenses: r.licenses, groups: [], includeGuests: r.includeGuests, exclude: r.exclude },
    emailSource: r.emailSource,
    mapping: { givenName: 'givenName', familyName: 'surname', title: 'jobTitle', department: 'department', employeeNumber: 'employeeId' },
    syncManagers: r.syncManagers,
    groups: {
      default: r.defaultGroup,
      departments: { Sales: 'Sales Team', Engineering: 'Engineering' },
      mirror: r.mirror ? [{ id: 'entra-group-1', name: 'Finance Approvers' }] : [],
    },
    removeStaleUsers: r.removeStaleUsers,
    guard: { maxArchive: 1000, maxArchivePercent: 100, maxSourceShrinkPercent: 100 },
  }));

const NONE = { previousSourceCount: null };
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 400) };

/** The Entra ids an operation concerns (the user, and for a manager link the manager too). */
function sourceIdsOf(op: Operation, target: TargetSnapshot, p: Plan): string[] {
  const byTarget = new Map(target.users.map((t) => [t.id, t.externalId ?? t.id]));
  // A record being relinked in this plan belongs to the user the plan links it to.
  for (const o of p.operations) if ('sourceId' in o && 'targetId' in o && o.sourceId) byTarget.set(o.targetId, o.sourceId);
  const ofRef = (ref: UserRef) => (ref.kind === 'new' ? ref.sourceId : (byTarget.get(ref.targetId) ?? ref.targetId));
  const ids: string[] = [];
  if ('sourceId' in op && op.sourceId) ids.push(op.sourceId);
  if ('targetId' in op) ids.push(byTarget.get(op.targetId) ?? op.targetId);
  if ('user' in op) ids.push(ofRef(op.user));
  if (op.kind === 'setManager' && op.manager) ids.push(ofRef(op.manager));
  return ids;
}

describe('planner properties', () => {
  test('re-planning after applying a conflict-free plan gives an empty plan', () => {
    fc.assert(
      fc.property(companyRules, sourceSnapshot, targetSnapshot, (rules, source, target) => {
        const first = plan(rules, source, target, NONE);
        fc.pre(first.conflicts.length === 0);
        const after = simulate(target, first);
        expect(plan(rules, source, after, NONE).operations).toEqual([]);
      }),
      RUNS,
    );
  });

  test('with conflicts, a re-plan only touches users that were in conflict, and repeated applies converge', () => {
    fc.assert(
      fc.property(companyRules, sourceSnapshot, targetSnapshot, (rules, source, target) => {
        const first = plan(rules, source, target, NONE);
        const after = simulate(target, first);
        const second = plan(rules, source, after, NONE);
        const deferred = new Set(first.conflicts.flatMap((c) => c.sourceUsers.map((u) => u.id)));
        // A group created for a deferred user is covered by that user's addToGroup.
        for (const op of second.operations.filter((o) => o.kind !== 'createGroup')) {
          expect(sourceIdsOf(op, after, second).some((id) => deferred.has(id))).toBe(true);
        }
        // Each round frees what blocked the last (a rename vacates an address), so a chain of k
        // such dependencies settles in at most k more rounds.
        let state = simulate(after, second);
        let rounds = 0;
        for (let next = plan(rules, source, state, NONE); next.operations.length > 0; next = plan(rules, source, state, NONE)) {
          state = simulate(state, next);
          rounds += 1;
          expect(rounds).toBeLessThanOrEqual(source.users.length);
        }
      }),
      RUNS,
    );
  });

  test('with removeStaleUsers off, no plan ever archives', () => {
    fc.assert(
      fc.property(companyRules, sourceSnapshot, targetSnapshot, (rules, source, target) => {
        const p = plan({ ...rules, removeStaleUsers: false }, source, target, NONE);
        expect(p.operations.filter((o) => o.kind === 'archive')).toEqual([]);
      }),
      RUNS,
    );
  });

  test('no plan creates two users with one address, or a user whose address KnowBe4 already has', () => {
    fc.assert(
      fc.property(companyRules, sourceSnapshot, targetSnapshot, (rules, source, target) => {
        const p = plan(rules, source, target, NONE);
        const created = p.operations.flatMap((o) => (o.kind === 'create' ? [addressKey(o.userName)] : []));
        expect(new Set(created).size).toBe(created.length);
        const existing = new Set(target.users.map((t) => addressKey(t.userName)));
        for (const a of created) expect(existing.has(a)).toBe(false);
      }),
      RUNS,
    );
  });

  test('after any apply, KnowBe4 never holds two records with one address', () => {
    fc.assert(
      fc.property(companyRules, sourceSnapshot, targetSnapshot, (rules, source, target) => {
        const after = simulate(target, plan(rules, source, target, NONE));
        const keys = after.users.map((t) => addressKey(t.userName));
        expect(new Set(keys).size).toBe(keys.length);
      }),
      RUNS,
    );
  });

  test('groups kb4sync does not manage are never written', () => {
    fc.assert(
      fc.property(companyRules, sourceSnapshot, targetSnapshot, (rules, source, target) => {
        const p = plan(rules, source, target, NONE);
        for (const op of p.operations) {
          if (op.kind === 'addToGroup' && op.group.kind === 'existing') expect(op.group.groupId).not.toBe('g-other');
          if (op.kind === 'removeFromGroup') expect(op.groupId).not.toBe('g-other');
        }
      }),
      RUNS,
    );
  });

  test('the names filed while planning are the names of the operations as listed', () => {
    // A write still waiting for a record no plan has makes the planner name people from the finished
    // list (as it does whenever operations were dropped after planning), dropping nothing.
    const waitingForNobody = { kind: 'archive' as const, planId: 'p0', opId: 'archive:nobody', sourceId: null, targetId: 'nobody', userName: 'nobody@nowhere.test', sentAt: '2026-01-01T00:00:00.000Z' };
    fc.assert(
      fc.property(companyRules, sourceSnapshot, targetSnapshot, (rules, source, target) => {
        const filed = plan(rules, source, target, NONE);
        const listed = plan(rules, source, target, { ...NONE, sent: [waitingForNobody] });
        expect(listed.operations).toEqual(filed.operations);
        expect(planNames(listed)).toEqual(planNames(filed));
      }),
      RUNS,
    );
  });

  test('a record in a conflict is never written or archived', () => {
    fc.assert(
      fc.property(companyRules, sourceSnapshot, targetSnapshot, (rules, source, target) => {
        const p = plan(rules, source, target, NONE);
        const held = new Set(p.conflicts.flatMap((c) => (c.target ? [c.target.id] : [])));
        for (const op of p.operations) {
          if ('targetId' in op) expect(held.has(op.targetId)).toBe(false);
        }
      }),
      RUNS,
    );
  });
});
