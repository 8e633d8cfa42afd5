/**
 * Stale and orphaned applies, against the KnowBe4 sandbox and a real store (SQLite and
 * PostgreSQL): a click never continues an interrupted plan nor applies an expired one; the service
 * resumes young plans and fails old ones with the reason; a run whose lease is taken stops writing;
 * shutdown stops at a safe point and hands the plan over at once; a second preview of a company
 * already previewing gets the one in progress.
 */
import { createLogger } from '../../src/observability/log';
import { ApplyRefused, RunInterrupted, type Actor, type RunDeps } from '../../src/runs/service';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import { KyselyRunStore } from '../../src/store/runStore';
import { addressKey } from '../../src/sync';
import { describeProblem, MemoryNotifier } from '../../src/notify';
import { Housekeeping } from '../../src/schedule';
import { src } from '../helpers/builders';
import { FixtureSource } from '../helpers/fixtureSource';
import { acmeConfig, acmeService } from '../helpers/runService';
import { testDatabases } from '../helpers/stores';

const TOKEN = 'interrupted-token';
const ADMIN: Actor = { id: '6f1c2a3b-1111-4a5b-9c8d-0123456789ab', name: 'Ann Admin', tenantId: null, via: 'teams' };
const people = Array.from({ length: 60 }, (_, i) => src({ mail: `person${i}@acme.com`, fields: { givenName: `P${i}`, surname: 'Stale', department: 'Sales' } }));

const configFor = (scimUrl: string) => acmeConfig(ADMIN.id!, scimUrl, { knowbe4: { requestsPerSecond: 1000, maxConcurrency: 2 }, groups: { default: 'All Staff' } });

const writes = (kb4: Knowbe4Sandbox) => kb4.controls.requests({ api: 'scim' }).filter((r) => r.method !== 'GET').length;
const until = async (check: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 400 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
};

describe.each(testDatabases())('interrupted applies on $name', (database) => {
  let kb4: Knowbe4Sandbox;
  let store: KyselyRunStore;
  let now: Date;
  let source: FixtureSource;

  const service = (settings: RunDeps['settings'] = {}) =>
    acmeService({ config: configFor(kb4.url), store, clock: () => now, source: () => source, scimToken: TOKEN, parallel: 2, settings: { leaseTtlMs: 600, concurrency: 2, ...settings } });
  const everyoneOnce = () => {
    const keys = kb4.controls.users().map((u) => addressKey(String(u.userName)));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(people.length);
    expect(kb4.controls.requests({ method: 'POST' }).filter((r) => r.path === '/Users' && r.status === 201)).toHaveLength(people.length);
  };

  afterAll(() => database.cleanup());
  beforeEach(async () => {
    store = new KyselyRunStore((await database.openFresh()).db);
    now = new Date('2026-12-01T02:00:00Z');
    source = new FixtureSource({ users: people, groups: [] });
    kb4 = await startKnowbe4Sandbox({ scimToken: TOKEN });
  });
  afterEach(() => kb4.stop());

  test('a click never continues an interrupted plan nor applies an expired one; only resume does', async () => {
    const s = service();
    const preview = await s.preview('acme', ADMIN);
    // A runner claimed it and died: the plan is `applying`, its lease free.
    expect(await store.claimPlanForApply(preview.planId, now)).toEqual({ ok: true });
    await expect(s.apply(preview.planId, ADMIN, { digest: preview.digest })).rejects.toMatchObject({ reason: 'applying' });
    now = new Date(now.getTime() + 61 * 60_000);
    await expect(s.apply(preview.planId, ADMIN, { digest: preview.digest })).rejects.toBeInstanceOf(ApplyRefused);
    expect(writes(kb4)).toBe(0);

    const resumed = await s.resume();
    expect(resumed.map((r) => r.status)).toEqual(['succeeded']);
    everyoneOnce();

    // An expired pending plan is refused too, and stays unapplied.
    const stale = await s.preview('acme', ADMIN);
    now = new Date(now.getTime() + 61 * 60_000);
    await expect(s.apply(stale.planId, ADMIN, { digest: stale.digest })).rejects.toMatchObject({ reason: 'expired' });
  });

  test('an interrupted plan older than the resume limit is failed with the reason, and nothing is written', async () => {
    const s = service({ resumeWithinMs: 2 * 60 * 60_000 });
    const preview = await s.preview('acme', ADMIN);
    expect(await store.claimPlanForApply(preview.planId, now)).toEqual({ ok: true });
    now = new Date(now.getTime() + 3 * 60 * 60_000);
    const [result, ...more] = await s.resume();
    expect(more).toEqual([]);
    expect(result).toMatchObject({ status: 'failed', error: expect.stringMatching(/3 h old.*Run a new preview/s) });
    expect((await store.getPlan(preview.planId))?.status).toBe('failed');
    expect((await store.getRun(result!.runId))?.status).toBe('failed');
    expect(writes(kb4)).toBe(0);
    expect(await s.resume()).toEqual([]);
  });

  test('a run whose lease is taken stops writing and says so; the holder finishes the plan once', async () => {
    kb4.controls.setLatency(20);
    const a = service();
    const preview = await a.preview('acme', ADMIN);
    const total = preview.plan.operations.length;
    let stolen = false;
    const started = await a.startApply(preview.planId, ADMIN, {
      digest: preview.digest,
      onProgress: (p) => {
        if (p.done >= 5 && !stolen) {
          stolen = true;
          // Another replica, whose clock runs a minute ahead, finds the lease lapsed and takes it.
          void store.acquireLease('company:acme', 'another-replica', 60_000, new Date(now.getTime() + 60_000));
        }
      },
    });
    const outcome = await started.result.then(
      () => null,
      (err: unknown) => err,
    );
    expect(outcome).toBeInstanceOf(RunInterrupted);
    expect((outcome as Error).message).toMatch(/lease/);
    const writtenByA = writes(kb4);
    expect(writtenByA).toBeLessThan(total);
    await new Promise((r) => setTimeout(r, 300));
    expect(writes(kb4)).toBe(writtenByA);
    expect((await store.getPlan(preview.planId))?.status).toBe('applying');

    // The other replica's lease lapses; the sweep (anyone's) finishes the plan in the same run.
    now = new Date(now.getTime() + 3 * 60_000);
    const resumed = await service().resume();
    expect(resumed.map((r) => r.status)).toEqual(['succeeded']);
    expect((await store.listRuns('acme', 10)).filter((r) => r.kind === 'apply' && r.planId === preview.planId)).toHaveLength(1);
    everyoneOnce();
  });

  test('shutdown stops at a safe point, releases the lease, and the next process finishes the plan at once', async () => {
    kb4.controls.setLatency(20);
    const a = service({ leaseTtlMs: 60_000 });
    const preview = await a.preview('acme', ADMIN);
    let stopping: Promise<{ inFlight: number; settled: boolean }> | null = null;
    const started = await a.startApply(preview.planId, ADMIN, {
      digest: preview.digest,
      onProgress: (p) => {
        if (p.done >= 5) stopping ??= a.shutdown(10_000);
      },
    });
    await expect(started.result).rejects.toBeInstanceOf(RunInterrupted);
    await until(() => stopping !== null);
    expect(await stopping).toEqual({ inFlight: 1, settled: true });
    // No new work once stopping.
    await expect(a.apply(preview.planId, ADMIN)).rejects.toMatchObject({ reason: 'shutting-down' });
    await expect(a.preview('acme', ADMIN)).rejects.toMatchObject({ reason: 'shutting-down' });
    const states = await store.states(preview.planId);
    expect(states.filter((s) => s.state === 'in_flight')).toEqual([]);

    // Same clock, lease ttl 60 s: only a released lease lets the next process in now.
    const resumed = await service({ leaseTtlMs: 60_000 }).resume();
    expect(resumed.map((r) => r.status)).toEqual(['succeeded']);
    everyoneOnce();
  });

  test('interrupted plans are swept periodically, not only at start-up; an old one is failed and the channels are told to preview again', async () => {
    const s = service();
    const notifier = new MemoryNotifier();
    const housekeeping = new Housekeeping({ service: s, store, notifier, describe: describeProblem, log: createLogger({ level: 'silent' }), sweepMs: 50, retention: { planDays: 30, runDays: 400 } });
    housekeeping.start();
    try {
      await housekeeping.sweep();
      // After start-up, a runner dies mid-plan (claimed, lease free) ...
      const young = await s.preview('acme', ADMIN);
      expect(await store.claimPlanForApply(young.planId, now)).toEqual({ ok: true });
      await until(async () => (await store.getPlan(young.planId))?.status === 'applied');
      expect((await store.getPlan(young.planId))?.status).toBe('applied');
      everyoneOnce();
      await until(() => notifier.events.length > 0);
      expect(notifier.events.map((e) => e.kind)).toEqual(['summary']);

      // ... and one whose plan is too old by the time anyone looks.
      const old = await s.preview('acme', ADMIN);
      expect(await store.claimPlanForApply(old.planId, now)).toEqual({ ok: true });
      now = new Date(now.getTime() + 5 * 60 * 60_000);
      await until(async () => (await store.getPlan(old.planId))?.status === 'failed');
      await until(() => notifier.events.length > 1);
      expect(notifier.events[1]).toMatchObject({ kind: 'failure', problem: { code: 'plan-too-old-to-resume', message: expect.stringContaining('Run a new preview'), fix: expect.stringContaining('preview sync Acme Corp') } });
    } finally {
      housekeeping.stop();
    }
  });

  test('a preview of a company already previewing gets the preview in progress', async () => {
    const s = service();
    const [first, second] = await Promise.all([s.preview('acme', ADMIN), s.preview('acme', ADMIN)]);
    expect(second.planId).toBe(first.planId);
    expect(source.calls).toBe(1);
    expect((await s.preview('acme', ADMIN)).planId).not.toBe(first.planId);
    expect(source.calls).toBe(2);
  });
});
