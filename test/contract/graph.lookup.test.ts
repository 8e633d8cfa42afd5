/**
 * Contract: `sync user`'s one-person read (GraphSource.findUser) against the loopback Graph
 * sandbox over real HTTP(S). It must find by mail, UPN or alias, ignore case, survive quotes, and
 * hand the planner exactly what a full read would, for a handful of requests whatever the size of
 * the tenant.
 */
import type { CompanyConfig } from '../../src/config';
import { GraphSource } from '../../src/m365/graphSource';
import { MissingPermissionError, RequestCounter, ThrottledError } from '../../src/m365';
import { startGraphSandbox, type GraphSandbox } from '../../src/sandbox/graph';
import { generateTenant, type GraphTenant, type GraphUserRecord } from '../../src/sandbox/tenants';
import type { SourceSnapshot } from '../../src/sync';
import { CLIENT_ID, companyFor, SECRET, secretOf } from '../helpers/graphSandbox';

const small = generateTenant({ seed: 41, displayName: 'Lookup Ltd', domain: 'lookup.example', members: 300, guests: 4, disabled: 6, unlicensed: 8, nullMail: 3, sharedMailboxes: 2, sharedAddressPairs: 1 });
const large = generateTenant({ seed: 42, displayName: 'Lookup Large', domain: 'large.example', members: 3_000, guests: 10 });
const limited = generateTenant({ seed: 43, displayName: 'Lookup Limited', domain: 'limited.example', members: 40 });

// A person whose address needs quoting in OData: the filter must escape it, not break on it.
const quoted = small.users[7] as GraphUserRecord;
quoted.mail = "pat.o'neil@lookup.example";
quoted.proxyAddresses = [`SMTP:${quoted.mail}`, "smtp:p.o'neil@lookup-legacy.com"];

// `+`, `&` and `#` mean something in a query string: the filter must be percent-encoded whole.
const tagged = small.users[8] as GraphUserRecord;
tagged.mail = 'sam+kb4&co@lookup.example';
tagged.proxyAddresses = [`SMTP:${tagged.mail}`];

const group = (t: GraphTenant, name: string) => t.groups.find((g) => g.displayName === name)?.id as string;
const LICENCES = ['SPE_E3', 'O365_BUSINESS_PREMIUM', 'ENTERPRISEPACK'];

let sb: GraphSandbox;
beforeAll(async () => {
  sb = await startGraphSandbox({
    tenants: [
      { tenant: small, apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }] },
      { tenant: large, apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }] },
      { tenant: limited, apps: [{ clientId: CLIENT_ID, clientSecret: SECRET, roles: ['User.Read.All', 'Organization.Read.All'] }] },
    ],
  });
});
afterAll(async () => sb.stop());
beforeEach(() => sb.resetCounters());

/** A company whose rules read everything a lookup can need: licence names, scope and mirror groups. */
function fullRules(t: GraphTenant): CompanyConfig {
  return companyFor(sb, t.tenantId, {
    licenses: LICENCES,
    scopeGroups: [group(t, 'Security Awareness Pilot'), group(t, 'All Staff')],
    mirror: [{ id: group(t, 'Security Champions'), name: 'Champions' }, { id: group(t, 'All Staff'), name: 'Everyone' }],
  });
}

function source(company: CompanyConfig, counter = new RequestCounter()): GraphSource {
  return new GraphSource(company, secretOf(), { trustedCa: sb.ca, counter, retry: { maxRetries: 1, baseDelayMs: 1, sleep: async () => undefined } });
}

const plain = (t: GraphTenant) => source(companyFor(sb, t.tenantId));
const member = (t: GraphTenant, pick: (u: GraphUserRecord) => boolean) => t.users.find((u) => u.kind === 'member' && pick(u)) as GraphUserRecord;

test('finds a user by mail, by UPN and by an smtp alias, whatever the case', async () => {
  const withOwnUpn = member(small, (u) => u.mail !== null && u.userPrincipalName.toLowerCase() !== u.mail.toLowerCase());
  const withAlias = member(small, (u) => u.proxyAddresses.some((p) => p.includes('-legacy.com')));
  const alias = (withAlias.proxyAddresses.find((p) => p.includes('-legacy.com')) as string).slice(5);
  const s = plain(small);
  expect((await s.findUser(withOwnUpn.mail as string))?.user.id).toBe(withOwnUpn.id);
  expect((await s.findUser(withOwnUpn.userPrincipalName))?.user.id).toBe(withOwnUpn.id);
  expect((await s.findUser(alias))?.user.id).toBe(withAlias.id);
  expect((await s.findUser(`  ${(withOwnUpn.mail as string).toUpperCase()} `))?.user.id).toBe(withOwnUpn.id);
  expect((await s.findUser(alias.toUpperCase()))?.user.id).toBe(withAlias.id);
});

test('an unknown or empty address is null, not an error', async () => {
  const s = plain(small);
  expect(await s.findUser('nobody.at.all@lookup.example')).toBeNull();
  expect(await s.findUser('   ')).toBeNull();
});

test('a quote in the address is escaped, so it finds its owner and cannot widen the filter', async () => {
  const s = plain(small);
  expect((await s.findUser("Pat.O'Neil@lookup.example"))?.user.id).toBe(quoted.id);
  expect((await s.findUser("p.o'neil@lookup-legacy.com"))?.user.id).toBe(quoted.id);
  const someone = small.users[3] as GraphUserRecord;
  // Unescaped, this would read as `mail eq 'x' or userPrincipalName eq '<someone>'`.
  expect(await s.findUser(`x' or userPrincipalName eq '${someone.userPrincipalName}`)).toBeNull();
  expect(sb.requests.filter((r) => r.route === 'users').every((r) => r.status === 200)).toBe(true);
});

test('addresses with +, & or a guest #EXT# UPN reach Graph intact', async () => {
  const s = plain(small);
  expect((await s.findUser('SAM+KB4&co@lookup.example'))?.user.id).toBe(tagged.id);
  const guest = small.users.find((u) => u.kind === 'guest') as GraphUserRecord;
  expect(guest.userPrincipalName).toContain('#EXT#');
  expect((await s.findUser(guest.userPrincipalName))?.user.id).toBe(guest.id);
});

test('two people holding one address both come back, so the planner sees the conflict', async () => {
  const twin = small.users.find((u) => u.displayName.endsWith(' (2)')) as GraphUserRecord;
  const original = small.users.find((u) => u.id !== twin.id && u.mail === twin.mail) as GraphUserRecord;
  const hit = await plain(small).findUser(twin.mail as string);
  expect([hit?.user.id, ...(hit?.others.map((o) => o.id) ?? [])]).toEqual([original.id, twin.id]);
  expect((await plain(small).findUser((small.users[20] as GraphUserRecord).mail as string))?.others).toEqual([]);
});

test('returns the manager and the configured groups, nested membership included', async () => {
  const champions = small.groups.find((g) => g.displayName === 'Security Champions') as GraphTenant['groups'][number];
  // A champion is in the pilot only through the nested Champions group.
  const pilotDirect = new Set(small.groups.find((g) => g.displayName === 'Security Awareness Pilot')?.memberIds);
  const nested = small.users.find((u) => champions.memberIds.includes(u.id) && !pilotDirect.has(u.id) && u.managerId !== null) as GraphUserRecord;
  const hit = await source(fullRules(small)).findUser(nested.mail ?? nested.userPrincipalName);
  expect(hit?.user.id).toBe(nested.id);
  expect(hit?.manager?.id).toBe(nested.managerId);
  expect(hit?.manager?.mail).toBe(small.users.find((u) => u.id === nested.managerId)?.mail);
  const byName = new Map(hit?.groups.map((g) => [g.displayName, g.memberIds]));
  expect(byName.get(group(small, 'Security Awareness Pilot'))).toContain(nested.id);
  expect(byName.get('Champions')).toContain(nested.id);
  expect(byName.get('Everyone')).toContain(nested.id);
});

test('the lookup hands the planner exactly what the full read has for that user', async () => {
  const company = fullRules(small);
  const snapshot: SourceSnapshot = await source(company).fetchSource();
  const byId = new Map(snapshot.users.map((u) => [u.id, u]));
  const kinds = ['member', 'disabled', 'unlicensed', 'guest', 'shared', 'service'] as const;
  const picks = [
    ...kinds.map((k) => small.users.find((u) => u.kind === k) as GraphUserRecord),
    quoted,
    tagged,
    member(small, (u) => u.mail === null),
    member(small, (u) => u.managerId === null),
    ...small.users.filter((u) => u.kind === 'member').slice(100, 104),
  ];
  const s = source(company);
  for (const raw of picks) {
    const hit = await s.findUser(raw.mail ?? raw.userPrincipalName);
    const full = byId.get(raw.id);
    expect(hit?.user).toEqual(full);
    const manager = full?.managerId ? byId.get(full.managerId) : undefined;
    // The manager's own manager is the one thing sync user does not read.
    expect(hit?.manager ?? null).toEqual(manager ? { ...manager, managerId: null } : null);
    const people = new Set([raw.id, ...(manager ? [manager.id] : [])]);
    // Membership is a set: the order of ids carries nothing.
    const sorted = (groups: SourceSnapshot['groups']) => groups.map((g) => ({ ...g, memberIds: [...g.memberIds].sort() }));
    const expected = snapshot.groups.map((g) => ({ ...g, memberIds: g.memberIds.filter((id) => people.has(id)) })).filter((g) => g.memberIds.length > 0);
    expect(sorted(hit?.groups ?? [])).toEqual(sorted(expected));
  }
});

test('without managers synced, neither read asks for them', async () => {
  const company = companyFor(sb, small.tenantId, { syncManagers: false, licenses: LICENCES });
  const snapshot = await source(company).fetchSource();
  const raw = member(small, (u) => u.managerId !== null);
  const hit = await source(company).findUser(raw.mail as string);
  expect(hit).toEqual({ user: snapshot.users.find((u) => u.id === raw.id), manager: null, groups: [], others: [] });
  expect(hit?.user.managerId).toBeNull();
  expect(sb.requests.filter((r) => r.route === 'users').at(-1)?.path).not.toMatch(/expand/);
});

test('licence part numbers are only resolved when the scope names licences by part number', async () => {
  const raw = member(small, () => true);
  const counter = new RequestCounter();
  const hit = await source(companyFor(sb, small.tenantId), counter).findUser(raw.mail as string);
  expect(counter.byRoute['/subscribedSkus']).toBeUndefined();
  // The planner reads part numbers only to match scope.licenses names; everything else is equal.
  const full = (await source(companyFor(sb, small.tenantId)).fetchSource()).users.find((u) => u.id === raw.id);
  expect(hit?.user).toEqual({ ...full, licenses: full?.licenses.map((l) => ({ ...l, skuPartNumber: null })) });
});

test('one lookup costs the same small number of requests in a tenant of 300 or 3,000', async () => {
  const costs = [];
  for (const t of [small, large]) {
    const counter = new RequestCounter();
    const raw = t.users.find((u) => u.kind === 'member' && u.managerId !== null) as GraphUserRecord;
    expect((await source(fullRules(t), counter).findUser(raw.mail as string))?.user.id).toBe(raw.id);
    costs.push({ identity: counter.identity, graph: counter.graph, byRoute: counter.byRoute });
  }
  // Sign-in (2), the filtered user with their manager, subscribedSkus, and the user's and the
  // manager's memberships.
  const expected = {
    identity: 2,
    graph: 4,
    byRoute: { 'openid-configuration': 1, token: 1, '/users': 1, '/subscribedSkus': 1, '/users/{id}/transitiveMemberOf': 2 },
  };
  expect(costs).toEqual([expected, expected]);
  const plainCounter = new RequestCounter();
  await source(companyFor(sb, large.tenantId), plainCounter).findUser((large.users[5] as GraphUserRecord).mail as string);
  expect(plainCounter.graph).toBe(1);
});

test('without GroupMember.Read.All, memberships still come back (Graph returns the ids)', async () => {
  const raw = limited.users.find((u) => u.kind === 'member' && u.department !== null) as GraphUserRecord;
  const hit = await source(fullRules(limited)).findUser(raw.mail as string);
  expect(hit?.groups.find((g) => g.displayName === 'Everyone')?.memberIds).toEqual(expect.arrayContaining([raw.id]));
});

test('failures are the same specific errors the full read gives, in either round', async () => {
  const raw = small.users.find((u) => u.kind === 'member' && u.managerId !== null) as GraphUserRecord;
  sb.faults.throttle(5, 1, ['user.transitiveMemberOf']);
  await expect(source(fullRules(small)).findUser(raw.mail as string)).rejects.toBeInstanceOf(ThrottledError);
  sb.faults.clear();
  sb.setRoles(limited.tenantId, CLIENT_ID, ['Organization.Read.All']);
  try {
    await expect(source(fullRules(limited)).findUser('anyone@limited.example')).rejects.toMatchObject({ constructor: MissingPermissionError, message: expect.stringContaining('User.Read.All') });
  } finally {
    sb.setRoles(limited.tenantId, CLIENT_ID, ['User.Read.All', 'Organization.Read.All']);
  }
});
