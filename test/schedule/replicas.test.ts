/**
 * Many companies due at once on two replicas sharing one store: each replica queues every due
 * company behind its own runs-at-once bound, claims a company only when a slot of its own frees, and
 * every company runs exactly once with no write made twice. On SQLite and PostgreSQL.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, Secret, type Config } from '../../src/config';
import { Kb4ScimClient } from '../../src/knowbe4';
import { createLogger } from '../../src/observability/log';
import { MemoryNotifier } from '../../src/notify/events';
import { RunService } from '../../src/runs/service';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import type { SeedGroup, SeedUser } from '../../src/sandbox/knowbe4/account';
import { Scheduler, type SlotOutcome } from '../../src/schedule/scheduler';
import { KyselyRunStore } from '../../src/store/runStore';
import { FixtureSource } from '../helpers/fixtureSource';
import { testDatabases } from '../helpers/stores';
import { limiter } from '../../src/shared';

const FIX = join(__dirname, '..', 'fixtures');
const COMPANIES = 6;
const RUNS_AT_ONCE = 2;
const kb4 = JSON.parse(readFileSync(join(FIX, 'kb4.json'), 'utf8')) as { users: { Resources: SeedUser[] }; groups: SeedGroup[] };
const ids = Array.from({ length: COMPANIES }, (_, i) => `co-${i}`);
const token = (id: string) => `token-${id}`;

function config(sandbox: Knowbe4Sandbox): Config {
  return parseConfig({
    service: { concurrency: 4, runsAtOnce: RUNS_AT_ONCE },
    companies: ids.map((id, i) => ({
      id,
      name: `Company ${i}`,
      m365: { tenantId: `aaaaaaaa-0000-4000-8000-00000000000${i}`, clientId: 'bbbbbbbb-0000-4000-8000-000000000001', clientSecretEnv: 'UNUSED' },
      knowbe4: { scimUrl: sandbox.account(id).url, scimTokenEnv: 'T', requestsPerSecond: 500 },
      scope: { licenses: ['SPE_E3', 'O365_BUSINESS_PREMIUM'], exclude: ['svc-*@acmecorp.com'] },
      groups: { default: 'All Staff', departments: { Sales: 'Sales Team', Engineering: 'Engineering', Finance: 'Finance' } },
      schedule: { cron: '0 2 * * *', autoApply: true, lightRunMinutes: 0 },
    })),
  });
}

function companyOf(cfg: Config, id: string) {
  const company = cfg.companies.find((c) => c.id === id);
  if (!company) throw new Error(`no company ${id}`);
  return company;
}

describe.each(testDatabases())('many companies on two replicas, $name', (database) => {
  let sandbox: Knowbe4Sandbox;
  let store: KyselyRunStore;
  const now = new Date('2026-11-24T02:00:00Z');

  beforeAll(async () => {
    store = new KyselyRunStore((await database.open()).db);
    sandbox = await startKnowbe4Sandbox({
      accounts: ids.map((id) => ({ id, scimToken: token(id), users: structuredClone(kb4.users.Resources), groups: structuredClone(kb4.groups) })),
    });
  });
  afterAll(async () => {
    await sandbox.stop();
    await database.cleanup();
  });

  function replica(cfg: Config, holder: string) {
    const source = FixtureSource.fromFile(join(FIX, 'm365.json'));
    const service = new RunService({
      config: cfg,
      store,
      log: createLogger({ level: 'silent' }),
      clock: () => now,
      holder,
      connectors: {
        source: () => source,
        target: (id) => Kb4ScimClient.forCompany(companyOf(cfg, id), new Secret(token(id)), { limiter: limiter({ concurrency: 4 }), sleep: async () => undefined }),
      },
    });
    const notifier = new MemoryNotifier();
    const scheduler = new Scheduler({
      config: cfg,
      service,
      store,
      notifier,
      log: createLogger({ level: 'silent' }),
      clock: () => now,
      holder,
      describe: (e) => ({ kind: 'failure', code: 'graph-error', service: 'Microsoft 365', message: (e as Error).message, fix: null }),
    });
    return { scheduler, notifier };
  }

  test('every company due at 02:00 runs exactly once, within each replica’s runs at once, with no write made twice', async () => {
    const cfg = config(sandbox);
    const replicas = [replica(cfg, 'replica-a'), replica(cfg, 'replica-b')];
    // Both replicas' cron jobs fire for every company at the same minute.
    const results = await Promise.all(replicas.flatMap((r) => ids.map(async (id) => ({ id, outcome: (await r.scheduler.enqueue(id, now)).outcome }))));

    const applied = (id: string) => results.filter((r) => r.id === id && r.outcome.kind === 'applied');
    const skipped = (id: string) => results.filter((r) => r.id === id && r.outcome.kind === 'skipped').map((r) => (r.outcome as Extract<SlotOutcome, { kind: 'skipped' }>).reason);
    for (const id of ids) {
      expect(applied(id)).toHaveLength(1);
      expect(skipped(id)).toHaveLength(1);
      expect(['claimed-elsewhere', 'already-run']).toContain(skipped(id)[0]);
    }
    for (const r of replicas) expect(r.scheduler.queue.stats()).toMatchObject({ waiting: 0, running: 0 });
    for (const r of replicas) expect(r.scheduler.queue.stats().peakRunning).toBeLessThanOrEqual(RUNS_AT_ONCE);
    expect(replicas.map((r) => r.notifier.events.filter((e) => e.kind === 'summary').length).reduce((a, b) => a + b)).toBe(COMPANIES);

    // No write twice: every account's creates name distinct people, and nothing was refused as a conflict.
    for (const id of ids) {
      const requests = sandbox.account(id).controls.requests();
      const creates = requests.filter((q) => q.method === 'POST' && q.path === '/Users').map((q) => (q.body as { userName: string }).userName);
      expect(creates.length).toBeGreaterThan(0);
      expect(new Set(creates).size).toBe(creates.length);
      expect(requests.filter((q) => q.status === 409)).toEqual([]);
    }
    // And a second firing of the same slot (a late replica) finds it run.
    expect((await replicas[0]!.scheduler.enqueue('co-0', now)).outcome).toEqual({ kind: 'skipped', reason: 'already-run' });
  });
});
