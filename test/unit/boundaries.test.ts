/**
 * The dependency rules of .dependency-cruiser.cjs (run by `npm run lint`) hold for src/, and each
 * rule fails on a violation planted in a scratch tree laid out like src/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const BIN = join(ROOT, 'node_modules', '.bin', 'depcruise');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(cwd: string): Violation[] {
  let out: string;
  try {
    out = execFileSync(BIN, ['src', '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    out = String((err as { stdout?: unknown }).stdout ?? '');
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

/** A scratch project whose src/ holds the given files (path → content), with this project's node_modules. */
function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kb4s-bounds-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'Node16', moduleResolution: 'Node16', strict: true } }));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('src/ keeps every rule', () => {
  expect(cruise(ROOT).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
});

const PLANTED: { rule: string; files: Record<string, string> }[] = [
  { rule: 'core-is-pure', files: { 'src/sync/plan.ts': "import { x } from '../runs';\nexport const y = x;\n", 'src/runs/index.ts': 'export const x = 1;\n' } },
  { rule: 'core-has-no-io', files: { 'src/sync/plan.ts': "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n" } },
  { rule: 'connector-to-connector', files: { 'src/knowbe4/client.ts': "import { x } from '../m365';\nexport const y = x;\n", 'src/m365/index.ts': 'export const x = 1;\n' } },
  { rule: 'connector-imports-config-store-or-teams', files: { 'src/m365/source.ts': "import { x } from '../config';\nexport const y = x;\n", 'src/config/index.ts': 'export const x = 1;\n' } },
  { rule: 'only-service-and-cli-start-the-sandbox', files: { 'src/runs/service.ts': "import { x } from '../sandbox';\nexport const y = x;\n", 'src/sandbox/index.ts': 'export const x = 1;\n' } },
  { rule: 'through-the-index', files: { 'src/teams/bot.ts': "import { x } from '../runs/service';\nexport const y = x;\n", 'src/runs/service.ts': 'export const x = 1;\n' } },
  { rule: 'botbuilder-only-in-teams-transport', files: { 'src/notify/proactive.ts': "import { CardFactory } from 'botbuilder';\nexport const y = CardFactory;\n" } },
  {
    rule: 'no-cycles-between-parts',
    files: { 'src/store/index.ts': "import { r } from '../runs';\nexport const s = () => r;\n", 'src/runs/index.ts': "import { s } from '../store';\nexport const r = () => s;\n" },
  },
  { rule: 'unknown-part', files: { 'src/loose.ts': "import { x } from './sync';\nexport const y = x;\n", 'src/sync/index.ts': 'export const x = 1;\n' } },
];

test.each(PLANTED)('a planted violation of $rule fails the check', ({ rule, files }) => {
  const dir = scratch(files);
  dirs.push(dir);
  expect(cruise(dir).map((v) => v.rule.name)).toContain(rule);
});

test('a type-only import may close a loop (a connector implements the ports of runs)', () => {
  const dir = scratch({
    'src/runs/index.ts': "import { source } from '../m365';\nexport interface Port { read(): number }\nexport const wire = source;\n",
    'src/m365/index.ts': "import type { Port } from '../runs';\nexport const source: Port = { read: () => 1 };\n",
  });
  dirs.push(dir);
  expect(cruise(dir)).toEqual([]);
});
