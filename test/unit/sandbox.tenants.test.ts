/** The seeded tenant generator: deterministic, realistic, and the demo companies' stories hold. */
import { targetFromScimSnapshot } from '../../src/knowbe4/scimUser';
import { skuMap, toSourceUser } from '../../src/m365/graphUser';
import {
  buildDemoCompany,
  DEMO_COMPANY_SPECS,
  generateKnowbe4Side,
  generateTenant,
  largeTenantSpec,
  mulberry32,
  transitiveUserIds,
  type DemoCompany,
} from '../../src/sandbox/tenants';
import { DEFAULT_MAPPING, plan, type Plan } from '../../src/sync';
import type { CompanyRules } from '../../src/sync/model';
import type { SourceSnapshot } from '../../src/sync/snapshot';

function sourceOf(c: DemoCompany): SourceSnapshot {
  const skus = skuMap(c.graph.subscribedSkus);
  return { users: c.graph.users.map((u) => toSourceUser({ ...u, manager: u.managerId ? { id: u.managerId } : null }, skus)), groups: [] };
}

function rulesOf(c: DemoCompany): CompanyRules {
  return {
    id: c.spec.id,
    name: c.spec.name,
    scope: { licenses: c.spec.settings.scope.licenses, groups: [], includeGuests: false, exclude: [] },
    emailSource: 'mail',
    mapping: { ...DEFAULT_MAPPING },
    syncManagers: true,
    groups: { default: c.spec.settings.groups.default ?? null, departments: c.spec.settings.groups.departments, mirror: [] },
    removeStaleUsers: c.spec.settings.removeStaleUsers,
    guard: { maxArchive: 10, maxArchivePercent: 10, maxSourceShrinkPercent: 30 },
  };
}

function planOf(id: string): { company: DemoCompany; plan: Plan; count: (kind: string) => number } {
  const spec = DEMO_COMPANY_SPECS.find((s) => s.id === id);
  if (!spec) throw new Error(id);
  const company = buildDemoCompany(spec);
  const p = plan(rulesOf(company), sourceOf(company), targetFromScimSnapshot(company.knowbe4), { previousSourceCount: null });
  return { company, plan: p, count: (kind) => p.operations.filter((o) => o.kind === kind).length };
}

test('mulberry32 is deterministic and roughly uniform', () => {
  const a = mulberry32(1);
  const b = mulberry32(1);
  const xs = Array.from({ length: 10_000 }, () => a.next());
  expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  expect(mean).toBeGreaterThan(0.48);
  expect(mean).toBeLessThan(0.52);
});

test('the same seed gives the same tenant; another seed a different one', () => {
  const spec = largeTenantSpec(123, 'Same Co', 'same.example', 400);
  expect(generateTenant(spec)).toEqual(generateTenant(spec));
  expect(generateTenant({ ...spec, seed: 124 }).users[5]?.id).not.toBe(generateTenant(spec).users[5]?.id);
});

test('a tenant is realistic: scripts, guests, disabled, shared mailboxes, aliases, managers, licences', () => {
  const t = generateTenant(largeTenantSpec(5, 'Real Co', 'real.example', 2_000));
  const names = t.users.map((u) => `${u.givenName ?? ''} ${u.surname ?? ''}`).join(' ');
  expect(names).toMatch(/[À-ž]/); // accents
  expect(names).toMatch(/[\u0400-\u04ff]/); // Cyrillic
  expect(names).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/); // Japanese/Chinese
  expect(names).toMatch(/[\u0600-\u06ff]/); // Arabic
  const guests = t.users.filter((u) => u.userType === 'Guest');
  expect(guests.length).toBe(40);
  expect(guests.every((g) => g.userPrincipalName.includes('#EXT#'))).toBe(true);
  expect(t.users.filter((u) => u.kind === 'shared').every((u) => !u.accountEnabled && u.assignedLicenses.length === 0)).toBe(true);
  expect(t.users.filter((u) => !u.accountEnabled).length).toBeGreaterThanOrEqual(60);
  expect(t.users.some((u) => u.mail === null)).toBe(true);
  expect(t.users.some((u) => u.mail !== null && u.mail !== u.userPrincipalName)).toBe(true);
  expect(t.users.some((u) => u.proxyAddresses.some((p) => p.startsWith('smtp:') && p.includes('-legacy.com')))).toBe(true);
  // Manager chains: every manager exists, and some chains are at least four deep.
  const byId = new Map(t.users.map((u) => [u.id, u]));
  const depth = (id: string): number => {
    const m = byId.get(id)?.managerId;
    return m ? 1 + depth(m) : 0;
  };
  expect(t.users.every((u) => u.managerId === null || byId.has(u.managerId))).toBe(true);
  expect(Math.max(...t.users.map((u) => depth(u.id)))).toBeGreaterThanOrEqual(4);
  const parts = new Set(t.users.flatMap((u) => u.assignedLicenses.map((l) => t.subscribedSkus.find((s) => s.skuId === l.skuId)?.skuPartNumber)));
  expect(parts).toEqual(new Set(['SPE_E3', 'O365_BUSINESS_PREMIUM', 'ENTERPRISEPACK', 'POWER_BI_STANDARD']));
  expect(t.users.filter((u) => u.kind === 'unlicensed' || u.kind === 'service').every((u) => u.assignedLicenses.length === 0)).toBe(true);
  // Nested groups flatten to distinct users.
  const allStaff = t.groups.find((g) => g.displayName === 'All Staff');
  const flat = transitiveUserIds(t, allStaff?.id ?? '');
  expect(new Set(flat).size).toBe(flat.length);
  expect(flat.length).toBeGreaterThan(1_900);
});

test('Acme Corp plans like the MSP seed: 150 in scope, 142 in KnowBe4, 138 matched, 12 creates, ~25 updates, 4 stale', () => {
  const { plan: p, count } = planOf('acme');
  expect(p.stats.inScope).toBe(150);
  expect(p.stats.targetUsers).toBe(142);
  expect(p.stats.matched).toBe(138);
  expect(count('create')).toBe(12);
  expect(count('archive')).toBe(4);
  expect(count('rename')).toBe(2);
  expect(count('reactivate')).toBe(1);
  expect(count('update')).toBeGreaterThanOrEqual(23);
  expect(count('update')).toBeLessThanOrEqual(30);
  expect(p.stats.managedGroups).toBe(8);
  expect(p.conflicts).toEqual([]);
  expect(p.guard.status).toBe('ok');
});

test('Globex: the archive plan trips the guard', () => {
  const { plan: p, count, company } = planOf('globex');
  expect(company.graph.users.filter((u) => u.kind === 'member')).toHaveLength(2_000);
  expect(count('archive')).toBe(350);
  expect(p.guard).toMatchObject({ status: 'blocked', archiveCount: 350 });
});

test('Initech: two users sharing an address and one with no usable address are conflicts', () => {
  const { plan: p } = planOf('initech');
  expect(p.conflicts.map((c) => c.reason).sort()).toEqual(['no-usable-address', 'shared-address']);
});

test('the KnowBe4 side parses as SCIM and carries archived, stale and group data', () => {
  const acme = buildDemoCompany(DEMO_COMPANY_SPECS[0] as (typeof DEMO_COMPANY_SPECS)[number]);
  const target = targetFromScimSnapshot(acme.knowbe4);
  expect(target.users.filter((u) => !u.active)).toHaveLength(1);
  expect(target.users.filter((u) => u.externalId === null).length).toBeGreaterThanOrEqual(8);
  expect(target.groups.map((g) => g.displayName)).toEqual(expect.arrayContaining(['Sales Team', 'All Employees', 'Phish-prone (manual)']));
  expect(target.users.every((u) => u.values.department !== undefined)).toBe(true);
});

test('100,000 users generate, with unique ids and addresses', () => {
  const t = generateTenant(largeTenantSpec(100_000, 'Huge Corp', 'huge.example', 100_000));
  expect(t.users.filter((u) => u.kind === 'member')).toHaveLength(100_000);
  expect(new Set(t.users.map((u) => u.id)).size).toBe(t.users.length);
  const mails = t.users.map((u) => u.mail).filter((m): m is string => m !== null);
  expect(new Set(mails).size).toBe(mails.length);
  const side = generateKnowbe4Side(t, { seed: 1, matched: 99_000, stale: 100 });
  expect(side.users).toHaveLength(99_100);
});
