/**
 * Secrets never leak. Everything starts with distinctive secret values (Graph client secrets, a
 * wrong Graph secret, SCIM tokens, the bot password, the webhook secret, the link secret); then
 * the service does its work and its failures: previews and an apply from Teams, an apply that
 * stops on a revoked SCIM token (401), a preview with a wrong Graph secret, scheduled runs whose
 * webhook delivery fails, downloads, /metrics, authenticated and refused Bot Framework requests,
 * and the CLI (`doctor`, `preview --json`, `show --json`, `runs`) as child processes.
 *
 * Everything that run wrote is captured (pino logs, console output, CLI stdout/stderr, every
 * activity sent to the connector, every HTTP answer, the webhook bodies and headers, the SQLite
 * files) and scanned for each secret, raw and base64-, base64url- and URL-encoded. The scan is
 * checked to have seen the real output (sizes and expected strings), so it cannot pass on nothing.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { format } from 'node:util';
import { stringify, parse } from 'yaml';
import type { App } from '../../src/service/app';
import { startService } from '../../src/service/start';
import { readConfigFile } from '../../src/config';
import { createLogger } from '../../src/observability/log';
import { SANDBOX_ADMIN, SANDBOX_TENANT } from '../../src/sandbox';
import type { Service } from '../../src/service/serve';
import { actions, applyData, cardOf, text, type Card } from '../helpers/botHttp';
import { startChannelIdentity, type ChannelIdentity } from '../helpers/channelIdentity';
import { allowTenants, startSecurityRig, type SecurityRig } from '../helpers/securityRig';

const ROOT = join(__dirname, '..', '..');
const APP_ID = '3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a';
/** Distinctive values with characters that URL-encoding changes, so each encoded form differs. */
const secret = (what: string) => `${what}~${randomBytes(12).toString('hex')}+/=${randomBytes(6).toString('base64url')}`;

const SECRETS = {
  acmeGraph: secret('acme-graph-secret'),
  globexGraph: secret('globex-graph-secret'),
  initechGraph: secret('initech-graph-secret'),
  globexWrongGraph: secret('globex-WRONG-graph-secret'),
  acmeScim: secret('acme-scim-token'),
  globexScim: secret('globex-scim-token'),
  initechScim: secret('initech-scim-token'),
  acmeReporting: secret('acme-reporting-token'),
  globexReporting: secret('globex-reporting-token'),
  initechReporting: secret('initech-reporting-token'),
  botPassword: secret('bot-password'),
  webhook: secret('webhook-secret'),
  link: secret('link-secret'),
};

/** The forms a secret can take in output: raw, JSON-escaped, URL-encoded, base64 at any byte alignment. */
export function forms(value: string): string[] {
  const bytes = Buffer.from(value);
  const out = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+')]);
  for (let shift = 0; shift < 3; shift += 1) {
    // The base64 of the secret where it starts `shift` bytes into a longer buffer: drop the groups
    // that also encode neighbouring bytes.
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const core = encoded.slice(shift === 0 ? 0 : 4, encoded.length - 4);
    out.add(core);
    out.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...out];
}

function leaksIn(value: string, haystack: Buffer): string | null {
  return forms(value).find((f) => haystack.includes(Buffer.from(f))) ?? null;
}

/** Everything the run wrote, by where it came from. */
const captured = new Map<string, Buffer[]>();
const capture = (where: string, content: string | Buffer) => {
  const list = captured.get(where) ?? [];
  list.push(Buffer.isBuffer(content) ? content : Buffer.from(content));
  captured.set(where, list);
};
const all = (where: string) => Buffer.concat(captured.get(where) ?? []).toString('utf8');

let rig: SecurityRig;
let identity: ChannelIdentity;
let secured: { app: App; service: Service } | null = null;
let hooks: { url: string; close(): Promise<void> };
const consoleSpies: jest.SpyInstance[] = [];

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Asynchronous on purpose: the sandbox servers the CLI talks to run in this process.
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'kb4sync.js'), ...args], { env, cwd: rig.dir });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  capture(`cli ${args[0]} stdout`, stdout);
  capture(`cli ${args[0]} stderr`, stderr);
  return { code, stdout, stderr };
}

async function get(url: string): Promise<string> {
  const res = await fetch(url);
  const body = await res.text();
  capture(`GET ${new URL(url).pathname.replace(/[0-9a-f-]{36}/, ':id')}`, `${res.status} ${JSON.stringify([...res.headers])}\n${body}`);
  return body;
}

/** A webhook receiver that takes summaries (204) and fails every failure alert (500), so both paths run. */
async function startHooks(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      capture('webhook requests', `${req.method} ${req.url}\n${JSON.stringify(req.headers as IncomingHttpHeaders)}\n${body}\n`);
      const failure = /"kind":"failure"/.test(body);
      res.writeHead(failure ? 500 : 204, failure ? { 'retry-after': '0' } : {});
      res.end(failure ? 'receiver down' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/kb4sync`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    consoleSpies.push(jest.spyOn(console, method).mockImplementation((...args: unknown[]) => capture('console', `${format(...args)}\n`)));
  }
  const log = createLogger({ level: 'trace', destination: { write: (line: string) => capture('pino log', line) } });
  hooks = await startHooks();
  identity = await startChannelIdentity();
  const graph: Record<string, string> = { acme: SECRETS.acmeGraph, globex: SECRETS.globexGraph, initech: SECRETS.initechGraph };
  const scim: Record<string, string> = { acme: SECRETS.acmeScim, globex: SECRETS.globexScim, initech: SECRETS.initechScim };
  const reporting: Record<string, string> = { acme: SECRETS.acmeReporting, globex: SECRETS.globexReporting, initech: SECRETS.initechReporting };
  // The sandbox's kb4sync.yaml without its envFile (the secrets come from the environment, as in
  // production), plus a webhook.
  const config = (yaml: string) => {
    const raw = parse(yaml) as Record<string, unknown>;
    delete raw.envFile;
    raw.notifications = { webhooks: [{ url: hooks.url, secretEnv: 'PSA_WEBHOOK_SECRET' }] };
    return stringify(raw);
  };
  // The variable names the sandbox's configuration uses (checked against its file below); Globex
  // gets a wrong Graph secret.
  const env = {
    KB4SYNC_SANDBOX_ACME_GRAPH_SECRET: SECRETS.acmeGraph,
    KB4SYNC_SANDBOX_GLOBEX_GRAPH_SECRET: SECRETS.globexWrongGraph,
    KB4SYNC_SANDBOX_INITECH_GRAPH_SECRET: SECRETS.initechGraph,
    KB4SYNC_SANDBOX_ACME_SCIM_TOKEN: SECRETS.acmeScim,
    KB4SYNC_SANDBOX_GLOBEX_SCIM_TOKEN: SECRETS.globexScim,
    KB4SYNC_SANDBOX_INITECH_SCIM_TOKEN: SECRETS.initechScim,
    KB4SYNC_SANDBOX_ACME_REPORTING_TOKEN: SECRETS.acmeReporting,
    KB4SYNC_SANDBOX_GLOBEX_REPORTING_TOKEN: SECRETS.globexReporting,
    KB4SYNC_SANDBOX_INITECH_REPORTING_TOKEN: SECRETS.initechReporting,
    MicrosoftAppPassword: SECRETS.botPassword,
    PSA_WEBHOOK_SECRET: SECRETS.webhook,
    KB4SYNC_LINK_SECRET: SECRETS.link,
  };
  rig = await startSecurityRig({ secrets: { graph: (id) => graph[id] as string, scim: (id) => scim[id] as string, reporting: (id) => reporting[id] as string }, env, log, config });
  const named = readConfigFile(rig.configPath).companies.flatMap((c) => [c.m365.clientSecretEnv, c.knowbe4.scimTokenEnv, ...(c.knowbe4.reportingTokenEnv ? [c.knowbe4.reportingTokenEnv] : [])]);
  expect(named.sort()).toEqual(Object.keys(env).filter((k) => k.startsWith('KB4SYNC_SANDBOX_')).sort());

  const { bot, connector, sandbox, app } = rig;
  const click = async (messageId: string, verb: string, data: unknown): Promise<Card> => {
    const card = await bot.click(messageId, verb, data);
    capture('invoke answers', text(card));
    return card;
  };
  const finished = (messageId: string) => connector.waitFor((a) => a.method === 'update' && a.activityId === messageId && !/Starting|Applying/.test(text(cardOf(a))), 30_000);

  await bot.say('subscribe', SANDBOX_ADMIN, 'ops-channel');

  // A preview and an apply from Teams, with the downloads.
  const acme = await bot.say('preview sync acme');
  for (const link of actions(acme.card).filter((a) => a.url?.includes('/downloads/'))) await get(link.url as string);
  await click(acme.message.activityId, 'apply', applyData(acme.card));
  await finished(acme.message.activityId);

  // An apply that stops on a revoked SCIM token, then a preview with it.
  const initech = await bot.say('preview sync initech');
  sandbox.knowbe4.account('initech').controls.revokeScimToken();
  await click(initech.message.activityId, 'apply', applyData(initech.card));
  await finished(initech.message.activityId);
  await bot.say('preview sync initech');

  // A wrong Graph secret.
  await bot.say('preview sync globex');

  // Scheduled runs (the Retry button): a failure alert whose webhook delivery fails, and a summary.
  const before = connector.activities.length;
  await click(acme.message.activityId, 'retry', { companyId: 'initech' });
  await connector.waitFor((a) => connector.activities.indexOf(a) >= before && a.conversationId === 'ops-channel' && /initech|Initech/.test(JSON.stringify(a.activity)), 30_000);
  const summaryFrom = connector.activities.length;
  await click(acme.message.activityId, 'retry', { companyId: 'acme' });
  await connector.waitFor((a) => connector.activities.indexOf(a) >= summaryFrom && a.conversationId === 'ops-channel' && /Acme Corp/.test(JSON.stringify(a.activity)), 30_000);
  // The webhook notifier retries a failed delivery, then logs it: wait for that log line.
  for (let i = 0; i < 200 && !/notification failed/.test(all('pino log')); i += 1) await new Promise((r) => setTimeout(r, 50));

  await get(`${rig.service.url}/metrics`);
  await get(`${rig.service.url}/healthz`);
  await get(`${rig.service.url}/downloads/nope.csv?exp=1&sig=x`);

  // The same configuration with a bot registration (and what production requires besides: a tenant
  // allow-list and an https public URL): an accepted (signed) click and refused tokens.
  const securedConfig = join(rig.dir, 'kb4sync.secured.yaml');
  writeFileSync(securedConfig, allowTenants(SANDBOX_TENANT)(readFileSync(rig.configPath, 'utf8')));
  secured = await startService({
    configPath: securedConfig,
    env: {
      ...env,
      KB4SYNC_PUBLIC_URL: 'https://bots.example.com/kb4sync',
      KB4SYNC_SQLITE_PATH: join(rig.dir, 'kb4sync.db'),
      MicrosoftAppId: APP_ID,
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: SANDBOX_TENANT,
      ToBotFromChannelOpenIdMetadataUrl: identity.metadataUrl,
      ToBotFromChannelTokenIssuer: identity.issuer,
    },
    host: '127.0.0.1',
    port: 0,
    sandbox: false,
    schedule: false,
    log,
  });
  const invoke = (verb: string) => bot.activity({ type: 'invoke', name: 'adaptiveCard/action', replyToId: 'card-s', value: { action: { type: 'Action.Execute', verb, data: { companyId: 'globex' } } } });
  for (const [verb, authorization] of [
    ['pause', `Bearer ${identity.token({ aud: APP_ID, serviceurl: connector.url })}`],
    ['resume', `Bearer ${identity.token({ aud: APP_ID, serviceurl: connector.url })}`],
    ['pause', `Bearer ${identity.token({ aud: APP_ID, serviceurl: connector.url }, { key: identity.strangerKey })}`],
    // A client that sends the bot's own credentials: refused, and never echoed or logged.
    ['pause', `Basic ${Buffer.from(`${APP_ID}:${SECRETS.botPassword}`).toString('base64')}`],
  ] as const) {
    const res = await fetch(`${secured.service.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(invoke(verb)) });
    capture('secured answers', `${res.status} ${await res.text()}`);
  }

  // The CLI, as a person runs it: same configuration, environment and store.
  const cliEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env, KB4SYNC_SQLITE_PATH: join(rig.dir, 'kb4sync.db'), MicrosoftAppId: APP_ID, LOG_LEVEL: 'trace', NODE_ENV: 'production' };
  const applied = (await app.store.listRuns('acme', 20)).find((r) => r.kind === 'apply');
  // Side by side: each start of the CLI costs seconds (tsx), and none needs another's output.
  await Promise.all([
    cli(['doctor', '--config', rig.configPath], cliEnv),
    cli(['preview', 'acme', '--json', '--config', rig.configPath], cliEnv),
    cli(['show', applied?.runId ?? 'missing', '--json', '--config', rig.configPath], cliEnv),
    cli(['runs', 'initech', '--config', rig.configPath], cliEnv),
  ]);

  capture('connector activities', JSON.stringify({ activities: connector.activities, created: connector.created }));
  capture('reports in the store', JSON.stringify(await app.store.db.selectFrom('runs').select(['report_json', 'error']).execute()));
  capture('audit log', JSON.stringify(await app.store.listAudit({ limit: 1000 })));
  // The database files as they are on disk now (SQLite in WAL mode: the -wal file holds recent writes).
  for (const f of readdirSync(rig.dir).filter((f) => f.startsWith('kb4sync.db'))) capture(`file ${f}`, readFileSync(join(rig.dir, f)));
}, 400_000);

afterAll(async () => {
  await secured?.service.stop();
  await secured?.app.close();
  await rig.stop();
  await identity.close();
  await hooks.close();
  for (const spy of consoleSpies) spy.mockRestore();
});

test('the scan finds a secret in any of its forms (else it could pass on anything)', () => {
  const value = SECRETS.botPassword;
  for (const sample of [
    `password=${value}`,
    JSON.stringify({ p: value }),
    `https://x/?s=${encodeURIComponent(value)}`,
    `Authorization: Basic ${Buffer.from(`${APP_ID}:${value}`).toString('base64')}`,
    `x${Buffer.from(`ab${value}`).toString('base64url')}`,
    Buffer.from(`a${value}`).toString('base64'),
  ]) {
    expect(leaksIn(value, Buffer.from(sample))).not.toBeNull();
  }
  expect(leaksIn(value, Buffer.from(SECRETS.link))).toBeNull();
});

test('the scan saw what the run wrote: logs, cards, reports, CLI output, webhooks, downloads, metrics, the database', () => {
  const bytes = [...captured.values()].flat().reduce((n, b) => n + b.length, 0);
  expect(bytes).toBeGreaterThan(200_000);
  expect(all('pino log')).toMatch(/preview stored[\s\S]*apply finished/);
  expect(all('pino log')).toMatch(/apply stopped/);
  expect(all('pino log')).toMatch(/notification failed/);
  expect(all('connector activities')).toMatch(/Preview: Acme Corp/);
  expect(all('connector activities')).toMatch(/KnowBe4 problem|SCIM token/);
  expect(all('connector activities')).toMatch(/Microsoft 365 problem|Graph|sign-in/i);
  expect(all('invoke answers')).toMatch(/Applying|Starting/);
  expect(all('webhook requests')).toMatch(/"kind":"failure"/);
  expect(all('webhook requests')).toMatch(/"kind":"summary"/);
  expect(all('webhook requests')).toMatch(/x-kb4sync-signature/);
  expect(all('GET /downloads/:id.csv')).toMatch(/^200 [\s\S]*@/);
  expect(all('GET /downloads/:id.json')).toMatch(/^200 [\s\S]*"operations"/);
  expect(all('GET /metrics')).toMatch(/kb4sync_runs_total/);
  expect(all('secured answers')).toMatch(/^200 [\s\S]*Globex paused[\s\S]*401/);
  expect(all('cli doctor stdout')).toMatch(/KnowBe4 SCIM[\s\S]*Microsoft 365 sign-in/);
  expect(all('cli doctor stdout')).toMatch(/✗|FAIL|fail/i);
  expect(all('cli preview stdout')).toMatch(/"sync_summary"/);
  expect(all('cli show stdout')).toMatch(/"users_created"/);
  expect(all('cli runs stdout')).toMatch(/apply/);
  expect(all('reports in the store')).toMatch(/sync_summary/);
  const db = [...captured.keys()].filter((k) => k.startsWith('file kb4sync.db'));
  expect(db.length).toBeGreaterThan(0);
  expect(db.map((k) => all(k)).join('')).toMatch(/sync_summary/);
});

test.each(Object.keys(SECRETS))('%s appears nowhere the run wrote', (name) => {
  const value = SECRETS[name as keyof typeof SECRETS];
  const where = [...captured].filter(([, chunks]) => leaksIn(value, Buffer.concat(chunks)) !== null).map(([k]) => k);
  expect(where).toEqual([]);
});
