/**
 * Crash recovery: a child process applying a plan is killed with SIGKILL at a random point;
 * resume() finishes the plan; every user exists exactly once and no create was sent twice.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { parseConfig, Secret } from '../../src/config';
import { Kb4ScimClient } from '../../src/knowbe4';
import { createLogger } from '../../src/observability/log';
import { RunService } from '../../src/runs/service';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import { openDatabase, type StoreLocation } from '../../src/store/db';
import { KyselyRunStore } from '../../src/store/runStore';
import { addressKey } from '../../src/sync';
import { src } from '../helpers/builders';
import { FixtureSource } from '../helpers/fixtureSource';
import { PG_URL } from '../helpers/stores';
import { limiter } from '../../src/shared';

const TOKEN = 'crash-test-token';
const TRIALS = Number(process.env.CRASH_TRIALS ?? 4);

function rawConfig(scimUrl: string) {
  return {
    admins: [],
    companies: [
      {
        id: 'acme',
        name: 'Acme Corp',
        m365: { tenantId: 'aaaaaaaa-0000-4000-8000-000000000001', clientId: 'bbbbbbbb-0000-4000-8000-000000000001', clientSecretEnv: 'UNUSED' },
        knowbe4: { scimUrl, scimTokenEnv: 'ACME_KB4_SCIM_TOKEN', requestsPerSecond: 1000, maxConcurrency: 4 },
        groups: { default: 'All Staff', departments: { Sales: 'Sales Team' } },
      },
    ],
  };
}

/** A tiny seeded PRNG so a failing trial can be replayed. */
function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const people = Array.from({ length: 80 }, (_, i) =>
  src({ mail: `person${i}@acme.com`, fields: { givenName: `P${i}`, surname: 'Crash', department: i % 3 ? 'Sales' : 'Support' } }),
);
for (let i = 1; i < people.length; i++) people[i]!.managerId = people[Math.floor((i - 1) / 4)]!.id;

describe.each([
  ['sqlite', (dir: string): StoreLocation => ({ sqlitePath: join(dir, 'crash.db') })],
  ['postgres', (): StoreLocation => ({ databaseUrl: PG_URL, pgSchema: `kb4s_crash_${process.pid}` })],
] as const)('SIGKILL mid-apply on %s', (_name, location) => {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-crash-'));
  const random = mulberry32(20261124);

  test.each(Array.from({ length: TRIALS }, (_, i) => i))('trial %i: resume completes the plan, nobody is created twice', async () => {
    const sandbox: Knowbe4Sandbox = await startKnowbe4Sandbox({ scimToken: TOKEN });
    sandbox.controls.setLatency(15);
    const base = location(dir);
    const suffix = Math.floor(random() * 1e9);
    const db: StoreLocation = base.pgSchema ? { ...base, pgSchema: `${base.pgSchema}_${suffix}` } : { sqlitePath: join(dir, `crash-${suffix}.db`) };
    const opened = await openDatabase(db);
    const store = new KyselyRunStore(opened.db);
    const config = parseConfig(rawConfig(sandbox.url));
    const company = config.companies[0]!;
    let now = new Date();
    const service = new RunService({
      config,
      store,
      log: createLogger({ level: 'silent' }),
      clock: () => now,
      settings: { leaseTtlMs: 1500 },
      connectors: {
        source: () => new FixtureSource({ users: people, groups: [] }),
        target: () => Kb4ScimClient.forCompany(company, new Secret(TOKEN), { limiter: limiter({ concurrency: 4 }), sleep: async () => undefined }),
      },
    });
    try {
      const preview = await service.preview('acme', { id: null, name: 'test', tenantId: null, via: 'cli' });
      const total = preview.plan.operations.length;
      // Kill while writes settle one request at a time: memberships settle a whole batch (and
      // with a fast server, every batch) at once, which can leave nothing of the run to kill.
      const oneByOne = preview.plan.operations.filter((op) => op.kind !== 'addToGroup' && op.kind !== 'removeFromGroup').length;
      const killAfter = 1 + Math.floor(random() * oneByOne * 0.9);

      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'helpers', 'applyChild.ts'), JSON.stringify({ db, planId: preview.planId, config: rawConfig(sandbox.url), token: TOKEN, confirmArchive: null })], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // The child prints settled/total after each write; kill it once `killAfter` have settled.
      let settled = 0;
      child.stdout.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n')) {
          const m = /^(\d+)\/\d+$/.exec(line);
          if (m) settled = Math.max(settled, Number(m[1]));
        }
        if (settled >= killAfter) child.kill('SIGKILL');
      });
      const code = await exit;
      expect(stderr).toBe('');
      // Killed mid-run, not finished: the point of the trial.
      expect(code).toBeNull();
      expect(settled).toBeLessThan(total);

      // The dead child's lease lapses; then resume finishes its plan.
      now = new Date(Date.now() + 2000);
      const resumed = await service.resume();
      expect(resumed).toHaveLength(1);
      expect(resumed[0]?.status).toBe('succeeded');
      expect((await store.getPlan(preview.planId))?.status).toBe('applied');

      const users = sandbox.controls.users();
      const keys = users.map((u) => addressKey(String(u.userName)));
      expect(new Set(keys).size).toBe(keys.length);
      expect(users).toHaveLength(people.length);
      const created = sandbox.controls.requests({ method: 'POST' }).filter((r) => r.path === '/Users' && (r.status === 201 || r.status === -1));
      expect(created).toHaveLength(people.length);
      expect((await service.preview('acme', { id: null, name: 'test', tenantId: null, via: 'cli' })).plan.operations).toEqual([]);
    } finally {
      await sandbox.stop();
      if (opened.dialect === 'postgres') await sql`drop schema if exists ${sql.id(db.pgSchema as string)} cascade`.execute(opened.db);
      await opened.db.destroy();
    }
  });
});
