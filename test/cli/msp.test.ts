/** `kb4sync audit` and `kb4sync companies [filter]` against the sandbox Graph and KnowBe4 (SCIM and Reporting API). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buildProgram } from '../../src/cli';
import { startSandbox, type Sandbox } from '../../src/sandbox';

let sandbox: Sandbox;
const savedEnv = process.env;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-cli-msp-'));
  sandbox = await startSandbox({ dir, configPath: join(dir, 'kb4sync.sandbox.yaml'), ports: { knowbe4: 0, graph: 0, authority: 0 } });
  process.env = { ...savedEnv, KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), LOG_LEVEL: 'silent' };
  delete process.env.DATABASE_URL;
});

afterAll(async () => {
  process.env = savedEnv;
  await sandbox.stop();
});

async function kb4sync(...args: string[]): Promise<string> {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  process.exitCode = undefined;
  await buildProgram({ out, err: new PassThrough(), in: new PassThrough() }).parseAsync([...args, '--config', sandbox.configPath], { from: 'user' });
  return chunks.join('');
}

test('audit: text with decisions first, JSON with every row, CSV with one line per finding; KnowBe4 only read', async () => {
  const controls = sandbox.knowbe4.account('initech').controls;
  controls.clearRequests();
  const text = await kb4sync('audit', 'initech');
  expect(text).toMatch(/^Audit of Initech \(initech\)/);
  expect(text.indexOf('Needs a decision')).toBeLessThan(text.indexOf('Drift:'));
  expect(text).toMatch(/Seats: \d+ used of \d+/);
  expect(text).toMatch(/Training reach: \d+ of \d+ never signed in/);
  const audit = JSON.parse(await kb4sync('audit', 'initech', '--json')) as { drift: { count: number }; atRisk: { count: number }; stuck: { count: number }; reach: { neverSignedIn: number } };
  expect(audit.drift.count).toBeGreaterThan(0);
  const csv = (await kb4sync('audit', 'initech', '--csv')).trim().split('\r\n');
  expect(csv[0]).toBe('section,user,detail,since');
  expect(csv).toHaveLength(1 + audit.drift.count + audit.atRisk.count + audit.stuck.count + audit.reach.neverSignedIn);
  expect(controls.requests().filter((r) => r.method !== 'GET')).toEqual([]);
});

test('companies: totals, needs-an-admin first, and the filters', async () => {
  // Globex's sandbox contract is five seats short; its audit records that.
  await kb4sync('audit', 'globex', '--json');
  const all = await kb4sync('companies');
  expect(all).toMatch(/^3 companies, 1 needs an admin/);
  const lines = all.trim().split('\n');
  expect(lines[2]).toMatch(/^! +globex +Globex +over-seats/);
  expect(await kb4sync('companies', 'over-seats')).toMatch(/globex/);
  expect(await kb4sync('companies', 'failing')).toBe('0 companies, 0 need an admin: none\n');
  const json = JSON.parse(await kb4sync('companies', '--json')) as { id: string; needsAdmin: boolean }[];
  expect(json.map((r) => r.id)).toEqual(['globex', 'acme', 'initech']);
  await expect(kb4sync('companies', 'everything')).rejects.toThrow(/unknown filter "everything"/);
}, 240_000);
