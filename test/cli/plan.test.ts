/** `kb4sync plan` as a user runs it: a real process, the shipped snapshot files. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const FIX = join(ROOT, 'test', 'fixtures');

function kb4sync(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'kb4sync.js'), ...args], { encoding: 'utf8', env: { ...process.env, KB4SYNC_CONFIG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const base = ['plan', '--config', join(FIX, 'kb4sync.yaml'), '--company', 'acme', '--m365', join(FIX, 'm365.json'), '--knowbe4', join(FIX, 'kb4.json')];

test('prints a readable diff and exits 3 when the guard blocks', () => {
  const r = kb4sync(base);
  expect(r.code).toBe(3);
  expect(r.stdout).toContain('GUARD: BLOCKED');
  expect(r.stdout).toContain('1 joiner, 3 leavers, 1 renamed, 1 returning, 2 people with changed details, 5 group changes.');
  expect(r.stdout).toMatch(/Joiners \(1\)\n {2}\+ New Hire \(new\.hire@acmecorp\.com\): Sales/);
  expect(r.stdout).toContain('~ Priya Raghunathan: priya.raghunathan@acmecorp.com → priya.r@acmecorp.com');
  expect(r.stdout).toContain('↺ 新 王 (xin.wang@acmecorp.com)');
  expect(r.stdout).toContain('- Former Employee (former.employee@acmecorp.com): Account disabled in M365');
  expect(r.stdout).toContain('All Staff: +2');
  expect(r.stdout).toContain('! 2 Microsoft 365 users share the address rae.holloway@acmecorp.com');
});

test('--json prints the seed-shaped report', () => {
  const r = kb4sync([...base, '--json']);
  expect(r.code).toBe(3);
  const report = JSON.parse(r.stdout);
  expect(report.sync_summary).toMatchObject({ company: 'Acme Corp', m365_users_found: 11, knowbe4_users_found: 13, users_matched: 8, users_created: 1, users_archived: 3 });
  expect(report.guard).toMatchObject({ status: 'blocked', archiveCount: 3 });
});

test('exits 0 when nothing is blocked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-cli-'));
  const config = readFileSync(join(FIX, 'kb4sync.yaml'), 'utf8').replace('removeStaleUsers: true', 'removeStaleUsers: false');
  writeFileSync(join(dir, 'kb4sync.yaml'), config);
  const r = kb4sync(['plan', '--config', join(dir, 'kb4sync.yaml'), '--company', 'acme', '--m365', join(FIX, 'm365.json'), '--knowbe4', join(FIX, 'kb4.json')]);
  expect(r.code).toBe(0);
  expect(r.stdout).not.toContain('Leavers (');
  expect(r.stdout).toContain('Not managed by kb4sync');
});

test.each([
  [['--company', 'nope'], /unknown company "nope"; configured: acme/],
  [['--m365', '/nonexistent.json'], /--m365: cannot read \/nonexistent\.json \(ENOENT\)/],
  [['--knowbe4', join(FIX, 'kb4sync.yaml')], /--knowbe4: .* is not valid JSON/],
  [['--m365', join(FIX, 'kb4.json')], /--m365 is not in the expected shape/],
  [['--config', join(FIX, 'm365.json')], /invalid configuration/],
])('bad input %p exits 2 with a specific message', (override, message) => {
  const args = [...base];
  const at = args.indexOf(override[0] as string);
  args[at + 1] = override[1] as string;
  const r = kb4sync(args);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stdout).toBe('');
});

test('a missing option exits 2', () => {
  const r = kb4sync(['plan', '--company', 'acme']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("required option '--m365 <file>' not specified");
});
