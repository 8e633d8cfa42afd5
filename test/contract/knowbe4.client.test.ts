/** The SCIM client's operations against the KnowBe4 sandbox over real loopback HTTP. */
import { SCIM_SCHEMA_URN } from '../../src/sync/attributes';
import { rig, users, type Rig } from '../helpers/knowbe4';

const ENT = SCIM_SCHEMA_URN.enterprise;
const KMSAT = SCIM_SCHEMA_URN.kmsat;

let r: Rig;
afterEach(async () => {
  await r.sandbox.stop();
});

type Patch = { schemas: string[]; Operations: { op: string; path?: string; value?: unknown }[] };
const patchBodies = (rig: Rig, pathPrefix: string) =>
  rig.sandbox.controls.requests({ method: 'PATCH', pathPrefix }).map((req) => req.body as Patch);

test('listUsers pages to the end and maps SCIM to the target model', async () => {
  r = await rig({
    users: [
      {
        userName: 'ada@acme.com',
        externalId: 'entra-1',
        title: 'Engineer',
        name: { givenName: 'Ada', familyName: 'Lovelace' },
        phoneNumbers: [{ type: 'work', value: '+1 555' }],
        [ENT]: { department: 'Engineering', manager: { value: '1002' } },
        [KMSAT]: { customField1: 'c1' },
      },
      { userName: 'bob@acme.com', active: false },
      ...users(5),
    ],
  }, { pageSize: 3 });
  const list = await r.client.listUsers();
  expect(list).toHaveLength(7);
  expect(list[0]).toEqual({
    id: expect.any(String),
    externalId: 'entra-1',
    userName: 'ada@acme.com',
    active: true,
    managerId: '1002',
    values: { givenName: 'Ada', familyName: 'Lovelace', title: 'Engineer', phoneWork: '+1 555', department: 'Engineering', customField1: 'c1' },
  });
  expect(list[1]).toMatchObject({ userName: 'bob@acme.com', active: false });
  // 7 users, 3 per page: ceil(7/3) = 3 requests.
  expect(r.sandbox.controls.requestCount({ method: 'GET', pathPrefix: '/Users' })).toBe(3);
});

test('fetchTarget returns users and groups with members', async () => {
  r = await rig({ users: users(2), groups: [{ displayName: 'Sales', members: [{ value: '1001' }] }] });
  const snap = await r.client.fetchTarget();
  expect(snap.users.map((u) => u.userName)).toEqual(['user1@acme.com', 'user2@acme.com']);
  expect(snap.groups).toEqual([{ id: expect.any(String), displayName: 'Sales', externalId: null, memberIds: ['1001'] }]);
});

test('createUser sends externalId and only the given values, in their SCIM schemas', async () => {
  r = await rig();
  const id = await r.client.createUser({
    userName: 'new.hire@acme.com',
    externalId: '00000000-0000-4000-8000-000000000001',
    values: { givenName: 'New', familyName: 'Hire', department: 'Sales', customField2: 'x', phoneMobile: '+44', title: null },
  });
  const [post] = r.sandbox.controls.requests({ method: 'POST', pathPrefix: '/Users' });
  expect(post?.body).toEqual({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT, KMSAT],
    userName: 'new.hire@acme.com',
    active: true,
    externalId: '00000000-0000-4000-8000-000000000001',
    emails: [{ primary: true, type: 'work', value: 'new.hire@acme.com' }],
    name: { givenName: 'New', familyName: 'Hire' },
    phoneNumbers: [{ type: 'mobile', value: '+44' }],
    [ENT]: { department: 'Sales' },
    [KMSAT]: { customField2: 'x' },
  });
  const stored = r.sandbox.controls.users().find((u) => u.id === id);
  expect(stored).toMatchObject({ userName: 'new.hire@acme.com', externalId: '00000000-0000-4000-8000-000000000001', active: true });
});

test('updateUser PATCHes only the changed attributes; unmapped attributes survive', async () => {
  r = await rig({
    users: [
      {
        id: '5',
        userName: 'ada@acme.com',
        title: 'Engineer',
        name: { givenName: 'Ada', familyName: 'Lovelace' },
        phoneNumbers: [{ type: 'mobile', value: '+1 mobile' }],
        [ENT]: { department: 'Engineering', employeeNumber: 'E1' },
        [KMSAT]: { customField3: 'set in the console', userRole: 'admin' },
      },
    ],
  });
  await r.client.updateUser('5', [
    { attribute: 'title', before: 'Engineer', after: 'Lead Engineer' },
    { attribute: 'department', before: 'Engineering', after: null },
    { attribute: 'phoneWork', before: null, after: '+1 work' },
    { attribute: 'phoneMobile', before: '+1 mobile', after: '+1 new mobile' },
  ]);
  expect(patchBodies(r, '/Users/5')).toEqual([
    {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'Replace', path: 'title', value: 'Lead Engineer' },
        { op: 'Remove', path: `${ENT}:department` },
        { op: 'Add', path: 'phoneNumbers[type eq "work"].value', value: '+1 work' },
        { op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 new mobile' },
      ],
    },
  ]);
  expect(r.sandbox.controls.requestCount({ method: 'PUT' })).toBe(0);
  const [after] = r.sandbox.controls.users();
  expect(after).toMatchObject({
    title: 'Lead Engineer',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    phoneNumbers: expect.arrayContaining([{ type: 'mobile', value: '+1 new mobile' }, { type: 'work', value: '+1 work' }]),
    [ENT]: { employeeNumber: 'E1' },
    [KMSAT]: { customField3: 'set in the console', userRole: 'admin' },
  });
  expect((after?.[ENT] as Record<string, unknown>).department).toBeUndefined();

  // Clearing a typed entry removes the entry; an empty change list costs nothing.
  await r.client.updateUser('5', [{ attribute: 'phoneWork', before: '+1 work', after: null }]);
  await r.client.updateUser('5', []);
  expect(patchBodies(r, '/Users/5')[1]?.Operations).toEqual([{ op: 'Remove', path: 'phoneNumbers[type eq "work"].value' }]);
  expect(r.sandbox.controls.requestCount({ method: 'PATCH' })).toBe(2);
  expect(r.sandbox.controls.users()[0]?.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 new mobile' }]);
});

test('renameUser keeps the same record, and its primary e-mail follows when the record has one', async () => {
  r = await rig({
    users: [
      { id: '7', userName: 'ada@old.com', externalId: 'entra-7', emails: [{ value: 'ada@old.com', type: 'work', primary: true }] },
      { id: '8', userName: 'bob@old.com' },
    ],
  });
  await r.client.listUsers();
  await r.client.renameUser('7', 'ada@new.com');
  await r.client.renameUser('8', 'bob@new.com');
  const byId = new Map(r.sandbox.controls.users().map((u) => [u.id, u]));
  expect(byId.get('7')).toMatchObject({ userName: 'ada@new.com', externalId: 'entra-7', emails: [{ value: 'ada@new.com', type: 'work', primary: true }] });
  expect(byId.get('8')).toMatchObject({ userName: 'bob@new.com' });
  expect(byId.get('8')?.emails).toBeUndefined();
  expect(r.sandbox.controls.users()).toHaveLength(2);
  // Known from the listing: one PATCH each, no extra read.
  expect(r.sandbox.controls.requestCount({ method: 'GET', pathPrefix: '/Users/' })).toBe(0);

  // A fresh client (no listing) reads the record once before renaming.
  const fresh = r.makeClient();
  await fresh.renameUser('7', 'ada@newer.com');
  expect(r.sandbox.controls.userByName('ada@newer.com')).toMatchObject({ id: '7', emails: [{ value: 'ada@newer.com', primary: true }] });
  expect(r.sandbox.controls.requestCount({ method: 'GET', pathPrefix: '/Users/7' })).toBe(1);
});

test('archive and reactivate keep the record; DELETE also only archives', async () => {
  r = await rig({ users: [{ id: '9', userName: 'leaver@acme.com', title: 'Clerk' }] });
  await r.client.archiveUser('9');
  expect(r.sandbox.controls.users()[0]).toMatchObject({ id: '9', active: false, title: 'Clerk' });
  expect((await r.client.listUsers())[0]).toMatchObject({ id: '9', active: false });
  await r.client.reactivateUser('9');
  expect(r.sandbox.controls.users()[0]).toMatchObject({ id: '9', active: true, title: 'Clerk' });
  expect(patchBodies(r, '/Users/9').map((b) => b.Operations)).toEqual([
    [{ op: 'Replace', path: 'active', value: false }],
    [{ op: 'Replace', path: 'active', value: true }],
  ]);
  const res = await fetch(`${r.sandbox.url}/Users/9`, { method: 'DELETE', headers: { authorization: 'Bearer test-scim-token-value' } });
  expect(res.status).toBe(204);
  expect(r.sandbox.controls.users()[0]).toMatchObject({ id: '9', active: false, title: 'Clerk' });
});

test('setManager links and unlinks the enterprise manager', async () => {
  r = await rig({ users: [{ id: '1', userName: 'boss@acme.com' }, { id: '2', userName: 'ada@acme.com' }] });
  await r.client.setManager('2', '1');
  expect((await r.client.listUsers()).find((u) => u.id === '2')?.managerId).toBe('1');
  await r.client.setManager('2', null);
  expect((await r.client.listUsers()).find((u) => u.id === '2')?.managerId).toBeNull();
  expect(patchBodies(r, '/Users/2').map((b) => b.Operations)).toEqual([
    [{ op: 'Replace', path: `${ENT}:manager`, value: '1' }],
    [{ op: 'Remove', path: `${ENT}:manager` }],
  ]);
});

test('groups: create, add and remove members in batches', async () => {
  r = await rig({ users: users(7) }, { memberBatchSize: 3 });
  const ids = (await r.client.listUsers()).map((u) => u.id);
  const groupId = await r.client.createGroup('Sales Team');
  await r.client.addMembers(groupId, ids);
  expect(r.sandbox.controls.groups()[0]?.members).toEqual(ids.map((value) => ({ value })));
  await r.client.removeMembers(groupId, ids.slice(0, 4));
  expect(r.sandbox.controls.groups()[0]?.members).toEqual(ids.slice(4).map((value) => ({ value })));
  const patches = patchBodies(r, `/Groups/${groupId}`);
  // 7 adds in batches of 3 = 3 PATCHes; 4 removes = 2 PATCHes.
  expect(patches).toHaveLength(5);
  expect(patches[0]?.Operations).toEqual([{ op: 'Add', path: 'members', value: ids.slice(0, 3).map((value) => ({ value })) }]);
  expect(patches[4]?.Operations).toEqual([{ op: 'Remove', path: 'members', value: [{ value: ids[3] }] }]);
  // Adding members again or removing absent ones is harmless (retries and resumes repeat them).
  await r.client.addMembers(groupId, ids.slice(5));
  await r.client.removeMembers(groupId, ids.slice(0, 2));
  expect(r.sandbox.controls.groups()[0]?.members).toEqual(ids.slice(4).map((value) => ({ value })));
  expect((await r.client.listGroups())[0]).toMatchObject({ id: groupId, displayName: 'Sales Team', memberIds: ids.slice(4) });
});

test('findUserByUserName matches case-insensitively and returns null when absent', async () => {
  r = await rig({ users: [{ id: '3', userName: 'Ada.Lovelace@Acme.com' }, ...users(3)] });
  expect(await r.client.findUserByUserName('ada.lovelace@acme.COM')).toMatchObject({ id: '3', userName: 'Ada.Lovelace@Acme.com' });
  expect(await r.client.findUserByUserName('nobody@acme.com')).toBeNull();
  const [get] = r.sandbox.controls.requests({ method: 'GET' });
  expect(get?.query.filter).toBe('userName eq "ada.lovelace@acme.COM"');
});

test('listUsers pages past the server cap with startIndex: every user once', async () => {
  r = await rig({ users: users(250), maxPageSize: 100 }, { pageSize: 100 });
  const list = await r.client.listUsers();
  expect(new Set(list.map((u) => u.userName)).size).toBe(250);
  const pages = r.sandbox.controls.requests({ method: 'GET', pathPrefix: '/Users' });
  expect(pages.map((p) => p.query.startIndex)).toEqual(['1', '101', '201']);
});
