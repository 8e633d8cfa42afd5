/**
 * The API-efficiency contract of the Microsoft 365 source: exact request counts for a tenant size,
 * and the measurement behind choosing `$expand=manager` over one call per user.
 *
 * Formula (managers via $expand, Graph caps that page at 100):
 *   requests(N users, groups G) = 2 identity (OpenID configuration + token)
 *                               + 1 subscribedSkus
 *                               + ceil(N / 100) user pages
 *                               + Σ_g max(1, ceil(members_g / 999)) transitive-member pages
 * Without managers the user pages are ceil(N / 999).
 */
import { fetchSource, RequestCounter } from '../../src/m365';
import { startGraphSandbox, type GraphSandbox } from '../../src/sandbox/graph';
import { generateTenant, transitiveUserIds, type GraphTenant } from '../../src/sandbox/tenants';
import { CLIENT_ID, companyFor, fastOptions, SECRET, secretOf } from '../helpers/graphSandbox';

const N = 10_000;
const big = generateTenant({ seed: 10_000, displayName: 'Ten Thousand plc', domain: 'tenk.example', members: N });
const mid = generateTenant({ seed: 1_000, displayName: 'Thousand BV', domain: 'onek.example', members: 1_000 });
let sb: GraphSandbox;

beforeAll(async () => {
  sb = await startGraphSandbox({
    tenants: [big, mid].map((tenant) => ({ tenant, apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }] })),
  });
});
afterAll(async () => sb.stop());
beforeEach(() => sb.resetCounters());

const groupNamed = (t: GraphTenant, name: string) => t.groups.find((g) => g.displayName === name) as GraphTenant['groups'][number];

test(`a ${N.toLocaleString('en')}-user tenant is read completely with exactly the formula's requests`, async () => {
  const allStaff = groupNamed(big, 'All Staff');
  const pilot = groupNamed(big, 'Security Awareness Pilot');
  const counter = new RequestCounter();
  const snap = await fetchSource(
    companyFor(sb, big.tenantId, { scopeGroups: [allStaff.id], mirror: [{ id: pilot.id, name: 'Pilot' }] }),
    secretOf(),
    fastOptions(sb, { counter }),
  );
  expect(snap.users).toHaveLength(N);
  expect(new Set(snap.users.map((u) => u.id)).size).toBe(N);
  expect(snap.users.filter((u) => u.managerId !== null).length).toBe(big.users.filter((u) => u.managerId !== null).length);

  const groupPages = [allStaff, pilot].reduce((s, g) => s + Math.max(1, Math.ceil(transitiveUserIds(big, g.id).length / 999)), 0);
  const expectedGraph = 1 + Math.ceil(N / 100) + groupPages;
  expect(counter.identity).toBe(2);
  expect(counter.graph).toBe(expectedGraph);
  expect(counter.total).toBe(2 + expectedGraph); // 2 + 1 + 100 + 11 + 2 = 116 for 10,000 users
  expect(counter.total).toBe(116);
  // The sandbox saw the same requests the adapter counted.
  const seen = sb.counts();
  expect(seen.users).toBe(100);
  expect(seen.subscribedSkus).toBe(1);
  expect(seen.token).toBe(1);
  expect(seen['openid-configuration']).toBe(1);
});

test('without managers the users list pages at 999: ceil(N/999) pages', async () => {
  const counter = new RequestCounter();
  const snap = await fetchSource(companyFor(sb, big.tenantId), secretOf(), fastOptions(sb, { counter, managers: 'none' }));
  expect(snap.users).toHaveLength(N);
  expect(counter.byRoute['/users']).toBe(Math.ceil(N / 999));
  expect(counter.total).toBe(2 + 1 + 11);
});

test('$expand=manager beats one /manager call per user: 10 vs 1,002 requests for 1,000 users', async () => {
  const expand = new RequestCounter();
  const separate = new RequestCounter();
  const a = await fetchSource(companyFor(sb, mid.tenantId), secretOf(), fastOptions(sb, { counter: expand, managers: 'expand' }));
  const b = await fetchSource(companyFor(sb, mid.tenantId), secretOf(), fastOptions(sb, { counter: separate, managers: 'separate' }));
  // Same answer both ways.
  expect(new Map(a.users.map((u) => [u.id, u.managerId]))).toEqual(new Map(b.users.map((u) => [u.id, u.managerId])));
  expect(expand.byRoute['/users']).toBe(10);
  expect(separate.byRoute['/users']).toBe(2);
  expect(separate.byRoute['/users/{id}/manager']).toBe(1_000);
  expect(expand.graph).toBe(1 + 10);
  expect(separate.graph).toBe(1 + 2 + 1_000);
});
