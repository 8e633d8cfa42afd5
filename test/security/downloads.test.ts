/**
 * The full diff behind a preview card is a signed, expiring link (HMAC over path and expiry). A
 * link whose signature, plan id, format or expiry was changed, or that has genuinely expired with
 * its plan, must get 403 and no diff content; the untouched link must work (so the refusals are
 * the signature check's doing).
 */
import { signLink } from '../../src/teams/signedLink';
import { actions } from '../helpers/botHttp';
import { startSecurityRig, type SecurityRig } from '../helpers/securityRig';

const LINK_SECRET = 'link-secret-for-the-download-tests';

let rig: SecurityRig;
let csv: URL;
let json: URL;
/** Addresses that appear in the real diff: none may appear in a refusal. */
let addresses: string[];
let otherPlanId: string;

beforeAll(async () => {
  rig = await startSecurityRig({ env: { KB4SYNC_LINK_SECRET: LINK_SECRET } });
  const { card } = await rig.bot.say('preview sync acme');
  csv = new URL(actions(card).find((a) => a.url?.includes('.csv'))?.url ?? 'http://missing/');
  json = new URL(actions(card).find((a) => a.url?.includes('.json'))?.url ?? 'http://missing/');
  otherPlanId = (await rig.app.service.preview('initech', { id: null, name: 'test', tenantId: null, via: 'cli' })).planId;
  const diff = await (await fetch(csv)).text();
  addresses = [...new Set(diff.match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g) ?? [])];
});

afterAll(() => rig.stop());

async function get(url: URL | string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

test('the links on the card work as issued', async () => {
  const c = await get(csv);
  expect(c.status).toBe(200);
  expect(addresses.length).toBeGreaterThan(10);
  expect(c.body).toContain(addresses[0]);
  const j = await get(json);
  expect(j.status).toBe(200);
  expect(j.body).toContain(addresses[0]);
});

function changed(url: URL, edit: (u: URL) => void): URL {
  const copy = new URL(url);
  edit(copy);
  return copy;
}

const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);

test.each<[string, () => URL]>([
  ['a bad signature', () => changed(csv, (u) => u.searchParams.set('sig', flip(u.searchParams.get('sig') ?? '')))],
  ['a truncated signature', () => changed(csv, (u) => u.searchParams.set('sig', (u.searchParams.get('sig') ?? '').slice(0, 20)))],
  ['no signature', () => changed(csv, (u) => u.searchParams.delete('sig'))],
  ['the signature of the JSON link on the CSV path', () => changed(csv, (u) => u.searchParams.set('sig', json.searchParams.get('sig') ?? ''))],
  ['another (real) plan id', () => changed(csv, (u) => (u.pathname = `/downloads/${otherPlanId}.csv`))],
  ['a forged expiry an hour later', () => changed(csv, (u) => u.searchParams.set('exp', String(Number(u.searchParams.get('exp')) + 3600)))],
  ['an expiry far in the future', () => changed(csv, (u) => u.searchParams.set('exp', '999999999999'))],
  ['no expiry', () => changed(csv, (u) => u.searchParams.delete('exp'))],
  ['a non-numeric expiry', () => changed(csv, (u) => u.searchParams.set('exp', `${u.searchParams.get('exp')}.5`))],
  ['two signatures', () => changed(csv, (u) => u.searchParams.append('sig', u.searchParams.get('sig') ?? ''))],
])('%s → 403, with no diff content', async (_name, url) => {
  const res = await get(url());
  expect(res.status).toBe(403);
  expect(res.body).toMatch(/Invalid link|expired/);
  for (const a of addresses) expect(res.body).not.toContain(a);
});

test('a genuinely expired link (its plan expired) → 403 with the expiry answer, and no diff content', async () => {
  const planId = await rig.expiredCopyOf(csv.pathname.replace(/^\/downloads\/|\.csv$/g, ''));
  const past = new Date(Date.now() - 60_000);
  // Signed with the service's own key: everything is right about this link except the time.
  const expired = signLink(rig.service.url, `/downloads/${planId}.csv`, past, Buffer.from(LINK_SECRET));
  const res = await get(expired);
  expect(res.status).toBe(403);
  expect(res.body).toMatch(/expired/);
  for (const a of addresses) expect(res.body).not.toContain(a);
  // The same key and a future expiry are accepted (for a plan still pending): the refusal above is the expiry's.
  expect((await get(signLink(rig.service.url, `/downloads/${otherPlanId}.csv`, new Date(Date.now() + 60_000), Buffer.from(LINK_SECRET)))).status).toBe(200);
});

test('links stop working once their plan is applied, cancelled or expired, whatever the link says', async () => {
  const admin = { id: null, name: 'test', tenantId: null, via: 'cli' as const };
  const fresh = async () => {
    const { planId } = await rig.app.service.preview('initech', admin);
    const link = signLink(rig.service.url, `/downloads/${planId}.json`, new Date(Date.now() + 30 * 60_000), Buffer.from(LINK_SECRET));
    expect((await get(link)).status).toBe(200);
    return { planId, link };
  };
  const cancelled = await fresh();
  await rig.app.service.cancel(cancelled.planId, admin);
  const applied = await fresh();
  await rig.app.service.apply(applied.planId, admin);
  const pending = await fresh();
  const expiredId = await rig.expiredCopyOf(pending.planId);
  const expired = { planId: expiredId, link: signLink(rig.service.url, `/downloads/${expiredId}.json`, new Date(Date.now() + 30 * 60_000), Buffer.from(LINK_SECRET)) };
  for (const { planId, link } of [cancelled, applied, expired]) {
    const res = await get(link);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain(planId);
    for (const a of addresses) expect(res.body).not.toContain(a);
  }
});

test('file names outside the pattern are not found, never read', async () => {
  for (const path of ['/downloads/..%2f..%2fetc%2fpasswd.csv', '/downloads/x.exe', `/downloads/${'a'.repeat(65)}.csv`]) {
    expect((await get(`${rig.service.url}${path}${csv.search}`)).status).toBe(404);
  }
});
