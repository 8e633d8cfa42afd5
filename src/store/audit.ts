/** The audit trail: appended to, never changed; retention keeps it. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AuditEntry } from '../runs';
import { iso } from './rows';
import type { Database } from './schema';

export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: randomUUID(),
      at: iso(entry.at),
      actor_id: entry.actorId,
      actor_name: entry.actorName,
      tenant_id: entry.tenantId,
      action: entry.action,
      company_id: entry.companyId,
      plan_id: entry.planId,
      run_id: entry.runId,
      outcome: entry.outcome,
      via: entry.via,
      detail_json: JSON.stringify(entry.detail),
    })
    .execute();
}

export async function listAudit(db: Kysely<Database>, filter: { companyId?: string; limit?: number } = {}): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').limit(filter.limit ?? 100);
  if (filter.companyId) query = query.where('company_id', '=', filter.companyId);
  const rows = await query.execute();
  return rows.map((r) => ({
    at: new Date(r.at),
    actorId: r.actor_id,
    actorName: r.actor_name,
    tenantId: r.tenant_id,
    action: r.action,
    companyId: r.company_id,
    planId: r.plan_id,
    runId: r.run_id,
    outcome: z.enum(['ok', 'refused', 'failed']).parse(r.outcome),
    via: z.enum(['teams', 'cli', 'schedule']).parse(r.via),
    detail: z.record(z.string(), z.unknown()).parse(JSON.parse(r.detail_json)),
  }));
}
