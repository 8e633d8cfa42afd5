/**
 * Approving some changes and holding others, end to end against the KnowBe4 sandbox with a real
 * store (SQLite and PostgreSQL): a held archive stays active, a held new user is not created, the
 * audit log says who held what, a tampered selection is refused, standing holds shape every plan.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, Secret } from '../../src/config';
import { Kb4ScimClient } from '../../src/knowbe4';
import { createLogger } from '../../src/observability/log';
import { ApplyRefused, RunService, type Actor } from '../../src/runs';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import type { SeedGroup, SeedUser } from '../../src/sandbox/knowbe4/account';
import { KyselyHoldStore, KyselyRunStore } from '../../src/store';
import { FixtureSource } from '../helpers/fixtureSource';
import { testDatabases } from '../helpers/stores';
import { limiter } from '../../src/shared';

const FIX = join(__dirname, '..', 'fixtures');
const TOKEN = 'scim-token-for-holds';
const ADMIN: Actor = { id: '6f1c2a3b-1111-4a5b-9c8d-0123456789ab', name: 'Ann Admin', tenantId: null, via: 'teams' };
const kb4Fixture = JSON.parse(readFileSync(join(FIX, 'kb4.json'), 'utf8')) as { users: { Resources: SeedUser[] }; groups: SeedGroup[] };
const KIM = 'kim.nguyen@acmecorp.com';

describe.each(testDatabases())('holds on $name', (database) => {
  let sandbox: Knowbe4Sandbox;
  let store: KyselyRunStore;
  let holds: KyselyHoldStore;
  let now: Date;

  const service = () => {
    const config = parseConfig({
      admins: [{ aadObjectId: ADMIN.id as string }],
      companies: [
        {
          id: 'acme',
          name: 'Acme Corp',
          m365: { tenantId: 'aaaaaaaa-0000-4000-8000-000000000001', clientId: 'bbbbbbbb-0000-4000-8000-000000000001', clientSecretEnv: 'UNUSED' },
          knowbe4: { scimUrl: sandbox.url, scimTokenEnv: 'T', requestsPerSecond: 200 },
          scope: { licenses: ['SPE_E3', 'O365_BUSINESS_PREMIUM'], exclude: ['svc-*@acmecorp.com'] },
          groups: { default: 'All Staff', departments: { Sales: 'Sales Team', Engineering: 'Engineering', Finance: 'Finance' } },
          removeStaleUsers: true,
          guard: { maxArchive: 10, maxArchivePercent: 10 },
        },
      ],
    });
    const company = config.companies[0]!;
    return new RunService({
      config,
      store,
      holds,
      log: createLogger({ level: 'silent' }),
      clock: () => now,
      connectors: {
        source: () => FixtureSource.fromFile(join(FIX, 'm365.json')),
        target: () => Kb4ScimClient.forCompany(company, new Secret(TOKEN), { limiter: limiter({ concurrency: 4 }), retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 10 } }),
      },
    });
  };

  beforeAll(async () => {
    const opened = await database.open();
    store = new KyselyRunStore(opened.db);
    holds = new KyselyHoldStore(opened.db);
  });
  afterAll(() => database.cleanup());
  beforeEach(async () => {
    now = new Date('2026-12-02T09:00:00Z');
    await store.db.deleteFrom('holds').execute();
    // Each test starts from the fixture: no writes of an earlier test still waiting to be seen.
    await store.db.deleteFrom('sent_writes').execute();
    await store.db.deleteFrom('leases').execute();
    sandbox = await startKnowbe4Sandbox({ scimToken: TOKEN, users: structuredClone(kb4Fixture.users.Resources), groups: structuredClone(kb4Fixture.groups) });
  });
  afterEach(() => sandbox.stop());

  test('apply selected: the held archive stays active, the held new user is not created, the rest is applied; the audit log says who held what', async () => {
    const run = service();
    const preview = await run.preview('acme', ADMIN);
    const create = preview.plan.operations.find((op) => op.kind === 'create')!;
    const kimArchive = preview.plan.operations.find((op) => op.kind === 'archive' && op.userName === KIM)!;
    const archives = preview.plan.operations.filter((op) => op.kind === 'archive').length;
    expect(preview.plan.guard).toMatchObject({ status: 'blocked', archiveCount: archives });

    const result = await run.applySelected(preview.planId, ADMIN, { digest: preview.digest, hold: [create.id, kimArchive.id], confirmArchive: archives - 1, reason: 'on leave' });
    expect(result.status).toBe('succeeded');
    expect(result.approvedPlanId).not.toBe(preview.planId);

    expect(sandbox.controls.userByName(KIM)?.active).toBe(true);
    const newAddress = create.kind === 'create' ? create.userName : '';
    expect(sandbox.controls.userByName(newAddress)).toBeUndefined();
    // The other archives and changes happened.
    expect(sandbox.controls.userByName('old.contractor@acmecorp.com')?.active).toBe(false);

    const approved = await store.getPlan(result.approvedPlanId);
    expect(approved?.plan.held?.map((h) => [h.opId, h.by, h.reason, h.standing])).toEqual([
      [create.id, 'Ann Admin', 'on leave', false],
      [kimArchive.id, 'Ann Admin', 'on leave', false],
    ]);
    expect(approved?.plan.operations.some((op) => 'user' in op && op.user?.kind === 'new')).toBe(false);
    expect((await store.getPlan(preview.planId))?.status).toBe('cancelled');
    const entries = await store.listAudit({ companyId: 'acme' });
    expect(entries.filter((e) => e.action === 'hold').map((e) => [e.actorName, e.detail.userName, e.planId])).toEqual(
      expect.arrayContaining([
        ['Ann Admin', KIM, result.approvedPlanId],
        ['Ann Admin', newAddress, result.approvedPlanId],
      ]),
    );
    // The original cannot be applied (or approved) again.
    await expect(run.apply(preview.planId, ADMIN, { digest: preview.digest, confirmArchive: archives })).rejects.toMatchObject({ reason: 'cancelled' });
    await expect(run.applySelected(preview.planId, ADMIN, { digest: preview.digest, hold: [], confirmArchive: archives })).rejects.toMatchObject({ reason: 'cancelled' });
  });

  test('a tampered selection, a forged digest or a wrong archive count is refused and leaves the plan as it was', async () => {
    const run = service();
    const preview = await run.preview('acme', ADMIN);
    const archives = preview.plan.operations.filter((op) => op.kind === 'archive').length;
    const refused = (p: Promise<unknown>) => p.then(() => 'applied', (e: unknown) => (e instanceof ApplyRefused ? e.reason : String(e)));
    expect(await refused(run.applySelected(preview.planId, ADMIN, { digest: preview.digest, hold: ['archive:someone-else'], confirmArchive: archives }))).toBe('tampered');
    expect(await refused(run.applySelected(preview.planId, ADMIN, { digest: 'f'.repeat(64), hold: [], confirmArchive: archives }))).toBe('tampered');
    // Updates are not holdable: only new users and archives.
    const update = preview.plan.operations.find((op) => op.kind === 'update')!;
    expect(await refused(run.applySelected(preview.planId, ADMIN, { digest: preview.digest, hold: [update.id], confirmArchive: archives }))).toBe('tampered');
    const kim = preview.plan.operations.find((op) => op.kind === 'archive' && op.userName === KIM)!;
    expect(await refused(run.applySelected(preview.planId, ADMIN, { digest: preview.digest, hold: [kim.id], confirmArchive: archives }))).toBe('confirmation-required');
    expect((await store.getPlan(preview.planId))?.status).toBe('pending');
    expect(sandbox.controls.requests().filter((r) => r.method !== 'GET')).toEqual([]);
    expect((await store.listAudit({ companyId: 'acme' })).filter((e) => e.action === 'apply-selected' && e.outcome === 'refused').length).toBeGreaterThanOrEqual(4);
  });

  test('a standing hold shapes every later plan (the nightly one included) until it is removed', async () => {
    const run = service();
    await holds.hold('acme', { address: 'Kim.Nguyen@AcmeCorp.com', by: 'Ann Admin', at: '2026-12-01T10:00:00.000Z', reason: 'contractor, billed separately' });
    expect(await holds.list('acme')).toEqual([{ address: KIM, by: 'Ann Admin', at: '2026-12-01T10:00:00.000Z', reason: 'contractor, billed separately' }]);
    const held = await run.preview('acme', { ...ADMIN, id: null, name: 'kb4sync schedule', via: 'schedule' });
    expect(held.plan.operations.some((op) => op.kind === 'archive' && op.userName === KIM)).toBe(false);
    expect(held.plan.held).toEqual([{ opId: expect.stringMatching(/^archive:/), kind: 'archive', userName: KIM, by: 'Ann Admin', at: '2026-12-01T10:00:00.000Z', reason: 'contractor, billed separately', standing: true }]);
    expect(await holds.unhold('acme', KIM)).toBe(true);
    expect(await holds.unhold('acme', KIM)).toBe(false);
    const after = await run.preview('acme', ADMIN);
    expect(after.plan.operations.some((op) => op.kind === 'archive' && op.userName === KIM)).toBe(true);
    expect(after.plan.held).toBeUndefined();
  });
});
