/**
 * Nightly runs with a controlled clock (no real waiting), against the KnowBe4 sandbox and a real
 * store: slot arithmetic across time zones and DST, catch-up, single run across replicas,
 * auto-apply, guard alerts and auto-pause.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, Secret, type Config } from '../../src/config';
import { Kb4ScimClient } from '../../src/knowbe4';
import { createLogger } from '../../src/observability/log';
import { MemoryNotifier } from '../../src/notify/events';
import type { SourceReader } from '../../src/runs/ports';
import { RunService } from '../../src/runs/service';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import type { SeedGroup, SeedUser } from '../../src/sandbox/knowbe4/account';
import { missedSlot, nextSlot, Scheduler } from '../../src/schedule/scheduler';
import { KyselyRunStore } from '../../src/store/runStore';
import { FixtureSource } from '../helpers/fixtureSource';
import { testDatabases } from '../helpers/stores';
import { limiter } from '../../src/shared';

const FIX = join(__dirname, '..', 'fixtures');
const TOKEN = 'schedule-token';
const kb4 = JSON.parse(readFileSync(join(FIX, 'kb4.json'), 'utf8')) as { users: { Resources: SeedUser[] }; groups: SeedGroup[] };

function config(scimUrl: string, schedule: Record<string, unknown>, extra: Record<string, unknown> = {}): Config {
  return parseConfig({
    companies: [
      {
        id: 'acme',
        name: 'Acme Corp',
        m365: { tenantId: 'aaaaaaaa-0000-4000-8000-000000000001', clientId: 'bbbbbbbb-0000-4000-8000-000000000001', clientSecretEnv: 'UNUSED' },
        knowbe4: { scimUrl, scimTokenEnv: 'T', requestsPerSecond: 500 },
        scope: { licenses: ['SPE_E3', 'O365_BUSINESS_PREMIUM'], exclude: ['svc-*@acmecorp.com'] },
        groups: { default: 'All Staff', departments: { Sales: 'Sales Team', Engineering: 'Engineering', Finance: 'Finance' } },
        schedule,
        ...extra,
      },
    ],
  });
}

describe('slot arithmetic', () => {
  const company = (tz: string) => config('http://127.0.0.1:1/scim/v2', { cron: '0 2 * * *', timezone: tz }).companies[0]!;

  test.each([
    ['America/New_York', '2026-03-07T12:00:00Z', '2026-03-08T07:00:00.000Z'],
    // The night of the spring change: 02:00 does not exist in New York on 8 March.
    ['America/New_York', '2026-03-08T12:00:00Z', '2026-03-09T06:00:00.000Z'],
    // The night of the autumn change 02:00 happens twice in Berlin: croner 11 (like Vixie cron)
    // runs the first one, and only that one.
    ['Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-25T00:00:00.000Z'],
    ['Europe/Berlin', '2026-10-25T00:00:00Z', '2026-10-26T01:00:00.000Z'],
    ['Europe/Berlin', '2026-10-25T12:00:00Z', '2026-10-26T01:00:00.000Z'],
    ['Asia/Kolkata', '2026-11-24T00:00:00Z', '2026-11-24T20:30:00.000Z'],
    ['UTC', '2026-11-24T02:00:00Z', '2026-11-25T02:00:00.000Z'],
  ])('02:00 in %s after %s is %s', (tz, after, expected) => {
    expect(nextSlot(company(tz), new Date(after))?.toISOString()).toBe(expected);
  });

  test('a service down for three nights catches up the latest missed slot only', () => {
    const c = company('UTC');
    expect(missedSlot(c, new Date('2026-11-20T02:00:00Z'), new Date('2026-11-23T09:00:00Z'))?.toISOString()).toBe('2026-11-23T02:00:00.000Z');
    expect(missedSlot(c, new Date('2026-11-23T02:00:00Z'), new Date('2026-11-23T09:00:00Z'))).toBeNull();
  });
});

describe.each(testDatabases())('scheduler on $name', (database) => {
  let sandbox: Knowbe4Sandbox;
  let store: KyselyRunStore;
  let now: Date;

  afterAll(() => database.cleanup());
  beforeEach(async () => {
    store = new KyselyRunStore((await database.openFresh()).db);
    now = new Date('2026-11-24T02:00:00Z');
    sandbox = await startKnowbe4Sandbox({ scimToken: TOKEN, users: structuredClone(kb4.users.Resources), groups: structuredClone(kb4.groups) });
  });
  afterEach(() => sandbox.stop());

  function rig(cfg: Config, source: SourceReader = FixtureSource.fromFile(join(FIX, 'm365.json')), holder = 'replica-1') {
    const company = cfg.companies[0]!;
    const service = new RunService({
      config: cfg,
      store,
      log: createLogger({ level: 'silent' }),
      clock: () => now,
      holder,
      connectors: {
        source: () => source,
        target: () => Kb4ScimClient.forCompany(company, new Secret(TOKEN), { limiter: limiter({ concurrency: 4 }), sleep: async () => undefined }),
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

  test('autoApply with the guard passing applies and posts the summary', async () => {
    const { scheduler, notifier } = rig(config(sandbox.url, { cron: '0 2 * * *', autoApply: true }));
    const outcome = await scheduler.runSlot('acme', now);
    expect(outcome).toMatchObject({ kind: 'applied', status: 'succeeded' });
    expect(notifier.events.map((e) => e.kind)).toEqual(['summary']);
    expect(sandbox.controls.requestCount({ method: 'POST' })).toBeGreaterThan(0);
  });

  test('a guard-blocked nightly run applies nothing and posts the alert', async () => {
    const { scheduler, notifier } = rig(config(sandbox.url, { cron: '0 2 * * *', autoApply: true }, { removeStaleUsers: true }));
    const writesBefore = sandbox.controls.requestCount({ method: 'POST' }) + sandbox.controls.requestCount({ method: 'PATCH' });
    expect(await scheduler.runSlot('acme', now)).toMatchObject({ kind: 'guard-blocked' });
    expect(sandbox.controls.requestCount({ method: 'POST' }) + sandbox.controls.requestCount({ method: 'PATCH' })).toBe(writesBefore);
    expect(notifier.events).toEqual([expect.objectContaining({ kind: 'guard-blocked', archiveCount: 3 })]);
  });

  test('without autoApply a non-empty plan is posted for approval', async () => {
    const { scheduler, notifier } = rig(config(sandbox.url, { cron: '0 2 * * *', autoApply: false }));
    expect(await scheduler.runSlot('acme', now)).toMatchObject({ kind: 'approval-needed' });
    expect(notifier.events.map((e) => e.kind)).toEqual(['approval-needed']);
  });

  test('two replicas: a due slot runs exactly once', async () => {
    const cfg = config(sandbox.url, { cron: '0 2 * * *', autoApply: true });
    const a = rig(cfg, undefined, 'replica-a');
    const b = rig(cfg, undefined, 'replica-b');
    const outcomes = await Promise.all([a.scheduler.runSlot('acme', now), b.scheduler.runSlot('acme', now)]);
    expect(outcomes.filter((o) => o.kind === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'skipped')).toHaveLength(1);
    expect([...a.notifier.events, ...b.notifier.events].map((e) => e.kind)).toEqual(['summary']);
  });

  test('a missed run is caught up once at start-up', async () => {
    const cfg = config(sandbox.url, { cron: '0 2 * * *', autoApply: true });
    await store.updateCompanyState('acme', { lastScheduledSlot: new Date('2026-11-21T02:00:00Z') });
    now = new Date('2026-11-24T08:00:00Z');
    const { scheduler, notifier } = rig(cfg);
    const first = await scheduler.catchUp();
    expect(first.get('acme')).toMatchObject({ kind: 'applied' });
    expect((await store.getCompanyState('acme')).lastScheduledSlot?.toISOString()).toBe('2026-11-24T02:00:00.000Z');
    expect((await scheduler.catchUp()).size).toBe(0);
    expect(notifier.events.map((e) => e.kind)).toEqual(['summary']);
  });

  test('three failures in a row pause the company and post one notice', async () => {
    const broken: SourceReader = {
      fetchSource: async () => {
        throw new Error('Graph answered 503 five times');
      },
    };
    const { scheduler, notifier } = rig(config(sandbox.url, { cron: '0 2 * * *', autoApply: true }), broken);
    const day = (n: number) => new Date(Date.parse('2026-11-24T02:00:00Z') + n * 86_400_000);
    const outcomes = [];
    for (let n = 0; n < 5; n++) {
      now = day(n);
      outcomes.push(await scheduler.runSlot('acme', day(n)));
    }
    expect(outcomes.map((o) => o.kind)).toEqual(['failed', 'failed', 'failed', 'skipped', 'skipped']);
    expect(notifier.events.map((e) => e.kind)).toEqual(['failure', 'failure', 'auto-paused']);
    expect(await store.getCompanyState('acme')).toMatchObject({ paused: true, consecutiveFailures: 3 });
    // The auto-pause is on the audit trail like an admin's pause: once, by the schedule, with why.
    const pauses = (await store.listAudit({ companyId: 'acme', limit: 1000 })).filter((e) => e.action === 'pause');
    expect(pauses.map((e) => [e.outcome, e.actorName, e.via, e.detail])).toEqual([['ok', 'kb4sync schedule', 'schedule', { reason: 'repeated-failures', consecutiveFailures: 3 }]]);
  });
});
