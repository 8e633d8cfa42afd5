/**
 * The bot over real HTTP: Teams-shaped activities posted to /api/messages, replies and card
 * updates caught by a loopback Bot Connector, against the sandbox Graph and KnowBe4 servers and
 * a real store. What the bot refuses (tokens, forged cards, links, secrets) is in test/security/.
 */
import type { App } from '../../src/service/app';
import { SANDBOX_ADMIN, SANDBOX_TENANT, type Sandbox } from '../../src/sandbox';
import type { Service } from '../../src/service/serve';
import type { ConnectorStandIn } from '../helpers/botConnector';
import { actions, cardOf, text, type BotClient } from '../helpers/botHttp';
import { startBotRig, type BotRig } from '../helpers/botRig';

let rig: BotRig;
let sandbox: Sandbox;
let connector: ConnectorStandIn;
let running: { app: App; service: Service };
let bot: BotClient;

beforeAll(async () => {
  rig = await startBotRig();
  ({ sandbox, connector, bot } = rig);
  running = { app: rig.app, service: rig.service };
});

afterAll(() => rig.stop());

test('help, unknown commands and companies', async () => {
  expect(text((await bot.say('help')).card)).toContain('preview sync');
  expect(text((await bot.say('make me a sandwich')).card)).toContain('preview sync');
  const companies = text((await bot.say('companies')).card);
  for (const name of ['Acme Corp', 'Globex', 'Initech']) expect(companies).toContain(name);
});

test('an unknown company gets close names; an ambiguous one a choice', async () => {
  expect(text((await bot.say('preview sync Acmme')).card)).toContain('Acme Corp');
  expect(text((await bot.say('preview sync Wayne Enterprises')).card)).toMatch(/No company called/);
});

test('preview sync Acme → Apply by an admin → the card becomes applying, then the result; KnowBe4 changed', async () => {
  const { card, message } = await bot.say('preview sync acme');
  const apply = actions(card).find((a) => a.verb === 'apply');
  expect(apply?.data).toMatchObject({ planId: expect.any(String), digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
  expect(text(card)).toContain('Acme Corp');

  const createsBefore = sandbox.knowbe4.account('acme').controls.requestCount({ method: 'POST' });
  const answer = await bot.click(message.activityId, 'apply', apply?.data ?? {});
  expect(text(answer)).toMatch(/Applying|Starting/i);

  const update = await connector.waitFor((a) => a.method === 'update' && a.activityId === message.activityId && /sync complete|sync partly applied|sync failed/.test(text(cardOf(a))) && !/Starting/.test(text(cardOf(a))), 30_000);
  expect(text(cardOf(update))).toContain('Acme Corp');
  const created = sandbox.knowbe4.account('acme').controls.requests({ method: 'POST' }).filter((r) => r.path === '/Users' && r.status === 201);
  expect(created.length).toBe(12);
  expect(sandbox.knowbe4.account('acme').controls.requestCount({ method: 'POST' })).toBeGreaterThan(createsBefore);

  // Double click on the same card: no second run.
  const again = await bot.click(message.activityId, 'apply', apply?.data ?? {});
  expect(text(again)).toMatch(/already been applied|being applied|in progress/);
  expect(sandbox.knowbe4.account('acme').controls.requests({ method: 'POST' }).filter((r) => r.path === '/Users' && r.status === 201)).toHaveLength(12);
});

test('a 2,000-change preview stays under the Teams size limit and its download link works', async () => {
  const { card } = await bot.say('preview sync globex');
  expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);
  const csv = actions(card).find((a) => a.url?.includes('.csv'));
  expect(csv?.url).toBeDefined();
  const res = await fetch(csv?.url as string);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/csv');
  expect((await res.text()).split('\n').length).toBeGreaterThan(10);
});

test('a blocked plan shows the confirmation box and applies only with the exact count', async () => {
  const { card, message } = await bot.say('preview sync globex');
  expect(text(card)).toContain('confirmArchive');
  const apply = actions(card).find((a) => a.verb === 'apply');
  // A wrong or missing count keeps the card, with the error beside the box.
  const wrong = await bot.click(message.activityId, 'apply', { ...apply?.data, confirmArchive: '349' });
  expect(text(wrong)).toContain('Not applied: type 350 to confirm.');
  expect(text(wrong)).toContain('confirmArchive');
  expect(text(await bot.click(message.activityId, 'apply', { ...apply?.data }))).toContain('Not applied: type 350 to confirm.');
  const ok = await bot.click(message.activityId, 'apply', { ...apply?.data, confirmArchive: '350' });
  expect(text(ok)).toMatch(/Applying|Starting/i);
  // 1,375 writes through the sandbox: a busy two-core machine needs minutes, not seconds.
  await connector.waitFor((a) => a.method === 'update' && a.activityId === message.activityId && !/Starting|Applying/.test(text(cardOf(a))), 240_000);
}, 300_000);

test('pause and resume by an admin; subscribe stores the conversation', async () => {
  expect(text((await bot.say('pause initech')).card)).toMatch(/paused/);
  expect((await running.app.store.getCompanyState('initech')).paused).toBe(true);
  expect(text((await bot.say('resume initech')).card)).toMatch(/resumed/);
  expect((await running.app.store.getCompanyState('initech')).paused).toBe(false);
  expect(text((await bot.say('subscribe', SANDBOX_ADMIN, 'channel-ops')).card)).toMatch(/Subscribed/);
  expect((await running.app.conversations.get('channel-ops'))?.reference).toMatchObject({ serviceUrl: connector.url });
  expect(text((await bot.say('unsubscribe', SANDBOX_ADMIN, 'channel-ops')).card)).toMatch(/Unsubscribed/);
});

test('sync user updates one person in seconds', async () => {
  const someone = sandbox.companies.find((c) => c.spec.id === 'initech')?.graph.users.find((u) => u.mail && u.accountEnabled && u.userType === 'Member');
  const { card } = await bot.say(`sync user ${someone?.mail}`);
  expect(text(card)).toMatch(/in step|created|updated|Created|Updated/);
});

test('sync user of someone KnowBe4 shows only later: the card says "sent", then is updated in place once they show up', async () => {
  const kb4 = sandbox.knowbe4.account('initech').controls;
  const users = sandbox.companies.find((c) => c.spec.id === 'initech')?.graph.users ?? [];
  const newcomer = users.find((u) => u.mail && u.accountEnabled && u.userType === 'Member' && u.assignedLicenses.length > 0 && !kb4.userByName(u.mail));
  expect(newcomer).toBeDefined();
  kb4.setVisibilityDelay(60 * 60_000);
  try {
    const { card, message } = await bot.say(`sync user ${newcomer?.mail}`);
    expect(text(card)).toMatch(/sent to KnowBe4/);
    kb4.applyPendingWrites();
    // The bot keeps looking (at once, then with backoff) and updates the same message.
    const update = await connector.waitFor((a) => a.method === 'update' && a.activityId === message.activityId, 30_000);
    expect(text(cardOf(update))).toMatch(/Created|created/);
    expect(kb4.users().filter((u) => String(u.userName).toLowerCase() === newcomer?.mail?.toLowerCase())).toHaveLength(1);
  } finally {
    kb4.setVisibilityDelay(0);
  }
});

test('/healthz answers and /metrics counts runs, operations and API requests by service and status, and shows the outbound gate', async () => {
  expect(await (await fetch(`${running.service.url}/healthz`)).json()).toEqual({ status: 'ok' });
  const metrics = await (await fetch(`${running.service.url}/metrics`)).text();
  expect(metrics).toMatch(/kb4sync_runs_total\{kind="apply",result="succeeded"\} [1-9]/);
  expect(metrics).toMatch(/kb4sync_operations_total\{kind="create",result="done"\} [1-9]/);
  expect(metrics).toMatch(/kb4sync_api_requests_total\{service="knowbe4",status="201"\} [1-9]/);
  expect(metrics).toMatch(/kb4sync_api_requests_total\{service="graph",status="200"\} [1-9]/);
  // Nothing is in flight between requests: the gauges read the gate at scrape time.
  expect(metrics).toMatch(/^kb4sync_outbound_in_flight 0$/m);
  expect(metrics).toMatch(/^kb4sync_outbound_waiting 0$/m);
});

test('installing the app in a team stores the channel for notifications', async () => {
  const res = await bot.post(
    bot.activity({
      type: 'conversationUpdate',
      membersAdded: [{ id: 'bot-id', name: 'kb4sync' }],
      conversation: { id: 'team-general', conversationType: 'channel', tenantId: SANDBOX_TENANT },
      channelData: { tenant: { id: SANDBOX_TENANT }, team: { id: 'team-1', name: 'IT Operations' }, channel: { id: 'team-general', name: 'General' } },
    }),
  );
  expect(res.status).toBe(200);
  const saved = await running.app.conversations.get('team-general');
  expect(saved).toMatchObject({ kind: 'channel', name: 'IT Operations / General', dead: false });
  await running.app.conversations.remove('team-general');
});

test('alert buttons work: Pause pauses, Resume resumes, Review shows the preview card', async () => {
  const { message } = await bot.say('help');
  expect(text(await bot.click(message.activityId, 'pause', { companyId: 'initech' }))).toMatch(/paused/);
  expect((await running.app.store.getCompanyState('initech')).paused).toBe(true);
  expect(text(await bot.click(message.activityId, 'resume', { companyId: 'initech' }))).toMatch(/resumed/);
  expect((await running.app.store.getCompanyState('initech')).paused).toBe(false);

  const preview = await running.app.service.preview('initech', { id: null, name: 'schedule', tenantId: null, via: 'schedule' });
  const review = await bot.click(message.activityId, 'review', { planId: preview.planId, companyId: 'initech' });
  expect(actions(review).find((a) => a.verb === 'apply')?.data).toMatchObject({ planId: preview.planId });
});

test('Retry on a failure alert runs the company again and its summary reaches the subscribed channel', async () => {
  await bot.say('subscribe', SANDBOX_ADMIN, 'alerts-1');
  const { message } = await bot.say('help', SANDBOX_ADMIN, 'alerts-1');
  const before = connector.activities.length;
  expect(text(await bot.click(message.activityId, 'retry', { companyId: 'initech' }))).toMatch(/Retrying Initech/);
  const summary = await connector.waitFor((a) => connector.activities.indexOf(a) >= before && a.conversationId === 'alerts-1' && /Nightly sync summary/.test(JSON.stringify(a.activity)), 30_000);
  expect(text(cardOf(summary))).toContain('Initech');
  await running.app.conversations.remove('alerts-1');
});
