/**
 * The bot over real HTTP: Teams-shaped activities posted to /api/messages, replies and card
 * updates caught by a loopback Bot Connector, against the sandbox Graph and KnowBe4 servers and
 * a real store.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../../src/cliServe';
import type { App } from '../../src/app';
import { SANDBOX_ADMIN, SANDBOX_TENANT, SANDBOX_VIEWER, startSandbox, type Sandbox } from '../../src/sandbox';
import type { Service } from '../../src/serve';
import { startConnector, type ConnectorStandIn, type RecordedActivity } from '../helpers/botConnector';

type Card = Record<string, unknown>;

let sandbox: Sandbox;
let connector: ConnectorStandIn;
let running: { app: App; service: Service };
let counter = 0;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-bot-'));
  sandbox = await startSandbox({ dir, configPath: join(dir, 'kb4sync.sandbox.yaml'), ports: { knowbe4: 0, graph: 0, authority: 0 } });
  connector = await startConnector();
  running = await startService({
    configPath: sandbox.configPath,
    env: { KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), LOG_LEVEL: 'silent' },
    host: '127.0.0.1',
    port: 0,
    sandbox: true,
    schedule: false,
  });
});

afterAll(async () => {
  await running.service.stop();
  await running.app.close();
  await connector.close();
  await sandbox.stop();
});

function activity(extra: Record<string, unknown>, who: { id: string; aadObjectId: string; givenName: string } = SANDBOX_ADMIN, conversation = 'personal-1') {
  return {
    id: `incoming-${++counter}`,
    channelId: 'msteams',
    serviceUrl: connector.url,
    timestamp: new Date().toISOString(),
    from: { id: who.id, name: who.givenName, aadObjectId: who.aadObjectId },
    recipient: { id: 'bot-id', name: 'kb4sync' },
    conversation: { id: conversation, conversationType: 'personal', tenantId: SANDBOX_TENANT },
    channelData: { tenant: { id: SANDBOX_TENANT } },
    ...extra,
  };
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${running.service.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Sends a message and waits for the bot's next card in that conversation. */
type Who = { id: string; aadObjectId: string; givenName: string };

async function say(text: string, who: Who = SANDBOX_ADMIN, conversation = 'personal-1'): Promise<{ card: Card; message: RecordedActivity }> {
  const before = connector.activities.length;
  await post(activity({ type: 'message', text }, who, conversation));
  const message = await connector.waitFor((a) => connector.activities.indexOf(a) >= before && Array.isArray(a.activity.attachments));
  return { card: cardOf(message), message };
}

function cardOf(a: RecordedActivity): Card {
  return ((a.activity.attachments as { content: Card }[])[0] as { content: Card }).content;
}

/** Clicks an Action.Execute button: the invoke's answer is the card that replaces the clicked one. */
async function click(replyToId: string, verb: string, data: Record<string, unknown>, who: Who = SANDBOX_ADMIN): Promise<Card> {
  const res = await post(activity({ type: 'invoke', name: 'adaptiveCard/action', replyToId, value: { action: { type: 'Action.Execute', verb, data } } }, who));
  expect(res.status).toBe(200);
  return (res.body as { value: Card }).value;
}

function actions(card: Card): { verb?: string; data?: Record<string, unknown>; url?: string; title?: string }[] {
  const found: { verb?: string; data?: Record<string, unknown>; url?: string; title?: string }[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.type === 'string' && o.type.startsWith('Action.')) found.push(o as never);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return found;
}

const text = (card: Card) => JSON.stringify(card);

test('help, unknown commands and companies', async () => {
  expect(text((await say('help')).card)).toContain('preview sync');
  expect(text((await say('make me a sandwich')).card)).toContain('preview sync');
  const companies = text((await say('companies')).card);
  for (const name of ['Acme Corp', 'Globex', 'Initech']) expect(companies).toContain(name);
});

test('an unknown company gets close names; an ambiguous one a choice', async () => {
  expect(text((await say('preview sync Acmme')).card)).toContain('Acme Corp');
  expect(text((await say('preview sync Wayne Enterprises')).card)).toMatch(/No company called/);
});

test('preview sync Acme → Apply by an admin → the card becomes applying, then the result; KnowBe4 changed', async () => {
  const { card, message } = await say('preview sync acme');
  const apply = actions(card).find((a) => a.verb === 'apply');
  expect(apply?.data).toMatchObject({ planId: expect.any(String), digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
  expect(text(card)).toContain('Acme Corp');

  const createsBefore = sandbox.knowbe4.account('acme').controls.requestCount({ method: 'POST' });
  const answer = await click(message.activityId, 'apply', apply?.data ?? {});
  expect(text(answer)).toMatch(/Applying|Starting/i);

  const update = await connector.waitFor((a) => a.method === 'update' && a.activityId === message.activityId && /users_created|Created|created/.test(text(cardOf(a))) && !/Starting/.test(text(cardOf(a))), 30_000);
  expect(text(cardOf(update))).toContain('Acme Corp');
  const created = sandbox.knowbe4.account('acme').controls.requests({ method: 'POST' }).filter((r) => r.path === '/Users' && r.status === 201);
  expect(created.length).toBe(12);
  expect(sandbox.knowbe4.account('acme').controls.requestCount({ method: 'POST' })).toBeGreaterThan(createsBefore);

  // Double click on the same card: no second run.
  const again = await click(message.activityId, 'apply', apply?.data ?? {});
  expect(text(again)).toMatch(/already been applied|being applied|in progress/);
  expect(sandbox.knowbe4.account('acme').controls.requests({ method: 'POST' }).filter((r) => r.path === '/Users' && r.status === 201)).toHaveLength(12);
});

test('Apply by someone who is not an admin is refused and audited', async () => {
  const { card, message } = await say('preview sync initech', SANDBOX_VIEWER);
  const apply = actions(card).find((a) => a.verb === 'apply');
  const writesBefore = sandbox.knowbe4.account('initech').controls.requestCount({ method: 'PATCH' }) + sandbox.knowbe4.account('initech').controls.requestCount({ method: 'POST' });
  const answer = await click(message.activityId, 'apply', apply?.data ?? {}, SANDBOX_VIEWER);
  expect(text(answer)).toMatch(/Not allowed/);
  expect(sandbox.knowbe4.account('initech').controls.requestCount({ method: 'PATCH' }) + sandbox.knowbe4.account('initech').controls.requestCount({ method: 'POST' })).toBe(writesBefore);
  const audit = await running.app.store.listAudit({ limit: 20 });
  expect(audit.find((e) => e.actorId === SANDBOX_VIEWER.aadObjectId && e.outcome === 'refused')).toMatchObject({ action: 'apply', detail: { reason: 'not-an-admin' } });
});

test('a forged or tampered Apply is refused', async () => {
  const { card, message } = await say('preview sync initech');
  const apply = actions(card).find((a) => a.verb === 'apply');
  expect(text(await click(message.activityId, 'apply', { ...apply?.data, digest: 'a'.repeat(64) }))).toMatch(/does not match/);
  expect(text(await click(message.activityId, 'apply', { planId: 'nope', digest: 'b'.repeat(64) }))).toMatch(/does not exist/);
  expect(text(await click(message.activityId, 'apply', { planId: 42 }))).toMatch(/not valid/);
});

test('a 2,000-change preview stays under the Teams size limit and its download link works', async () => {
  const { card } = await say('preview sync globex');
  expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);
  const csv = actions(card).find((a) => a.url?.includes('.csv'));
  expect(csv?.url).toBeDefined();
  const res = await fetch(csv?.url as string);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/csv');
  expect((await res.text()).split('\n').length).toBeGreaterThan(10);
  const forged = new URL(csv?.url as string);
  forged.searchParams.set('exp', String(Number(forged.searchParams.get('exp')) + 3600));
  expect((await fetch(forged)).status).toBe(403);
});

test('a blocked plan shows the confirmation box and applies only with the exact count', async () => {
  const { card, message } = await say('preview sync globex');
  expect(text(card)).toContain('confirmArchive');
  const apply = actions(card).find((a) => a.verb === 'apply');
  expect(text(await click(message.activityId, 'apply', { ...apply?.data, confirmArchive: '349' }))).toMatch(/blocked by the guard/);
  expect(text(await click(message.activityId, 'apply', { ...apply?.data }))).toMatch(/blocked by the guard/);
  const ok = await click(message.activityId, 'apply', { ...apply?.data, confirmArchive: '350' });
  expect(text(ok)).toMatch(/Applying|Starting/i);
  await connector.waitFor((a) => a.method === 'update' && a.activityId === message.activityId && !/Starting|Applying/.test(text(cardOf(a))), 60_000);
});

test('pause and resume need an admin; subscribe stores the conversation', async () => {
  expect(text((await say('pause initech', SANDBOX_VIEWER)).card)).toMatch(/Not allowed/);
  expect(text((await say('pause initech')).card)).toMatch(/paused/);
  expect((await running.app.store.getCompanyState('initech')).paused).toBe(true);
  expect(text((await say('resume initech')).card)).toMatch(/resumed/);
  expect((await running.app.store.getCompanyState('initech')).paused).toBe(false);
  expect(text((await say('subscribe', SANDBOX_ADMIN, 'channel-ops')).card)).toMatch(/Subscribed/);
  expect((await running.app.conversations.get('channel-ops'))?.reference).toMatchObject({ serviceUrl: connector.url });
  expect(text((await say('unsubscribe', SANDBOX_ADMIN, 'channel-ops')).card)).toMatch(/Unsubscribed/);
});

test('sync user updates one person in seconds', async () => {
  const someone = sandbox.companies.find((c) => c.spec.id === 'initech')?.graph.users.find((u) => u.mail && u.accountEnabled && u.userType === 'Member');
  const { card } = await say(`sync user ${someone?.mail}`);
  expect(text(card)).toMatch(/in step|created|updated|Created|Updated/);
});

test('with an app id configured, a request without a valid token gets 401', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-auth-'));
  const secured = await startService({
    configPath: sandbox.configPath,
    env: { KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), LOG_LEVEL: 'silent', MicrosoftAppId: '11111111-2222-4333-8444-555555555555', MicrosoftAppPassword: 'x', MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: SANDBOX_TENANT },
    host: '127.0.0.1',
    port: 0,
    sandbox: false,
    schedule: false,
  });
  try {
    const body = JSON.stringify(activity({ type: 'message', text: 'help' }));
    const none = await fetch(`${secured.service.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(none.status).toBe(401);
    const forged = await fetch(`${secured.service.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.' }, body });
    expect(forged.status).toBe(401);
  } finally {
    await secured.service.stop();
    await secured.app.close();
  }
});

test('/healthz answers and /metrics counts runs, operations and API requests by service and status', async () => {
  expect(await (await fetch(`${running.service.url}/healthz`)).json()).toEqual({ status: 'ok' });
  const metrics = await (await fetch(`${running.service.url}/metrics`)).text();
  expect(metrics).toMatch(/kb4sync_runs_total\{kind="apply",result="succeeded"\} [1-9]/);
  expect(metrics).toMatch(/kb4sync_operations_total\{kind="create",result="done"\} [1-9]/);
  expect(metrics).toMatch(/kb4sync_api_requests_total\{service="knowbe4",status="201"\} [1-9]/);
  expect(metrics).toMatch(/kb4sync_api_requests_total\{service="graph",status="200"\} [1-9]/);
  expect(metrics).not.toMatch(/sandbox-\w+-scim-token|sandbox-\w+-client-secret/);
});

test('installing the app in a team stores the channel for notifications', async () => {
  const res = await post(
    activity({
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
  const { message } = await say('help');
  expect(text(await click(message.activityId, 'pause', { companyId: 'initech' }))).toMatch(/paused/);
  expect((await running.app.store.getCompanyState('initech')).paused).toBe(true);
  expect(text(await click(message.activityId, 'pause', { companyId: 'initech' }, SANDBOX_VIEWER))).toMatch(/Not allowed/);
  expect(text(await click(message.activityId, 'resume', { companyId: 'initech' }))).toMatch(/resumed/);
  expect((await running.app.store.getCompanyState('initech')).paused).toBe(false);

  const preview = await running.app.service.preview('initech', { id: null, name: 'schedule', tenantId: null, via: 'schedule' });
  const review = await click(message.activityId, 'review', { planId: preview.planId, companyId: 'initech' });
  expect(actions(review).find((a) => a.verb === 'apply')?.data).toMatchObject({ planId: preview.planId });
});

test('an expired plan is refused with a clear answer', async () => {
  const { card, message } = await say('preview sync initech');
  const apply = actions(card).find((a) => a.verb === 'apply');
  await running.app.store.db.updateTable('plans').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', String(apply?.data?.planId)).execute();
  expect(text(await click(message.activityId, 'apply', apply?.data ?? {}))).toMatch(/expired/);
});

test('a message or a click from a tenant that is not allowed is refused and audited', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-tenant-'));
  const yaml = readFileSync(sandbox.configPath, 'utf8').replace(/^admins:/m, `allowedTenants: ["${SANDBOX_TENANT}"]\nadmins:`);
  writeFileSync(join(dir, 'kb4sync.yaml'), yaml);
  const strict = await startService({ configPath: join(dir, 'kb4sync.yaml'), env: { KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), LOG_LEVEL: 'silent' }, host: '127.0.0.1', port: 0, sandbox: true, schedule: false });
  const other = '99999999-8888-4777-8666-555555555555';
  const foreign = (extra: Record<string, unknown>) => ({ ...activity(extra), conversation: { id: 'foreign-chat', conversationType: 'personal', tenantId: other }, channelData: { tenant: { id: other } } });
  try {
    const before = connector.activities.length;
    await fetch(`${strict.service.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(foreign({ type: 'message', text: 'preview sync acme' })) });
    const reply = await connector.waitFor((a) => connector.activities.indexOf(a) >= before && a.conversationId === 'foreign-chat');
    expect(text(cardOf(reply))).toMatch(/does not answer this Microsoft 365 tenant/);
    const res = await fetch(`${strict.service.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(foreign({ type: 'invoke', name: 'adaptiveCard/action', replyToId: 'x', value: { action: { type: 'Action.Execute', verb: 'apply', data: { planId: 'p', digest: 'c'.repeat(64) } } } })),
    });
    expect(text(((await res.json()) as { value: Card }).value)).toMatch(/Not allowed/);
    const audit = await strict.app.store.listAudit({ limit: 5 });
    expect(audit[0]).toMatchObject({ action: 'apply', outcome: 'refused', tenantId: other, detail: { reason: 'tenant-not-allowed' } });
  } finally {
    await strict.service.stop();
    await strict.app.close();
  }
});

test('Retry on a failure alert runs the company again and its summary reaches the subscribed channel', async () => {
  await say('subscribe', SANDBOX_ADMIN, 'alerts-1');
  const { message } = await say('help', SANDBOX_ADMIN, 'alerts-1');
  const before = connector.activities.length;
  expect(text(await click(message.activityId, 'retry', { companyId: 'initech' }))).toMatch(/Retrying Initech/);
  const summary = await connector.waitFor((a) => connector.activities.indexOf(a) >= before && a.conversationId === 'alerts-1' && /Nightly sync summary/.test(JSON.stringify(a.activity)), 30_000);
  expect(text(cardOf(summary))).toContain('Initech');
  expect(text(await click(message.activityId, 'retry', { companyId: 'initech' }, SANDBOX_VIEWER))).toMatch(/Not allowed/);
  await running.app.conversations.remove('alerts-1');
});
