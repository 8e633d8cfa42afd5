/**
 * `sync user` while KnowBe4 applies writes later: it says "sent" rather than "visible", sends
 * nothing twice while it waits, follows the person until they show up (bounded, with backoff),
 * and finds a record it made earlier by id, whatever address it is under now.
 */
import type { Actor } from '../../src/runs/service';
import { generateTenant, type GraphUserRecord } from '../../src/sandbox/tenants';
import { bothSandboxes } from '../helpers/bothSandboxes';

const TOKEN = 'scim-token-sync-user-delayed';
const ADMIN: Actor = { id: '6f1c2a3b-1111-4a5b-9c8d-0123456789ab', name: 'Ann Admin', tenantId: null, via: 'cli' };
const tenant = generateTenant({ seed: 77, displayName: 'Later Co', domain: 'later.example', members: 12 });
const members = tenant.users.filter((u) => u.kind === 'member' && u.mail !== null && u.accountEnabled && u.assignedLicenses.length > 0);

const sb = bothSandboxes({
  tenant,
  company: { id: 'later', name: 'Later Co' },
  adminId: ADMIN.id as string,
  scimToken: TOKEN,
  // KnowBe4 with nobody yet; its background job is slow (the tests end the window themselves).
  kb4: { visibilityDelayMs: 10 * 60_000 },
  settings: { visibilityPoll: { attempts: 4, baseMs: 1000, maxMs: 8000 } },
});
const service = () => sb.service();

const postsFor = (address: string) => sb.kb4.controls.requests({ method: 'POST', pathPrefix: '/Users' }).filter((r) => String((r.body as { userName?: unknown }).userName).toLowerCase() === address.toLowerCase());

test('a new person is "sent", then pending (nothing sent again), then visible once KnowBe4 shows them; the wait backs off and is bounded', async () => {
  const person = members[0] as GraphUserRecord;
  const mail = person.mail as string;
  const runs = service();
  const first = await runs.syncUser(mail, ADMIN);
  expect(first).toMatchObject({ kind: 'applied', visibility: 'sent', userName: mail, sourceId: person.id, result: { status: 'succeeded' } });
  expect(postsFor(mail)).toHaveLength(1);

  const second = await runs.syncUser(mail, ADMIN);
  expect(second).toMatchObject({ kind: 'pending', userName: mail, waiting: [expect.objectContaining({ kind: 'create', userName: mail })] });
  expect(postsFor(mail)).toHaveLength(1);

  // Not shown within the bound: the waits back off (1 s, 2 s, 4 s, 8 s), then it says so.
  const waits: number[] = [];
  expect(await runs.waitUntilVisible({ companyId: 'later', sourceId: person.id, userName: mail }, ADMIN, async (ms) => void waits.push(ms))).toBe(false);
  expect(waits).toEqual([1000, 2000, 4000, 8000]);

  // KnowBe4's job runs during the wait: found on the next look, and the write is confirmed.
  const seen: number[] = [];
  const visible = await runs.waitUntilVisible({ companyId: 'later', sourceId: person.id, userName: mail }, ADMIN, async (ms) => {
    seen.push(ms);
    if (seen.length === 2) sb.kb4.controls.applyPendingWrites();
  });
  expect(visible).toBe(true);
  expect(seen).toEqual([1000, 2000]);
  expect((await sb.store.sentWrites.waiting('later')).filter((w) => w.write.sourceId === person.id)).toEqual([]);
  expect(await runs.syncUser(mail, ADMIN)).toMatchObject({ kind: 'in-sync' });
  expect(sb.kb4.controls.users().filter((u) => u.externalId === person.id)).toHaveLength(1);
});

test('a record kb4sync made earlier is found by its id when the person moved to an address no alias keeps: renamed, never duplicated', async () => {
  sb.kb4.controls.setVisibilityDelay(0);
  const person = members[1] as GraphUserRecord;
  const runs = service();
  expect(await runs.syncUser(person.mail as string, ADMIN)).toMatchObject({ kind: 'applied', visibility: 'visible' });
  const id = sb.kb4.controls.userByName(person.mail as string)?.id;
  // The old address is dropped entirely (no smtp: alias keeps it): a userName look-up cannot find the record.
  const moved = `moved.${person.mailNickname}@later.example`;
  sb.graph.updateUser(tenant.tenantId, person.id, { mail: moved, userPrincipalName: moved, proxyAddresses: [`SMTP:${moved}`] });
  sb.kb4.controls.setVisibilityDelay(10 * 60_000);
  const renamed = await runs.syncUser(moved, ADMIN);
  expect(renamed).toMatchObject({ kind: 'applied', visibility: 'sent' });
  expect(renamed.kind === 'applied' ? renamed.plan.operations.map((o) => o.kind) : []).toContain('rename');
  expect(postsFor(moved)).toEqual([]);
  // Inside the window the rename is pending: found by id again (under the old name), not redone.
  expect(await runs.syncUser(moved, ADMIN)).toMatchObject({ kind: 'pending', waiting: [expect.objectContaining({ kind: 'rename', userName: moved })] });
  sb.kb4.controls.applyPendingWrites();
  expect(await runs.syncUser(moved, ADMIN)).toMatchObject({ kind: 'in-sync' });
  expect(sb.kb4.controls.users().filter((u) => u.externalId === person.id).map((u) => [u.id, u.userName])).toEqual([[id, moved]]);
});
