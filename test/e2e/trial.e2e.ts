/**
 * The local trial as an MSP would first run it: their own kb4sync.yaml (their tenant ids, their
 * secrets in environment variables, no envFile), pointed here at the sandbox servers, in the
 * Agents Playground. Apply is refused until the trial restarts with --allow-apply.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { APPLIES_OFF_MESSAGE, startTrial, TrialRefused } from '../../src/service';
import { launchBrowser, openPlayground, say } from './browser';

const MSP_TENANT = '7c1f0d6e-2b3a-4c5d-9e8f-a0b1c2d3e4f5';
const DANA = { aadObjectId: '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6', name: 'Dana Whitfield' };

let browser: Browser;
let sandbox: Sandbox;
let dir: string;
let configPath: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'kb4sync-trial-'));
  sandbox = await startSandbox({
    dir,
    configPath: join(dir, 'kb4sync.sandbox.yaml'),
    ports: { knowbe4: 0, graph: 0, authority: 0 },
    secrets: { graph: () => 'contoso-graph-secret-Qx7', scim: () => 'contoso-scim-token-Zr4' },
  });
  const acme = sandbox.companies.find((c) => c.spec.id === 'acme')!;
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, sandbox.graph.ca);
  // The shape an MSP writes for one client: no envFile, secrets only by variable name.
  configPath = join(dir, 'kb4sync.yaml');
  writeFileSync(
    configPath,
    `# Contoso's first look at kb4sync\n${stringify({
      admins: [DANA],
      allowedTenants: [MSP_TENANT],
      companies: [
        {
          id: 'contoso',
          name: 'Contoso Ltd',
          m365: { tenantId: acme.spec.tenantId, clientId: acme.spec.clientId, clientSecretEnv: 'CONTOSO_GRAPH_SECRET', graphUrl: sandbox.graph.url, authorityHost: sandbox.graph.authorityHost, caFile },
          knowbe4: { scimUrl: sandbox.scimUrl('acme'), scimTokenEnv: 'CONTOSO_KB4_SCIM_TOKEN' },
          scope: { licenses: acme.spec.settings.scope.licenses },
          schedule: { cron: '0 2 * * *', timezone: 'Europe/London', autoApply: true },
        },
      ],
    })}`,
  );
  env = { CONTOSO_GRAPH_SECRET: 'contoso-graph-secret-Qx7', CONTOSO_KB4_SCIM_TOKEN: 'contoso-scim-token-Zr4', LOG_LEVEL: 'silent', DATABASE_URL: 'postgres://must-not-be-used.invalid/prod' };
});
afterAll(async () => {
  await sandbox?.stop();
  await browser?.close();
});

test('the trial refuses to listen beyond loopback', async () => {
  await expect(startTrial({ configPath, env, allowApply: false, host: '0.0.0.0', port: 3991 })).rejects.toThrow(TrialRefused);
  await expect(startTrial({ configPath, env, allowApply: false, host: '0.0.0.0', port: 3991 })).rejects.toThrow(/loopback only/);
});

test('preview from the Playground; Apply refused with applies off; restarted with --allow-apply it applies', async () => {
  const store = join(dir, 'trial.db');
  const writes = () => {
    const c = sandbox.knowbe4.account('acme').controls;
    return c.requestCount({ method: 'POST' }) + c.requestCount({ method: 'PATCH' });
  };
  const before = writes();

  const first = await startTrial({ configPath, env, allowApply: false, port: 3992, playgroundPort: 56192, store });
  try {
    expect(first.admin).toEqual(DANA);
    expect(first.service.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    const page = await openPlayground(browser, first.playground!.url);
    await say(page, 'preview sync Contoso');
    await page.getByRole('button', { name: /^Apply/ }).first().waitFor({ timeout: 60_000 });
    expect(await page.locator('body').innerText()).toContain('Contoso Ltd');
    await page.getByRole('button', { name: /^Apply/ }).first().click();
    await page.getByText(/applies are off/).first().waitFor({ timeout: 30_000 });
    expect(await page.locator('body').innerText()).toContain('--allow-apply');
    expect(writes()).toBe(before);
  } finally {
    await first.stop();
  }
  expect(APPLIES_OFF_MESSAGE).toContain('--allow-apply');

  const second = await startTrial({ configPath, env, allowApply: true, port: 3993, playgroundPort: 56193, store });
  try {
    const page = await openPlayground(browser, second.playground!.url);
    await say(page, 'preview sync Contoso');
    await page.getByRole('button', { name: /^Apply/ }).first().waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: /^Apply/ }).first().click();
    // The result card (people first since issue 20) heads with the run's outcome.
    await page.getByText(/sync complete|sync partly applied/).last().waitFor({ timeout: 120_000 });
    expect(writes()).toBeGreaterThan(before);
    // The trial kept its own SQLite file: both previews and the apply are in it.
    const runs = await second.app.store.listRuns('contoso', 10);
    expect(runs.map((r) => r.kind)).toEqual(expect.arrayContaining(['preview', 'apply']));
  } finally {
    await second.stop();
  }
}, 240_000);
