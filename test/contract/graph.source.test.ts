/**
 * Contract: the Microsoft 365 source adapter against the loopback Graph sandbox over real
 * HTTP(S) — the real Graph SDK, the real @azure/identity credentials, real sockets.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fetchSource,
  InvalidCertificateError,
  InvalidClientSecretError,
  MissingPermissionError,
  RequestCounter,
  ThrottledError,
  UnknownTenantError,
  UnreachableError,
} from '../../src/m365';
import { makeSandboxCertificate, startGraphSandbox, type GraphSandbox, type SandboxTls } from '../../src/sandbox/graph';
import { buildDemoCompany, DEMO_COMPANY_SPECS, generateTenant, transitiveUserIds, type GraphTenant } from '../../src/sandbox/tenants';
import { CLIENT_ID, companyFor, fastOptions, SECRET, secretOf } from '../helpers/graphSandbox';

const acme = buildDemoCompany(DEMO_COMPANY_SPECS[0] as (typeof DEMO_COMPANY_SPECS)[number]).graph;
const paging = generateTenant({ seed: 7, displayName: 'Paging Ltd', domain: 'paging.example', members: 2_345, guests: 20, disabled: 30 });
const limited = generateTenant({ seed: 8, displayName: 'Limited Inc', domain: 'limited.example', members: 30 });
const certTenant = generateTenant({ seed: 9, displayName: 'Cert GmbH', domain: 'cert.example', members: 12 });
let appCert: SandboxTls;
let otherCert: SandboxTls;
let sb: GraphSandbox;

beforeAll(async () => {
  appCert = await makeSandboxCertificate('kb4sync-app');
  otherCert = await makeSandboxCertificate('someone-else');
  sb = await startGraphSandbox({
    tenants: [
      { tenant: acme, apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }] },
      { tenant: paging, apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }] },
      { tenant: limited, apps: [{ clientId: CLIENT_ID, clientSecret: SECRET, roles: ['User.Read.All', 'Organization.Read.All'] }] },
      { tenant: certTenant, apps: [{ clientId: CLIENT_ID, certificatePem: appCert.cert }] },
    ],
  });
});
afterAll(async () => sb.stop());
beforeEach(() => {
  sb.faults.clear();
  sb.resetCounters();
});

const byId = (t: GraphTenant) => new Map(t.users.map((u) => [u.id, u]));

test('reads every Acme user with licences, managers, guests and null-mail users mapped', async () => {
  const snap = await fetchSource(companyFor(sb, acme.tenantId), secretOf(), fastOptions(sb));
  expect(snap.users).toHaveLength(acme.users.length);
  const raw = byId(acme);
  for (const u of snap.users) {
    const r = raw.get(u.id);
    expect(r).toBeDefined();
    expect(u.managerId).toBe(r?.managerId ?? null);
    expect(u.mail).toBe(r?.mail ?? null);
    expect(u.fields.department ?? null).toBe(r?.department ?? null);
  }
  const guests = snap.users.filter((u) => u.userPrincipalName.includes('#EXT#'));
  expect(guests.length).toBe(acme.users.filter((u) => u.kind === 'guest').length);
  expect(guests.every((g) => g.userType === 'Guest' && g.mail !== null && g.licenses.length === 0)).toBe(true);
  const nullMail = snap.users.filter((u) => u.mail === null);
  expect(nullMail.length).toBeGreaterThanOrEqual(2);
  expect(nullMail.every((u) => u.userPrincipalName.includes('@'))).toBe(true);
  const licensed = snap.users.filter((u) => u.licenses.length > 0);
  expect(licensed.every((u) => u.licenses.every((l) => l.skuPartNumber !== null))).toBe(true);
  expect(new Set(licensed.flatMap((u) => u.licenses.map((l) => l.skuPartNumber)))).toEqual(
    new Set(['SPE_E3', 'O365_BUSINESS_PREMIUM', 'ENTERPRISEPACK', 'POWER_BI_STANDARD']),
  );
  expect(snap.users.filter((u) => !u.accountEnabled).length).toBe(acme.users.filter((u) => !u.accountEnabled).length);
  expect(snap.users.some((u) => u.proxyAddresses.some((p) => p.startsWith('smtp:')))).toBe(true);
  expect(snap.users.some((u) => /[^ -~]/.test(u.fields.givenName ?? ''))).toBe(true);
});

test('pages across many pages to the end (24 pages of 100)', async () => {
  const counter = new RequestCounter();
  const snap = await fetchSource(companyFor(sb, paging.tenantId), secretOf(), fastOptions(sb, { managers: 'none', pageSize: 100, counter }));
  expect(snap.users).toHaveLength(paging.users.length);
  expect(new Set(snap.users.map((u) => u.id)).size).toBe(paging.users.length);
  expect(sb.counts().users).toBe(Math.ceil(paging.users.length / 100));
  expect(counter.byRoute['/users']).toBe(Math.ceil(paging.users.length / 100));
});

test('a page answered 429 twice is retried after Retry-After, then succeeds', async () => {
  const counter = new RequestCounter();
  const options = fastOptions(sb, { managers: 'none', counter });
  // The first users page is throttled twice (the subscribedSkus call before it is not).
  sb.faults.throttle(2, 1, ['users']);
  const snap = await fetchSource(companyFor(sb, paging.tenantId), secretOf(), options);
  expect(snap.users).toHaveLength(paging.users.length);
  expect(options.waits).toEqual([1000, 1000]);
  expect(counter.retries).toBe(2);
  expect(sb.requests.filter((r) => r.route === 'users').map((r) => r.status)).toEqual([429, 429, 200, 200, 200]);
});

test('5xx answers and a dropped connection are retried with backoff', async () => {
  const options = fastOptions(sb, { managers: 'none' });
  sb.faults.serverError(1, 503, ['users']);
  sb.faults.serverError(1, 502, ['users']);
  sb.faults.dropConnection(1, ['subscribedSkus']);
  const snap = await fetchSource(companyFor(sb, paging.tenantId), secretOf(), options);
  expect(snap.users).toHaveLength(paging.users.length);
  // No Retry-After on these: exponential backoff from baseDelayMs (10, 20 for the two users faults).
  expect(options.waits).toEqual([10, 10, 20]);
  expect(sb.faults.pending()).toBe(0);
});

test('throttling beyond the retry budget ends in a ThrottledError', async () => {
  const options = fastOptions(sb, { managers: 'none', retry: { maxRetries: 2, sleep: async () => undefined } });
  sb.faults.throttle(10, 0, ['users']);
  const err = await fetchSource(companyFor(sb, paging.tenantId), secretOf(), options).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ThrottledError);
  expect((err as ThrottledError).message).toMatch(/429 after 3 attempts/);
  expect((err as ThrottledError).fix).toBeTruthy();
  expect(sb.counts().users).toBe(3);
});

test('a wrong client secret is a clear error that never contains the secret', async () => {
  const wrong = 'Wr0ng~secret-VALUE-do-not-log';
  const err = await fetchSource(companyFor(sb, acme.tenantId), secretOf(wrong), fastOptions(sb)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidClientSecretError);
  const e = err as InvalidClientSecretError;
  expect(e.message).toMatch(/AADSTS7000215/);
  expect(e.fix).toMatch(/client secret/);
  for (const text of [e.message, e.stack ?? '', JSON.stringify(e), String(e)]) expect(text).not.toContain(wrong);
  expect(sb.counts().users).toBeUndefined();
});

test('an unknown tenant is reported as such', async () => {
  const err = await fetchSource(companyFor(sb, '0badc0de-0000-4000-8000-000000000000'), secretOf(), fastOptions(sb)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UnknownTenantError);
  expect((err as UnknownTenantError).message).toMatch(/0badc0de-0000-4000-8000-000000000000.*AADSTS90002/);
});

test('a missing application permission names it', async () => {
  const group = limited.groups[0] as GraphTenant['groups'][number];
  const err = await fetchSource(companyFor(sb, limited.tenantId, { scopeGroups: [group.id] }), secretOf(), fastOptions(sb)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(MissingPermissionError);
  expect((err as MissingPermissionError).permission).toBe('GroupMember.Read.All');
  expect((err as MissingPermissionError).message).toMatch(/GroupMember\.Read\.All/);

  sb.setRoles(limited.tenantId, CLIENT_ID, ['Organization.Read.All']);
  try {
    const err2 = await fetchSource(companyFor(sb, limited.tenantId), secretOf(), fastOptions(sb)).catch((e: unknown) => e);
    expect((err2 as MissingPermissionError).permission).toBe('User.Read.All');
  } finally {
    sb.setRoles(limited.tenantId, CLIENT_ID, ['User.Read.All', 'Organization.Read.All']);
  }
});

test('scope and mirror groups come back with nested members flattened', async () => {
  const allStaff = acme.groups.find((g) => g.displayName === 'All Staff') as GraphTenant['groups'][number];
  const pilot = acme.groups.find((g) => g.displayName === 'Security Awareness Pilot') as GraphTenant['groups'][number];
  // All Staff holds only groups (and the CEO): its users are all nested.
  expect(allStaff.memberIds.filter((id) => acme.groups.some((g) => g.id === id)).length).toBeGreaterThan(5);
  const snap = await fetchSource(
    companyFor(sb, acme.tenantId, { scopeGroups: [allStaff.id], mirror: [{ id: pilot.id, name: 'Pilot' }] }),
    secretOf(),
    fastOptions(sb),
  );
  const staff = snap.groups.find((g) => g.id === allStaff.id);
  const mirrored = snap.groups.find((g) => g.id === pilot.id);
  expect(new Set(staff?.memberIds)).toEqual(new Set(transitiveUserIds(acme, allStaff.id)));
  expect(staff?.memberIds.length).toBeGreaterThan(100);
  expect(mirrored?.displayName).toBe('Pilot');
  expect(new Set(mirrored?.memberIds)).toEqual(new Set(transitiveUserIds(acme, pilot.id)));
  expect(sb.counts()['group.transitiveMembers.user']).toBe(2);
});

test('an unreachable Graph host is an UnreachableError after bounded retries', async () => {
  const closed = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  const options = fastOptions(sb, { retry: { maxRetries: 1, sleep: async () => undefined } });
  const err = await fetchSource(companyFor(sb, acme.tenantId, { graphUrl: `http://127.0.0.1:${closed}` }), secretOf(), options).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UnreachableError);
  expect((err as UnreachableError).message).toMatch(/ECONNREFUSED/);
});

test('a Graph page that does not answer in time is abandoned and retried; one that never answers is an UnreachableError', async () => {
  const counter = new RequestCounter();
  const options = fastOptions(sb, { managers: 'none', counter, retry: { maxRetries: 2, timeoutMs: 150, sleep: async () => undefined } });
  sb.faults.stall(1, 1_000, ['users']);
  const snap = await fetchSource(companyFor(sb, limited.tenantId), secretOf(), options);
  expect(snap.users).toHaveLength(limited.users.length);
  expect(counter.retries).toBe(1);

  sb.faults.stall(3, 1_000, ['users']);
  const err = await fetchSource(companyFor(sb, limited.tenantId), secretOf(), options).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UnreachableError);
  expect((err as UnreachableError).message).toMatch(/timed out/);
});

test('a client certificate signs in; an unregistered one is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-cert-'));
  const good = join(dir, 'app.pem');
  const bad = join(dir, 'other.pem');
  writeFileSync(good, `${appCert.key}\n${appCert.cert}`);
  writeFileSync(bad, `${otherCert.key}\n${otherCert.cert}`);
  const company = companyFor(sb, certTenant.tenantId, { certificate: true });
  const snap = await fetchSource(company, { kind: 'certificate', certificatePath: good }, fastOptions(sb));
  expect(snap.users).toHaveLength(certTenant.users.length);
  const err = await fetchSource(company, { kind: 'certificate', certificatePath: bad }, fastOptions(sb)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidCertificateError);
});

test('an unreachable sign-in host and an untrusted certificate are told apart from an unknown tenant', async () => {
  const company = companyFor(sb, acme.tenantId);
  const closedAuthority = { ...company, m365: { ...company.m365, authorityHost: 'https://127.0.0.1:1' } };
  const down = await fetchSource(closedAuthority, secretOf(), fastOptions(sb, { retry: { maxRetries: 1, baseDelayMs: 1, sleep: async () => undefined } })).catch((e: unknown) => e);
  expect(down).toBeInstanceOf(UnreachableError);
  expect((down as UnreachableError).message).toMatch(/ECONNREFUSED/);
  // No trusted CA: the sandbox's self-signed certificate is refused, and the error says so.
  const untrusted = await fetchSource(company, secretOf(), { ...fastOptions(sb), trustedCa: [] }).catch((e: unknown) => e);
  expect(untrusted).toBeInstanceOf(UnreachableError);
  expect((untrusted as UnreachableError).message).toMatch(/TLS certificate not trusted/);
});
