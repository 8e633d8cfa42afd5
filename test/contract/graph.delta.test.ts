/** The sandbox's `/users/delta` and `/groups/delta` answer as Graph does (raw HTTP). */
import { request as httpsRequest } from 'node:https';
import { startGraphSandbox, type GraphSandbox } from '../../src/sandbox/graph';
import { generateTenant, newHire } from '../../src/sandbox/tenants';
import { CLIENT_ID, SECRET } from '../helpers/graphSandbox';

const tenant = generateTenant({ seed: 31, displayName: 'Delta Co', domain: 'delta.example', members: 230 });
const pilot = tenant.groups.find((g) => g.displayName === 'Security Awareness Pilot')!;
const sales = tenant.groups.find((g) => g.displayName === 'Dept - Sales')!;
let sb: GraphSandbox;
let token = '';

type Body = Record<string, unknown> & { value?: Record<string, unknown>[] };

async function graph(pathOrUrl: string): Promise<{ status: number; json: Body }> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${sb.url}/v1.0${pathOrUrl}`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: (await res.json()) as Body };
}

/** Follows nextLinks to the deltaLink: every item and the number of pages. */
async function round(first: string): Promise<{ items: Record<string, unknown>[]; deltaLink: string; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let next: string | undefined = first;
  for (let pages = 1; ; pages++) {
    const res = await graph(next!);
    expect(res.status).toBe(200);
    items.push(...(res.json.value ?? []));
    const delta = res.json['@odata.deltaLink'] as string | undefined;
    next = res.json['@odata.nextLink'] as string | undefined;
    if (delta !== undefined) {
      expect(next).toBeUndefined();
      return { items, deltaLink: delta, pages };
    }
    expect(next).toMatch(/\/v1\.0\/users\/delta\?\$skiptoken=|\/v1\.0\/groups\/delta\?\$skiptoken=/);
  }
}

beforeAll(async () => {
  sb = await startGraphSandbox({ tenants: [{ tenant, apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }] }] });
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: SECRET, scope: 'https://graph.microsoft.com/.default' }).toString();
  const url = new URL(`${sb.authorityHost}/${tenant.tenantId}/oauth2/v2.0/token`);
  token = await new Promise<string>((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', ca: sb.ca, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(String((JSON.parse(text) as { access_token: string }).access_token)));
    });
    req.on('error', reject);
    req.end(body);
  });
});
afterAll(async () => sb.stop());

test('users delta pages with nextLinks to a deltaLink, then returns only what changed', async () => {
  const first = await round('/users/delta?$select=id,mail,displayName&$expand=manager');
  expect(first.pages).toBe(Math.ceil(tenant.users.length / 100));
  expect(first.items).toHaveLength(tenant.users.length);
  expect(first.deltaLink).toMatch(/\/v1\.0\/users\/delta\?\$deltatoken=[\w-]+$/);
  const withManager = first.items.find((u) => u['manager@delta'] !== undefined)!;
  expect(withManager['manager@delta']).toEqual([{ '@odata.type': '#microsoft.graph.user', id: expect.any(String) }]);
  expect(Object.keys(first.items[0]!).sort()).toEqual(expect.arrayContaining(['displayName', 'id', 'mail']));

  const quiet = await round(first.deltaLink);
  expect(quiet).toMatchObject({ items: [], pages: 1 });

  const hire = newHire({ seed: 1, domain: 'delta.example', givenName: 'Nora', surname: 'New' });
  sb.addUser(tenant.tenantId, hire, [sales.id]);
  const leaver = tenant.users[5]!;
  sb.removeUser(tenant.tenantId, leaver.id);
  const changes = await round(quiet.deltaLink);
  expect(changes.items).toEqual([
    { id: hire.id, mail: hire.mail, displayName: 'Nora New' },
    { id: leaver.id, '@removed': { reason: 'changed' } },
  ]);
  // The old link still works (Graph keeps the state), and returns the same changes again.
  expect((await round(quiet.deltaLink)).items).toHaveLength(2);
});

test('groups delta tracks the named groups and their direct members with members@delta', async () => {
  const filter = encodeURIComponent(`id eq '${pilot.id}' or id eq '${sales.id}'`);
  const first = await round(`/groups/delta?$select=displayName,members&$filter=${filter}`);
  expect(first.items.map((g) => g.id).sort()).toEqual([pilot.id, sales.id].sort());
  const pilotItem = first.items.find((g) => g.id === pilot.id)!;
  expect((pilotItem['members@delta'] as unknown[]).length).toBe(pilot.memberIds.length);

  const someone = tenant.users.find((u) => !pilot.memberIds.includes(u.id) && u.kind === 'member')!;
  sb.addMember(tenant.tenantId, pilot.id, someone.id);
  const dropped = sales.memberIds[0]!;
  sb.removeMember(tenant.tenantId, sales.id, dropped);
  const changes = await round(first.deltaLink);
  expect(changes.items).toEqual(
    expect.arrayContaining([
      { id: pilot.id, displayName: pilot.displayName, 'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: someone.id }] },
      { id: sales.id, displayName: sales.displayName, 'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: dropped, '@removed': { reason: 'deleted' } }] },
    ]),
  );
  expect(changes.items).toHaveLength(2);
});

test('$deltatoken=latest gives a link for now without reading the directory', async () => {
  const latest = await graph('/users/delta?$select=id,mail&$deltatoken=latest');
  expect(latest.json.value).toEqual([]);
  const hire = newHire({ seed: 2, domain: 'delta.example', givenName: 'Lia', surname: 'Late' });
  sb.addUser(tenant.tenantId, hire);
  expect((await round(latest.json['@odata.deltaLink'] as string)).items).toEqual([{ id: hire.id, mail: hire.mail }]);
});

test('an invalidated link answers 410 Gone with syncStateNotFound', async () => {
  const { deltaLink } = await round('/users/delta?$select=id');
  sb.invalidateDelta(tenant.tenantId);
  const gone = await graph(deltaLink);
  expect(gone.status).toBe(410);
  expect(gone.json).toMatchObject({ error: { code: 'syncStateNotFound', message: expect.stringMatching(/resync/i) } });
});

test('refuses the query shapes Graph refuses on delta', async () => {
  const { deltaLink } = await round('/users/delta?$select=id');
  const cases = [
    '/users/delta?$top=10',
    '/users/delta?$orderby=displayName',
    '/users/delta?$expand=memberOf',
    '/users/delta?$expand=manager($select=id)',
    `/users/delta?$filter=${encodeURIComponent("mail eq 'a@b.c'")}`,
    `/groups/delta?$filter=${encodeURIComponent("displayName eq 'x'")}`,
    '/groups/delta?$expand=manager',
    `${deltaLink}&$select=mail`,
    '/users/delta?$deltatoken=not-a-token',
  ];
  for (const path of cases) {
    const res = await graph(path);
    expect({ path, status: res.status }).toEqual({ path, status: 400 });
    expect(res.json).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  }
  const usersToken = new URL(deltaLink).searchParams.get('$deltatoken')!;
  expect((await graph(`/groups/delta?$deltatoken=${usersToken}`)).status).toBe(400);
});

test('a deletion between two pages of an initial round shifts nobody out of it', async () => {
  const first = await graph('/users/delta?$select=id');
  const served = (first.json.value ?? []).map((u) => u.id as string);
  sb.removeUser(tenant.tenantId, served[3]!);
  const rest = await round(first.json['@odata.nextLink'] as string);
  const seen = new Set([...served, ...rest.items.map((u) => u.id as string)]);
  for (const u of tenant.users) expect(seen.has(u.id)).toBe(true);
  // The deletion itself comes with the next round.
  expect((await round(rest.deltaLink)).items).toContainEqual({ id: served[3], '@removed': { reason: 'changed' } });
});
