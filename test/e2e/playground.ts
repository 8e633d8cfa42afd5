/**
 * The Microsoft 365 Agents Playground (a local Teams emulator) as a child process, and headless
 * Chromium (Debian's, via playwright-core) to drive it as a person would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CLI = join(__dirname, '..', '..', 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');

export interface PlaygroundUser {
  id: string;
  givenName: string;
  surname: string;
  aadObjectId: string;
  email: string;
}

export interface Playground {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The playground's mock tenant: one signed-in user, a team with a channel. */
export function playgroundConfig(user: PlaygroundUser, tenantId: string): string {
  return [
    'version: "0.1.1"',
    `tenantId: ${tenantId}`,
    'bot:',
    '  id: 00000000-0000-4000-8000-00000000b077',
    '  name: kb4sync',
    'currentUser:',
    `  id: ${user.id}`,
    `  name: ${user.givenName} ${user.surname}`,
    `  userPrincipleName: ${user.email}`,
    `  aadObjectId: ${user.aadObjectId}`,
    `  givenName: ${user.givenName}`,
    `  surname: ${user.surname}`,
    `  email: ${user.email}`,
    // The playground's schema wants at least five other people in the tenant.
    'users:',
    ...['Megan Bowen', 'Adele Vance', 'Isaiah Langer', 'Patti Fernandez', 'Lynne Robbins'].flatMap((full, i) => {
      const [given, sur] = full.split(' ') as [string, string];
      return [
        `  - id: user-id-${i + 10}`,
        `    name: ${full}`,
        `    userPrincipleName: ${given.toLowerCase()}@msp.example`,
        `    aadObjectId: 00000000-0000-4000-8000-0000000000${(i + 10).toString(16).padStart(2, '0')}`,
        `    givenName: ${given}`,
        `    surname: ${sur}`,
        `    email: ${given.toLowerCase()}@msp.example`,
      ];
    }),
    'personalChat:',
    '  id: personal-chat-id',
    'groupChat:',
    '  id: group-chat-id',
    '  name: Group Chat',
    'team:',
    '  id: team-id',
    '  name: IT Operations',
    '  aadGroupId: 00000000-0000-4000-8000-000000000031',
    '  channels:',
    '    - id: channel-ops-id',
    '      name: MSP Alerts',
    '',
  ].join('\n');
}

export async function startPlayground(options: { botEndpoint: string; port: number; user: PlaygroundUser; tenantId: string; cwd?: string }): Promise<Playground> {
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'kb4sync-playground-'));
  writeFileSync(join(cwd, '.m365agentsplayground.yml'), playgroundConfig(options.user, options.tenantId));
  const child = spawn(process.execPath, [CLI, 'start', '--app-endpoint', options.botEndpoint, '--channel-id', 'msteams', '--port', String(options.port), '--disable-telemetry'], {
    cwd,
    env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none', BOT_ENDPOINT: options.botEndpoint },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/_debug/ping`);
      if (res.ok && (await res.text()).includes('pong')) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = (() => {
        try {
          return readFileSync(join(cwd, 'devTools', 'm365agentsplayground.log'), 'utf8').split('\n').filter((l) => l.startsWith('error')).join('\n');
        } catch {
          return '';
        }
      })();
      throw new Error(`the Agents Playground did not start:\n${output}\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens the playground with requests to the Office CDN blocked (no DNS waits offline). */
export async function openPlayground(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => route.abort());
  await page.goto(url);
  return page;
}

export async function say(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox').last();
  await box.fill(text);
  await page.getByRole('button', { name: 'Send Message' }).click();
}
