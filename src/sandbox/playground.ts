/**
 * The Microsoft 365 Agents Playground (a local Teams emulator, a devDependency) as a child
 * process: `npm start` shows kb4sync in it, and the browser tests drive it in headless Chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');

export function playgroundInstalled(): boolean {
  return existsSync(CLI);
}

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

/**
 * The playground's servers listen on every interface (it has no host option), and it answers as
 * the demo's admin to anyone who connects. Preloaded into its process, this makes every listen
 * that names no host bind 127.0.0.1.
 */
export const LOOPBACK_ONLY = `'use strict';
const net = require('node:net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args[0] !== null && typeof args[0] === 'object' && !Array.isArray(args[0])) {
    if (args[0].path === undefined && args[0].host === undefined) args[0] = { ...args[0], host: '127.0.0.1' };
  } else if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\\d+$/.test(args[0])) || args[0] === undefined) {
    if (typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
`;

export async function startPlayground(options: { botEndpoint: string; port: number; user: PlaygroundUser; tenantId: string; cwd?: string }): Promise<Playground> {
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'kb4sync-playground-'));
  writeFileSync(join(cwd, '.m365agentsplayground.yml'), playgroundConfig(options.user, options.tenantId));
  const preload = join(cwd, '.kb4sync-loopback-only.cjs');
  writeFileSync(preload, LOOPBACK_ONLY);
  const child = spawn(process.execPath, ['--require', preload, CLI, 'start', '--app-endpoint', options.botEndpoint, '--channel-id', 'msteams', '--port', String(options.port), '--disable-telemetry'], {
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
