/**
 * The demo as a person sees it: the Agents Playground in headless Chromium, talking to kb4sync in
 * sandbox mode. Screenshots of each step go to test/e2e/artifacts/.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDemo, type RunningService } from '../../src/service/start';
import { SANDBOX_VIEWER } from '../../src/sandbox';
import { launchBrowser, openPlayground, say } from './browser';

const ARTIFACTS = join(__dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser.close());

async function demo(port: number, playgroundPort: number, user?: typeof SANDBOX_VIEWER): Promise<RunningService> {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-e2e-'));
  return startDemo({
    env: { KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), LOG_LEVEL: 'silent' },
    port,
    playgroundPort,
    sandbox: { dir, configPath: join(dir, 'kb4sync.sandbox.yaml'), ports: { knowbe4: 0, graph: 0, authority: 0 } },
    ...(user ? { user } : {}),
  });
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

test('preview sync Acme, read the diff, Apply, see the result; KnowBe4 holds the new users', async () => {
  const running = await demo(3981, 56181);
  try {
    const page = await openPlayground(browser, running.playground!.url);
    await say(page, 'preview sync Acme');
    await page.getByRole('button', { name: /^Apply/ }).first().waitFor({ timeout: 60_000 });
    await shot(page, '1-preview-acme');
    const body = await page.locator('body').innerText();
    expect(body).toContain('Acme Corp');
    expect(body).toMatch(/\b12\b/);

    await page.getByRole('button', { name: /^Apply/ }).first().click();
    await page.getByText(/sync complete/).first().waitFor({ timeout: 60_000 });
    await shot(page, '2-result-acme');

    const created = running.sandbox!.knowbe4.account('acme').controls.requests({ method: 'POST' }).filter((r) => r.path === '/Users' && r.status === 201);
    expect(created).toHaveLength(12);
  } finally {
    await running.stop();
  }
});

test('a non-admin clicking Apply is refused and nothing is written', async () => {
  const running = await demo(3982, 56182, SANDBOX_VIEWER);
  try {
    const page = await openPlayground(browser, running.playground!.url);
    await say(page, 'preview sync Initech');
    await page.getByRole('button', { name: /^Apply/ }).first().waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: /^Apply/ }).first().click();
    await page.getByText('Not allowed').first().waitFor({ timeout: 30_000 });
    await shot(page, '3-refused-viewer');
    const controls = running.sandbox!.knowbe4.account('initech').controls;
    expect(controls.requestCount({ method: 'POST' }) + controls.requestCount({ method: 'PATCH' })).toBe(0);
  } finally {
    await running.stop();
  }
});

test('a guard-blocked company asks for the archive count and applies only with the right number', async () => {
  const running = await demo(3983, 56183);
  try {
    const page = await openPlayground(browser, running.playground!.url);
    await say(page, 'preview sync Globex');
    const box = page.getByPlaceholder('Number of users to archive').first();
    await box.waitFor({ timeout: 60_000 });
    await shot(page, '4-guard-globex');
    await box.fill('12');
    await page.getByRole('button', { name: /^Apply/ }).first().click();
    // A wrong number keeps the card, with the error beside the box.
    await page.getByText(/Not applied: type [\d,]+ to confirm/).first().waitFor({ timeout: 30_000 });
    const controls = running.sandbox!.knowbe4.account('globex').controls;
    expect(controls.requestCount({ method: 'PATCH' })).toBe(0);
    await shot(page, '5-guard-wrong-number');

    // The same card, this time with the right number.
    const again = page.getByPlaceholder('Number of users to archive').last();
    await again.waitFor({ timeout: 60_000 });
    const expected = (await running.app.store.plansInStatus('pending')).find((p) => p.companyId === 'globex' && p.plan.guard.status === 'blocked');
    const count = expected?.plan.guard.status === 'blocked' ? expected.plan.guard.archiveCount : -1;
    await again.fill(String(count));
    await page.getByRole('button', { name: /^Apply/ }).last().click();
    await page.getByText(/sync complete|sync partly applied/).last().waitFor({ timeout: 120_000 });
    await shot(page, '6-guard-applied');
    expect(controls.requestCount({ method: 'PATCH' })).toBeGreaterThan(0);
  } finally {
    await running.stop();
  }
});

test('@kb4sync subscribe in the team channel, then a nightly run posts its summary there', async () => {
  const running = await demo(3984, 56184);
  try {
    const page = await openPlayground(browser, running.playground!.url);
    await page.getByText('MSP Alerts').first().click();
    const box = page.getByRole('textbox').last();
    await box.click();
    await page.keyboard.type('@kb');
    await page.getByRole('menuitem', { name: 'kb4sync' }).click();
    await page.keyboard.type(' subscribe');
    await page.keyboard.press('Enter');
    await page.getByText('Subscribed').first().waitFor({ timeout: 30_000 });
    const channels = (await running.app.conversations.list()).filter((c) => c.kind === 'channel');
    // Installing the app and typing subscribe in a thread of the same channel: one subscription.
    expect(channels.map((c) => c.id)).toEqual(['channel-ops-id']);

    const initech = running.app.config.companies.find((c) => c.id === 'initech')!;
    const outcome = await running.service.scheduler.runNow(initech);
    expect(outcome.kind).toBe('applied');
    await page.getByText(/Nightly|summary|Initech/).last().waitFor({ timeout: 30_000 });
    await shot(page, '7-channel-summary');
    expect(await page.locator('body').innerText()).toContain('Initech');
  } finally {
    await running.stop();
  }
});
