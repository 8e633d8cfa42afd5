/** The Graph sandbox itself behaves like Graph where the connector depends on it (raw HTTP). */
import { request as httpsRequest } from 'node:https';
import { startGraphSandbox, type GraphSandbox } from '../../src/sandbox/graph';
import { generateTenant } from '../../src/sandbox/tenants';
import { CLIENT_ID, SECRET } from '../helpers/graphSandbox';

const tenant = generateTenant({ seed: 3, displayName: 'Raw Co', domain: 'raw.example', members: 250, guests: 3 });
let sb: GraphSandbox;
let token = '';

function postToken(body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(`${sb.authorityHost}/${tenant.tenantId}/oauth2/v2.0/token`);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', ca: sb.ca, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function graph(path: string, auth = `Bearer ${token}`): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sb.url}/v1.0${path}`, { headers: { authorization: auth } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sb = await startGraphSandbox({ tenants: [{ tenant, apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }] }] });
  const res = await postToken(new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: SECRET, scope: 'https://graph.microsoft.com/.default' }).toString());
  expect(res.status).toBe(200);
  token = String(res.json.access_token);
});
afterAll(async () => sb.stop());

test('the token endpoint refuses a wrong secret with AADSTS7000215', async () => {
  const res = await postToken(new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: 'nope', scope: 'https://graph.microsoft.com/.default' }).toString());
  expect(res.status).toBe(401);
  expect(res.json.error).toBe('invalid_client');
  expect(String(res.json.error_description)).toMatch(/^AADSTS7000215/);
});

test('Graph needs a valid bearer token', async () => {
  expect((await graph('/users', '')).json).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
  const forged = await graph('/users', `Bearer ${token.slice(0, -4)}AAAA`);
  expect(forged.status).toBe(401);
});

test('/users without $select returns only the default property set', async () => {
  const res = await graph('/users?$top=5');
  const first = (res.json.value as Record<string, unknown>[])[0] as Record<string, unknown>;
  expect(Object.keys(first).sort()).toEqual(
    ['businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName'].sort(),
  );
  expect(first).not.toHaveProperty('department');
  expect(first).not.toHaveProperty('managerId');
});

test('$select returns exactly the selected properties; unknown ones are a 400', async () => {
  const res = await graph('/users?$select=id,department,accountEnabled&$top=3');
  for (const u of res.json.value as Record<string, unknown>[]) expect(Object.keys(u).sort()).toEqual(['accountEnabled', 'department', 'id']);
  expect((await graph('/users?$select=id,managerId')).status).toBe(400);
});

test('$top is capped at 999, and at 100 together with $expand=manager', async () => {
  expect((await graph('/users?$select=id&$top=999')).status).toBe(200);
  expect((await graph('/users?$select=id&$top=1000')).status).toBe(400);
  const expanded = await graph('/users?$select=id&$top=101&$expand=manager($select=id,mail,userPrincipalName)');
  expect(expanded.status).toBe(400);
  expect(expanded.json).toMatchObject({ error: { code: 'Request_UnsupportedQuery' } });
  const ok = await graph('/users?$select=id&$top=100&$expand=manager($select=id,mail,userPrincipalName)');
  const withManager = (ok.json.value as { manager?: Record<string, unknown> }[]).find((u) => u.manager);
  expect(Object.keys(withManager?.manager ?? {}).sort()).toEqual(['@odata.type', 'id', 'mail', 'userPrincipalName']);
});

test('nextLink is absolute and keeps the query; following it reaches every user once', async () => {
  const ids: string[] = [];
  let path: string | null = '/users?$select=id&$top=60';
  while (path) {
    const res = await graph(path);
    ids.push(...(res.json.value as { id: string }[]).map((u) => u.id));
    const next = res.json['@odata.nextLink'] as string | undefined;
    if (next) expect(next.startsWith(`${sb.url}/v1.0/users?`)).toBe(true);
    path = next ? next.slice(`${sb.url}/v1.0`.length) : null;
  }
  expect(ids).toHaveLength(tenant.users.length);
  expect(new Set(ids).size).toBe(tenant.users.length);
});

test('/users/{id}/manager, /organization and transitiveMembers without the cast', async () => {
  const withMgr = tenant.users.find((u) => u.managerId) as (typeof tenant.users)[number];
  expect((await graph(`/users/${withMgr.id}/manager?$select=id`)).json).toMatchObject({ id: withMgr.managerId });
  const ceo = tenant.users[0] as (typeof tenant.users)[number];
  expect((await graph(`/users/${ceo.id}/manager`)).status).toBe(404);
  expect((await graph('/organization')).json).toMatchObject({ value: [{ id: tenant.tenantId }] });
  const allStaff = tenant.groups.find((g) => g.displayName === 'All Staff') as (typeof tenant.groups)[number];
  const members = (await graph(`/groups/${allStaff.id}/transitiveMembers?$top=999`)).json.value as { '@odata.type': string }[];
  expect(members.some((m) => m['@odata.type'] === '#microsoft.graph.group')).toBe(true);
  const usersOnly = (await graph(`/groups/${allStaff.id}/transitiveMembers/microsoft.graph.user?$top=999`)).json.value as { '@odata.type': string }[];
  expect(usersOnly.every((m) => m['@odata.type'] === '#microsoft.graph.user')).toBe(true);
});

test('latency, faults and counters are controllable', async () => {
  sb.resetCounters();
  sb.faults.latency(5);
  sb.faults.throttle(1, 7);
  const throttled = await fetch(`${sb.url}/v1.0/subscribedSkus`, { headers: { authorization: `Bearer ${token}` } });
  expect(throttled.status).toBe(429);
  expect(throttled.headers.get('retry-after')).toBe('7');
  await throttled.arrayBuffer();
  sb.faults.dropConnection(1);
  await expect(fetch(`${sb.url}/v1.0/subscribedSkus`, { headers: { authorization: `Bearer ${token}` } })).rejects.toThrow();
  sb.faults.clear();
  expect((await graph('/subscribedSkus')).status).toBe(200);
  expect(sb.counts().subscribedSkus).toBe(3);
});

const filtered = (expr: string, extra = '') => graph(`/users?$filter=${encodeURIComponent(expr)}&$select=id${extra}`);
const ids = (res: { json: Record<string, unknown> }) => (res.json.value as { id: string }[]).map((u) => u.id);

test('$filter answers eq on mail and userPrincipalName and any() on proxyAddresses, joined by or, ignoring case', async () => {
  const u = tenant.users.find((x) => x.kind === 'member' && x.proxyAddresses.some((p) => p.startsWith('smtp:'))) as (typeof tenant.users)[number];
  const alias = u.proxyAddresses.find((p) => p.startsWith('smtp:')) as string;
  expect(ids(await filtered(`mail eq '${(u.mail as string).toUpperCase()}'`))).toEqual([u.id]);
  expect(ids(await filtered(`userPrincipalName eq '${u.userPrincipalName}'`))).toEqual([u.id]);
  expect(ids(await filtered(`proxyAddresses/any(p:p eq '${alias.toUpperCase()}')`))).toEqual([u.id]);
  const other = tenant.users[9] as (typeof tenant.users)[number];
  expect(ids(await filtered(`(mail eq 'none@raw.example' or userPrincipalName eq '${other.userPrincipalName}') or mail eq '${u.mail as string}'`)).sort()).toEqual([u.id, other.id].sort());
  expect(ids(await filtered("mail eq 'o''neil@raw.example'"))).toEqual([]);
  const withManager = await filtered(`mail eq '${u.mail as string}'`, '&$expand=manager($select=id)');
  expect((withManager.json.value as { manager?: { id: string } }[])[0]?.manager?.id).toBe(u.managerId ?? undefined);
});

test('every other $filter, and $search and $orderby, is refused with Graph\'s 400 error shape', async () => {
  const shape = { error: { code: expect.stringMatching(/^(Request_UnsupportedQuery|BadRequest)$/), message: expect.any(String), innerError: expect.any(Object) } };
  for (const expr of ["mail ne 'a@raw.example'", "startsWith(mail,'a')", "mail eq 'a' and accountEnabled eq true", "department eq 'Sales'", 'accountEnabled eq true', "mail eq 'unterminated", "proxyAddresses/any(p:startsWith(p,'smtp:'))", 'mail eq null', '']) {
    const res = await filtered(expr);
    expect({ expr, status: res.status }).toEqual({ expr, status: 400 });
    expect(res.json).toMatchObject(shape);
  }
  const allStaff = tenant.groups.find((g) => g.displayName === 'All Staff') as (typeof tenant.groups)[number];
  for (const path of [`/groups/${allStaff.id}/transitiveMembers?$filter=${encodeURIComponent("mail eq 'a'")}`, '/users?$search=%22displayName:a%22', '/users?$orderby=displayName']) {
    const res = await graph(path);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'Request_UnsupportedQuery' } });
  }
});

test('/users/{id}/transitiveMemberOf lists the groups that contain the user, nested ones included', async () => {
  const allStaff = tenant.groups.find((g) => g.displayName === 'All Staff') as (typeof tenant.groups)[number];
  const u = tenant.users.find((x) => x.kind === 'member' && x.department !== null && x.id !== tenant.users[0]?.id) as (typeof tenant.users)[number];
  const res = await graph(`/users/${u.id}/transitiveMemberOf?$select=id,displayName`);
  const groups = res.json.value as { '@odata.type': string; id: string; displayName: string }[];
  // Nearest first: the department group holds the user, All Staff holds the department group.
  expect(groups[0]?.displayName).toBe(`Dept - ${u.department as string}`);
  expect(groups.map((g) => g.id)).toContain(allStaff.id);
  expect(new Set(groups.map((g) => g.id)).size).toBe(groups.length);
  expect(groups.every((g) => g['@odata.type'] === '#microsoft.graph.group')).toBe(true);
  expect((await graph('/users/00000000-0000-4000-8000-000000000000/transitiveMemberOf')).status).toBe(404);
});
