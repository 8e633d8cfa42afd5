/** The sandbox itself (accounts, tokens, caps, Reporting API) and the Reporting reader against it. */
import { parseConfig, Secret } from '../../src/config';
import { Kb4AuthError, Kb4ReportingClient, Kb4ScimClient } from '../../src/knowbe4';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import { users } from '../helpers/knowbe4';

let sb: Knowbe4Sandbox;
afterEach(async () => {
  await sb.stop();
});

const get = (url: string, token: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } });

test('one server hosts several accounts: the token selects one, or the path does', async () => {
  sb = await startKnowbe4Sandbox({
    accounts: [
      { id: 'acme', scimToken: 'tok-acme', reportingToken: 'rep-acme', users: users(2, 'acme') },
      { id: 'globex', scimToken: 'tok-globex', users: users(3, 'globex') },
    ],
  });
  const acme = new Kb4ScimClient({ baseUrl: sb.url, token: new Secret('tok-acme') });
  const globex = new Kb4ScimClient({ baseUrl: sb.account('globex').url, token: new Secret('tok-globex') });
  expect((await acme.listUsers()).map((u) => u.userName)).toEqual(['acme1@acme.com', 'acme2@acme.com']);
  expect(await globex.listUsers()).toHaveLength(3);
  // The right path with another account's token is refused.
  const wrong = new Kb4ScimClient({ baseUrl: sb.account('globex').url, token: new Secret('tok-acme') });
  await expect(wrong.listUsers()).rejects.toBeInstanceOf(Kb4AuthError);
  await acme.createUser({ userName: 'x@acme.com', externalId: 'e', values: {} });
  expect(sb.account('acme').controls.users()).toHaveLength(3);
  expect(sb.account('globex').controls.users()).toHaveLength(3);
  expect(sb.controls.accountId).toBe('acme');
  expect(sb.account('globex').controls.requestCount()).toBe(1);
});

test('the page cap applies whatever count asks, and ListResponse reports totalResults', async () => {
  sb = await startKnowbe4Sandbox({ scimToken: 't', users: users(5), maxPageSize: 2 });
  const body = (await (await get(`${sb.url}/Users?startIndex=3&count=50`, 't')).json()) as Record<string, unknown>;
  expect(body).toMatchObject({ totalResults: 5, startIndex: 3, itemsPerPage: 2 });
  expect((body.Resources as { userName: string }[]).map((u) => u.userName)).toEqual(['user3@acme.com', 'user4@acme.com']);
  sb.controls.setMaxPageSize(4);
  const all = (await (await get(`${sb.url}/Users`, 't')).json()) as { Resources: unknown[] };
  expect(all.Resources).toHaveLength(4);
});

test('the sandbox advertises the KnowBe4 extension schema and refuses unknown tokens with a SCIM error', async () => {
  sb = await startKnowbe4Sandbox({ scimToken: 't' });
  const types = (await (await get(`${sb.url}/ResourceTypes/User`, 't')).json()) as { schemaExtensions: { schema: string }[] };
  expect(types.schemaExtensions.map((e) => e.schema)).toEqual([
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    'urn:ietf:params:scim:schemas:extension:knowbe4:kmsat:2.0:User',
  ]);
  const schema = (await (await get(`${sb.url}/Schemas/urn:ietf:params:scim:schemas:extension:knowbe4:kmsat:2.0:User`, 't')).json()) as {
    attributes: { name: string }[];
  };
  expect(schema.attributes.map((a) => a.name)).toEqual(expect.arrayContaining(['customField1', 'customDate2', 'trainingLanguage', 'userRole', 'lastPasswordChangeDateTime']));
  const denied = await get(`${sb.url}/Users`, 'nope');
  expect(denied.status).toBe(401);
  expect(await denied.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
  expect(sb.allRequests().map((q) => `${q.account} ${q.status}`)).toEqual(['default 200', 'default 200', 'null 401']);
});

test('userName is unique case-insensitively, archived users included', async () => {
  sb = await startKnowbe4Sandbox({ scimToken: 't', users: [{ userName: 'ada@acme.com', active: false }] });
  const res = await fetch(`${sb.url}/Users`, {
    method: 'POST',
    headers: { authorization: 'Bearer t', 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ADA@acme.com' }),
  });
  expect(res.status).toBe(409);
  expect(await res.json()).toMatchObject({ scimType: 'uniqueness', status: '409' });
});

test('Reporting API: paged users with console facts, groups, bearer token; the reader pages them', async () => {
  sb = await startKnowbe4Sandbox({
    scimToken: 't',
    reportingToken: 'rep',
    users: [
      { id: '1', userName: 'boss@acme.com', name: { givenName: 'Big', familyName: 'Boss' }, console: { phishPronePercentage: 12.5, lastSignIn: '2026-01-02T03:04:05Z' } },
      { id: '2', userName: 'ada@acme.com', title: 'Engineer', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D', manager: { value: '1' } } },
      { id: '3', userName: 'gone@acme.com', active: false },
      ...users(4, 'more'),
    ],
    groups: [{ id: '50', displayName: 'Engineering', members: [{ value: '2' }] }],
  });
  const scim = new Kb4ScimClient({ baseUrl: sb.url, token: new Secret('t') });
  await scim.updateUser('2', [{ attribute: 'title', before: 'Engineer', after: 'Lead' }]);

  const denied = await get(`${sb.reportingUrl}/v1/users`, 't');
  expect(denied.status).toBe(401);
  const page = (await (await get(`${sb.reportingUrl}/v1/users?status=active&page=1&per_page=2`, 'rep')).json()) as Record<string, unknown>[];
  expect(page).toHaveLength(2);
  expect(page[1]).toMatchObject({
    id: 2,
    email: 'ada@acme.com',
    job_title: 'Lead',
    department: 'R&D',
    status: 'active',
    provisioning_managed: true,
    manager_name: 'Big Boss',
    manager_email: 'boss@acme.com',
    groups: [50],
  });

  const reader = new Kb4ReportingClient({ baseUrl: sb.reportingUrl, token: new Secret('rep'), perPage: 2 });
  sb.controls.clearRequests();
  const all = await reader.listUsers();
  expect(all).toHaveLength(7);
  // 7 users, 2 per page: pages of 2, 2, 2, 1 → the short page ends the walk: ceil((7 + 1) / 2) = 4.
  expect(sb.controls.requestCount({ api: 'reporting' })).toBe(4);
  expect(all.find((u) => u.email === 'boss@acme.com')).toMatchObject({ phishPronePercentage: 12.5, lastSignIn: '2026-01-02T03:04:05Z', provisioningManaged: false });
  expect(all.find((u) => u.email === 'gone@acme.com')).toMatchObject({ status: 'archived' });
  expect((await reader.listUsers('archived')).map((u) => u.email)).toEqual(['gone@acme.com']);
  expect(await reader.listGroups()).toEqual([{ id: 50, name: 'Engineering', memberCount: 1 }]);
  const byEmail = await reader.enrichmentByEmail();
  expect(byEmail.get('ada@acme.com')?.provisioningManaged).toBe(true);
});

test('forCompany: the SCIM base is the Tenant URL (scimUrl); region selects only the Reporting API host', async () => {
  sb = await startKnowbe4Sandbox({ scimToken: 't', users: users(1) });
  const company = (knowbe4: Record<string, unknown>) =>
    parseConfig({
      companies: [
        {
          id: 'acme',
          name: 'Acme Corp',
          m365: { tenantId: '00000000-0000-4000-8000-000000000001', clientId: '00000000-0000-4000-8000-000000000002', clientSecretEnv: 'X' },
          knowbe4: { scimTokenEnv: 'ACME_KB4', ...knowbe4 },
        },
      ],
    }).companies[0]!;
  const local = Kb4ScimClient.forCompany(company({ region: 'uk', scimUrl: sb.url, requestsPerSecond: 50, pageSize: 1 }), new Secret('t'));
  expect(local.baseUrl).toBe(sb.url);
  expect(await local.listUsers()).toHaveLength(1);
  expect(Kb4ReportingClient.forCompany(company({ region: 'eu', scimUrl: sb.url }), new Secret('r')).baseUrl).toBe('https://eu.api.knowbe4.com');
  expect(() => company({ region: 'eu' })).toThrow(/knowbe4\.scimUrl: missing: copy the Tenant URL/);
});

test('group PATCHes in Entra\'s shapes are applied; the RFC filter path only for an account that opts in; unknown members are refused', async () => {
  sb = await startKnowbe4Sandbox({ scimToken: 't', users: users(4), groups: [{ id: 'g1', displayName: 'All Staff', members: [] }] });
  const ids = sb.controls.users().map((u) => String(u.id));
  const patch = (ops: unknown[], group = 'g1') =>
    fetch(`${sb.url}/Groups/${group}`, { method: 'PATCH', headers: { authorization: 'Bearer t', 'content-type': 'application/scim+json' }, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: ops }) });
  const members = () => (sb.controls.groups()[0]?.members as { value: string }[]).map((m) => m.value);

  expect((await patch([{ op: 'Add', path: 'members', value: ids.slice(0, 3).map((value) => ({ value })) }])).status).toBe(204);
  expect(members()).toEqual(ids.slice(0, 3));
  // Adding someone twice keeps one membership; removing someone absent is a no-op; `$ref: null` as Entra sends it.
  expect((await patch([{ op: 'Add', path: 'members', value: [{ $ref: null, value: ids[0] }] }, { op: 'Remove', path: 'members', value: [{ value: ids[1] }, { value: 'nobody' }] }])).status).toBe(204);
  expect(members()).toEqual([ids[0], ids[2]]);

  const filtered = await patch([{ op: 'Remove', path: `members[value eq "${ids[0]}"]` }]);
  expect(filtered.status).toBe(400);
  expect(await filtered.json()).toMatchObject({ scimType: 'invalidPath' });
  for (const bad of [[{ op: 'Remove', path: 'members' }], [{ op: 'Add', path: 'members', value: { value: ids[0] } }], [{ op: 'Add', value: { members: [{ value: ids[0] }] } }], [{ op: 'Replace', path: 'members', value: [] }]]) {
    const res = await patch(bad);
    expect([res.status, bad]).toEqual([400, bad]);
  }
  expect(members()).toEqual([ids[0], ids[2]]);

  const unknown = await patch([{ op: 'Add', path: 'members', value: [{ value: 'not-a-user' }] }]);
  expect(unknown.status).toBe(400);
  expect(await unknown.json()).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('not-a-user') });
  expect(members()).toEqual([ids[0], ids[2]]);

  expect((await patch([{ op: 'Replace', path: 'displayName', value: 'Everyone' }])).status).toBe(204);
  expect(sb.controls.groups()[0]).toMatchObject({ displayName: 'Everyone', members: [{ value: ids[0] }, { value: ids[2] }] });
  expect((await patch([{ op: 'Add', path: 'members', value: [{ value: ids[0] }] }], 'missing')).status).toBe(404);
  await sb.stop();

  sb = await startKnowbe4Sandbox({ scimToken: 't', users: users(2), groups: [{ id: 'g1', displayName: 'All Staff', members: [{ value: '1001' }] }], memberFilterPath: true });
  expect((await patch([{ op: 'Remove', path: 'members[value eq "1001"]' }])).status).toBe(204);
  expect(members()).toEqual([]);
});

const ENT_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

test('user PATCH: one operation per path in Entra\'s shapes; everything else is a SCIM 400 that changes nothing', async () => {
  sb = await startKnowbe4Sandbox({ scimToken: 't', users: [{ id: '1', userName: 'boss@acme.com' }, { id: '2', userName: 'ada@acme.com', emails: [{ type: 'work', value: 'ada@acme.com', primary: true }] }] });
  const patch = (ops: unknown[], body?: unknown) =>
    fetch(`${sb.url}/Users/2`, { method: 'PATCH', headers: { authorization: 'Bearer t', 'content-type': 'application/scim+json' }, body: JSON.stringify(body ?? { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: ops }) });
  const ok = await patch([
    { op: 'Replace', path: 'userName', value: 'ada@new.com' },
    { op: 'Replace', path: 'emails[type eq "work"].value', value: 'ada@new.com' },
    { op: 'Add', path: 'name.givenName', value: 'Ada' },
    { op: 'Add', path: 'phoneNumbers[type eq "work"].value', value: '+1' },
    { op: 'replace', path: `${ENT_URN}:department`, value: 'R&D' },
    { op: 'Replace', path: `${ENT_URN}:manager`, value: '1' },
    { op: 'Replace', path: 'urn:ietf:params:scim:schemas:extension:knowbe4:kmsat:2.0:User:customDate1', value: '2026-03-01' },
  ]);
  expect(ok.status).toBe(200);
  const stored = sb.controls.userByName('ada@new.com');
  expect(stored).toMatchObject({ id: '2', emails: [{ type: 'work', value: 'ada@new.com', primary: true }], name: { givenName: 'Ada' }, phoneNumbers: [{ type: 'work', value: '+1' }], [ENT_URN]: { department: 'R&D', manager: { value: '1' } } });

  const refused: [unknown[], string][] = [
    [[{ op: 'Replace', path: `${ENT_URN}:manager`, value: { value: '1' } }], 'invalidSyntax'],
    [[{ op: 'Replace', path: 'emails', value: [{ type: 'work', value: 'x@acme.com' }] }], 'invalidPath'],
    [[{ op: 'Replace', value: { title: 'Boss' } }], 'invalidPath'],
    [[{ op: 'Replace', path: 'nickName', value: 'x' }], 'invalidPath'],
    [[{ op: 'Replace', path: 'active', value: 'False' }], 'invalidSyntax'],
    [[{ op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+2' }], 'noTarget'],
    [[{ op: 'Remove', path: 'title', value: 'x' }], 'invalidSyntax'],
    [[{ op: 'Merge', path: 'title', value: 'x' }], 'invalidSyntax'],
    [[{ op: 'Replace', path: 'urn:ietf:params:scim:schemas:extension:knowbe4:kmsat:2.0:User:customDate2', value: '03/01/2026' }], 'invalidValue'],
  ];
  for (const [ops, scimType] of refused) {
    const res = await patch(ops);
    expect([res.status, (await res.json()) as unknown, ops]).toEqual([400, expect.objectContaining({ scimType }), ops]);
  }
  expect((await patch([], { Operations: [{ op: 'Replace', path: 'title', value: 'x' }] })).status).toBe(400);
  const put = await fetch(`${sb.url}/Users/2`, { method: 'PUT', headers: { authorization: 'Bearer t', 'content-type': 'application/scim+json' }, body: JSON.stringify({ userName: 'ada@new.com' }) });
  expect(put.status).toBe(400);
  expect(sb.controls.userByName('ada@new.com')).toEqual(stored);
});

test('look-ups: only `userName eq` on users and `displayName eq` on groups; creates outside the profile are refused', async () => {
  sb = await startKnowbe4Sandbox({ scimToken: 't', users: [{ userName: 'Ada@Acme.com', externalId: 'x1' }], groups: [{ displayName: 'Sales', members: [{ value: '1001' }] }] });
  const list = async (path: string) => {
    const res = await get(`${sb.url}${path}`, 't');
    return { status: res.status, body: (await res.json()) as { totalResults?: number; scimType?: string; Resources?: Record<string, unknown>[] } };
  };
  expect((await list(`/Users?filter=${encodeURIComponent('userName eq "ada@acme.COM"')}`)).body.totalResults).toBe(1);
  const group = await list(`/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "sales"')}`);
  expect(group.body.totalResults).toBe(1);
  expect(group.body.Resources?.[0]?.members).toBeUndefined();
  for (const filter of ['externalId eq "x1"', 'userName co "ada"', 'emails[type eq "work"].value eq "ada@acme.com"', 'userName eq "a" or userName eq "b"']) {
    expect(await list(`/Users?filter=${encodeURIComponent(filter)}`)).toEqual({ status: 400, body: expect.objectContaining({ scimType: 'invalidFilter' }) });
  }
  expect((await list(`/Users?attributes=userName`)).status).toBe(400);
  const post = (body: unknown) => fetch(`${sb.url}/Users`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/scim+json' }, body: JSON.stringify(body) });
  const core = 'urn:ietf:params:scim:schemas:core:2.0:User';
  expect((await post({ schemas: [core], userName: 'x@acme.com', nickName: 'x' })).status).toBe(400);
  expect((await post({ schemas: [core], userName: 'x@acme.com', emails: [{ type: 'home', value: 'x@home.com' }] })).status).toBe(400);
  expect((await post({ schemas: [core, ENT_URN], userName: 'x@acme.com', [ENT_URN]: { manager: { value: '1001' } } })).status).toBe(400);
  expect((await post({ schemas: [core], userName: 'x@acme.com', emails: [{ primary: true, type: 'work', value: 'x@acme.com' }] })).status).toBe(201);
});
