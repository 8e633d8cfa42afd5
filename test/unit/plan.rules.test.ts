/**
 * Table-driven cases for every planning rule: scope, addresses, identity, attributes, groups,
 * managers, reactivation, archiving and the guard.
 */
import { plan, planNames, type CompanyRules, type Operation, type OperationOf, type Plan, type SourceUser, type TargetSnapshot } from '../../src/sync';
import { BP, E3, group, guid, mirrorOf, rules, src, tgt } from '../helpers/builders';

const NONE = { previousSourceCount: null };

function run(r: CompanyRules, users: SourceUser[], target: Partial<TargetSnapshot> = {}, previous: number | null = null): Plan {
  return plan(r, { users, groups: [] }, { users: target.users ?? [], groups: target.groups ?? [] }, { previousSourceCount: previous });
}
const kinds = (p: Plan) => p.operations.map((o) => o.kind);
const ops = <K extends Operation['kind']>(p: Plan, kind: K) =>
  p.operations.filter((o): o is OperationOf<K> => o.kind === kind);

describe('scope', () => {
  const cases: { name: string; user: Partial<SourceUser>; r?: Partial<CompanyRules>; skip: string | null }[] = [
    { name: 'enabled licensed member', user: {}, skip: null },
    { name: 'disabled account', user: { accountEnabled: false }, skip: 'disabled' },
    { name: 'unlicensed user', user: { licenses: [] }, skip: 'unlicensed' },
    { name: 'guest (#EXT#) by default', user: { userType: 'Guest', userPrincipalName: 'x_gmail.com#EXT#@acme.onmicrosoft.com' }, skip: 'guest' },
    {
      name: 'guest allowed by includeGuests',
      user: { userType: 'Guest', mail: 'x@gmail.com', userPrincipalName: 'x_gmail.com#EXT#@acme.onmicrosoft.com' },
      r: { scope: { licenses: [], groups: [], includeGuests: true, exclude: [] } },
      skip: null,
    },
    { name: 'license part number filter, other SKU', user: { licenses: [BP] }, r: { scope: { licenses: ['SPE_E3'], groups: [], includeGuests: false, exclude: [] } }, skip: 'unlicensed' },
    { name: 'license part number filter, case-insensitive', user: { licenses: [E3] }, r: { scope: { licenses: ['spe_e3'], groups: [], includeGuests: false, exclude: [] } }, skip: null },
    { name: 'license filter by skuId', user: { licenses: [BP] }, r: { scope: { licenses: [BP.skuId.toUpperCase()], groups: [], includeGuests: false, exclude: [] } }, skip: null },
    { name: 'excluded by pattern', user: { mail: 'svc-backup@acme.com' }, r: { scope: { licenses: [], groups: [], includeGuests: false, exclude: ['svc-*@acme.com'] } }, skip: 'excluded' },
    { name: 'exclude pattern is case-insensitive', user: { mail: 'SVC-Backup@Acme.com' }, r: { scope: { licenses: [], groups: [], includeGuests: false, exclude: ['svc-*@acme.com'] } }, skip: 'excluded' },
  ];
  test.each(cases)('$name', ({ user, r, skip }) => {
    const p = run(rules(r), [src(user)]);
    if (skip === null) {
      expect(p.skipped).toEqual([]);
      expect(kinds(p)).toEqual(['create']);
    } else {
      expect(p.skipped.map((s) => s.reason)).toEqual([skip]);
      expect(p.operations).toEqual([]);
    }
  });

  test('scope groups: only transitive members of a scope group are in scope', () => {
    const inGroup = src({ mail: 'in@acme.com' });
    const outside = src({ mail: 'out@acme.com' });
    const scopeGroup = guid();
    const p = plan(
      rules({ scope: { licenses: [], groups: [scopeGroup], includeGuests: false, exclude: [] } }),
      { users: [inGroup, outside], groups: [{ id: scopeGroup, displayName: 'KB4 Users', memberIds: [inGroup.id] }] },
      { users: [], groups: [] },
      NONE,
    );
    expect(ops(p, 'create').map((o) => o.userName)).toEqual(['in@acme.com']);
    expect(p.skipped).toEqual([{ sourceId: outside.id, address: 'out@acme.com', reason: 'not-in-scope-group' }]);
  });
});

describe('primary address', () => {
  test('null mail falls back to the UPN', () => {
    const p = run(rules(), [src({ mail: null, userPrincipalName: 'ada@acme.com', proxyAddresses: [] })]);
    expect(ops(p, 'create').map((o) => o.userName)).toEqual(['ada@acme.com']);
  });

  test('UPN ≠ mail: mail is the login by default', () => {
    const p = run(rules(), [src({ mail: 'ada.lovelace@acme.com', userPrincipalName: 'alovelace@acme.onmicrosoft.com' })]);
    expect(ops(p, 'create').map((o) => o.userName)).toEqual(['ada.lovelace@acme.com']);
  });

  test('UPN ≠ mail: emailSource upn uses the UPN', () => {
    const p = run(rules({ emailSource: 'upn' }), [src({ mail: 'ada.lovelace@acme.com', userPrincipalName: 'alovelace@acme.com' })]);
    expect(ops(p, 'create').map((o) => o.userName)).toEqual(['alovelace@acme.com']);
  });

  test('emailSource upn with a guest UPN falls back to mail', () => {
    const guest = src({ userType: 'Guest', mail: 'partner@contoso.com', userPrincipalName: 'partner_contoso.com#EXT#@acme.onmicrosoft.com' });
    const p = run(rules({ emailSource: 'upn', scope: { licenses: [], groups: [], includeGuests: true, exclude: [] } }), [guest]);
    expect(ops(p, 'create').map((o) => o.userName)).toEqual(['partner@contoso.com']);
  });

  test('a guest with null mail has no usable address: conflict, nothing written', () => {
    const guest = src({ userType: 'Guest', mail: null, userPrincipalName: 'partner_contoso.com#EXT#@acme.onmicrosoft.com' });
    const p = run(rules({ scope: { licenses: [], groups: [], includeGuests: true, exclude: [] } }), [guest]);
    expect(p.operations).toEqual([]);
    expect(p.conflicts.map((c) => c.reason)).toEqual(['no-usable-address']);
  });

  test('mixed case and surrounding spaces match the existing record', () => {
    const u = src({ mail: '  Ada.Lovelace@ACME.com ' });
    const t = mirrorOf(u, { userName: 'ada.lovelace@acme.com', externalId: null });
    const p = run(rules(), [u], { users: [t] });
    expect(kinds(p)).toEqual(['update']);
    expect(ops(p, 'update')[0]?.changes).toEqual([{ attribute: 'externalId', before: null, after: u.id }]);
  });

  test('Unicode: NFD and NFC spellings of one address are the same person', () => {
    const nfd = 'jose\u0301.nun\u0303ez@acme.com';
    const nfc = nfd.normalize('NFC');
    const u = src({ mail: nfd });
    const p = run(rules(), [u], { users: [mirrorOf(u, { userName: nfc.toUpperCase() })] });
    expect(p.operations).toEqual([]);
  });
});

describe('identity', () => {
  test('externalId wins over address: a changed primary address renames the same record', () => {
    const u = src({ mail: 'ada.king@acme.com' });
    const t = mirrorOf(u, { userName: 'ada.lovelace@acme.com' });
    const p = run(rules(), [u], { users: [t] });
    expect(ops(p, 'rename')).toEqual([expect.objectContaining({ targetId: t.id, from: 'ada.lovelace@acme.com', to: 'ada.king@acme.com' })]);
    expect(ops(p, 'create')).toEqual([]);
  });

  test('found by alias: rename, not create (training history stays on one record)', () => {
    const u = src({ mail: 'ada.king@acme.com', proxyAddresses: ['SMTP:ada.king@acme.com', 'smtp:ada.lovelace@acme.com', 'X500:/o=foo'] });
    const t = mirrorOf(u, { userName: 'Ada.Lovelace@acme.com', externalId: null });
    const p = run(rules(), [u], { users: [t] });
    expect(kinds(p)).toEqual(['rename', 'update']);
    expect(ops(p, 'rename')[0]).toMatchObject({ targetId: t.id, to: 'ada.king@acme.com' });
    expect(ops(p, 'rename')[0]?.reason).toContain('alias');
  });

  test('two M365 users with one address: conflict, neither created', () => {
    const a = src({ mail: 'shared@acme.com' });
    const b = src({ mail: null, userPrincipalName: 'SHARED@acme.com' });
    const p = run(rules(), [a, b]);
    expect(p.operations).toEqual([]);
    expect(p.conflicts).toEqual([expect.objectContaining({ reason: 'shared-address', sourceUsers: [{ id: a.id, address: 'shared@acme.com' }, { id: b.id, address: 'SHARED@acme.com' }] })]);
  });

  test('two M365 users with one address: their existing record is held, not archived', () => {
    const a = src({ mail: 'shared@acme.com' });
    const b = src({ mail: 'shared@acme.com' });
    const t = tgt({ userName: 'shared@acme.com' });
    const p = run(rules({ removeStaleUsers: true }), [a, b], { users: [t] });
    expect(p.operations).toEqual([]);
  });

  test('a record linked to another M365 user is never taken over by address', () => {
    const owner = src({ mail: 'old@acme.com', accountEnabled: false });
    const claimant = src({ mail: 'jo@acme.com' });
    const t = tgt({ userName: 'jo@acme.com', externalId: owner.id });
    const p = run(rules({ removeStaleUsers: true }), [owner, claimant], { users: [t] });
    expect(p.operations).toEqual([]);
    expect(p.conflicts).toEqual([expect.objectContaining({ reason: 'claimed-by-other', target: { id: t.id, userName: 'jo@acme.com' } })]);
  });

  test('a record whose externalId is unknown (user re-created in Entra) is relinked by address', () => {
    const u = src({ mail: 'jo@acme.com' });
    const t = mirrorOf(u, { externalId: guid() });
    const p = run(rules(), [u], { users: [t] });
    expect(ops(p, 'update')[0]?.changes).toEqual([{ attribute: 'externalId', before: t.externalId, after: u.id }]);
  });

  test('one record claimed by externalId and by address: the externalId link wins, the other is a conflict', () => {
    const linked = src({ mail: 'new.address@acme.com' });
    const other = src({ mail: 'jo@acme.com' });
    const t = mirrorOf(linked, { userName: 'jo@acme.com' });
    const p = run(rules(), [linked, other], { users: [t] });
    // The linked user keeps its record (renamed to its new address). The other user is a conflict
    // this round, never created in the same plan as the rename that frees its address (an
    // unordered create could meet the old record); the next run creates it.
    expect(ops(p, 'rename')).toEqual([expect.objectContaining({ targetId: t.id, to: 'new.address@acme.com' })]);
    expect(ops(p, 'create')).toEqual([]);
    expect(p.conflicts).toEqual([expect.objectContaining({ reason: 'claimed-by-other', sourceUsers: [{ id: other.id, address: 'jo@acme.com' }], target: null })]);
  });

  test('aliases that match two records: conflict, both held', () => {
    const u = src({ mail: 'jo@acme.com', proxyAddresses: ['SMTP:jo@acme.com', 'smtp:j1@acme.com', 'smtp:j2@acme.com'] });
    const p = run(rules({ removeStaleUsers: true }), [u], { users: [tgt({ userName: 'j1@acme.com' }), tgt({ userName: 'j2@acme.com' })] });
    expect(p.operations).toEqual([]);
    expect(p.conflicts.map((c) => c.reason)).toEqual(['ambiguous-aliases']);
  });

  test('a rename onto an address another record uses is a conflict', () => {
    const u = src({ mail: 'jo@acme.com' });
    const mine = mirrorOf(u, { userName: 'joanna@acme.com' });
    const theirs = tgt({ userName: 'jo@acme.com' });
    const p = run(rules({ removeStaleUsers: true }), [u], { users: [mine, theirs] });
    expect(ops(p, 'rename')).toEqual([]);
    expect(ops(p, 'archive')).toEqual([]);
    expect(p.conflicts.map((c) => c.reason)).toEqual(['address-taken']);
  });

  test('a linked record whose address another record read before it also has is a conflict', () => {
    const u = src({ mail: 'jo@acme.com' });
    const theirs = tgt({ userName: 'jo@acme.com' });
    const mine = mirrorOf(u, { userName: 'jo@acme.com' });
    const p = run(rules({ removeStaleUsers: true }), [u], { users: [theirs, mine] });
    expect(p.operations.filter((o) => o.kind !== 'createGroup')).toEqual([]);
    expect(p.conflicts).toEqual([expect.objectContaining({ reason: 'address-taken', target: { id: mine.id, userName: 'jo@acme.com' } })]);
  });
});

describe('attributes', () => {
  test('an archived KnowBe4 user back in scope is reactivated, not re-created', () => {
    const u = src();
    const p = run(rules(), [u], { users: [mirrorOf(u, { active: false })] });
    expect(kinds(p)).toEqual(['reactivate']);
  });

  test('only changed mapped fields are in the update, with before and after', () => {
    const u = src({ fields: { givenName: 'Ada', surname: 'King', jobTitle: 'CTO', department: 'Engineering' } });
    const t = mirrorOf(u, { values: { givenName: 'Ada', familyName: 'Lovelace', title: 'CTO', department: 'Engineering', customField1: 'keep me' } });
    const p = run(rules(), [u], { users: [t] });
    expect(ops(p, 'update')[0]?.changes).toEqual([{ attribute: 'familyName', before: 'Lovelace', after: 'King' }]);
  });

  test('unmapped KnowBe4 attributes are never touched', () => {
    const u = src({ fields: { givenName: 'Ada', surname: 'Lovelace', jobTitle: 'CTO', department: 'R&D', employeeId: 'E1', companyName: 'Acme' } });
    const t = mirrorOf(u, { values: { givenName: 'Ada', familyName: 'Lovelace', title: 'CTO', department: 'R&D', employeeNumber: 'E1', organization: 'Console value', customField1: 'x', phishingLanguage: 'de' } });
    const p = run(rules(), [u], { users: [t] });
    expect(p.operations).toEqual([]);
  });

  test('a default mapping the company removed is never touched', () => {
    const u = src({ fields: { givenName: 'Ada', surname: 'Lovelace', jobTitle: 'New title', department: 'Engineering' } });
    const t = mirrorOf(u, { values: { givenName: 'Ada', familyName: 'Lovelace', title: 'Old title', department: 'Engineering' } });
    const mapping = { givenName: 'givenName', familyName: 'surname', department: 'department' } as const;
    const p = run(rules({ mapping }), [u], { users: [t] });
    expect(p.operations).toEqual([]);
  });

  test('extra mappings (customField1 ← employeeId) are planned', () => {
    const u = src({ fields: { givenName: 'Ada', surname: 'L', employeeId: 'E42' } });
    const p = run(rules({ mapping: { givenName: 'givenName', familyName: 'surname', customField1: 'employeeId' } }), [u]);
    expect(ops(p, 'create')[0]?.values).toEqual({ givenName: 'Ada', familyName: 'L', customField1: 'E42' });
  });

  test('a value cleared in M365 is cleared in KnowBe4 (mapped fields mirror the source)', () => {
    const u = src({ fields: { givenName: 'Ada', surname: 'Lovelace', jobTitle: null, department: 'Engineering' } });
    const t = mirrorOf(u, { values: { givenName: 'Ada', familyName: 'Lovelace', title: 'Engineer', department: 'Engineering' } });
    expect(ops(run(rules(), [u], { users: [t] }), 'update')[0]?.changes).toEqual([{ attribute: 'title', before: 'Engineer', after: null }]);
  });

  test('whitespace-only differences are not changes', () => {
    const u = src({ fields: { givenName: ' Ada ', surname: 'Lovelace', jobTitle: 'CTO', department: 'Engineering' } });
    const t = mirrorOf(u, { values: { givenName: 'Ada', familyName: 'Lovelace ', title: 'CTO', department: 'Engineering' } });
    expect(run(rules(), [u], { users: [t] }).operations).toEqual([]);
  });

  test('names come from the display name when Graph has no given name or surname', () => {
    const u = src({ fields: { displayName: 'Grace Brewster Hopper' } });
    expect(ops(run(rules(), [u]), 'create')[0]?.values).toMatchObject({ givenName: 'Grace Brewster', familyName: 'Hopper' });
  });
});

describe('names', () => {
  test('each person an operation touches is named: from Microsoft 365 for a record it writes, from KnowBe4 for one it only leaves or archives', () => {
    const leaver = src({ fields: { displayName: 'Ada Source', givenName: 'Ada', surname: 'Lovelace', department: 'Legal' } });
    const leaverRecord = mirrorOf(leaver);
    leaverRecord.values = { ...leaverRecord.values, displayName: 'Ada KnowBe4' };
    const changed = src({ fields: { displayName: 'Bo Source', givenName: 'Bo', surname: 'King', jobTitle: 'CTO', department: 'Sales' } });
    const changedRecord = mirrorOf(changed, { values: { displayName: 'Bo KnowBe4', givenName: 'Bo', familyName: 'King', title: 'Engineer', department: 'Sales' } });
    const gone = tgt({ userName: 'gone@acme.com', values: { givenName: 'Cy', familyName: 'Gone' } });
    const joiner = src({ fields: { givenName: 'Dee', surname: 'New' } });
    const nameless = tgt({ userName: 'nameless@acme.com' });
    const r = rules({ removeStaleUsers: true, groups: { default: null, departments: { Sales: 'Sales Team' }, mirror: [] } });
    const p = run(r, [leaver, changed, joiner], { users: [leaverRecord, changedRecord, gone, nameless], groups: [group('Sales Team', [leaverRecord.id])] });
    expect(kinds(p).sort()).toEqual(['addToGroup', 'archive', 'archive', 'create', 'removeFromGroup', 'update']);
    expect(Object.fromEntries(planNames(p))).toEqual({
      [`t:${leaverRecord.id}`]: 'Ada KnowBe4',
      [`t:${changedRecord.id}`]: 'Bo Source',
      [`t:${gone.id}`]: 'Cy Gone',
      [`s:${joiner.id}`]: 'Dee New',
    });
  });
});

describe('groups', () => {
  const withGroups = rules({ groups: { default: 'All Staff', departments: { Sales: 'Sales Team', Engineering: 'Engineering' }, mirror: [] } });

  test('a new user joins the default and department groups; missing groups are created first', () => {
    const u = src({ fields: { givenName: 'A', surname: 'B', department: 'sales' } });
    const p = run(withGroups, [u], { groups: [group('All Staff')] });
    expect(kinds(p)).toEqual(['createGroup', 'create', 'addToGroup', 'addToGroup']);
    expect(ops(p, 'createGroup')[0]?.name).toBe('Sales Team');
    expect(ops(p, 'addToGroup').map((o) => [o.groupName, o.group.kind, o.user.kind])).toEqual([
      ['All Staff', 'existing', 'new'],
      ['Sales Team', 'new', 'new'],
    ]);
  });

  test('a department change moves the user between department groups', () => {
    const u = src({ fields: { givenName: 'A', surname: 'B', department: 'Engineering' } });
    const t = mirrorOf(u, { values: { givenName: 'A', familyName: 'B', department: 'Sales' } });
    const p = run(withGroups, [u], { users: [t], groups: [group('All Staff', [t.id]), group('Sales Team', [t.id]), group('Engineering', [])] });
    expect(ops(p, 'addToGroup').map((o) => o.groupName)).toEqual(['Engineering']);
    expect(ops(p, 'removeFromGroup').map((o) => o.groupName)).toEqual(['Sales Team']);
  });

  test('members leaving a group are removed in member id order, a member listed twice as often as listed', () => {
    const users = ['c', 'a', 'b'].map((n) => src({ mail: `${n}@acme.com`, fields: { givenName: n, surname: 'X', department: 'Engineering' } }));
    const records = users.map((u, i) => mirrorOf(u, { id: `kb4-${['c', 'a', 'b'][i]}`, values: { givenName: u.fields.givenName, familyName: 'X', department: 'Engineering' } }));
    const leaving = (memberIds: string[]) => {
      const p = run(withGroups, users, { users: records, groups: [group('All Staff', memberIds), group('Sales Team', memberIds), group('Engineering', memberIds)] });
      return ops(p, 'removeFromGroup').map((o) => o.targetId);
    };
    expect(leaving(['kb4-c', 'kb4-a', 'kb4-b'])).toEqual(['kb4-a', 'kb4-b', 'kb4-c']);
    expect(leaving(['kb4-c', 'kb4-a', 'kb4-c', 'kb4-b'])).toEqual(['kb4-a', 'kb4-b', 'kb4-c', 'kb4-c']);
  });

  test('groups kb4sync does not manage are never touched', () => {
    const u = src({ fields: { department: 'Engineering' } });
    const t = mirrorOf(u);
    const p = run(withGroups, [u], { users: [t], groups: [group('All Staff', [t.id]), group('Engineering', [t.id]), group('Phish Champions', [t.id])] });
    expect(p.operations).toEqual([]);
  });

  test('people kb4sync does not manage are never removed from a managed group', () => {
    const u = src({ fields: { department: 'Engineering' } });
    const t = mirrorOf(u);
    const contractor = tgt({ userName: 'contractor@partner.com' });
    const p = run(withGroups, [u], { users: [t, contractor], groups: [group('All Staff', [t.id, contractor.id]), group('Engineering', [t.id, contractor.id])] });
    expect(p.operations).toEqual([]);
  });

  test('mirrored Entra groups', () => {
    const u = src({ fields: { department: null } });
    const entraGroup = guid();
    const r = rules({ groups: { default: null, departments: {}, mirror: [{ id: entraGroup, name: 'Finance Approvers' }] } });
    const p = plan(r, { users: [u], groups: [{ id: entraGroup, displayName: 'fin-approvers', memberIds: [u.id] }] }, { users: [], groups: [] }, NONE);
    expect(ops(p, 'addToGroup').map((o) => [o.groupName, o.via])).toEqual([['Finance Approvers', 'mirror']]);
  });
});

describe('managers', () => {
  test('managers are linked after both sides exist, including a manager being created', () => {
    const boss = src({ mail: 'boss@acme.com' });
    const report = src({ mail: 'dev@acme.com', managerId: boss.id });
    const p = run(rules(), [boss, report]);
    expect(ops(p, 'setManager')).toEqual([
      expect.objectContaining({ user: { kind: 'new', sourceId: report.id }, manager: { kind: 'new', sourceId: boss.id }, after: 'boss@acme.com' }),
    ]);
    expect(p.operations.findIndex((o) => o.kind === 'setManager')).toBeGreaterThan(p.operations.findLastIndex((o) => o.kind === 'create'));
  });

  test('a manager outside scope leaves the link as it is', () => {
    const boss = src({ mail: 'boss@acme.com', licenses: [] });
    const report = src({ mail: 'dev@acme.com', managerId: boss.id });
    const t = mirrorOf(report, { managerId: 'kb4-someone' });
    expect(run(rules(), [boss, report], { users: [t] }).operations).toEqual([]);
  });

  test('a manager removed in M365 is unlinked', () => {
    const report = src({ mail: 'dev@acme.com', managerId: null });
    const bossT = tgt({ userName: 'boss@acme.com' });
    const t = mirrorOf(report, { managerId: bossT.id });
    const p = run(rules(), [report], { users: [t, bossT] });
    expect(ops(p, 'setManager')).toEqual([expect.objectContaining({ manager: null, before: 'boss@acme.com', after: null })]);
  });

  test('syncManagers: false plans no manager links', () => {
    const boss = src();
    expect(ops(run(rules({ syncManagers: false }), [boss, src({ managerId: boss.id })]), 'setManager')).toEqual([]);
  });
});

describe('stale users', () => {
  const u = src({ mail: 'stays@acme.com' });
  const leaver = tgt({ userName: 'left@acme.com' });

  test('removeStaleUsers off: never archives, lists them as not managed', () => {
    const p = run(rules({ removeStaleUsers: false }), [u], { users: [mirrorOf(u), leaver] });
    expect(p.operations).toEqual([]);
    expect(p.unmanaged).toEqual([{ targetId: leaver.id, userName: 'left@acme.com', reason: 'No longer in M365' }]);
  });

  test('removeStaleUsers on: archives with the reason', () => {
    const disabled = src({ mail: 'disabled@acme.com', accountEnabled: false });
    const dt = mirrorOf(disabled);
    const p = run(rules({ removeStaleUsers: true }), [u, disabled], { users: [mirrorOf(u), leaver, dt] });
    expect(ops(p, 'archive').map((o) => [o.userName, o.reason])).toEqual(
      expect.arrayContaining([
        ['left@acme.com', 'No longer in M365'],
        ['disabled@acme.com', 'Account disabled in M365'],
      ]),
    );
  });

  test('already archived records and excluded addresses are never archived', () => {
    const svc = tgt({ userName: 'svc-scanner@acme.com' });
    const gone = tgt({ userName: 'gone@acme.com', active: false });
    const p = run(rules({ removeStaleUsers: true, scope: { licenses: [], groups: [], includeGuests: false, exclude: ['svc-*@acme.com'] } }), [u], { users: [mirrorOf(u), svc, gone] });
    expect(p.operations).toEqual([]);
    expect(p.unmanaged.map((x) => x.userName)).toEqual(['svc-scanner@acme.com']);
  });
});

describe('guard', () => {
  const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => tgt({ userName: `${prefix}${i}@acme.com` }));

  test('more archives than maxArchive blocks the plan with the count to confirm', () => {
    const p = run(rules({ removeStaleUsers: true, guard: { maxArchive: 3, maxArchivePercent: 100, maxSourceShrinkPercent: 100 } }), [src()], { users: many(4, 'x') });
    expect(p.guard).toEqual({ status: 'blocked', archiveCount: 4, reasons: [expect.stringContaining('limit is 3')] });
  });

  test('archives above maxArchivePercent of active users block', () => {
    const users = Array.from({ length: 20 }, () => src());
    const targets = [...users.map((u) => mirrorOf(u)), ...many(3, 'x')];
    const p = run(rules({ removeStaleUsers: true, guard: { maxArchive: 100, maxArchivePercent: 10, maxSourceShrinkPercent: 100 } }), users, { users: targets });
    expect(p.guard.status).toBe('blocked');
  });

  test('within limits the plan is not blocked', () => {
    const users = Array.from({ length: 20 }, () => src());
    const p = run(rules({ removeStaleUsers: true, guard: { maxArchive: 5, maxArchivePercent: 20, maxSourceShrinkPercent: 30 } }), users, { users: [...users.map((u) => mirrorOf(u)), ...many(2, 'x')] }, 20);
    expect(p.guard).toEqual({ status: 'ok' });
  });

  test('a source that shrank far below the last good run blocks even without archives', () => {
    const users = Array.from({ length: 5 }, () => src());
    const p = run(rules(), users, { users: users.map((u) => mirrorOf(u)) }, 100);
    expect(p.guard).toMatchObject({ status: 'blocked', archiveCount: 0, reasons: [expect.stringContaining('95% fewer')] });
  });

  test('an empty source against a populated KnowBe4 always blocks', () => {
    const p = run(rules({ removeStaleUsers: true, guard: { maxArchive: 1000, maxArchivePercent: 100, maxSourceShrinkPercent: 100 } }), [], { users: many(3, 'x') });
    expect(p.guard).toMatchObject({ status: 'blocked', archiveCount: 3 });
  });
});

describe('determinism', () => {
  test('the same input gives the same plan, operation ids included', () => {
    const boss = src();
    const users = [boss, src({ managerId: boss.id }), src({ fields: { department: 'Sales' } })];
    const r = rules({ groups: { default: 'All Staff', departments: { Sales: 'Sales Team' }, mirror: [] } });
    expect(run(r, users)).toEqual(run(r, [...users].reverse()));
  });
});
