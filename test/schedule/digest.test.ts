/** The daily digest job: one message about every company, once across replicas, only when configured. */
import { parseConfig } from '../../src/config';
import { DIGEST_REF, describeProblem, MemoryNotifier } from '../../src/notify';
import { createLogger } from '../../src/observability/log';
import { RunService } from '../../src/runs';
import { Scheduler } from '../../src/schedule';
import { KyselyOverviewStore, KyselyRunStore } from '../../src/store';
import { views } from '../../src/teams/views';
import { testDatabases } from '../helpers/stores';
import { textOf } from '../teams/cardHelpers';

function config(digest: Record<string, unknown> | undefined) {
  return parseConfig({
    ...(digest ? { digest } : {}),
    companies: ['acme', 'globex', 'initech'].map((id, i) => ({
      id,
      name: id[0]!.toUpperCase() + id.slice(1),
      m365: { tenantId: `aaaaaaaa-0000-4000-8000-00000000000${i}`, clientId: 'bbbbbbbb-0000-4000-8000-000000000001', clientSecretEnv: 'UNUSED' },
      knowbe4: { scimUrl: 'http://127.0.0.1:1/scim/v2', scimTokenEnv: 'T', ...(id === 'globex' ? { seats: 5 } : {}) },
    })),
  });
}

test('the digest is off unless configured; its defaults are 07:00 UTC, replacing per-company summaries', () => {
  expect(config(undefined).digest).toBeUndefined();
  expect(config({}).digest).toEqual({ cron: '0 7 * * *', timezone: 'UTC', replacesSummaries: true });
  expect(() => config({ timezone: 'Mars/Olympus' })).toThrow(/IANA time zone/);
});

describe.each(testDatabases())('digest on $name', (database) => {
  let store: KyselyRunStore;
  let overview: KyselyOverviewStore;
  beforeAll(async () => {
    const opened = await database.open();
    store = new KyselyRunStore(opened.db);
    overview = new KyselyOverviewStore(opened.db);
  });
  afterAll(() => database.cleanup());

  test('one slot, two replicas: one digest about every company, failures first', async () => {
    const cfg = config({ cron: '0 7 * * *' });
    const now = new Date('2026-12-02T07:00:03Z');
    await store.updateCompanyState('globex', { lastRunStatus: 'failed', consecutiveFailures: 1, lastRunAt: now });
    await store.updateCompanyState('acme', { lastRunStatus: 'succeeded', lastRunAt: now });
    const notifier = new MemoryNotifier();
    const log = createLogger({ level: 'silent' });
    const replica = (holder: string) =>
      new Scheduler({ config: cfg, service: new RunService({ config: cfg, store, connectors: { source: () => { throw new Error('no reads'); }, target: () => { throw new Error('no reads'); } }, log }), store, overview, notifier, describe: describeProblem, log, clock: () => now, holder });
    const slot = new Date('2026-12-02T07:00:00Z');
    const outcomes = await Promise.all([replica('a').runDigestSlot(slot), replica('b').runDigestSlot(slot)]);
    expect(outcomes.filter((o) => o.kind === 'posted')).toEqual([{ kind: 'posted', companies: 3 }]);
    expect(await replica('c').runDigestSlot(slot)).toEqual({ kind: 'skipped', reason: 'already-run' });
    expect(notifier.events).toHaveLength(1);
    const event = notifier.events[0]!;
    expect(event).toMatchObject({ kind: 'digest', company: DIGEST_REF });
    if (event.kind !== 'digest') throw new Error('not a digest');
    expect(event.rows.map((r) => [r.id, r.result])).toEqual([
      ['globex', 'failed'],
      ['acme', 'in-step'],
      ['initech', 'never-run'],
    ]);
    const text = textOf(views.notification(event));
    expect(text).toContain('3 companies · 1 needs an admin');
    expect(text.indexOf('Globex')).toBeLessThan(text.indexOf('Acme'));
  });
});
