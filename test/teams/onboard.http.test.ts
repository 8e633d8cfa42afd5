/**
 * `onboard <name> <domain>` in Teams, over real HTTP against the sandbox: an admin gets a card with
 * the consent link as a button and "Check again"; the company is loaded at once (no restart) and
 * listed with what it waits for; a non-admin is refused.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { SANDBOX_VIEWER, type Sandbox } from '../../src/sandbox';
import { generateTenant } from '../../src/sandbox/tenants';
import type { App, Service } from '../../src/service';
import { actions, text, type BotClient } from '../helpers/botHttp';
import { startBotRig, type BotRig } from '../helpers/botRig';

const MSP_APP = '7c1e0a52-3b4d-4f60-8a71-92b3c4d5e6f7';
const MSP_SECRET = 'msp-multitenant-secret-Value~42';
const CONTOSO = 'c0c0c0c0-1111-4222-8333-444455556666';

let rig: BotRig;
let sandbox: Sandbox;
let running: { app: App; service: Service };
let bot: BotClient;

beforeAll(async () => {
  rig = await startBotRig({
    name: 'onboard-bot',
    sandboxConfig: 'kb4sync.yaml',
    env: { MSP_GRAPH_SECRET: MSP_SECRET },
    prepare: (world, dir) => {
      world.graph.consent.register({ clientId: MSP_APP, clientSecret: MSP_SECRET });
      world.graph.addTenant({ tenant: generateTenant({ seed: 7, displayName: 'Contoso Ltd', domain: 'contoso.example', tenantId: CONTOSO, members: 5 }), apps: [] });
      const doc = parseDocument(readFileSync(world.configPath, 'utf8'));
      doc.set('defaults', doc.createNode({ m365: { clientId: MSP_APP, clientSecretEnv: 'MSP_GRAPH_SECRET', graphUrl: world.graph.url, authorityHost: world.graph.authorityHost, caFile: join(dir, 'sandbox-ca.pem') } }));
      writeFileSync(world.configPath, doc.toString());
    },
  });
  ({ sandbox, bot } = rig);
  running = { app: rig.app, service: rig.service };
});

afterAll(() => rig.stop());

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
