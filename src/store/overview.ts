/**
 * Every company at once, for the digest and `companies`: its state, its newest full plan (the
 * plan's summary columns, never its JSON) and its newest audit's seats. Three statements whatever
 * the number of companies.
 */
import type { Kysely } from 'kysely';
import type { CompanyOverview } from '../runs';
import type { CompanyFacts } from '../sync';
import type { Database } from './schema';

export interface OverviewCompany {
  id: string;
  name: string;
  /** The contracted seats in the configuration now (null: none set). */
  seats: number | null;
  /** Paused in the configuration (besides the store's pause). */
  paused: boolean;
}

export class KyselyOverviewStore implements CompanyOverview {
  constructor(private readonly db: Kysely<Database>) {}

  async companyFacts(companies: readonly OverviewCompany[], now: Date, notes: ReadonlyMap<string, string | null> = new Map()): Promise<CompanyFacts[]> {
    const [states, plans, audits] = await Promise.all([
      this.db.selectFrom('company_state').selectAll().execute(),
      this.db
        .selectFrom('plans as p')
        .select(['p.company_id', 'p.status', 'p.guard_status', 'p.operation_count', 'p.archive_count', 'p.expires_at'])
        .where('p.kind', '=', 'full')
        .where('p.created_at', '=', (eb) => eb.selectFrom('plans as b').select((b) => b.fn.max('b.created_at').as('m')).whereRef('b.company_id', '=', 'p.company_id').where('b.kind', '=', 'full'))
        .execute(),
      this.db
        .selectFrom('account_audits as a')
        .select(['a.company_id', 'a.seats_used', 'a.seats_contracted'])
        .where('a.at', '=', (eb) => eb.selectFrom('account_audits as b').select((b) => b.fn.max('b.at').as('m')).whereRef('b.company_id', '=', 'a.company_id'))
        .execute(),
    ]);
    const stateOf = new Map(states.map((s) => [s.company_id, s]));
    const planOf = new Map(plans.map((p) => [p.company_id, p]));
    const auditOf = new Map(audits.map((a) => [a.company_id, a]));
    return companies.map((c) => {
      const s = stateOf.get(c.id);
      const p = planOf.get(c.id);
      const a = auditOf.get(c.id);
      // The contract as configured now wins over the one the audit saw.
      const contracted = c.seats ?? a?.seats_contracted ?? null;
      return {
        id: c.id,
        name: c.name,
        paused: c.paused || Boolean(s?.paused),
        consecutiveFailures: s?.consecutive_failures ?? 0,
        lastRunStatus: s?.last_run_status ?? null,
        lastRunAt: s?.last_run_at ?? null,
        latestPlan: p
          ? { status: p.status, guardBlocked: p.guard_status === 'blocked', operations: p.operation_count, archives: p.archive_count, expired: p.expires_at <= now.toISOString() }
          : null,
        seats: a && contracted !== null ? { used: a.seats_used, contracted } : null,
        note: notes.get(c.id) ?? null,
      };
    });
  }
}
