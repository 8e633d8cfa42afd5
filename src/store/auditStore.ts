/**
 * The weekly audits, kept whole (the seats trend and the downloads read them back), and the two
 * questions the audit asks of earlier plans: what was already wrong a week ago, and which plans
 * ran out of time unapplied.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AuditRecords, StoredAudit } from '../runs';
import type { AccountAudit, Plan } from '../sync';
import { decodePlan } from './planFormat';
import type { AccountAuditTable, Database } from './schema';

// The store is an edge: the shape is checked before an audit is trusted again.
const auditShape = z.looseObject({
  company: z.object({ id: z.string(), name: z.string() }),
  at: z.string(),
  decisions: z.array(z.string()),
  seats: z.looseObject({ used: z.number(), contracted: z.number().nullable() }),
});

function toStoredAudit(row: AccountAuditTable): StoredAudit {
  return { auditId: row.id, companyId: row.company_id, at: new Date(row.at), audit: auditShape.parse(JSON.parse(row.audit_json)) as unknown as AccountAudit };
}

export class KyselyAuditStore implements AuditRecords {
  constructor(private readonly db: Kysely<Database>) {}

  async saveAudit(audit: AccountAudit, at: Date): Promise<string> {
    const id = randomUUID();
    await this.db
      .insertInto('account_audits')
      .values({ id, company_id: audit.company.id, at: at.toISOString(), seats_used: audit.seats.used, seats_contracted: audit.seats.contracted, audit_json: JSON.stringify(audit) })
      .execute();
    return id;
  }

  async getAudit(auditId: string): Promise<StoredAudit | null> {
    const row = await this.db.selectFrom('account_audits').selectAll().where('id', '=', auditId).executeTakeFirst();
    return row ? toStoredAudit(row) : null;
  }

  async listAudits(companyId: string, limit: number): Promise<StoredAudit[]> {
    const rows = await this.db.selectFrom('account_audits').selectAll().where('company_id', '=', companyId).orderBy('at', 'desc').limit(limit).execute();
    return rows.map(toStoredAudit);
  }

  /** Seats used and contracted at each company's newest audit (the digest's over-seats filter). */
  async latestSeats(): Promise<Map<string, { used: number; contracted: number | null; at: Date }>> {
    const rows = await this.db
      .selectFrom('account_audits as a')
      .select(['a.company_id', 'a.seats_used', 'a.seats_contracted', 'a.at'])
      .where('a.at', '=', (eb) => eb.selectFrom('account_audits as b').select((b) => b.fn.max('b.at').as('at')).whereRef('b.company_id', '=', 'a.company_id'))
      .execute();
    return new Map(rows.map((r) => [r.company_id, { used: r.seats_used, contracted: r.seats_contracted, at: new Date(r.at) }]));
  }

  async planFactsBefore(companyId: string, before: Date): Promise<{ at: Date; conflicts: Plan['conflicts']; unreadable: NonNullable<Plan['unreadable']> } | null> {
    const row = await this.db
      .selectFrom('plans')
      .select(['id', 'plan_json', 'created_at'])
      .where('company_id', '=', companyId)
      .where('kind', '=', 'full')
      .where('created_at', '<=', before.toISOString())
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return null;
    const plan = decodePlan(row.id, row.plan_json);
    return { at: new Date(row.created_at), conflicts: plan.conflicts, unreadable: plan.unreadable ?? [] };
  }

  async expiredPlans(companyId: string, since: Date, now: Date): Promise<{ planId: string; createdAt: Date; operations: number }[]> {
    const rows = await this.db
      .selectFrom('plans')
      .select(['id', 'created_at', 'operation_count'])
      .where('company_id', '=', companyId)
      .where('kind', '=', 'full')
      .where('status', 'in', ['pending', 'expired'])
      .where('operation_count', '>', 0)
      .where('created_at', '>=', since.toISOString())
      .where('expires_at', '<=', now.toISOString())
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({ planId: r.id, createdAt: new Date(r.created_at), operations: r.operation_count }));
  }
}
