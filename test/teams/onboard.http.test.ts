/**
 * `onboard <name> <domain>` in Teams, over real HTTP against the sandbox: an admin gets a card with
 * the consent link as a button and "Check again"; the company is loaded at once (no restart) and
 * listed with what it waits for; a non-admin is refused.
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { SANDBOX_VIEWER, startSandbox, type Sandbox } from '../../src/sandbox';
import { generateTenant } from '../../src/sandbox/tenants';
import { startService, type App, type Service } from '../../src/service';
import { startConnector, type ConnectorStandIn } from '../helpers/botConnector';
import { actions, botClient, text, type BotClient } from '../helpers/botHttp';

const MSP_APP = '7c1e0a52-3b4d-4f60-8a71-92b3c4d5e6f7';
const MSP_SECRET = 'msp-multitenant-secret-Value~42';
const CONTOSO = 'c0c0c0c0-1111-4222-8333-444455556666';

let sandbox: Sandbox;
let connector: ConnectorStandIn;
let running: { app: App; service: Service };
let bot: BotClient;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-onboard-bot-'));
  sandbox = await startSandbox({ dir, configPath: join(dir, 'kb4sync.yaml'), ports: { knowbe4: 0, graph: 0, authority: 0 } });
  sandbox.graph.consent.register({ clientId: MSP_APP, clientSecret: MSP_SECRET });
  sandbox.graph.addTenant({ tenant: generateTenant({ seed: 7, displayName: 'Contoso Ltd', domain: 'contoso.example', tenantId: CONTOSO, members: 5 }), apps: [] });
  const doc = parseDocument(readFileSync(sandbox.configPath, 'utf8'));
  doc.set('defaults', doc.createNode({ m365: { clientId: MSP_APP, clientSecretEnv: 'MSP_GRAPH_SECRET', graphUrl: sandbox.graph.url, authorityHost: sandbox.graph.authorityHost, caFile: join(dir, 'sandbox-ca.pem') } }));
  writeFileSync(sandbox.configPath, doc.toString());
  connector = await startConnector();
  running = await startService({
    configPath: sandbox.configPath,
    env: { KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), LOG_LEVEL: 'silent', MSP_GRAPH_SECRET: MSP_SECRET },
    host: '127.0.0.1',
    port: 0,
    sandbox: true,
    schedule: false,
  });
  bot = botClient(running.service, connector);
});

afterAll(async () => {
  await running.service.stop();
  await running.app.close();
  await connector.close();
  await sandbox.stop();
});

test('an admin onboards a client from Teams: consent button, Check again, listed at once', async () => {
  // The KnowBe4 token is set in the env file the configuration names (read again on reload).
  appendFileSync(join(sandbox.dir, 'sandbox.env'), `KNOWBE4_CONTOSO_LTD_SCIM_TOKEN=${'contoso-scim-token'}\n`);
  const { card, message } = await bot.say(`onboard Contoso Ltd contoso.example ${sandbox.scimUrl('acme')}`);
  expect(text(card)).toContain('waiting for consent');
  const buttons = actions(card);
  const consent = buttons.find((a) => a.title === 'Grant consent' && a.url !== undefined);
  expect(consent?.url).toBe(`${sandbox.graph.authorityHost}/${CONTOSO}/adminconsent?client_id=${MSP_APP}&redirect_uri=${encodeURIComponent(`${sandbox.graph.authorityHost}/common/oauth2/nativeclient`)}`);
  const check = buttons.find((a) => a.verb === 'checkConsent');
  expect(check?.data).toEqual({ companyId: 'contoso-ltd', domain: 'contoso.example' });
  // Loaded without a restart: the companies card lists it with what it waits for.
  expect(running.app.config.companies.map((c) => c.id)).toContain('contoso-ltd');
  expect(text((await bot.say('companies')).card)).toContain('**Contoso Ltd** · waiting for consent');
  // The administrator accepts; "Check again" says so, and the list agrees.
  expect(text(await bot.click(message.activityId, 'checkConsent', check?.data ?? {}))).toContain('waiting for consent');
  sandbox.graph.consent.grant(CONTOSO, MSP_APP);
  const again = await bot.click(message.activityId, 'checkConsent', check?.data ?? {});
  expect(text(again)).toContain('ready: preview it');
  expect(actions(again).some((a) => a.title === 'Grant consent')).toBe(false);
  expect(text((await bot.say('companies')).card)).toContain('**Contoso Ltd** · ready: preview it');
});

test('a non-admin cannot onboard, and the refusal is audited', async () => {
  const before = readFileSync(sandbox.configPath, 'utf8');
  const { card } = await bot.say('onboard Fabrikam fabrikam.example', SANDBOX_VIEWER);
  expect(text(card)).toContain('Not allowed');
  expect(readFileSync(sandbox.configPath, 'utf8')).toBe(before);
  const audit = await running.app.store.listAudit({ limit: 5 });
  expect(audit.find((a) => a.action === 'onboard' && a.outcome === 'refused')).toBeDefined();
});
