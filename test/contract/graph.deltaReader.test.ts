/**
 * Contract: the light run's delta reader (GraphSource.delta) against the sandbox Graph over real
 * HTTP(S), through the Graph SDK and @azure/identity as every other read.
 */
import type { CompanyConfig } from '../../src/config';
import { GraphSource } from '../../src/m365/graphSource';
import { deltaQuery, RequestCounter } from '../../src/m365';
import { startGraphSandbox, type GraphSandbox } from '../../src/sandbox/graph';
import { generateTenant, newHire } from '../../src/sandbox/tenants';
import { CLIENT_ID, companyFor, SECRET, secretOf } from '../helpers/graphSandbox';

const tenant = generateTenant({ seed: 51, displayName: 'Delta Read', domain: 'dread.example', members: 450 });
const pilot = tenant.groups.find((g) => g.displayName === 'Security Awareness Pilot')!;
const champions = tenant.groups.find((g) => g.displayName === 'Security Champions')!;
let sb: GraphSandbox;
let company: CompanyConfig;

beforeAll(async () => {
  sb = await startGraphSandbox({ tenants: [{ tenant, apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }] }] });
  company = companyFor(sb, tenant.tenantId, { scopeGroups: [pilot.id], mirror: [{ id: champions.id, name: 'Champions' }] });
});
afterAll(async () => sb.stop());

const reader = (c: CompanyConfig, counter = new RequestCounter()) => new GraphSource(c, secretOf(), { trustedCa: sb.ca, counter, retry: { maxRetries: 1, baseDelayMs: 1, sleep: async () => undefined } }).delta;

test('latest links, then nothing changed costs one request per collection', async () => {
  const links = await reader(company).latestDeltaLinks();
  expect(links.users).toContain('/v1.0/users/delta?$deltatoken=');
  expect(links.groups).toContain('/v1.0/groups/delta?$deltatoken=');
  const counter = new RequestCounter();
  sb.resetCounters();
  const quiet = await reader(company, counter).readChanges(links);
  expect(quiet).toMatchObject({ kind: 'changes', changed: [], removedIds: [], requests: 2 });
  expect(sb.counts()).toMatchObject({ 'users.delta': 1, 'groups.delta': 1 });
  expect(Object.keys(sb.counts()).filter((r) => !['users.delta', 'groups.delta', 'token', 'openid-configuration'].includes(r))).toEqual([]);
  expect(counter.graph).toBe(2);
});

test('a hire, a leaver and a member who joined a named group come back; the next links move on', async () => {
  const links = await reader(company).latestDeltaLinks();
  const hire = newHire({ seed: 9, domain: 'dread.example', givenName: 'Hana', surname: 'Hired', managerId: tenant.users[0]!.id });
  sb.addUser(tenant.tenantId, hire, [pilot.id]);
  const leaver = tenant.users.find((u) => u.kind === 'member' && !pilot.memberIds.includes(u.id) && u.id !== tenant.users[0]!.id)!;
  sb.removeUser(tenant.tenantId, leaver.id);
  const joiner = tenant.users.find((u) => u.kind === 'member' && !champions.memberIds.includes(u.id) && u.id !== hire.id)!;
  sb.addMember(tenant.tenantId, champions.id, joiner.id);

  const changes = await reader(company).readChanges(links);
  if (changes.kind !== 'changes') throw new Error(changes.reason);
  expect(changes.changed).toEqual(
    expect.arrayContaining([
      { id: hire.id, userPrincipalName: hire.userPrincipalName, mail: hire.mail },
      { id: joiner.id, userPrincipalName: joiner.userPrincipalName, mail: joiner.mail },
    ]),
  );
  expect(changes.changed).toHaveLength(2);
  expect(changes.removedIds).toEqual([leaver.id]);
  const again = await reader(company).readChanges(changes.links);
  expect(again).toMatchObject({ kind: 'changes', changed: [], removedIds: [] });
});

test('an expired link (410) and a link made for another query both say a full read is needed', async () => {
  const links = await reader(company).latestDeltaLinks();
  const otherGroups = companyFor(sb, tenant.tenantId, { scopeGroups: [champions.id] });
  expect(await reader(otherGroups).readChanges(links)).toEqual({ kind: 'expired', reason: expect.stringMatching(/groups changed/) });
  sb.invalidateDelta(tenant.tenantId);
  expect(await reader(company).readChanges(links)).toEqual({ kind: 'expired', reason: expect.stringMatching(/410 Gone/) });
});

test('the query tracks the named groups up to Graph\'s 50 ids in a delta filter, and none past it', () => {
  const opts = { mappedFields: [], managers: true };
  const guid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const some = deltaQuery(companyFor(sb, tenant.tenantId, { mirror: [1, 2].map((i) => ({ id: guid(i), name: `G${i}` })) }), opts);
  expect(some.users).toMatch(/^\/users\/delta\?\$select=id,userPrincipalName,.*&\$expand=manager$/);
  expect(decodeURIComponent(some.groups!)).toBe(`/groups/delta?$select=members&$filter=id eq '${guid(1)}' or id eq '${guid(2)}'`);
  const many = deltaQuery(companyFor(sb, tenant.tenantId, { mirror: Array.from({ length: 51 }, (_, i) => ({ id: guid(i), name: `G${i}` })) }), opts);
  expect(many.groups).toBeNull();
  expect(many.key).not.toBe(some.key);
});
