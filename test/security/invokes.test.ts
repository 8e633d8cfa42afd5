/**
 * Card buttons are `adaptiveCard/action` invokes anyone in the conversation can send, with any
 * data: a click on Apply, Cancel, Pause, Resume or Retry from someone who is not an admin, from a
 * tenant that is not allowed, or with a plan id or digest that is not the stored plan's, must be
 * refused with a specific answer, write nothing to KnowBe4, and leave an audit entry naming the
 * actor and the reason.
 */
import { randomUUID } from 'node:crypto';
import { SANDBOX_ADMIN, SANDBOX_TENANT, SANDBOX_VIEWER } from '../../src/sandbox';
import type { AuditEntry } from '../../src/runs/ports';
import { applyData, cardOf, text, type Card, type Who } from '../helpers/botHttp';
import { allowTenants, startSecurityRig, type Footprint, type SecurityRig } from '../helpers/securityRig';

const FOREIGN_TENANT = '99999999-8888-4777-8666-555555555555';

let rig: SecurityRig;

beforeAll(async () => {
  rig = await startSecurityRig({ config: allowTenants(SANDBOX_TENANT) });
});

afterAll(() => rig.stop());

/** A click from another tenant: the admin's own object id, but the conversation's tenant is foreign. */
async function clickFrom(tenant: string, verb: string, data: unknown, who: Who = SANDBOX_ADMIN): Promise<Card> {
  const activity = {
    ...rig.bot.activity({ type: 'invoke', name: 'adaptiveCard/action', replyToId: 'card-x', value: { action: { type: 'Action.Execute', verb, data } } }, who),
    conversation: { id: 'foreign-chat', conversationType: 'personal', tenantId: tenant },
    channelData: { tenant: { id: tenant } },
  };
  const res = await rig.bot.post(activity);
  expect(res.status).toBe(200);
  return (res.body as { value: Card }).value;
}

async function newestAudit(): Promise<AuditEntry> {
  const [entry] = await rig.app.store.listAudit({ limit: 1 });
  if (!entry) throw new Error('no audit entry');
  return entry;
}

/** Runs a refused click and checks the answer, the audit entry, and that nothing else changed. */
async function expectRefused(click: () => Promise<Card>, answer: RegExp, audit: Partial<AuditEntry> & { reason: string }, bookkeeping: Partial<Footprint> = {}): Promise<void> {
  const before = await rig.footprint();
  const card = await click();
  expect(text(card)).toMatch(answer);
  const after = await rig.footprint();
  // Exactly one thing changed: the audit log grew by the refusal (plus `bookkeeping`, when given).
  expect(after).toEqual({ ...before, ...bookkeeping, audit: before.audit + 1 });
  const { reason, ...fields } = audit;
  expect(await newestAudit()).toMatchObject({ outcome: 'refused', ...fields, detail: expect.objectContaining({ reason }) });
}

async function preview(company: string): Promise<{ data: Record<string, unknown>; messageId: string }> {
  const { card, message } = await rig.bot.say(`preview sync ${company}`);
  return { data: applyData(card), messageId: message.activityId };
}

describe('Apply', () => {
  let plan: { data: Record<string, unknown>; messageId: string };
  beforeAll(async () => {
    plan = await preview('initech');
  });

  test('from someone who is not an admin', async () => {
    await expectRefused(() => rig.bot.click(plan.messageId, 'apply', plan.data, SANDBOX_VIEWER), /Not allowed[\s\S]*only the admins listed/, {
      action: 'apply',
      actorId: SANDBOX_VIEWER.aadObjectId,
      actorName: SANDBOX_VIEWER.givenName,
      planId: String(plan.data.planId),
      reason: 'not-an-admin',
    });
  });

  test('from another tenant, even with an admin’s object id', async () => {
    await expectRefused(() => clickFrom(FOREIGN_TENANT, 'apply', plan.data), /Not allowed[\s\S]*does not answer this Microsoft 365 tenant/, {
      action: 'apply',
      actorId: SANDBOX_ADMIN.aadObjectId,
      tenantId: FOREIGN_TENANT,
      reason: 'tenant-not-allowed',
    });
  });

  test('with a tampered plan id', async () => {
    const planId = randomUUID();
    await expectRefused(() => rig.bot.click(plan.messageId, 'apply', { ...plan.data, planId }), /This plan does not exist/, { action: 'apply', actorId: SANDBOX_ADMIN.aadObjectId, planId, reason: 'not-found' });
  });

  test('with a tampered digest', async () => {
    const digest = 'f'.repeat(64);
    await expectRefused(() => rig.bot.click(plan.messageId, 'apply', { ...plan.data, digest }), /The card does not match the stored plan/, {
      action: 'apply',
      actorId: SANDBOX_ADMIN.aadObjectId,
      planId: String(plan.data.planId),
      reason: 'tampered',
    });
  });

  test('with another plan’s digest (a card for one company pointed at another plan)', async () => {
    const other = await preview('acme');
    await expectRefused(() => rig.bot.click(plan.messageId, 'apply', { ...plan.data, digest: other.data.digest }), /does not match/, { action: 'apply', reason: 'tampered' });
  });

  test('replayed after the plan was applied', async () => {
    const fresh = await preview('initech');
    const writesBefore = (await rig.footprint()).knowbe4Writes;
    expect(text(await rig.bot.click(fresh.messageId, 'apply', fresh.data))).toMatch(/Applying|Starting/i);
    await rig.connector.waitFor((a) => a.method === 'update' && a.activityId === fresh.messageId && !/Starting|Applying/.test(text(cardOf(a))), 30_000);
    // The apply itself wrote: the replay below is refused for being a replay, not for being empty.
    expect((await rig.footprint()).knowbe4Writes).toBeGreaterThan(writesBefore);
    await expectRefused(() => rig.bot.click(fresh.messageId, 'apply', fresh.data), /already been applied/, { action: 'apply', planId: String(fresh.data.planId), reason: 'applied' });
  });

  test('after the plan expired', async () => {
    // The plan of this file's preview, stored again as it would be once its hour had passed.
    const planId = await rig.expiredCopyOf(String(plan.data.planId));
    const before = await rig.footprint();
    // The store marks the plan expired as it refuses it: bookkeeping, not an apply.
    const planStatus = { ...before.planStatus, [planId]: 'expired' };
    await expectRefused(() => rig.bot.click(plan.messageId, 'apply', { ...plan.data, planId }), /expired/, { action: 'apply', planId, reason: 'expired' }, { planStatus });
  });

  test('with data of the wrong shape: a validation answer, and nothing at all happens', async () => {
    for (const data of [{ planId: 42 }, { planId: plan.data.planId, digest: 'not-hex' }, { planId: plan.data.planId }, 'apply', null]) {
      const before = await rig.footprint();
      expect(text(await rig.bot.click(plan.messageId, 'apply', data))).toMatch(/not valid/);
      expect(await rig.footprint()).toEqual(before);
    }
  });
});

describe('Cancel and the other verbs', () => {
  test.each([
    ['cancel', () => ({})],
    ['pause', () => ({ companyId: 'acme' })],
    ['resume', () => ({ companyId: 'acme' })],
    ['retry', () => ({ companyId: 'acme', runId: 'r1' })],
    ['choose', () => ({ companyId: 'acme', command: 'pause' })],
  ] as const)('%s from someone who is not an admin is refused and audited', async (verb, data) => {
    const { data: applyButton, messageId } = await preview('acme');
    const payload = verb === 'cancel' ? applyButton : data();
    await expectRefused(() => rig.bot.click(messageId, verb, payload, SANDBOX_VIEWER), /Not allowed/, { actorId: SANDBOX_VIEWER.aadObjectId, reason: 'not-an-admin' });
  });

  test.each(['cancel', 'pause', 'resume', 'retry'])('%s from another tenant is refused and audited', async (verb) => {
    const { data } = await preview('acme');
    await expectRefused(() => clickFrom(FOREIGN_TENANT, verb, { ...data, companyId: 'acme' }), /Not allowed/, { action: verb, tenantId: FOREIGN_TENANT, reason: 'tenant-not-allowed' });
  });

  test('Cancel with a tampered digest or plan id by an admin is refused and audited; the plan stays applicable', async () => {
    const { data, messageId } = await preview('acme');
    await expectRefused(() => rig.bot.click(messageId, 'cancel', { ...data, digest: 'e'.repeat(64) }), /does not match/, { action: 'cancel', planId: String(data.planId), reason: 'tampered' });
    const planId = randomUUID();
    await expectRefused(() => rig.bot.click(messageId, 'cancel', { ...data, planId }), /does not exist/, { action: 'cancel', planId, reason: 'not-found' });
    expect((await rig.app.store.getPlan(String(data.planId)))?.status).toBe('pending');
  });

  test('Cancel without the card’s digest is not valid, and the plan stays applicable', async () => {
    const { data, messageId } = await preview('acme');
    const before = await rig.footprint();
    expect(text(await rig.bot.click(messageId, 'cancel', { planId: data.planId }))).toMatch(/not valid/);
    expect(await rig.footprint()).toEqual(before);
  });

  test('Cancel by an admin cancels; a replayed Cancel or an Apply afterwards is refused and audited', async () => {
    const { data, messageId } = await preview('acme');
    expect(text(await rig.bot.click(messageId, 'cancel', data))).toMatch(/Cancelled/);
    expect((await rig.app.store.getPlan(String(data.planId)))?.status).toBe('cancelled');
    await expectRefused(() => rig.bot.click(messageId, 'cancel', data), /was cancelled/, { action: 'cancel', reason: 'cancelled' });
    await expectRefused(() => rig.bot.click(messageId, 'apply', data), /was cancelled/, { action: 'apply', reason: 'cancelled' });
  });
});
