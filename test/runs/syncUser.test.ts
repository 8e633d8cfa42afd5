/**
 * `sync user` end to end: the real Graph lookup against the Graph sandbox, the real SCIM client
 * against the KnowBe4 sandbox, a real store. One person's change reaches KnowBe4 with their
 * lookups and one write; two people holding one address is a conflict that writes nothing.
 */
import type { Actor } from '../../src/runs/service';
import type { SeedUser } from '../../src/sandbox/knowbe4/account';
import { generateKnowbe4Side, generateTenant, type GraphUserRecord } from '../../src/sandbox/tenants';
import { bothSandboxes } from '../helpers/bothSandboxes';

const TOKEN = 'scim-token-sync-user';
const ADMIN: Actor = { id: '6f1c2a3b-1111-4a5b-9c8d-0123456789ab', name: 'Ann Admin', tenantId: null, via: 'cli' };
const tenant = generateTenant({ seed: 51, displayName: 'Single Co', domain: 'single.example', members: 120, sharedAddressPairs: 1 });
const twin = tenant.users.find((u) => u.displayName.endsWith(' (2)')) as GraphUserRecord;

// KnowBe4 as a first sync leaves it for the 120 members (no groups configured); the twin has none.
const side = generateKnowbe4Side(tenant, { seed: 5, matched: 120, stale: 0 });
const sb = bothSandboxes({ tenant, company: { id: 'single', name: 'Single Co' }, adminId: ADMIN.id as string, scimToken: TOKEN, kb4: { users: side.users as unknown as SeedUser[] } });
const service = () => sb.service();

test('a title changed in Entra reaches KnowBe4 with one PATCH, and a second run is in step', async () => {
  const person = tenant.users.find((u) => u.kind === 'member' && u.mail !== null && u.managerId !== null && u.mail !== twin.mail) as GraphUserRecord;
  sb.graph.updateUser(tenant.tenantId, person.id, { jobTitle: 'Head of Single Sign-On' });
  sb.kb4.controls.clearRequests();
  const result = await service().syncUser((person.mail as string).toUpperCase(), ADMIN);
  expect(result).toMatchObject({ kind: 'applied', result: { status: 'succeeded' } });
  expect(sb.kb4.controls.userByName(person.mail as string)?.title).toBe('Head of Single Sign-On');
  expect(sb.kb4.controls.requests({ method: 'PATCH' }).map((r) => r.path)).toEqual([`/Users/${sb.kb4.controls.userByName(person.mail as string)?.id as string}`]);
  expect(sb.kb4.controls.requests({ method: 'POST' })).toEqual([]);
  expect(await service().syncUser(person.mail as string, ADMIN)).toMatchObject({ kind: 'in-sync' });
});

test('sync user leaves the shrink guard baseline alone: only a full apply sets the last good source count', async () => {
  await sb.store.updateCompanyState('single', { lastGoodSourceCount: 120 });
  const person = tenant.users.find((u) => u.kind === 'member' && u.mail !== null && u.mail !== twin.mail && u.jobTitle !== 'Baseline keeper') as GraphUserRecord;
  sb.graph.updateUser(tenant.tenantId, person.id, { jobTitle: 'Baseline keeper' });
  expect(await service().syncUser(person.mail as string, ADMIN)).toMatchObject({ kind: 'applied', result: { status: 'succeeded' } });
  expect((await sb.store.getCompanyState('single')).lastGoodSourceCount).toBe(120);
});

test('an address two Microsoft 365 users hold is a conflict, and nothing is written', async () => {
  sb.graph.updateUser(tenant.tenantId, twin.id, { jobTitle: 'Should Not Travel' });
  sb.kb4.controls.clearRequests();
  const result = await service().syncUser(twin.mail as string, ADMIN);
  expect(result).toMatchObject({ kind: 'conflict', message: expect.stringContaining('share the address') });
  expect(sb.kb4.controls.requests().filter((r) => r.method !== 'GET')).toEqual([]);
});

test('an address nobody holds is not found in any company', async () => {
  expect(await service().syncUser('nobody@single.example', ADMIN)).toEqual({ kind: 'not-found', address: 'nobody@single.example', searched: ['Single Co'] });
});
