/**
 * The sandbox's delayed visibility (KnowBe4 applying SCIM writes in a background job): an accepted
 * create, rename or archive is neither listed nor found by `userName eq` nor by id until the
 * account's visibilityDelayMs has passed, while the record already holds its userName (a second
 * POST is a 409). Writes that change nothing a read shows are not delayed.
 */
import { rig, type Rig } from '../helpers/knowbe4';

let r: Rig;
afterEach(async () => {
  await r.sandbox.stop();
});

const input = (userName: string, externalId = `entra-${userName}`) => ({ userName, externalId, values: { givenName: 'New', familyName: 'Hire' } });

test('a create is accepted but not listed, filtered or read by id until KnowBe4 applies it; a second POST is a 409', async () => {
  r = await rig({ visibilityDelayMs: 60_000, users: [{ id: '7', userName: 'old@acme.com' }] });
  const answer = await r.client.postUser(input('new@acme.com'));
  expect(answer).toMatchObject({ kind: 'created' });
  const id = answer.kind === 'created' ? answer.id : '';
  expect((await r.client.listUsers()).map((u) => u.userName)).toEqual(['old@acme.com']);
  expect(await r.client.findUserByUserName('new@acme.com')).toBeNull();
  expect(await r.client.findUserById(id)).toBeNull();
  // The record holds its userName already: the second POST meets KnowBe4's uniqueness.
  expect(await r.client.postUser(input('NEW@acme.com'))).toEqual({ kind: 'exists', found: null });
  expect(r.sandbox.controls.requests({ method: 'POST' }).map((q) => q.status)).toEqual([201, 409]);
  expect(r.sandbox.controls.users()).toHaveLength(2);
  expect(r.sandbox.controls.waitingWrites()).toEqual([id]);

  // Added to a group by id at once (as an apply does): the group shows the member only once the user shows.
  const groupId = await r.client.createGroup('All Staff');
  await r.client.addMembers(groupId, [id, '7']);
  expect((await r.client.listGroups()).find((g) => g.id === groupId)?.memberIds).toEqual(['7']);

  r.sandbox.controls.applyPendingWrites();
  expect((await r.client.listGroups()).find((g) => g.id === groupId)?.memberIds.sort()).toEqual([id, '7'].sort());
  expect(await r.client.findUserByUserName('new@acme.com')).toMatchObject({ id, externalId: 'entra-new@acme.com' });
  expect((await r.client.listUsers()).map((u) => u.userName).sort()).toEqual(['new@acme.com', 'old@acme.com']);
});

test('a rename reads as the old name and an archive as active until applied; a title change alone is not delayed', async () => {
  r = await rig({ visibilityDelayMs: 60_000, users: [{ id: '7', userName: 'ann@acme.com', title: 'A' }, { id: '8', userName: 'bo@acme.com' }, { id: '9', userName: 'cy@acme.com' }] });
  await r.client.updateUser('9', [{ attribute: 'title', before: null, after: 'Lead' }]);
  expect((await r.client.findUserByUserName('cy@acme.com'))?.values.title).toBe('Lead');

  await r.client.renameUser('7', 'ann.new@acme.com');
  await r.client.archiveUser('8');
  expect(await r.client.findUserByUserName('ann.new@acme.com')).toBeNull();
  expect(await r.client.findUserByUserName('ann@acme.com')).toMatchObject({ id: '7', userName: 'ann@acme.com' });
  expect(await r.client.findUserById('7')).toMatchObject({ userName: 'ann@acme.com' });
  expect((await r.client.listUsers()).find((u) => u.id === '8')?.active).toBe(true);
  // The stored record is the new one: its new name is taken, its old one is free.
  expect(r.sandbox.controls.userByName('ann.new@acme.com')).toMatchObject({ id: '7' });

  r.sandbox.controls.applyPendingWrites();
  expect(await r.client.findUserByUserName('ann@acme.com')).toBeNull();
  expect(await r.client.findUserByUserName('ann.new@acme.com')).toMatchObject({ id: '7' });
  expect((await r.client.listUsers()).find((u) => u.id === '8')?.active).toBe(false);
});

test('a delay of 0 (the default) shows every write at once', async () => {
  r = await rig();
  const id = await r.client.createUser(input('now@acme.com'));
  expect(await r.client.findUserByUserName('now@acme.com')).toMatchObject({ id });
  expect(r.sandbox.controls.waitingWrites()).toEqual([]);
});
