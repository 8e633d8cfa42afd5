import { parseConfig } from '../../src/config';
import { mayChange, tenantAllowed } from '../../src/teams/authorize';
import { checkLink, signLink } from '../../src/teams/signedLink';

const GUID = 'aaaaaaaa-0000-4000-8000-000000000001';
const ADMIN = '6f1c2a3b-1111-4a5b-9c8d-0123456789ab';
const TENANT = '11111111-2222-4333-8444-555555555555';
const company = { id: 'acme', name: 'Acme', m365: { tenantId: GUID, clientId: GUID, clientSecretEnv: 'X' }, knowbe4: { scimTokenEnv: 'Y' } };

describe('authorization', () => {
  const config = parseConfig({ admins: [{ aadObjectId: ADMIN }], allowedTenants: [TENANT], companies: [company] });
  test.each([
    ['an admin from the allowed tenant', { aadObjectId: ADMIN.toUpperCase(), name: 'Ann', tenantId: TENANT }, true, null],
    ['a non-admin', { aadObjectId: GUID, name: 'Bob', tenantId: TENANT }, false, 'not-an-admin'],
    ['an admin id from another tenant', { aadObjectId: ADMIN, name: 'Ann', tenantId: GUID }, false, 'tenant-not-allowed'],
    ['no identity at all', { aadObjectId: null, name: null, tenantId: null }, false, 'tenant-not-allowed'],
  ])('%s', (_name, who, ok, reason) => {
    const result = mayChange(config, who);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.reason).toBe(reason);
  });

  test('with no allowed tenants listed, any tenant may read but only admins may change', () => {
    const open = parseConfig({ admins: [{ aadObjectId: ADMIN }], companies: [company] });
    expect(tenantAllowed(open, { aadObjectId: GUID, name: null, tenantId: GUID }).ok).toBe(true);
    expect(mayChange(open, { aadObjectId: GUID, name: null, tenantId: GUID }).ok).toBe(false);
    expect(mayChange(open, { aadObjectId: ADMIN, name: null, tenantId: GUID }).ok).toBe(true);
  });
});

describe('signed download links', () => {
  const key = Buffer.from('k'.repeat(32));
  const now = new Date('2026-11-24T00:00:00Z');
  const link = new URL(signLink('http://127.0.0.1:3978', '/downloads/plan-1.csv', new Date(now.getTime() + 60_000), key));
  const query = Object.fromEntries(link.searchParams);

  test('a fresh link checks out', () => {
    expect(checkLink(link.pathname, query, now, key)).toEqual({ ok: true });
  });
  test('an expired link is refused', () => {
    expect(checkLink(link.pathname, query, new Date(now.getTime() + 61_000), key)).toEqual({ ok: false, reason: 'expired' });
  });
  test.each([
    ['another plan', '/downloads/plan-2.csv', query],
    ['a later expiry', link.pathname, { ...query, exp: String(Number(query.exp) + 3600) }],
    ['a forged signature', link.pathname, { ...query, sig: 'A'.repeat(43) }],
    ['no signature', link.pathname, { exp: query.exp }],
  ])('%s is refused', (_name, path, q) => {
    expect(checkLink(path, q, now, key)).toEqual({ ok: false, reason: 'bad-signature' });
  });
  test('another key is refused', () => {
    expect(checkLink(link.pathname, query, now, Buffer.from('x'.repeat(32)))).toEqual({ ok: false, reason: 'bad-signature' });
  });
});

test('a public URL with a path prefix keeps it in the link; the signature covers the service path the proxy forwards', () => {
  const key = Buffer.from('k'.repeat(32));
  const now = new Date('2026-12-01T00:00:00Z');
  for (const base of ['https://bots.example.com/kb4sync', 'https://bots.example.com/kb4sync/']) {
    const link = new URL(signLink(base, '/downloads/plan-1.csv', new Date(now.getTime() + 60_000), key));
    expect(link.origin + link.pathname).toBe('https://bots.example.com/kb4sync/downloads/plan-1.csv');
    const query = { exp: link.searchParams.get('exp') ?? undefined, sig: link.searchParams.get('sig') ?? undefined };
    expect(checkLink('/downloads/plan-1.csv', query, now, key)).toEqual({ ok: true });
  }
});
