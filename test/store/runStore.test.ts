import { KyselyRunStore } from '../../src/store/runStore';
import { plan } from '../../src/sync';
import { rules, src, tgt } from '../helpers/builders';
import { testDatabases, withRunStore } from '../helpers/stores';

const samplePlan = plan(rules({ removeStaleUsers: true }), { users: [src({ mail: 'new@acme.com' })], groups: [] }, { users: [tgt({ userName: 'old@acme.com' })], groups: [] }, { previousSourceCount: null });
const T0 = new Date('2026-11-24T02:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

describe.each(testDatabases())('store on $name', (database) => {
  let store: KyselyRunStore;
  withRunStore(database, (opened) => (store = opened));

  test('migrations are idempotent: opening again changes nothing', async () => {
    const again = await database.open();
    const store2 = new KyselyRunStore(again.db);
    expect(await store2.getCompanyState('nobody')).toMatchObject({ paused: false, consecutiveFailures: 0 });
  });

  test('a plan round-trips exactly', async () => {
    const id = await store.savePlan({ companyId: 'acme', kind: 'full', plan: samplePlan, digest: 'd1', createdAt: T0, expiresAt: later(60_000), requestedBy: 'admin-1' });
    const stored = await store.getPlan(id);
    expect(stored).toEqual({ planId: id, companyId: 'acme', kind: 'full', plan: samplePlan, digest: 'd1', status: 'pending', createdAt: T0, expiresAt: later(60_000), requestedBy: 'admin-1' });
    expect(await store.getPlan('missing')).toBeNull();
  });

  test('a plan is claimed for apply once, even by concurrent callers', async () => {
    const id = await store.savePlan({ companyId: 'acme', kind: 'full', plan: samplePlan, digest: 'd', createdAt: T0, expiresAt: later(60_000), requestedBy: null });
    const results = await Promise.all(Array.from({ length: 8 }, () => store.claimPlanForApply(id, later(1000))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => (r.ok ? null : r.reason))).toEqual(Array(7).fill('applying'));
    await store.setPlanStatus(id, 'applied');
    expect(await store.claimPlanForApply(id, later(2000))).toEqual({ ok: false, reason: 'applied' });
  });

  test('an expired or cancelled plan is refused', async () => {
    const expired = await store.savePlan({ companyId: 'acme', kind: 'full', plan: samplePlan, digest: 'd', createdAt: T0, expiresAt: later(60_000), requestedBy: null });
    expect(await store.claimPlanForApply(expired, later(60_000))).toEqual({ ok: false, reason: 'expired' });
    expect((await store.getPlan(expired))?.status).toBe('expired');
    const cancelled = await store.savePlan({ companyId: 'acme', kind: 'full', plan: samplePlan, digest: 'd', createdAt: T0, expiresAt: later(60_000), requestedBy: null });
    await store.setPlanStatus(cancelled, 'cancelled');
    expect(await store.claimPlanForApply(cancelled, later(1))).toEqual({ ok: false, reason: 'cancelled' });
    expect(await store.claimPlanForApply('nope', later(1))).toEqual({ ok: false, reason: 'not-found' });
  });

  test('operation states persist, and a known result is kept when the state changes', async () => {
    await store.record('p1', [
      { opId: 'create:a', state: 'in_flight' },
      { opId: 'update:b', state: 'failed', error: 'boom' },
    ]);
    await store.record('p1', [{ opId: 'create:a', state: 'done', resultId: 'kb4-9' }]);
    await store.record('p1', [{ opId: 'create:a', state: 'done' }]);
    const states = new Map((await store.states('p1')).map((s) => [s.opId, s]));
    expect(states.get('create:a')).toEqual({ opId: 'create:a', state: 'done', resultId: 'kb4-9', error: null });
    expect(states.get('update:b')).toEqual({ opId: 'update:b', state: 'failed', resultId: null, error: 'boom' });
    // One operation at a time (the executor's way), from its first state on.
    await store.record('p3', [{ opId: 'create:c', state: 'in_flight' }]);
    await store.record('p3', [{ opId: 'create:c', state: 'failed', error: 'timeout' }]);
    await store.record('p3', [{ opId: 'create:c', state: 'done', resultId: 'kb4-3' }]);
    await store.record('p3', [{ opId: 'create:c', state: 'pending' }]);
    expect(await store.states('p3')).toEqual([{ opId: 'create:c', state: 'pending', resultId: 'kb4-3', error: null }]);
    const many = Array.from({ length: 1234 }, (_, i) => ({ opId: `op-${i}`, state: 'done' as const }));
    await store.record('p2', many);
    expect(await store.states('p2')).toHaveLength(1234);
  });

  test('leases: one holder at a time, renewal, expiry and release', async () => {
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((h) => store.acquireLease('company:acme', h, 30_000, T0)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = ['a', 'b', 'c', 'd'][results.indexOf(true)] as string;
    const other = winner === 'a' ? 'b' : 'a';
    expect(await store.acquireLease('company:acme', other, 30_000, later(10_000))).toBe(false);
    expect(await store.acquireLease('company:acme', winner, 30_000, later(10_000))).toBe(true);
    expect(await store.renewLease('company:acme', winner, 30_000, later(20_000))).toBe(true);
    expect(await store.renewLease('company:acme', other, 30_000, later(20_000))).toBe(false);
    // Renewed at +20 s for 30 s: still held at +45 s, lapsed at +50 s.
    expect(await store.acquireLease('company:acme', other, 30_000, later(45_000))).toBe(false);
    expect(await store.acquireLease('company:acme', other, 30_000, later(50_000))).toBe(true);
    await store.releaseLease('company:acme', winner);
    expect(await store.acquireLease('company:acme', winner, 30_000, later(51_000))).toBe(false);
    await store.releaseLease('company:acme', other);
    expect(await store.acquireLease('company:acme', winner, 30_000, later(52_000))).toBe(true);
  });

  test('runs, history and the run of a plan', async () => {
    const r1 = await store.createRun({ companyId: 'globex', planId: 'p-9', kind: 'apply', trigger: 'teams', actor: 'admin', startedAt: T0 });
    const r2 = await store.createRun({ companyId: 'globex', planId: null, kind: 'preview', trigger: 'cli', actor: null, startedAt: later(1000) });
    const report = { success: true, sync_summary: { company: 'Globex' } } as never;
    await store.finishRun(r1, { status: 'partial', finishedAt: later(500), report, error: null });
    expect(await store.getRun(r1)).toMatchObject({ runId: r1, status: 'partial', finishedAt: later(500), report });
    expect((await store.listRuns('globex', 10)).map((r) => r.runId)).toEqual([r2, r1]);
    expect((await store.runForPlan('p-9', 'apply'))?.runId).toBe(r1);
  });

  test('company state: defaults, partial updates, pause', async () => {
    expect(await store.getCompanyState('initech')).toEqual({ paused: false, consecutiveFailures: 0, lastRunId: null, lastRunStatus: null, lastRunAt: null, lastGoodSourceCount: null, lastScheduledSlot: null });
    await store.updateCompanyState('initech', { consecutiveFailures: 2, lastRunStatus: 'failed', lastRunAt: T0 });
    await store.updateCompanyState('initech', { paused: true, lastScheduledSlot: later(5) });
    expect(await store.getCompanyState('initech')).toEqual({ paused: true, consecutiveFailures: 2, lastRunId: null, lastRunStatus: 'failed', lastRunAt: T0, lastGoodSourceCount: null, lastScheduledSlot: later(5) });
  });

  test('audit entries and last-seen times', async () => {
    await store.recordAudit({ at: T0, actorId: 'u1', actorName: 'Ann', tenantId: 't1', action: 'apply', companyId: 'acme', planId: 'p', runId: null, outcome: 'refused', via: 'teams', detail: { reason: 'not-an-admin' } });
    expect(await store.listAudit({ companyId: 'acme' })).toEqual([
      { at: T0, actorId: 'u1', actorName: 'Ann', tenantId: 't1', action: 'apply', companyId: 'acme', planId: 'p', runId: null, outcome: 'refused', via: 'teams', detail: { reason: 'not-an-admin' } },
    ]);
    const ids = Array.from({ length: 1200 }, (_, i) => `kb4-${i}`);
    await store.recordLastSeen('acme', ids, T0);
    await store.recordLastSeen('acme', ['kb4-1'], later(1000));
    const seen = await store.lastSeen('acme', ['kb4-0', 'kb4-1', 'kb4-x']);
    expect(seen).toEqual(new Map([['kb4-0', T0], ['kb4-1', later(1000)]]));
  });

  test('retention: old plans and runs go, what is still applying or running stays, journals live while their plan or an apply run does, audit is kept', async () => {
    const day = 24 * 60 * 60_000;
    const at = (days: number) => new Date(T0.getTime() - days * day);
    const save = (days: number) => store.savePlan({ companyId: 'keep', kind: 'full', plan: samplePlan, digest: 'r', createdAt: at(days), expiresAt: at(days), requestedBy: null });
    const run = async (planId: string | null, days: number, kind: 'apply' | 'preview', finished: boolean) => {
      const id = await store.createRun({ companyId: 'keep', planId, kind, trigger: 'cli', actor: null, startedAt: at(days) });
      if (finished) await store.finishRun(id, { status: 'succeeded', finishedAt: at(days), report: null, error: null });
      return id;
    };
    const oldPlan = await save(31);
    const oldApplying = await save(31);
    await store.setPlanStatus(oldApplying, 'applying');
    const newPlan = await save(29);
    const appliedOld = await save(45);
    for (const id of [oldPlan, oldApplying, newPlan, appliedOld]) await store.record(id, [{ opId: 'create:x', state: 'done' }]);
    await run(oldPlan, 31, 'preview', true);
    const applyRun = await run(appliedOld, 45, 'apply', true);
    const ancient = await run(null, 401, 'apply', true);
    const ancientRunning = await run(null, 401, 'apply', false);
    await store.recordAudit({ at: at(500), actorId: null, actorName: null, tenantId: null, action: 'apply', companyId: 'keep', planId: appliedOld, runId: ancient, outcome: 'ok', via: 'cli', detail: {} });

    const pruned = await store.prune({ plansBefore: at(30), runsBefore: at(400) });
    // (Other tests here journal plan ids that were never stored: those rows go too.)
    expect(pruned).toEqual({ plans: 2, runs: 1, operations: expect.any(Number) });
    expect(pruned.operations).toBeGreaterThanOrEqual(1);
    expect(await store.getPlan(oldPlan)).toBeNull();
    expect(await store.getPlan(appliedOld)).toBeNull();
    expect((await store.getPlan(oldApplying))?.status).toBe('applying');
    expect(await store.getPlan(newPlan)).not.toBeNull();
    // The applied plan's journal stays with its run; the never-applied one's went with it.
    expect(await store.states(appliedOld)).toHaveLength(1);
    expect(await store.states(oldPlan)).toEqual([]);
    expect(await store.states(newPlan)).toHaveLength(1);
    expect(await store.states(oldApplying)).toHaveLength(1);
    expect(await store.getRun(ancient)).toBeNull();
    expect(await store.getRun(ancientRunning)).not.toBeNull();
    expect(await store.getRun(applyRun)).not.toBeNull();
    expect((await store.listAudit({ companyId: 'keep' })).map((a) => a.runId)).toEqual([ancient]);

    // When the apply run ages out too, its journal goes with it.
    expect(await store.prune({ plansBefore: at(30), runsBefore: at(44) })).toEqual({ plans: 0, runs: 1, operations: 1 });
    expect(await store.states(appliedOld)).toEqual([]);
  });
});
