/**
 * preview → apply end to end over real HTTP against the KnowBe4 sandbox, with a real store
 * (SQLite and PostgreSQL).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplyRefused, type Actor } from '../../src/runs/service';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import type { SeedGroup, SeedUser } from '../../src/sandbox/knowbe4/account';
import { KyselyRunStore } from '../../src/store/runStore';
import { addressKey } from '../../src/sync';
import { FixtureSource } from '../helpers/fixtureSource';
import { acmeConfig, acmeService } from '../helpers/runService';
import { testDatabases } from '../helpers/stores';

const FIX = join(__dirname, '..', 'fixtures');
const TOKEN = 'scim-token-for-tests';
const ADMIN: Actor = { id: '6f1c2a3b-1111-4a5b-9c8d-0123456789ab', name: 'Ann Admin', tenantId: null, via: 'cli' };
const kb4Fixture = JSON.parse(readFileSync(join(FIX, 'kb4.json'), 'utf8')) as { users: { Resources: SeedUser[] }; groups: SeedGroup[] };

const configFor = (scimUrl: string, removeStaleUsers = true) =>
  acmeConfig(ADMIN.id!, scimUrl, {
    knowbe4: { scimTokenEnv: 'ACME_KB4_SCIM_TOKEN', requestsPerSecond: 200, maxConcurrency: 4 },
    scope: { licenses: ['SPE_E3', 'O365_BUSINESS_PREMIUM'], exclude: ['svc-*@acmecorp.com'] },
    attributes: { customField1: 'employeeId' },
    groups: { default: 'All Staff', departments: { Sales: 'Sales Team', Engineering: 'Engineering', Finance: 'Finance' } },
    removeStaleUsers,
    guard: { maxArchive: 10, maxArchivePercent: 10 },
  });

describe.each(testDatabases())('runs on $name', (database) => {
  let sandbox: Knowbe4Sandbox;
  let store: KyselyRunStore;
  let now: Date;
  let source: FixtureSource;

  const service = (opts: { removeStaleUsers?: boolean } = {}) =>
    acmeService({
      config: configFor(sandbox.url, opts.removeStaleUsers ?? true),
      store,
      clock: () => now,
      source: () => source,
      scimToken: TOKEN,
      parallel: 4,
      retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 10 },
    });

  afterAll(() => database.cleanup());
  beforeEach(async () => {
    store = new KyselyRunStore((await database.openFresh()).db);
    now = new Date('2026-11-24T02:00:00Z');
    source = FixtureSource.fromFile(join(FIX, 'm365.json'));
    sandbox = await startKnowbe4Sandbox({ scimToken: TOKEN, users: structuredClone(kb4Fixture.users.Resources), groups: structuredClone(kb4Fixture.groups) });
  });
  afterEach(() => sandbox.stop());

  test('preview, confirm the guard, apply: KnowBe4 ends as planned and a new preview is empty', async () => {
    const runs = service();
    const preview = await runs.preview('acme', ADMIN);
    expect(preview.plan.guard).toMatchObject({ status: 'blocked', archiveCount: 3 });
    expect(preview.report.dry_run).toBe(true);

    const result = await runs.apply(preview.planId, ADMIN, { confirmArchive: 3, digest: preview.digest });
    expect(result.status).toBe('succeeded');
    expect(result.report.success).toBe(true);

    // The report agrees with what the SCIM server received.
    const posts = sandbox.controls.requests({ method: 'POST' }).filter((r) => r.path === '/Users' && r.status === 201);
    expect(posts).toHaveLength(result.report.sync_summary.users_created);
    expect(result.report.sync_summary).toMatchObject({ users_created: 1, users_archived: 3, m365_users_found: 11, users_matched: 8 });

    const users = sandbox.controls.users();
    const active = users.filter((u) => u.active !== false).map((u) => addressKey(String(u.userName)));
    expect(new Set(active).size).toBe(active.length);
    expect(active).toContain('new.hire@acmecorp.com');
    expect(active).toContain('priya.r@acmecorp.com');
    expect(active).not.toContain('former.employee@acmecorp.com');

    const again = await runs.preview('acme', ADMIN);
    expect(again.plan.operations).toEqual([]);
    expect((await store.getRun(result.runId))?.status).toBe('succeeded');
    expect((await store.getCompanyState('acme')).lastGoodSourceCount).toBe(11);
  });

  test('an unreadable KnowBe4 record is listed and held; the run goes on and writes nothing for it or its person', async () => {
    // A record for the new hire that no reading makes sense of: creating them would make a second record.
    sandbox.controls.addRawUser({ id: '990', userName: 'new.hire@acmecorp.com', active: 'maybe' });
    const runs = service({ removeStaleUsers: false });
    const preview = await runs.preview('acme', ADMIN);
    expect(preview.report.unreadable).toEqual([{ resource: 'user', id: '990', name: 'new.hire@acmecorp.com', reason: 'active is "maybe"', held_m365_ids: [expect.any(String)] }]);
    expect(preview.plan.operations.some((op) => op.kind === 'create')).toBe(false);
    expect(preview.plan.operations.length).toBeGreaterThan(0);
    const result = await runs.apply(preview.planId, ADMIN, { digest: preview.digest });
    expect(result.status).toBe('succeeded');
    expect(sandbox.controls.requests({ method: 'POST', pathPrefix: '/Users' })).toEqual([]);
    expect(sandbox.controls.requests().filter((r) => r.path.includes('990'))).toEqual([]);
  });

  test('reconcile: one fresh preview, and the policy\'s answer for it', async () => {
    const runs = service();
    const blocked = await runs.reconcile('acme', ADMIN, { approved: true });
    expect(blocked.decision).toEqual({ kind: 'guard-blocked', archiveCount: 3, reasons: expect.any(Array) });
    expect((await store.getPlan(blocked.preview.planId))?.status).toBe('pending');
    expect((await runs.reconcile('acme', ADMIN, { approved: true, confirmArchive: 3 })).decision).toEqual({ kind: 'apply' });
    expect((await runs.reconcile('acme', ADMIN, { approved: false, confirmArchive: 3 })).decision).toEqual({ kind: 'ask' });
  });

  test('the guard release an admin typed is recorded in the stored plan that runs, under the digest they saw', async () => {
    const runs = service();
    const preview = await runs.preview('acme', ADMIN);
    expect((await store.getPlan(preview.planId))?.plan.guardRelease).toBeUndefined();
    const result = await runs.apply(preview.planId, ADMIN, { confirmArchive: 3, digest: preview.digest });
    expect(result.status).toBe('succeeded');
    const stored = await store.getPlan(preview.planId);
    expect(stored?.plan.guardRelease).toEqual({ archiveCount: 3, by: ADMIN.id });
    expect(stored?.digest).toBe(preview.digest);
    expect(stored?.plan.operations).toEqual(preview.plan.operations);
  });

  test('a blocked plan is refused without the exact confirmation, and nothing is written', async () => {
    const runs = service();
    const preview = await runs.preview('acme', ADMIN);
    const before = sandbox.controls.requestCount({ method: 'POST' }) + sandbox.controls.requestCount({ method: 'PATCH' });
    for (const confirmArchive of [undefined, null, 2, 4]) {
      await expect(runs.apply(preview.planId, ADMIN, { confirmArchive })).rejects.toMatchObject({ reason: 'confirmation-required' });
    }
    expect(sandbox.controls.requestCount({ method: 'POST' }) + sandbox.controls.requestCount({ method: 'PATCH' })).toBe(before);
    expect((await store.getPlan(preview.planId))?.status).toBe('pending');
  });

  test('expired, applied, tampered and unknown plans are refused', async () => {
    const runs = service({ removeStaleUsers: false });
    const preview = await runs.preview('acme', ADMIN);
    await expect(runs.apply(preview.planId, ADMIN, { digest: 'f'.repeat(64) })).rejects.toMatchObject({ reason: 'tampered' });
    await expect(runs.apply('no-such-plan', ADMIN)).rejects.toMatchObject({ reason: 'not-found' });
    await runs.apply(preview.planId, ADMIN, { digest: preview.digest });
    await expect(runs.apply(preview.planId, ADMIN)).rejects.toMatchObject({ reason: 'applied' });

    const stale = await runs.preview('acme', ADMIN);
    now = new Date(now.getTime() + 61 * 60_000);
    await expect(runs.apply(stale.planId, ADMIN)).rejects.toBeInstanceOf(ApplyRefused);
    await expect(runs.apply(stale.planId, ADMIN)).rejects.toMatchObject({ reason: 'expired' });
  });

  test('two applies of one plan at once: exactly one runs', async () => {
    const runs = service({ removeStaleUsers: false });
    const preview = await runs.preview('acme', ADMIN);
    const results = await Promise.allSettled([runs.apply(preview.planId, ADMIN), runs.apply(preview.planId, ADMIN), service({ removeStaleUsers: false }).apply(preview.planId, ADMIN)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(['busy', 'applying', 'applied']).toContain((r.reason as ApplyRefused).reason);
    const creates = sandbox.controls.requests({ method: 'POST' }).filter((r) => r.path === '/Users');
    expect(creates).toHaveLength(1);
  });

  test('a revoked SCIM token stops the run with the fix, and the next preview picks up the rest', async () => {
    const runs = service({ removeStaleUsers: false });
    const preview = await runs.preview('acme', ADMIN);
    sandbox.controls.revokeScimToken();
    const result = await runs.apply(preview.planId, ADMIN);
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/token/i);
    expect(result.error).toContain('Regenerate SCIM Token');
    expect(result.error).not.toContain(TOKEN);
    expect((await store.getCompanyState('acme')).consecutiveFailures).toBeGreaterThanOrEqual(1);
  });
  test('pause and resume are the service\'s to write and audit; resuming clears the failure count', async () => {
    const runs = service();
    await store.updateCompanyState('acme', { paused: false, consecutiveFailures: 2 });
    await runs.setPaused('acme', true, ADMIN);
    expect(await store.getCompanyState('acme')).toMatchObject({ paused: true, consecutiveFailures: 2 });
    await runs.setPaused('acme', false, ADMIN);
    expect(await store.getCompanyState('acme')).toMatchObject({ paused: false, consecutiveFailures: 0 });
    const trail = (await store.listAudit({ companyId: 'acme', limit: 1000 })).filter((e) => e.action === 'pause' || e.action === 'resume');
    expect(trail.map((e) => [e.action, e.outcome, e.actorId, e.via]).sort()).toEqual([
      ['pause', 'ok', ADMIN.id, 'cli'],
      ['resume', 'ok', ADMIN.id, 'cli'],
    ]);
    await expect(runs.setPaused('nope', true, ADMIN)).rejects.toMatchObject({ reason: 'unknown-company' });
  });
});
