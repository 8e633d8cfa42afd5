/**
 * Onboarding a client end to end against the sandbox: domain → tenant id → consent link → company
 * written into kb4sync.yaml with its comments intact → doctor fails before consent and passes
 * after → the first preview. The commands run as a technician types them (the CLI program).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buildProgram, runDoctor } from '../../src/cli';
import { parseDocument } from 'yaml';
import { readConfigFile } from '../../src/config';
import { startGraphSandbox, type GraphSandbox } from '../../src/sandbox/graph';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import { generateTenant } from '../../src/sandbox/tenants';

const MSP_APP = '7c1e0a52-3b4d-4f60-8a71-92b3c4d5e6f7';
const MSP_SECRET = 'msp-multitenant-secret-Value~42';
const CONTOSO_TENANT = 'c0c0c0c0-1111-4222-8333-444455556666';
const FABRIKAM_TENANT = 'fabfabfa-1111-4222-8333-444455556666';
const SCIM_TOKEN = 'contoso-scim-token-value';

let graph: GraphSandbox;
let knowbe4: Knowbe4Sandbox;
let dir: string;
let file: string;
const savedEnv = { ...process.env };

const ORIGINAL = (caFile: string) => `# kb4sync for Example MSP: edited by hand, comments must survive onboarding.
defaults:
  m365:
    clientId: ${MSP_APP}   # the one multi-tenant app, in our own tenant
    clientSecretEnv: MSP_GRAPH_SECRET
    graphUrl: ${graph.url}
    authorityHost: ${graph.authorityHost}
    caFile: ${caFile}

# Admins may Apply, Pause and Resume.
admins:
  - aadObjectId: 6f1c2a3b-1111-4a5b-9c8d-0123456789ab
    name: MSP on-call

companies:
  # Our first client; keep this comment.
  - id: fabrikam
    name: Fabrikam
    m365: { tenantId: ${FABRIKAM_TENANT} }
    knowbe4: { scimUrl: ${knowbe4.url}, scimTokenEnv: FABRIKAM_SCIM }
`;

beforeAll(async () => {
  const tenant = (seed: number, displayName: string, domain: string, tenantId: string) => generateTenant({ seed, displayName, domain, tenantId, members: 12, disabled: 1, unlicensed: 1 });
  graph = await startGraphSandbox({
    tenants: [
      { tenant: tenant(7, 'Contoso Ltd', 'contoso.example', CONTOSO_TENANT), apps: [] },
      { tenant: tenant(8, 'Fabrikam', 'fabrikam.example', FABRIKAM_TENANT), apps: [] },
    ],
    multiTenantApps: [{ clientId: MSP_APP, clientSecret: MSP_SECRET }],
  });
  graph.consent.grant(FABRIKAM_TENANT, MSP_APP);
  knowbe4 = await startKnowbe4Sandbox({ accounts: [{ id: 'contoso', name: 'Contoso Ltd', scimToken: SCIM_TOKEN }] });
  dir = mkdtempSync(join(tmpdir(), 'kb4sync-onboard-'));
  const caFile = join(dir, 'sandbox-ca.pem');
  writeFileSync(caFile, graph.ca);
  file = join(dir, 'kb4sync.yaml');
  writeFileSync(file, ORIGINAL(caFile));
  Object.assign(process.env, { FABRIKAM_SCIM: 'fabrikam-scim-token', MSP_GRAPH_SECRET: MSP_SECRET, KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), KB4SYNC_CONFIG: file });
});
afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([graph?.stop(), knowbe4?.stop()]);
});

async function kb4sync(...args: string[]): Promise<string> {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  process.exitCode = undefined;
  await buildProgram({ out, err: new PassThrough(), in: new PassThrough() }).parseAsync(args, { from: 'user' });
  return chunks.join('');
}

const doctorEnv = () => ({ ...process.env, MicrosoftAppId: '11111111-2222-4333-8444-555555555555', MicrosoftAppPassword: 'bot-password-value' });

test('a client goes from its domain to a first preview, with the consent step in between', async () => {
  // Domain → tenant id → consent link, and the company written.
  const printed = await kb4sync('onboard', 'Contoso Ltd', '--domain', 'Contoso.example', '--scim-url', knowbe4.account('contoso').url, '--config', file);
  expect(printed).toContain(`contoso.example is tenant ${CONTOSO_TENANT}`);
  const consent = new URL(/(https:\/\/\S+\/adminconsent\S*)/.exec(printed)?.[1] ?? 'http://missing');
  expect(`${consent.origin}${consent.pathname}`).toBe(`${graph.authorityHost}/${CONTOSO_TENANT}/adminconsent`);
  expect(consent.searchParams.get('client_id')).toBe(MSP_APP);
  expect(consent.searchParams.get('redirect_uri')).toBe(`${graph.authorityHost}/common/oauth2/nativeclient`);
  expect(printed).toContain('KNOWBE4_CONTOSO_LTD_SCIM_TOKEN');
  expect(printed).not.toContain(MSP_SECRET);
  expect(knowbe4.account('contoso').controls.requestCount({ method: 'POST' }) + knowbe4.account('contoso').controls.requestCount({ method: 'PATCH' })).toBe(0);

  // The file: everything that was there (as the yaml library round-trips it: every comment and
  // blank line, keys in their order), then the new company after the old one.
  const text = readFileSync(file, 'utf8');
  const before = parseDocument(ORIGINAL(join(dir, 'sandbox-ca.pem'))).toString({ lineWidth: 0 }).trimEnd();
  for (const comment of ['# kb4sync for Example MSP: edited by hand', '# the one multi-tenant app, in our own tenant', '# Admins may Apply', '# Our first client; keep this comment.']) expect(text).toContain(comment);
  expect(text.startsWith(before)).toBe(true);
  expect(text.slice(before.length)).toMatch(/^\n {2}# Contoso Ltd \(contoso\.example\): onboarded \d{4}-\d{2}-\d{2} by kb4sync onboard\. The SCIM token goes in KNOWBE4_CONTOSO_LTD_SCIM_TOKEN/);
  const config = readConfigFile(file);
  expect(config.companies.map((c) => c.id)).toEqual(['fabrikam', 'contoso-ltd']);
  expect(config.companies[1]).toMatchObject({
    name: 'Contoso Ltd',
    m365: { tenantId: CONTOSO_TENANT, clientId: MSP_APP, clientSecretEnv: 'MSP_GRAPH_SECRET' },
    knowbe4: { scimTokenEnv: 'KNOWBE4_CONTOSO_LTD_SCIM_TOKEN' },
    schedule: { cron: '0 2 * * *', timezone: 'UTC', autoApply: false },
  });

  // `kb4sync companies` shows the new client at once, with what it waits for.
  // Sorted by id: `companies` orders by what needs an admin, and this test reads each one's status.
  const status = async () => (JSON.parse(await kb4sync('companies', '--json', '--config', file)) as { id: string; status: string | null }[]).map((r) => [r.id, r.status]).sort(([a], [b]) => String(a).localeCompare(String(b)));
  expect(await status()).toEqual([['contoso-ltd', 'waiting for KNOWBE4_CONTOSO_LTD_SCIM_TOKEN'], ['fabrikam', 'ready: preview it']]);
  process.env.KNOWBE4_CONTOSO_LTD_SCIM_TOKEN = SCIM_TOKEN;
  expect(await status()).toEqual([['contoso-ltd', 'waiting for consent'], ['fabrikam', 'ready: preview it']]);

  // Before consent: Entra refuses the app in that tenant, and doctor says what to click.
  const waiting = await runDoctor({ configPath: file, env: doctorEnv(), companyId: 'contoso-ltd' });
  expect(waiting.filter((c) => !c.ok).map((c) => c.name)).toEqual(['contoso-ltd: admin consent']);
  const check = waiting.find((c) => c.name === 'contoso-ltd: admin consent');
  expect(check?.detail).toContain('AADSTS7000229');
  expect(check?.fix).toContain(consent.toString());
  expect(check?.fix).toContain('Accept');

  // The administrator accepts; doctor now names the permissions the token carries.
  graph.consent.grant(CONTOSO_TENANT, MSP_APP);
  const ready = await runDoctor({ configPath: file, env: doctorEnv(), companyId: 'contoso-ltd' });
  expect(ready.filter((c) => !c.ok)).toEqual([]);
  expect(ready.find((c) => c.name === 'contoso-ltd: Graph permissions')?.detail).toBe('the token carries: User.Read.All, GroupMember.Read.All, Organization.Read.All');
  expect(await status()).toEqual([['contoso-ltd', 'ready: preview it'], ['fabrikam', 'ready: preview it']]);

  // The first preview: everyone in scope is to be created in the empty KnowBe4 account.
  const report = JSON.parse(await kb4sync('preview', 'contoso-ltd', '--json', '--config', file)) as { sync_summary: { users_created: number; m365_users_found: number } };
  expect(report.sync_summary.users_created).toBe(12);
  expect(report.sync_summary.m365_users_found).toBe(12);
});

test('consent with too few permissions: doctor lists what the token carries and what is missing', async () => {
  graph.consent.grant(CONTOSO_TENANT, MSP_APP, ['User.Read.All']);
  const checks = await runDoctor({ configPath: file, env: doctorEnv(), companyId: 'contoso-ltd' });
  const permissions = checks.find((c) => c.name === 'contoso-ltd: Graph permissions');
  expect(permissions).toMatchObject({ ok: false, detail: 'missing: GroupMember.Read.All, Organization.Read.All (the token carries: User.Read.All)' });
  expect(permissions?.fix).toContain(`/${CONTOSO_TENANT}/adminconsent?client_id=${MSP_APP}`);
  graph.consent.grant(CONTOSO_TENANT, MSP_APP);
});

test('bad input is refused before anything is written: a non-domain, an unknown domain, a client already there', async () => {
  const before = readFileSync(file, 'utf8');
  await expect(kb4sync('onboard', 'Nope', '--domain', 'https://nope.example', '--config', file)).rejects.toThrow('"https://nope.example" is not a domain name');
  await expect(kb4sync('onboard', 'Nope', '--domain', 'nope.example', '--scim-url', 'https://training.knowbe4.com/scim/v2/nope', '--config', file)).rejects.toThrow('No Microsoft 365 tenant uses the domain nope.example');
  await expect(kb4sync('onboard', 'Contoso Again', '--domain', 'contoso.example', '--scim-url', 'https://training.knowbe4.com/scim/v2/nope', '--config', file)).rejects.toThrow(`tenant ${CONTOSO_TENANT} is already configured as contoso-ltd (Contoso Ltd)`);
  // KnowBe4 documents no per-region SCIM host: without the account's Tenant URL nothing is written.
  await expect(kb4sync('onboard', 'Tailspin', '--domain', 'fabrikam.example', '--config', file)).rejects.toThrow('the KnowBe4 Tenant URL of Tailspin is needed');
  expect(readFileSync(file, 'utf8')).toBe(before);
});

test('without a shared app in defaults.m365, onboarding says what to set', async () => {
  const bare = join(dir, 'bare.yaml');
  writeFileSync(bare, ORIGINAL(join(dir, 'sandbox-ca.pem')).replace(/^defaults:\n(?: {2,}.*\n)+\n/m, '').replace('m365: { tenantId: ', `m365: { clientId: ${MSP_APP}, managedIdentity: true, tenantId: `));
  await expect(kb4sync('onboard', 'Northwind', '--domain', 'fabrikam.example', '--scim-url', 'https://training.knowbe4.com/scim/v2/nope', '--config', bare)).rejects.toThrow('defaults.m365.clientId: onboarding uses the one multi-tenant app');
});
