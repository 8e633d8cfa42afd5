/** Faults, retries, idempotent creates, Test Mode and admin-facing errors, over real HTTP. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Secret } from '../../src/config';
import {
  Kb4AuthError,
  Kb4ConflictError,
  Kb4NetworkError,
  Kb4NotFoundError,
  Kb4RateLimitError,
  Kb4RequestError,
  Kb4ScimClient,
  Kb4ServerError,
  REGENERATE_TOKEN_WHERE,
} from '../../src/knowbe4';
import { settleCreate } from '../../src/sync';
import { rig, TOKEN, users, type Rig } from '../helpers/knowbe4';

let r: Rig;
afterEach(async () => {
  await r.sandbox.stop();
});

const input = { userName: 'new.hire@acme.com', externalId: 'entra-new', values: { givenName: 'New', familyName: 'Hire', department: 'Sales' } };

describe('create meets 409: the client answers what it found, the core settles it, nothing else is written', () => {
  const op = { id: 'op-1', reason: 'new', kind: 'create' as const, sourceId: input.externalId, userName: input.userName, values: input.values };

  test('an unlinked record the plan did not see is held: no PATCH, no adoption behind the plan', async () => {
    r = await rig({ users: [{ id: '42', userName: 'New.Hire@acme.com', name: { givenName: 'New' }, title: 'kept' }] });
    const answer = await r.client.postUser(input);
    expect(answer).toMatchObject({ kind: 'exists', found: { id: '42', externalId: null } });
    const settled = settleCreate(op, answer);
    expect(settled).toMatchObject({ kind: 'held', targetId: '42' });
    expect(r.sandbox.controls.users()).toHaveLength(1);
    expect(r.sandbox.controls.users()[0]).not.toHaveProperty('externalId');
    // POST (409) + GET by userName; the take-over is the next preview's to show.
    expect(r.sandbox.controls.requests().map((q) => `${q.method} ${q.status}`)).toEqual(['POST 409', 'GET 200']);
  });

  test("this person's own archived record settles as theirs (the next preview reactivates it)", async () => {
    r = await rig({ users: [{ id: '43', userName: 'new.hire@acme.com', externalId: 'entra-new', active: false, name: { givenName: 'New', familyName: 'Hire' } }] });
    expect(settleCreate(op, await r.client.postUser(input))).toEqual({ kind: 'ours', targetId: '43' });
    expect(r.sandbox.controls.requestCount({ method: 'PATCH' })).toBe(0);
  });

  test('a record linked to another Entra user is held, named with its link, and untouched', async () => {
    r = await rig({ users: [{ id: '44', userName: 'new.hire@acme.com', externalId: 'entra-someone-else' }] });
    const settled = settleCreate(op, await r.client.postUser(input));
    expect(settled.kind).toBe('held');
    expect(settled.kind === 'held' ? settled.reason : '').toContain('entra-someone-else');
    const err = await r.client.createUser(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Kb4ConflictError);
    expect(r.sandbox.controls.users()[0]).toMatchObject({ externalId: 'entra-someone-else' });
    expect(r.sandbox.controls.requestCount({ method: 'PATCH' })).toBe(0);
  });

  test('a create whose response was lost is retried and never duplicates the user', async () => {
    r = await rig();
    r.sandbox.controls.loseResponseNext(1);
    const answer = await r.client.postUser(input);
    expect(r.sandbox.controls.users()).toHaveLength(1);
    expect(settleCreate(op, answer)).toEqual({ kind: 'ours', targetId: r.sandbox.controls.users()[0]?.id });
    // POST (committed, answer lost) + POST retry (409) + GET lookup; nothing left to PATCH.
    expect(r.sandbox.controls.requests().map((q) => `${q.method} ${q.status}`)).toEqual(['POST -1', 'POST 409', 'GET 200']);
  });

  test('a 409 for a create KnowBe4 does not show yet is waiting: never a second record', async () => {
    r = await rig({ visibilityDelayMs: 60_000 });
    r.sandbox.controls.loseResponseNext(1);
    const answer = await r.client.postUser(input);
    expect(answer).toEqual({ kind: 'exists', found: null });
    expect(settleCreate(op, answer)).toEqual({ kind: 'waiting' });
    expect(r.sandbox.controls.users()).toHaveLength(1);
    r.sandbox.controls.applyPendingWrites();
    expect(await r.client.findUserByUserName(input.userName)).toMatchObject({ externalId: 'entra-new' });
  });

  test('createGroup after a lost response finds the group instead of creating it twice', async () => {
    r = await rig();
    r.sandbox.controls.loseResponseNext(1);
    const id = await r.client.createGroup('Sales Team');
    expect(r.sandbox.controls.groups()).toEqual([expect.objectContaining({ id, displayName: 'Sales Team' })]);
    expect(r.sandbox.controls.requests().map((q) => `${q.method} ${q.path} ${q.status}`)).toEqual(['POST /Groups -1', 'GET /Groups 200']);
  });

  test('createGroup on an existing name returns that group', async () => {
    r = await rig({ groups: [{ id: '77', displayName: 'sales team' }] });
    expect(await r.client.createGroup('Sales Team')).toBe('77');
  });
});

describe('429 and 5xx', () => {
  test('a 429 storm is waited out using Retry-After', async () => {
    r = await rig({ users: users(1) });
    r.sandbox.controls.rateLimitNext(3, 1);
    await r.client.archiveUser('1001');
    expect(r.sandbox.controls.users()[0]).toMatchObject({ active: false });
    expect(r.sandbox.controls.requests().map((q) => q.status)).toEqual([429, 429, 429, 200]);
    // The client asked to wait exactly what Retry-After said (1 s) before each retry.
    expect(r.sleeps).toEqual([1000, 1000, 1000]);
  });

  test('Retry-After: 0 retries at once, POST creates too (KnowBe4 did nothing on a 429)', async () => {
    r = await rig();
    r.sandbox.controls.rateLimitNext(2, 0);
    const id = await r.client.createUser(input);
    expect(r.sandbox.controls.users()).toEqual([expect.objectContaining({ id })]);
    expect(r.sandbox.controls.requestCount({ method: 'POST' })).toBe(3);
    expect(r.sleeps).toEqual([]);
  });

  test('429 beyond the retry budget becomes a rate-limit error with Retry-After', async () => {
    r = await rig({ users: users(1) });
    r.sandbox.controls.rateLimitNext(50, 7);
    const err = await r.client.reactivateUser('1001').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Kb4RateLimitError);
    expect(err).toMatchObject({ attempts: 4, retryAfterSeconds: 7, status: 429, transient: true });
    expect((err as Error).message).toContain('requestsPerSecond');
    expect(r.sandbox.controls.requestCount()).toBe(4);
  });

  test('a few 5xx are retried with backoff; persistent 5xx become a server error', async () => {
    r = await rig({ users: users(3) });
    r.sandbox.controls.failNext(2, 503);
    expect(await r.client.listUsers()).toHaveLength(3);
    expect(r.sleeps).toHaveLength(2);
    r.sandbox.controls.failNext(10, 500);
    const err = await r.client.listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Kb4ServerError);
    expect(err).toMatchObject({ status: 500, attempts: 4, detail: 'Injected server error' });
  });

  test('a dropped connection is retried', async () => {
    r = await rig({ users: users(2) });
    r.sandbox.controls.dropNext(1);
    expect(await r.client.listUsers()).toHaveLength(2);
    expect(r.sandbox.controls.requests().map((q) => q.status)).toEqual([0, 200]);
  });

  test('network failures and timeouts exhaust into a network error', async () => {
    r = await rig({ users: users(1) });
    r.sandbox.controls.dropNext(10);
    await expect(r.client.listUsers()).rejects.toMatchObject({ kind: 'network', attempts: 4 });
    r.sandbox.controls.clearFaults();
    r.sandbox.controls.setLatency(300);
    const slow = r.makeClient({ timeoutMs: 50, retry: { retries: 1, baseDelayMs: 1 } });
    const err = await slow.listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Kb4NetworkError);
    expect(err).toMatchObject({ kind: 'timeout', attempts: 2 });
  });

  test('a rate of 5xx over many writes is absorbed by retries', async () => {
    r = await rig({ users: users(20) }, { retry: { retries: 6, baseDelayMs: 1, maxDelayMs: 2 } });
    r.sandbox.controls.failRate(0.3, 502, 42);
    for (let i = 1; i <= 20; i++) await r.client.updateUser(String(1000 + i), [{ attribute: 'title', before: null, after: `T${i}` }]);
    expect(r.sandbox.controls.users().every((u, i) => u.title === `T${i + 1}`)).toBe(true);
    expect(r.sandbox.controls.requestCount({ method: 'PATCH' })).toBeGreaterThan(20);
  });
});

describe('errors an admin can act on', () => {
  test('401 says the token was regenerated or revoked and where to make a new one, without the token', async () => {
    r = await rig({ users: users(1) });
    const wrong = new Kb4ScimClient({ baseUrl: r.sandbox.url, token: new Secret('not-the-token'), tokenEnv: 'ACME_KB4_SCIM_TOKEN', retry: { retries: 3 } });
    const err = await wrong.listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Kb4AuthError);
    const message = (err as Error).message;
    expect(message).toContain('regenerated or revoked');
    expect(message).toContain(REGENERATE_TOKEN_WHERE);
    expect(message).toContain('ACME_KB4_SCIM_TOKEN');
    expect(message).not.toContain('not-the-token');
    expect(JSON.stringify(err)).not.toContain('not-the-token');
    expect(r.sandbox.allRequests()).toHaveLength(1); // 401 is not retried

    // Revoking the token in the console breaks the working client the same way.
    await r.client.listUsers();
    r.sandbox.controls.revokeScimToken();
    await expect(r.client.listUsers()).rejects.toBeInstanceOf(Kb4AuthError);
    const fresh = r.sandbox.controls.regenerateScimToken();
    await expect(r.client.listUsers()).rejects.toBeInstanceOf(Kb4AuthError);
    const renewed = new Kb4ScimClient({ baseUrl: r.sandbox.url, token: new Secret(fresh) });
    expect(await renewed.listUsers()).toHaveLength(1);
    expect(String(new Secret(TOKEN))).toBe('[redacted]');
  });

  test('a vanished user is a not-found error naming it', async () => {
    r = await rig();
    const err = await r.client.updateUser('999', [{ attribute: 'title', before: 'a', after: 'b' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Kb4NotFoundError);
    expect((err as Error).message).toContain('Users/999');
    expect((err as Error).message).toContain('preview again');
  });

  test('a SCIM error body surfaces its detail', async () => {
    r = await rig({ groups: [{ id: '5', displayName: 'G' }] });
    const err = await r.client.addMembers('5', ['no-such-user']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Kb4RequestError);
    expect(err).toMatchObject({ status: 400, scimType: 'invalidValue', detail: 'member no-such-user is not a user of this account' });
    expect((err as Error).message).toContain('member no-such-user is not a user of this account');
  });

  test('a 409 on rename (address taken) is a conflict error', async () => {
    r = await rig({ users: [{ id: '1', userName: 'a@acme.com' }, { id: '2', userName: 'b@acme.com' }] });
    await r.client.listUsers();
    const err = await r.client.renameUser('1', 'B@acme.com').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Kb4ConflictError);
    expect(err).toMatchObject({ scimType: 'uniqueness' });
  });
});

test('Test Mode accepts writes, changes nothing and reports what would have happened', async () => {
  r = await rig({ users: [{ id: '1', userName: 'stay@acme.com', title: 'Old' }, { id: '2', userName: 'leaver@acme.com' }], testMode: true });
  const before = r.sandbox.controls.users();
  const id = await r.client.createUser(input);
  await r.client.updateUser('1', [{ attribute: 'title', before: 'Old', after: 'New' }]);
  await r.client.archiveUser('2');
  const groupId = await r.client.createGroup('Sales Team');
  expect(typeof id).toBe('string');
  expect(typeof groupId).toBe('string');
  expect(r.sandbox.controls.users()).toEqual(before);
  expect(r.sandbox.controls.groups()).toEqual([]);
  expect(r.sandbox.controls.testModeReport().map((e) => `${e.action} ${e.resourceType} ${e.name}`)).toEqual([
    'CREATED User new.hire@acme.com',
    'CHANGED User stay@acme.com',
    'ARCHIVED User leaver@acme.com',
    'CREATED Group Sales Team',
  ]);
});

test('each record is read on its own: clear meanings are normalised, the rest set aside with a reason', async () => {
  r = await rig({ users: [{ id: '1', userName: 'boss@acme.com' }], groups: [{ id: 'g1', displayName: 'Sales', members: [{ value: '1' }] }] });
  const ent = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
  const c = r.sandbox.controls;
  c.addRawUser({ id: 2, userName: 'ada@acme.com', active: 'False', [ent]: { manager: '1' } });
  c.addRawUser({ id: '3', userName: 'bob@acme.com', active: 'True', externalId: 77, [ent]: { manager: { value: 1 } } });
  c.addRawUser({ id: '4', userName: 'cy@acme.com', name: null });
  c.addRawUser({ id: '5', active: true });
  c.addRawUser({ id: '6', userName: 'dee@acme.com', active: 'maybe' });
  c.addRawUser({ id: '7', userName: 'eve@acme.com', [ent]: { manager: ['1'] } });
  c.addRawUser({ id: '8', userName: 'fay@acme.com', externalId: 'x-8', name: 'Fay' });
  c.addRawGroup({ id: 9, displayName: 'Numbers', members: [{ value: 2 }, '3'] });
  c.addRawGroup({ id: 'g2', displayName: 'Broken', members: 'everyone' });
  c.addRawGroup({ id: 'g3' });

  const snap = await r.client.fetchTarget();
  expect(snap.users.map((u) => [u.id, u.userName, u.active, u.managerId, u.externalId])).toEqual([
    ['1', 'boss@acme.com', true, null, null],
    ['2', 'ada@acme.com', false, '1', null],
    ['3', 'bob@acme.com', true, '1', '77'],
    ['4', 'cy@acme.com', true, null, null],
  ]);
  expect(snap.groups.map((g) => [g.id, g.displayName, g.memberIds])).toEqual([
    ['g1', 'Sales', ['1']],
    ['9', 'Numbers', ['2', '3']],
  ]);
  expect(snap.unreadable).toEqual([
    { resource: 'user', id: '5', name: null, externalId: null, reason: 'userName is missing' },
    { resource: 'user', id: '6', name: 'dee@acme.com', externalId: null, reason: 'active is "maybe"' },
    { resource: 'user', id: '7', name: 'eve@acme.com', externalId: null, reason: 'manager is ["1"]' },
    { resource: 'user', id: '8', name: 'fay@acme.com', externalId: 'x-8', reason: 'name is not an object' },
    { resource: 'group', id: 'g2', name: 'Broken', externalId: null, reason: 'members is not a list' },
    { resource: 'group', id: 'g3', name: null, externalId: null, reason: 'displayName is missing' },
  ]);
  // The manager as Entra's plain string, as some Entra-built services return it.
  c.setManagerForm('string');
  await r.client.setManager('1', '1');
  expect((await r.client.listUsers()).find((u) => u.id === '1')?.managerId).toBe('1');
});

test('a redirect is reported, never followed with the token', async () => {
  r = await rig({ users: users(1) });
  // Where the redirect points: it must never see a request (the token would go with it).
  const seen: string[] = [];
  const elsewhere = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ? 'with token' : ''}`);
    res.end('{}');
  });
  await new Promise<void>((done) => elsewhere.listen(0, '127.0.0.1', done));
  const to = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/scim/v2`;
  const moved = createServer((_req, res) => {
    res.statusCode = 301;
    res.setHeader('location', `${to}/Users?secret=1`);
    res.end();
  });
  await new Promise<void>((done) => moved.listen(0, '127.0.0.1', done));
  try {
    const client = new Kb4ScimClient({ baseUrl: `http://127.0.0.1:${(moved.address() as AddressInfo).port}/scim/v2`, token: new Secret(TOKEN), retry: { retries: 0 } });
    const err = await client.listUsers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Kb4RequestError);
    expect(err).toMatchObject({ status: 301 });
    expect((err as Error).message).toContain(`with a redirect (301 to ${to}/Users)`);
    expect((err as Error).message).toContain('check knowbe4.scimUrl');
    expect((err as Error).message).not.toContain('secret=1');
    expect(seen).toEqual([]);
  } finally {
    await new Promise((done) => moved.close(done));
    await new Promise((done) => elsewhere.close(done));
  }
});
