/** `kb4sync doctor` against the sandbox: what passes, and what a broken setup is told to fix. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatChecks, runDoctor, tokenRoles } from '../../src/cli/doctor';
import { startSandbox, type Sandbox } from '../../src/sandbox';

let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kb4sync-doctor-'));
  sandbox = await startSandbox({ dir, configPath: join(dir, 'kb4sync.sandbox.yaml'), ports: { knowbe4: 0, graph: 0, authority: 0 } });
});
afterAll(() => sandbox.stop());

const env = () => ({ KB4SYNC_SQLITE_PATH: join(dir, 'doctor.db'), MicrosoftAppId: '11111111-2222-4333-8444-555555555555', MicrosoftAppPassword: 'bot-password-value' });

test('a healthy sandbox setup passes every check, including the Graph permissions actually granted', async () => {
  const checks = await runDoctor({ configPath: sandbox.configPath, env: env(), companyId: 'acme' });
  expect(checks.filter((c) => !c.ok)).toEqual([]);
  expect(checks.map((c) => c.name)).toEqual(['configuration', 'secrets', 'store', 'bot registration', 'acme: Microsoft 365 sign-in', 'acme: Graph permissions', 'acme: KnowBe4 SCIM']);
  expect(formatChecks(checks)).toContain('All checks passed.');
});

test('a revoked SCIM token and a missing permission fail with their fixes; the sandbox needs no bot id; no secret is printed', async () => {
  sandbox.knowbe4.account('initech').controls.revokeScimToken();
  const initech = sandbox.companies.find((c) => c.spec.id === 'initech')!;
  sandbox.graph.setRoles(initech.spec.tenantId, initech.spec.clientId, ['User.Read.All']);
  const checks = await runDoctor({ configPath: sandbox.configPath, env: { KB4SYNC_SQLITE_PATH: join(dir, 'doctor.db') }, companyId: 'initech' });
  const failed = Object.fromEntries(checks.filter((c) => !c.ok).map((c) => [c.name, c]));
  expect(Object.keys(failed).sort()).toEqual(['initech: Graph permissions', 'initech: KnowBe4 SCIM']);
  // The sandbox's configuration runs the bot on loopback without an Azure Bot: skipped, not failed.
  expect(checks.find((c) => c.name === 'bot registration')).toMatchObject({ ok: true, skipped: true });
  expect(formatChecks(checks)).toMatch(/^SKIP +bot registration/m);
  expect(failed['initech: Graph permissions']?.fix).toContain('GroupMember.Read.All');
  expect(failed['initech: KnowBe4 SCIM']?.fix).toMatch(/SCIM token/i);
  const printed = formatChecks(checks);
  expect(printed).not.toMatch(/sandbox-initech-client-secret|sandbox-initech-scim-token/);
});

test('a missing environment variable and a broken file are named', async () => {
  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, readFileSync(sandbox.configPath, 'utf8').replace(/^envFile: .*$/m, ''));
  const missing = await runDoctor({ configPath: broken, env: env() });
  expect(missing.find((c) => c.name === 'secrets')).toMatchObject({ ok: false, detail: expect.stringContaining('is not set') });
  // Outside the sandbox a missing bot id is a failure with its fix.
  const noBot = await runDoctor({ configPath: broken, env: { KB4SYNC_SQLITE_PATH: join(dir, 'doctor.db') } });
  expect(noBot.find((c) => c.name === 'bot registration')).toMatchObject({ ok: false, fix: expect.stringContaining('MicrosoftAppId') });
  writeFileSync(broken, 'companies: [');
  expect((await runDoctor({ configPath: broken, env: env() }))[0]).toMatchObject({ name: 'configuration', ok: false });
});

test('token roles are read from the access token', () => {
  const token = `x.${Buffer.from(JSON.stringify({ roles: ['User.Read.All', 'GroupMember.Read.All'] })).toString('base64url')}.y`;
  expect(tokenRoles(token)).toEqual(['User.Read.All', 'GroupMember.Read.All']);
  expect(tokenRoles('garbage')).toEqual([]);
});
