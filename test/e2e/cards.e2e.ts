/**
 * Every card as an admin sees it, in the Agents Playground in headless Chromium: on each, Apply
 * (where there is one) is within the first 450 px of the card, no record id (GUID) is shown, and
 * the preview's, the result's, `runs`' and `status`' numbers agree; the weekly audit, the
 * `companies` digest and the review card (hold some changes, Apply selected) pass the same checks.
 * The walk also makes the README screenshots (docs/screenshots/).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { startDemo, type RunningService } from '../../src/service/start';
import { launchBrowser, openPlayground, say } from './browser';

const SHOTS = join(__dirname, '..', '..', 'docs', 'screenshots');
mkdirSync(SHOTS, { recursive: true });
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const APPLY_WITHIN_PX = 450;

let browser: Browser;
let running: RunningService;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-cards-'));
  running = await startDemo({
    env: { LOG_LEVEL: 'silent' },
    port: 3985,
    playgroundPort: 56185,
    sandbox: { dir, configPath: join(dir, 'kb4sync.sandbox.yaml'), ports: { knowbe4: 0, graph: 0, authority: 0 } },
  });
  page = await openPlayground(browser, running.playground!.url);
  await page.locator('.ac-adaptiveCard').first().waitFor({ timeout: 60_000 });
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
});

const cards = () => page.locator('.ac-adaptiveCard');

/** Says `text` and waits for the next card. */
async function ask(text: string, timeout = 60_000): Promise<Locator> {
  const before = await cards().count();
  await say(page, text);
  const card = cards().nth(before);
  await card.waitFor({ timeout });
  return card;
}

/** What every card must satisfy; returns its text. */
async function check(card: Locator, name: string, options: { apply?: boolean } = {}): Promise<string> {
  // A card taller than the window is clipped by the Playground's toolbar: grow the window for the shot.
  const height = (await card.boundingBox())?.height ?? 0;
  if (height > 800) await page.setViewportSize({ width: 1400, height: Math.ceil(height) + 400 });
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: join(SHOTS, `${name}.png`) });
  if (height > 800) await page.setViewportSize({ width: 1400, height: 1000 });
  const text = await card.innerText();
  expect(text).not.toMatch(GUID);
  const apply = card.getByRole('button', { name: /^Apply/ });
  if (options.apply) {
    const [box, button] = [await card.boundingBox(), await apply.first().boundingBox()];
    expect(box && button).toBeTruthy();
    expect((button?.y ?? Infinity) + (button?.height ?? 0) - (box?.y ?? 0)).toBeLessThanOrEqual(APPLY_WITHIN_PX);
  } else {
    expect(await apply.count()).toBe(0);
  }
  return text;
}

/** The summary line, in people: the card's first bold line that counts something. */
const summaryIn = (text: string) => text.split('\n').map((l) => l.trim()).find((l) => /^\d[\d,]* (joiners?|leavers?|renamed|returning|(person|people) with changed details|group changes?|new groups?)(,|$)/.test(l)) ?? '';

test('help, an unknown company, the companies list, and the questions back', async () => {
  expect(await check(await ask('help'), 'help')).toContain('preview sync');
  expect(await check(await ask('preview sync Wayne Enterprises'), 'error-unknown-company')).toContain('No company called');
  expect(await check(await ask('companies'), 'companies')).toContain('Initech');
  expect(await check(await ask('runs'), 'choice-which-company')).toContain('Which company?');
  expect(await check(await ask('pause acmee'), 'choice-did-you-mean')).toContain('Did you mean Acme Corp?');
});

test('preview, Apply, result, runs, status, in step: Apply in sight and the same numbers', async () => {
  const preview = await ask('preview sync Acme');
  await preview.getByRole('button', { name: /^Apply/ }).waitFor({ timeout: 60_000 });
  await preview.getByText(/Joiners \(\d+\)/).first().click();
  const previewText = await check(preview, 'preview-acme', { apply: true });
  const summary = summaryIn(previewText);
  expect(summary).toMatch(/^12 joiners, /);

  await preview.getByRole('button', { name: /^Apply/ }).click();
  const result = cards().nth((await cards().count()) - 1);
  await page.getByText(/sync complete/).first().waitFor({ timeout: 120_000 });
  const resultText = await check(result, 'result-acme');
  expect(summaryIn(resultText)).toBe(summary);

  expect(await check(await ask('runs Acme'), 'runs-acme')).toContain(summary);
  const status = await check(await ask('status Acme'), 'status-acme');
  expect(status).toContain(summary);
  const inStep = await check(await ask('preview sync Acme'), 'in-step-acme');
  expect(inStep).toMatch(/Acme Corp is in step: [\d,]+ people, nothing to do/);
  expect(await cards().last().getByRole('button').count()).toBe(0);
});

test('the guard: the box beside Apply, and a wrong number keeps the card with the error beside the box', async () => {
  const guard = await ask('preview sync Globex');
  const box = guard.getByPlaceholder('Number of users to archive');
  await box.waitFor({ timeout: 60_000 });
  const text = await check(guard, 'guard-globex', { apply: true });
  expect(text).toContain('Blocked by the safety guard');
  await box.fill('1');
  await guard.getByRole('button', { name: /^Apply/ }).click();
  await page.getByText(/Not applied: type [\d,]+ to confirm/).first().waitFor({ timeout: 30_000 });
  const kept = cards().last();
  expect(await check(kept, 'guard-wrong-number', { apply: true })).toContain('Blocked by the safety guard');
  const controls = running.sandbox!.knowbe4.account('globex').controls;
  expect(controls.requestCount({ method: 'PATCH' })).toBe(0);
});

test('conflicts and sync user', async () => {
  const initech = await ask('preview sync Initech');
  await initech.getByRole('button', { name: /^Apply/ }).waitFor({ timeout: 60_000 });
  await initech.getByText(/Conflicts/).first().click();
  expect(await check(initech, 'conflicts-initech', { apply: true })).toMatch(/share the address/);

  // A joiner of the Initech plan: sync user creates them and says so.
  const joiner = (await running.app.store.latestPlan('initech'))?.plan.operations.find((o) => o.kind === 'create');
  const address = joiner?.kind === 'create' ? joiner.userName : '';
  const card = await ask(`sync user ${address}`);
  await page.getByText(/now in step with Microsoft 365|partly updated|not updated/i).last().waitFor({ timeout: 60_000 });
  const text = await check(card, 'sync-user');
  expect(text).toContain(address);
  expect(text).toContain('Created in KnowBe4');
});

test('the weekly audit: over its seats first, read only; `audit` alone asks which company', async () => {
  expect(await check(await ask('audit'), 'audit-which-company')).toContain('Which company?');
  // Globex is five seats over its contract in the demo; the audit reads SCIM and the Reporting API.
  const audit = await ask('audit Globex', 240_000);
  await audit.getByText(/Audit: Globex/).waitFor({ timeout: 240_000 });
  const text = await check(audit, 'audit-globex');
  expect(text).toContain('read only, nothing was changed');
  expect(text).toMatch(/over/i);
  expect(running.sandbox!.knowbe4.account('globex').controls.requestCount({ method: 'PATCH' })).toBe(0);
}, 300_000);

test('companies: the digest-style list, and its filters', async () => {
  const all = await check(await ask('companies'), 'companies');
  for (const name of ['Acme Corp', 'Globex', 'Initech']) expect(all).toContain(name);
  const over = await check(await ask('companies over-seats'), 'companies-over-seats');
  expect(over).toContain('Globex');
  expect(over).not.toContain('Acme Corp');
  const failing = await check(await ask('companies failing'), 'companies-failing');
  expect(failing).not.toContain('Acme Corp');
});

test('Review new users and archives: toggles and Hold always, Apply selected in sight; held archives stay active', async () => {
  const preview = await ask('preview sync Globex');
  const reviewButton = preview.getByRole('button', { name: 'Review new users and archives' });
  await reviewButton.waitFor({ timeout: 60_000 });
  await reviewButton.click();
  const review = cards().last();
  await review.getByText(/^Review: Globex/).waitFor({ timeout: 60_000 });
  const text = await check(review, 'review-globex', { apply: true });
  expect(text).toContain('Hold always');

  // Hold the archives on this page, the first one always; type the number of archives still in the plan.
  const kb4 = running.sandbox!.knowbe4.account('globex').controls;
  const plan = (await running.app.store.latestPlan('globex'))?.plan;
  const planned = (plan?.operations ?? []).flatMap((o) => (o.kind === 'archive' ? [o.userName] : []));
  const archives = review.getByRole('checkbox', { name: 'Archive' });
  const count = await archives.count();
  expect(count).toBeGreaterThan(0);
  expect(planned.length).toBeGreaterThan(count);
  for (let i = 0; i < count; i++) await archives.nth(i).uncheck();
  await review.getByRole('checkbox', { name: 'Hold always' }).first().check();
  await review.getByPlaceholder(/Reason for the holds/).fill('checking with HR');
  await review.getByPlaceholder(/Archives still in the plan/).fill(String(planned.length - count));
  await check(review, 'review-globex-held', { apply: true });

  await review.getByRole('button', { name: /^Apply selected/ }).click();
  await review.getByText(/sync complete|partly applied|Not applied/i).first().waitFor({ timeout: 180_000 });
  expect(await check(review, 'review-globex-result')).toMatch(/sync complete/i);
  const [held, archived] = [planned.slice(0, count), planned.slice(count)];
  for (const name of held) expect(kb4.userByName(name)?.active).toBe(true);
  for (const name of archived.slice(0, 5)) expect(kb4.userByName(name)?.active).toBe(false);
  expect(await running.app.holds.list('globex')).toEqual([expect.objectContaining({ address: held[0]?.toLowerCase(), reason: 'checking with HR' })]);
}, 300_000);
