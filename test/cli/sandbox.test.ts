/**
 * The CLI on the sandbox's configuration, as a user runs it next to `npm start`: one store (what
 * the bot applied shows in `kb4sync runs`), `doctor` skips the bot registration, and the output
 * is for people: no deprecation warnings, no JSON log lines.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_ADMIN } from '../../src/sandbox';
import { startDemo, type RunningService } from '../../src/service/start';

const ROOT = join(__dirname, '..', '..');
let demo: RunningService;
let configPath: string;

/** The environment of someone who only cloned the repository: no store, config or bot settings. */
function userEnv(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _u, KB4SYNC_SQLITE_PATH: _p, KB4SYNC_CONFIG: _c, MicrosoftAppId: _a, LOG_LEVEL: _l, NODE_ENV: _n, ...rest } = process.env;
  return rest;
}

function kb4sync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'kb4sync.js'), ...args], { env: userEnv(), cwd: mkdtempSync(join(tmpdir(), 'kb4sync-cwd-')) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-cli-sandbox-'));
  configPath = join(dir, 'kb4sync.sandbox.yaml');
  demo = await startDemo({ env: { LOG_LEVEL: 'info' }, port: 0, withPlayground: false, logToFile: true, sandbox: { dir, configPath, ports: { knowbe4: 0, graph: 0, authority: 0 } } });
});
afterAll(() => demo.stop());

test('what the bot applied shows in kb4sync runs, without warnings or log lines', async () => {
  const actor = { id: SANDBOX_ADMIN.aadObjectId, name: 'Adele', tenantId: null, via: 'teams' as const };
  const preview = await demo.app.service.preview('initech', actor);
  const applied = await demo.app.service.apply(preview.planId, actor);

  const r = await kb4sync(['runs', 'initech', '--config', configPath]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(applied.runId);
  expect(r.stdout).not.toMatch(/^\s*\{/m);
}, 120_000);

test('human output has thousands separators and one style of time', async () => {
  const r = await kb4sync(['preview', 'globex', '--config', configPath]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(3); // the guard blocks Globex's 350 archives
  expect(r.stdout).toMatch(/of 2,\d{3} Microsoft 365 users in scope/);
  expect(r.stdout).toMatch(/\(expires \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
  expect(r.stdout).toMatch(/^\d{1,3}(,\d{3})* changes:$/m);
  expect(r.stdout).not.toMatch(/\d{4}-\d\d-\d\dT\d\d/);

  const runs = await kb4sync(['runs', 'globex', '--config', configPath]);
  expect(runs.stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  expect(runs.stdout).not.toMatch(/\d\d:\d\dZ/);
}, 120_000);

test('npm start keeps its logs in the sandbox directory, off the terminal', () => {
  expect(demo.logFile).toBe(join(demo.sandbox?.dir ?? '', 'kb4sync.log'));
  const lines = readFileSync(demo.logFile ?? '', 'utf8').trim().split('\n');
  expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain('kb4sync listening');
});

test('a guessed company name: reading commands say so, apply refuses it', async () => {
  const runs = await kb4sync(['runs', 'inetech', '--config', configPath]);
  expect(runs.code).toBe(0);
  expect(runs.stderr).toBe('kb4sync: reading "inetech" as initech (Initech)\n');
  const apply = await kb4sync(['apply', 'inetech', '--yes', '--config', configPath]);
  expect(apply.code).toBe(2);
  expect(apply.stderr).toContain('"inetech" is not exactly a company: did you mean initech (Initech)? Apply takes the exact id or name.');
  expect(apply.stdout).toBe('');
}, 120_000);

test('doctor on the sandbox configuration skips the bot registration and passes', async () => {
  const r = await kb4sync(['doctor', '--config', configPath, '--company', 'acme']);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/^SKIP +bot registration/m);
  expect(r.stdout).not.toMatch(/^FAIL/m);
  expect(r.code).toBe(0);
}, 120_000);
