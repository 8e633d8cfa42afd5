/**
 * The HTTP surface of the real service (sandbox mode, so no token stands between an attacker and
 * the handlers): only JSON is read, within the size limit and never to disk; activities from any
 * channel but Teams are refused before a handler runs; an install from a tenant outside
 * allowedTenants is not saved; /healthz says "unavailable" without the driver's words.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_ADMIN, SANDBOX_TENANT } from '../../src/sandbox';
import { allowTenants, startSecurityRig, type SecurityRig } from '../helpers/securityRig';

const OTHER_TENANT = '0badc0de-0000-4000-8000-000000000001';
let rig: SecurityRig;

beforeAll(async () => {
  rig = await startSecurityRig({ config: allowTenants(SANDBOX_TENANT) });
});
afterAll(() => rig.stop());

const messages = () => `${rig.service.url}/api/messages`;

test('a 5 MB multipart POST is refused with 415 and leaves no file behind', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'kb4sync-upload-'));
  const before = await rig.footprint();
  const previous = process.env.TMPDIR;
  // Where a multipart parser would write its upload (os.tmpdir() reads TMPDIR on each call).
  process.env.TMPDIR = scratch;
  try {
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(5 * 1024 * 1024, 0x61)]), 'big.bin');
    const res = await fetch(messages(), { method: 'POST', body: form });
    expect(res.status).toBe(415);
    expect(await res.text()).toContain('application/json');
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  expect(readdirSync(scratch)).toEqual([]);
  expect(await rig.footprint()).toEqual(before);
});

test.each([
  ['text/plain', 'preview sync acme'],
  ['application/x-www-form-urlencoded', 'type=message&text=preview+sync+acme'],
  ['application/xml', '<activity/>'],
])('%s is refused with 415', async (contentType, body) => {
  const res = await fetch(messages(), { method: 'POST', headers: { 'content-type': contentType }, body });
  expect(res.status).toBe(415);
});

test('JSON over the size limit is refused with 413, and nothing is done', async () => {
  const before = await rig.footprint();
  const activity = rig.bot.activity({ type: 'message', text: `preview sync acme ${'x'.repeat(1024 * 1024)}` });
  const res = await rig.bot.post(activity);
  expect(res.status).toBe(413);
  expect(await rig.footprint()).toEqual(before);
});

test.each(['webchat', 'directline', 'emulator', undefined])('an activity on channel %s is refused before any handler', async (channelId) => {
  const before = await rig.footprint();
  const res = await rig.bot.post({ ...rig.bot.activity({ type: 'message', text: 'preview sync acme' }), channelId });
  expect(res.status).toBe(403);
  expect(res.text).toContain('msteams');
  const click = await rig.bot.post({ ...rig.bot.activity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'pause', data: { companyId: 'acme' } } } }), channelId });
  expect(click.status).toBe(403);
  expect(await rig.footprint()).toEqual(before);
});

test('an install from a tenant outside allowedTenants is not saved as a subscription; one from an allowed tenant is', async () => {
  const install = (tenant: string, conversation: string) =>
    rig.bot.post(
      rig.bot.activity({
        type: 'conversationUpdate',
        membersAdded: [{ id: 'bot-id' }],
        conversation: { id: conversation, conversationType: 'channel', tenantId: tenant },
        channelData: { tenant: { id: tenant }, team: { name: 'Elsewhere' }, channel: { name: 'General' } },
      }),
    );
  const before = await rig.footprint();
  expect((await install(OTHER_TENANT, '19:foreign@thread.tacv2')).status).toBe(200);
  expect((await rig.app.conversations.list()).map((c) => c.id)).not.toContain('19:foreign@thread.tacv2');
  expect(await rig.footprint()).toEqual(before);
  expect((await install(SANDBOX_TENANT, '19:ours@thread.tacv2')).status).toBe(200);
  expect((await rig.app.conversations.list()).map((c) => c.id)).toContain('19:ours@thread.tacv2');
});

test('/healthz answers 503 "unavailable" without the error text when the store is gone', async () => {
  expect((await fetch(`${rig.service.url}/healthz`)).status).toBe(200);
  const own = await startSecurityRig({ config: allowTenants(SANDBOX_TENANT) });
  try {
    await own.app.database.db.destroy();
    const res = await fetch(`${own.service.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable' });
  } finally {
    await own.stop().catch(() => undefined);
  }
});

test('the admin still reaches the bot over Teams JSON (the refusals above are not blanket ones)', async () => {
  const { card } = await rig.bot.say('companies', SANDBOX_ADMIN);
  expect(JSON.stringify(card)).toContain('Acme');
});
