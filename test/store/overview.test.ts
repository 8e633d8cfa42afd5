/**
 * Every company at once from the store (SQLite and PostgreSQL): 500 companies' states, newest
 * plans and audits read in three statements and judged like the digest judges them.
 */
import { KyselyAuditStore, KyselyOverviewStore, KyselyRunStore } from '../../src/store';
import type { OpenedDatabase } from '../../src/store/db';
import { digestRows, plan, type AccountAudit } from '../../src/sync';
import { rules, src, tgt } from '../helpers/builders';
import { testDatabases } from '../helpers/stores';

const T0 = new Date('2026-12-02T02:00:00.000Z');
const changes = plan(rules(), { users: [src({ mail: 'new@acme.com' })], groups: [] }, { users: [tgt({ userName: 'old@acme.com' })], groups: [] }, { previousSourceCount: null });
const blocked = plan(rules({ removeStaleUsers: true, guard: { maxArchive: 0, maxArchivePercent: 0, maxSourceShrinkPercent: 30 } }), { users: [], groups: [] }, { users: [tgt({ userName: 'old@acme.com' })], groups: [] }, { previousSourceCount: null });

function auditOf(id: string, used: number, contracted: number | null): AccountAudit {
  return {
    company: { id, name: id },
    at: T0.toISOString(),
    decisions: [],
    drift: { count: 0, rows: [], fixedBy: '' },
    atRisk: { count: 0, rows: [], scimManaged: null },
    stuck: { count: 0, rows: [], unconfirmedWritesKnown: false },
    seats: { used, contracted, free: null, over: 0, trend: [] },
    reach: null,
  };
}

describe.each(testDatabases())('overview on $name', (database) => {
  let opened: OpenedDatabase;
  beforeAll(async () => {
    opened = await database.open();
  });
  afterAll(() => database.cleanup());

  test('500 companies: failed, blocked, waiting, over seats, applied, paused and never run, each where the digest puts it', async () => {
    const store = new KyselyRunStore(opened.db);
    const audits = new KyselyAuditStore(opened.db);
    const companies = Array.from({ length: 500 }, (_, i) => ({ id: `c${String(i).padStart(3, '0')}`, name: `Client ${i}`, seats: i % 7 === 3 ? 10 : null, paused: false }));
    for (const [i, c] of companies.entries()) {
      const kind = i % 7;
      if (kind === 6) continue; // never ran
      await store.updateCompanyState(c.id, { lastRunStatus: kind === 0 ? 'failed' : 'succeeded', consecutiveFailures: kind === 0 ? 2 : 0, lastRunAt: T0, paused: kind === 5 });
      if (kind === 1 || kind === 2 || kind === 4) {
        // An older plan first: only the newest counts.
        await store.savePlan({ companyId: c.id, kind: 'full', plan: blocked, digest: 'old', createdAt: new Date(T0.getTime() - 86_400_000), expiresAt: new Date(T0.getTime() - 82_800_000), requestedBy: null });
        const id = await store.savePlan({ companyId: c.id, kind: 'full', plan: kind === 1 ? blocked : changes, digest: 'd', createdAt: T0, expiresAt: new Date(T0.getTime() + 3_600_000), requestedBy: null });
        if (kind === 4) await store.setPlanStatus(id, 'applied');
      }
      if (kind === 3) {
        await audits.saveAudit(auditOf(c.id, 8, 10), new Date(T0.getTime() - 7 * 86_400_000));
        await audits.saveAudit(auditOf(c.id, 12, 10), T0);
      }
    }
    const overview = new KyselyOverviewStore(opened.db);
    const facts = await overview.companyFacts(companies, new Date(T0.getTime() + 60_000));
    const results = new Map(digestRows(facts).map((r) => [r.id, r.result]));
    expect(results.size).toBe(500);
    expect(results.get('c000')).toBe('failed');
    expect(results.get('c001')).toBe('guard-blocked');
    expect(results.get('c002')).toBe('waiting');
    expect(results.get('c003')).toBe('over-seats');
    expect(facts.find((f) => f.id === 'c003')?.seats).toEqual({ used: 12, contracted: 10 });
    expect(results.get('c004')).toBe('changed');
    expect(results.get('c005')).toBe('paused');
    expect(results.get('c006')).toBe('never-run');
    // An hour later the waiting plans have expired: nobody is asked to approve a dead plan.
    const later = await overview.companyFacts(companies, new Date(T0.getTime() + 3_600_000));
    expect(digestRows(later).find((r) => r.id === 'c002')?.result).toBe('in-step');
  }, 120_000);
});
