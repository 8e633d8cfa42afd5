/**
 * The weekly audit end to end: the KnowBe4 sandbox (SCIM and its Reporting API) seeded with drift,
 * a console edit, users outside scope and console facts; a real store (SQLite and PostgreSQL) with
 * earlier plans and audits. The audit reads and never writes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, Secret } from '../../src/config';
import { Kb4ReportingClient, Kb4ScimClient } from '../../src/knowbe4';
import { createLogger } from '../../src/observability/log';
import { RunService, type Actor, type ReportingReader } from '../../src/runs';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import type { SeedGroup, SeedUser } from '../../src/sandbox/knowbe4/account';
import { KyselyAuditStore, KyselyRunStore } from '../../src/store';
import { describeProblem, MemoryNotifier } from '../../src/notify';
import { nextAuditSlot, Scheduler } from '../../src/schedule';
import { FixtureSource } from '../helpers/fixtureSource';
import { testDatabases } from '../helpers/stores';
import { limiter } from '../../src/shared';

const FIX = join(__dirname, '..', 'fixtures');
const TOKEN = 'scim-token-for-audit';
const REPORTING = 'reporting-token-for-audit';
const ADMIN: Actor = { id: '6f1c2a3b-1111-4a5b-9c8d-0123456789ab', name: 'Ann Admin', tenantId: null, via: 'cli' };
const kb4Fixture = JSON.parse(readFileSync(join(FIX, 'kb4.json'), 'utf8')) as { users: { Resources: SeedUser[] }; groups: SeedGroup[] };

function configFor(scimUrl: string, seats: number | undefined, extra: Record<string, unknown> = {}) {
  return parseConfig({
    admins: [{ aadObjectId: ADMIN.id }],
    companies: [
      {
        id: 'acme',
        name: 'Acme Corp',
        m365: { tenantId: 'aaaaaaaa-0000-4000-8000-000000000001', clientId: 'bbbbbbbb-0000-4000-8000-000000000001', clientSecretEnv: 'UNUSED' },
        knowbe4: { scimUrl, scimTokenEnv: 'ACME_KB4_SCIM_TOKEN', requestsPerSecond: 200, maxConcurrency: 4, ...(seats === undefined ? {} : { seats }) },
        scope: { licenses: ['SPE_E3', 'O365_BUSINESS_PREMIUM'], exclude: ['svc-*@acmecorp.com'] },
        attributes: { customField1: 'employeeId' },
        groups: { default: 'All Staff', departments: { Sales: 'Sales Team', Engineering: 'Engineering', Finance: 'Finance' } },
        removeStaleUsers: false,
        ...extra,
      },
    ],
  });
}

test('the audit runs Monday 07:00 in the company time zone by default; its own zone or cron when set; off when disabled', () => {
  const company = (extra: Record<string, unknown>) => configFor('http://127.0.0.1:1/scim/v2', undefined, extra).companies[0]!;
  const after = new Date('2026-12-02T12:00:00Z');
  expect(nextAuditSlot(company({ schedule: { cron: '0 2 * * *', timezone: 'America/New_York' } }), after)?.toISOString()).toBe('2026-12-07T12:00:00.000Z');
  expect(nextAuditSlot(company({}), after)?.toISOString()).toBe('2026-12-07T07:00:00.000Z');
  expect(nextAuditSlot(company({ audit: { cron: '30 6 1 * *', timezone: 'Europe/Berlin' } }), after)?.toISOString()).toBe('2027-01-01T05:30:00.000Z');
  expect(nextAuditSlot(company({ audit: { enabled: false } }), after)).toBeNull();
});

/** The fixture with console facts: who signed in, phish-prone %, and one user SCIM already manages. */
function seedUsers(): SeedUser[] {
  return structuredClone(kb4Fixture.users.Resources).map((u) => {
    if (u.userName === 'kim.nguyen@acmecorp.com') return { ...u, console: { provisioningManaged: true } };
    if (u.userName === 'dana.whitfield@acmecorp.com') return { ...u, console: { lastSignIn: '2026-11-01T09:00:00Z', phishPronePercentage: 10 } };
    if (u.userName === 'marcus.oyelaran@acmecorp.com') return { ...u, console: { lastSignIn: '2026-11-02T09:00:00Z', phishPronePercentage: 30 } };
    return u;
  });
}

describe.each(testDatabases())('audit on $name', (database) => {
  let sandbox: Knowbe4Sandbox;
  let store: KyselyRunStore;
  let audits: KyselyAuditStore;
  let opened: Awaited<ReturnType<typeof database.open>>;
  let now: Date;
  let source: FixtureSource;

  const service = (opts: { seats?: number; reporting?: boolean } = {}) => {
    const config = configFor(sandbox.url, opts.seats);
    const company = config.companies[0]!;
    const reporting: ReportingReader = {
      users: async () => {
        const client = new Kb4ReportingClient({ baseUrl: sandbox.reportingUrl, token: new Secret(REPORTING), requestsPerSecond: 100, maxConcurrency: 1 });
        return (await client.listUsers('active')).map((u) => ({ email: u.email, provisioningManaged: u.provisioningManaged, lastSignIn: u.lastSignIn, phishPronePercentage: u.phishPronePercentage }));
      },
    };
    return new RunService({
      config,
      store,
      audits,
      log: createLogger({ level: 'silent' }),
      clock: () => now,
      connectors: {
        source: () => source,
        target: () => Kb4ScimClient.forCompany(company, new Secret(TOKEN), { limiter: limiter({ concurrency: 4 }), retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 10 } }),
        reporting: () => (opts.reporting === false ? null : reporting),
      },
    });
  };

  beforeAll(async () => {
    opened = await database.open();
    store = new KyselyRunStore(opened.db);
    audits = new KyselyAuditStore(opened.db);
  });
  afterAll(() => database.cleanup());
  beforeEach(async () => {
    // Each test starts with no history: the trend and "a week ago" read what the test made.
    await opened.db.deleteFrom('account_audits').execute();
    await opened.db.deleteFrom('plans').execute();
    await opened.db.deleteFrom('sent_writes').execute();
    now = new Date('2026-11-30T07:00:00Z');
    source = FixtureSource.fromFile(join(FIX, 'm365.json'));
    sandbox = await startKnowbe4Sandbox({ scimToken: TOKEN, reportingToken: REPORTING, users: seedUsers(), groups: structuredClone(kb4Fixture.groups) });
  });
  afterEach(() => sandbox.stop());

  test('drift (a console edit included), users at risk with the SCIM flag, seats over the contract, training reach; nothing written', async () => {
    // A console edit: someone changed the CEO's title in KnowBe4.
    const dana = sandbox.controls.userByName('dana.whitfield@acmecorp.com')!;
    await Kb4ScimClient.forCompany(configFor(sandbox.url, undefined).companies[0]!, new Secret(TOKEN)).updateUser(String(dana.id), [{ attribute: 'title', before: 'CEO', after: 'Chief Fun Officer' }]);
    sandbox.controls.clearRequests();

    const { audit, auditId } = await service({ seats: 10 }).accountAudit('acme', ADMIN, { nextSync: { at: new Date('2026-12-01T02:00:00Z'), autoApply: false } });

    // Only reads, on both APIs.
    const requests = sandbox.controls.requests();
    expect(requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(requests.some((r) => r.api === 'reporting')).toBe(true);
    expect(sandbox.controls.userByName('dana.whitfield@acmecorp.com')?.title).toBe('Chief Fun Officer');

    const drift = new Map(audit.drift.rows.map((r) => [`${r.userName}|${r.kind}`, r.detail]));
    expect(drift.get('dana.whitfield@acmecorp.com|attributes')).toBe('title: Chief Fun Officer → CEO');
    expect([...drift.keys()].filter((k) => k.endsWith('|archived'))).toHaveLength(1);
    // Joiners and groups kb4sync has not made yet are not drift.
    expect(audit.drift.rows.some((r) => r.detail.includes('Finance'))).toBe(false);
    expect(audit.drift.fixedBy).toBe('The scheduled sync at 2026-12-01T02:00:00.000Z fixes it once an admin approves.');

    expect(audit.atRisk.rows.map((r) => [r.userName, r.scimManaged]).sort()).toEqual([
      ['former.employee@acmecorp.com', false],
      ['kim.nguyen@acmecorp.com', true],
      ['old.contractor@acmecorp.com', false],
      ['svc-scanner@acmecorp.com', false],
    ]);
    expect(audit.atRisk.scimManaged).toBe(1);

    const active = sandbox.controls.users().filter((u) => u.active !== false).length;
    expect(audit.seats).toMatchObject({ used: active, contracted: 10, free: Math.max(0, 10 - active), over: Math.max(0, active - 10) });
    expect(active).toBeGreaterThan(10);
    expect(audit.decisions[0]).toBe(`${active - 10} seats over the contracted 10`);
    expect(audit.decisions).toContain("4 active KnowBe4 users outside kb4sync's scope (1 managed by SCIM)");

    // Dana and Marcus signed in; the other trained users never did (and are at 0%).
    expect(audit.reach?.rows.map((r) => r.userName)).not.toContain('dana.whitfield@acmecorp.com');
    expect(audit.reach?.inScope).toBe(8);
    expect(audit.reach?.neverSignedIn).toBe(6);
    expect(audit.reach?.phishPronePercentage).toBe(5);

    expect(audit.stuck.unconfirmedWritesKnown).toBe(true);
    expect((await audits.getAudit(auditId))?.audit).toEqual(audit);
    expect((await store.listAudit({ companyId: 'acme' })).find((e) => e.action === 'audit')?.detail).toMatchObject({ auditId });
  });

  test('stuck: a conflict already there a week ago and a plan that expired unapplied; seats trend from earlier audits', async () => {
    const run = service({ seats: 20 });
    now = new Date('2026-11-20T02:00:00Z');
    await run.preview('acme', ADMIN);
    await run.accountAudit('acme', ADMIN, { nextSync: null });
    now = new Date('2026-11-28T02:00:00Z');
    const unapplied = await run.preview('acme', ADMIN);
    now = new Date('2026-11-30T07:00:00Z');

    // A create KnowBe4 accepted two hours ago and still does not show, and an archive it does show.
    await store.sentWrites.record('acme', [
      { kind: 'create', planId: unapplied.planId, opId: 'create:ghost', sourceId: 'ghost-id', targetId: null, userName: 'ghost@acmecorp.com', sentAt: '2026-11-30T05:00:00.000Z' },
      { kind: 'archive', planId: unapplied.planId, opId: 'archive:kb4-6', sourceId: null, targetId: 'kb4-6', userName: 'seen@acmecorp.com', sentAt: '2026-11-30T05:00:00.000Z' },
    ]);
    const { audit } = await run.accountAudit('acme', ADMIN, { nextSync: null });
    expect(audit.stuck.rows.filter((r) => r.kind === 'unconfirmed-write')).toEqual([
      { kind: 'unconfirmed-write', subject: 'ghost@acmecorp.com', detail: 'create accepted by KnowBe4, not shown since', since: '2026-11-30T05:00:00.000Z' },
    ]);
    const conflict = audit.stuck.rows.find((r) => r.kind === 'conflict');
    expect(conflict).toMatchObject({ since: '2026-11-20T02:00:00.000Z' });
    expect(conflict?.detail).toContain('rae.holloway@acmecorp.com');
    expect(audit.stuck.rows.filter((r) => r.kind === 'expired-plan').map((r) => r.subject)).toEqual([unapplied.planId]);
    expect(audit.seats.trend.map((t) => t.at)).toEqual(['2026-11-20T02:00:00.000Z', '2026-11-30T07:00:00.000Z']);
    expect(audit.drift.fixedBy).toBe('No sync is scheduled: preview and apply to fix it.');
    expect(audit.seats.over).toBe(0);
    expect(audit.decisions.some((d) => d.includes('stuck'))).toBe(true);
  });

  test('a scheduled audit slot runs once across two replicas and is posted once', async () => {
    await opened.db.deleteFrom('leases').execute();
    const notifier = new MemoryNotifier();
    const replica = (name: string) => {
      const run = service({ seats: 20 });
      return new Scheduler({ config: configFor(sandbox.url, 20), service: run, store, audits, notifier, describe: describeProblem, log: createLogger({ level: 'silent' }), clock: () => now, holder: name });
    };
    const slot = new Date('2026-11-30T07:00:00Z');
    now = new Date('2026-11-30T07:00:05Z');
    const outcomes = await Promise.all([replica('a').runAuditSlot('acme', slot), replica('b').runAuditSlot('acme', slot)]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['audited', 'skipped']);
    expect(await replica('c').runAuditSlot('acme', slot)).toEqual({ kind: 'skipped', reason: 'already-run' });
    expect(await audits.listAudits('acme', 10)).toHaveLength(1);
    expect(notifier.events.map((e) => e.kind)).toEqual(['audit']);
    expect(sandbox.controls.requests().filter((r) => r.method !== 'GET')).toEqual([]);
  });

  test('without the Reporting API token: no reach, no SCIM flag, and the Reporting API is never called', async () => {
    sandbox.controls.clearRequests();
    const { audit } = await service({ reporting: false }).accountAudit('acme', ADMIN, { nextSync: null });
    expect(audit.reach).toBeNull();
    expect(audit.atRisk.scimManaged).toBeNull();
    expect(audit.atRisk.rows.every((r) => r.scimManaged === null)).toBe(true);
    expect(audit.seats).toMatchObject({ contracted: null, free: null, over: 0 });
    expect(sandbox.controls.requestCount({ api: 'reporting' })).toBe(0);
  });
});
