/**
 * Outside the sandbox the service refuses to start without a tenant allow-list, a download-link
 * key of 32 bytes or more and an https public URL, and says how to fix each.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config';
import { startSandbox } from '../../src/sandbox';
import { productionProblems } from '../../src/service/production';
import { startService } from '../../src/service/start';
import { createLogger } from '../../src/observability/log';

const config = (allowedTenants: string[]) =>
  parseConfig({
    allowedTenants,
    companies: [
      {
        id: 'acme',
        name: 'Acme',
        m365: { tenantId: '11111111-2222-4333-8444-555555555555', clientId: '11111111-2222-4333-8444-555555555556', clientSecretEnv: 'X' },
        knowbe4: { scimUrl: 'https://training.knowbe4.com/scim/v2/t1', scimTokenEnv: 'Y' },
      },
    ],
  });
const TENANT = '11111111-2222-4333-8444-555555555555';
const GOOD = { KB4SYNC_LINK_SECRET: 'x'.repeat(32), KB4SYNC_PUBLIC_URL: 'https://bots.example.com/kb4sync' };

test('a complete production setting has no problems', () => {
  expect(productionProblems(config([TENANT]), GOOD)).toEqual([]);
});

test.each([
  ['no allowed tenants', [], GOOD, /^allowedTenants is empty/],
  ['no link secret', [TENANT], { ...GOOD, KB4SYNC_LINK_SECRET: undefined }, /^KB4SYNC_LINK_SECRET is not set: set it to 32 bytes or more/],
  ['a short link secret', [TENANT], { ...GOOD, KB4SYNC_LINK_SECRET: 'x'.repeat(31) }, /^KB4SYNC_LINK_SECRET is only 31 bytes/],
  ['no public URL', [TENANT], { ...GOOD, KB4SYNC_PUBLIC_URL: undefined }, /^KB4SYNC_PUBLIC_URL is not set/],
  ['an http public URL', [TENANT], { ...GOOD, KB4SYNC_PUBLIC_URL: 'http://bots.example.com/' }, /^KB4SYNC_PUBLIC_URL is http:\/\/bots\.example\.com\/, not https/],
  ['a public URL that is no URL', [TENANT], { ...GOOD, KB4SYNC_PUBLIC_URL: 'bots.example.com' }, /not https/],
] as const)('%s is named', (_name, tenants, env, expected) => {
  const problems = productionProblems(config([...tenants]), env);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(expected);
});

test('serve outside the sandbox refuses to start with every problem listed, and listens on nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-production-'));
  const sandbox = await startSandbox({ dir, configPath: join(dir, 'kb4sync.yaml'), ports: { knowbe4: 0, graph: 0, authority: 0 } });
  try {
    const started = startService({
      configPath: sandbox.configPath,
      env: { KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), MicrosoftAppId: '3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a' },
      host: '127.0.0.1',
      port: 0,
      sandbox: false,
      schedule: false,
      log: createLogger({ level: 'silent' }),
    });
    await expect(started).rejects.toThrow(/allowedTenants is empty[\s\S]*KB4SYNC_LINK_SECRET is not set[\s\S]*KB4SYNC_PUBLIC_URL is not set/);
  } finally {
    await sandbox.stop();
  }
});
