/**
 * kb4sync.yaml changed while the service runs and a schedule is due: a valid edit is taken at once
 * (new company listed, schedules follow), a bad edit keeps the running configuration and posts an
 * alert naming the field, and a company removed mid-apply stays until its apply is over.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { createLogger } from '../../src/observability';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { startService, type App, type Service } from '../../src/service';

let sandbox: Sandbox;
let running: { app: App; service: Service };
let hooks: Server;
const posted: { kind: string; problems?: string[]; file?: string }[] = [];

async function until<T>(what: string, probe: () => Promise<T | null | undefined> | T | null | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function edit(change: (doc: ReturnType<typeof parseDocument>) => void): void {
  const doc = parseDocument(readFileSync(sandbox.configPath, 'utf8'));
  change(doc);
  writeFileSync(sandbox.configPath, doc.toString({ lineWidth: 0 }));
}

beforeAll(async () => {
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      posted.push(JSON.parse(body) as (typeof posted)[number]);
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-reload-'));
  sandbox = await startSandbox({ dir, configPath: join(dir, 'kb4sync.yaml'), ports: { knowbe4: 0, graph: 0, authority: 0 } });
  edit((doc) => {
    doc.set('notifications', doc.createNode({ webhooks: [{ url: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`, secretEnv: 'HOOK_SECRET' }] }));
    doc.commentBefore = ' An MSP technician edits this file while the service runs.';
  });
  running = await startService({
    configPath: sandbox.configPath,
    env: { ...process.env, HOOK_SECRET: 'hook-secret-value', KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), MicrosoftAppId: '' },
    host: '127.0.0.1',
    port: 0,
    sandbox: true,
    log: createLogger({ level: 'silent' }),
  });
});
afterAll(async () => {
  await running?.service.stop();
  await running?.app.close();
  await sandbox?.stop();
  await new Promise((r) => hooks.close(r));
});

test('a valid edit is taken without a restart: a due schedule runs, a new company is there at once', async () => {
  const { app, service } = running;
  expect(app.config.companies.map((c) => c.id)).toEqual(['acme', 'globex', 'initech']);
  edit((doc) => {
    // Every second: due right away (one run per minute slot at most).
    doc.setIn(['companies', 0, 'schedule', 'cron'], '* * * * * *');
    const initech = doc.getIn(['companies', 2]) as { toJSON(): Record<string, unknown> };
    doc.addIn(['companies'], doc.createNode({ ...initech.toJSON(), id: 'initech-west', name: 'Initech West' }));
  });
  // The file watcher picks the change up by itself.
  const outcome = await until('the reload', () => service.reloader.outcomes.find((o) => o.kind === 'applied'));
  expect(outcome).toEqual({ kind: 'applied', added: ['initech-west'], removed: [], changed: ['acme'], waitingForRuns: [] });
  expect(app.config.companies.map((c) => c.id)).toEqual(['acme', 'globex', 'initech', 'initech-west']);
  expect([...service.scheduler.nextRuns().keys()].sort()).toEqual(['acme', 'globex', 'initech', 'initech-west']);
  const run = await until('the scheduled preview of acme', async () => (await app.store.listRuns('acme', 5)).find((r) => r.trigger === 'schedule' && r.status !== 'running'));
  expect(run.kind).toBe('preview');
  // The new company works at once: a preview reads its tenant and its KnowBe4 account.
  const preview = await app.service.preview('initech-west', { id: null, name: 'test', tenantId: null, via: 'cli' });
  expect(preview.plan.company.id).toBe('initech-west');
});

test('a bad edit keeps the running configuration and posts an alert naming the field', async () => {
  const { app, service } = running;
  const before = JSON.stringify(app.config);
  const rejections = service.reloader.outcomes.filter((o) => o.kind === 'rejected').length;
  edit((doc) => doc.setIn(['companies', 1, 'm365', 'tenantId'], 'not-a-tenant'));
  const outcome = await until('the rejection', () => service.reloader.outcomes.filter((o) => o.kind === 'rejected')[rejections]);
  expect(outcome).toEqual({ kind: 'rejected', problems: ['companies[globex].m365.tenantId: expected a GUID like 00000000-0000-0000-0000-000000000000'] });
  expect(JSON.stringify(app.config)).toBe(before);
  expect([...service.scheduler.nextRuns().keys()]).toContain('acme');
  const alert = await until('the alert', () => posted.find((p) => p.kind === 'config-rejected'));
  expect(alert.problems).toEqual(['companies[globex].m365.tenantId: expected a GUID like 00000000-0000-0000-0000-000000000000']);
  expect(alert.file).toBe(sandbox.configPath);
});

test('a company removed while its apply is in flight stays until the apply is over', async () => {
  const { app, service } = running;
  const preview = await app.service.preview('initech', { id: null, name: 'test', tenantId: null, via: 'cli' });
  // The apply holds the plan in `applying` from its claim to its end.
  await app.store.setPlanStatus(preview.planId, 'applying');
  edit((doc) => {
    doc.setIn(['companies', 1, 'm365', 'tenantId'], sandbox.companies[1]!.spec.tenantId);
    doc.deleteIn(['companies', 2]);
  });
  const kept = await service.reloader.reload('test');
  expect(kept).toMatchObject({ kind: 'applied', removed: [], waitingForRuns: ['initech'] });
  expect(app.service.company('initech').id).toBe('initech');
  await app.store.setPlanStatus(preview.planId, 'applied');
  await until('initech to go', () => !app.config.companies.some((c) => c.id === 'initech'));
  expect(service.reloader.outcomes.at(-1)).toMatchObject({ kind: 'applied', removed: ['initech'] });
  expect([...service.scheduler.nextRuns().keys()].sort()).toEqual(['acme', 'globex', 'initech-west']);
});

test('kb4sync serve reloads on SIGHUP', async () => {
  // A real process: jest's own `process` does not receive signals sent to the worker.
  const file = join(sandbox.dir, 'hup.yaml');
  const start = parseDocument(readFileSync(sandbox.configPath, 'utf8'));
  // What a production start requires (harden): the tenants the bot answers.
  start.set('allowedTenants', ['11111111-2222-4333-8444-555555555556']);
  writeFileSync(file, start.toString({ lineWidth: 0 }));
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'kb4sync.js'), 'serve', '--config', file, '--host', '127.0.0.1', '--port', '0'], {
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info', HOOK_SECRET: 'hook-secret-value', KB4SYNC_SQLITE_PATH: join(sandbox.dir, 'hup.db'), MicrosoftAppId: '11111111-2222-4333-8444-555555555555', MicrosoftAppPassword: 'bot-password-value', MicrosoftAppTenantId: '11111111-2222-4333-8444-555555555556', KB4SYNC_LINK_SECRET: 'a-link-signing-secret-of-more-than-32-bytes-for-tests', KB4SYNC_PUBLIC_URL: 'https://kb4sync.example.com' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  try {
    await until('the service to listen', () => out.includes('listening on'), 60_000);
    const doc = parseDocument(readFileSync(file, 'utf8'));
    doc.setIn(['companies', 0, 'name'], 'Acme Renamed');
    writeFileSync(file, doc.toString({ lineWidth: 0 }));
    child.kill('SIGHUP');
    await until('the SIGHUP reload', () => err.split('\n').some((l) => l.includes('"reason":"SIGHUP"') && l.includes('configuration reloaded')), 30_000);
    expect(child.exitCode).toBeNull();
  } catch (error) {
    throw new Error(`${(error as Error).message}\nstdout: ${out}\nstderr: ${err.slice(-2000)}`, { cause: error });
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
}, 120_000);
