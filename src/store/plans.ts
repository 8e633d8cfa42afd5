/**
 * Plans and their operation journal. A plan moves pending → applying in one conditional
 * statement, so exactly one process (of any replica) claims it.
 */
import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely, OnConflictDatabase, OnConflictTables } from 'kysely';
import { z } from 'zod';
import type { ClaimResult, OperationState, PlanKind, PlanStatus, StoredOperationState, StoredPlan } from '../runs';
import type { Plan } from '../sync';
import { decodePlan, encodePlan } from './planFormat';
import { reusable } from './reusable';
import { CHUNK, iso, PLAN_STATUSES } from './rows';
import type { Database, PlanTable } from './schema';

function toStoredPlan(row: PlanTable): StoredPlan {
  return {
    planId: row.id,
    companyId: row.company_id,
    kind: z.enum(['full', 'sync-user']).parse(row.kind),
    plan: decodePlan(row.id, row.plan_json),
    digest: row.digest,
    status: z.enum(PLAN_STATUSES).parse(row.status),
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    requestedBy: row.requested_by,
  };
}

export async function savePlan(db: Kysely<Database>, input: { companyId: string; kind: PlanKind; plan: Plan; digest: string; createdAt: Date; expiresAt: Date; requestedBy: string | null }): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('plans')
    .values({
      id,
      company_id: input.companyId,
      kind: input.kind,
      status: 'pending',
      digest: input.digest,
      guard_status: input.plan.guard.status,
      archive_count: input.plan.operations.filter((o) => o.kind === 'archive').length,
      operation_count: input.plan.operations.length,
      plan_json: encodePlan(input.plan),
      created_at: iso(input.createdAt),
      expires_at: iso(input.expiresAt),
      requested_by: input.requestedBy,
    })
    .execute();
  return id;
}

export async function getPlan(db: Kysely<Database>, planId: string): Promise<StoredPlan | null> {
  const row = await db.selectFrom('plans').selectAll().where('id', '=', planId).executeTakeFirst();
  return row ? toStoredPlan(row) : null;
}

export async function claimPlanForApply(db: Kysely<Database>, planId: string, now: Date, approved?: Plan): Promise<ClaimResult> {
  const claimed = await db
    .updateTable('plans')
    .set({ status: 'applying', ...(approved ? { plan_json: encodePlan(approved) } : {}) })
    .where('id', '=', planId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', iso(now))
    .returning('id')
    .executeTakeFirst();
  if (claimed) return { ok: true };
  const row = await db.selectFrom('plans').select(['status', 'expires_at']).where('id', '=', planId).executeTakeFirst();
  if (!row) return { ok: false, reason: 'not-found' };
  if (row.status === 'pending') {
    await db.updateTable('plans').set({ status: 'expired' }).where('id', '=', planId).where('status', '=', 'pending').execute();
    return { ok: false, reason: 'expired' };
  }
  const status = z.enum(PLAN_STATUSES).parse(row.status);
  return { ok: false, reason: status === 'pending' ? 'expired' : status };
}

export async function setPlanStatus(db: Kysely<Database>, planId: string, status: PlanStatus): Promise<void> {
  await db.updateTable('plans').set({ status }).where('id', '=', planId).execute();
}

export async function plansInStatus(db: Kysely<Database>, status: PlanStatus): Promise<StoredPlan[]> {
  const rows = await db.selectFrom('plans').selectAll().where('status', '=', status).orderBy('created_at').execute();
  return rows.map(toStoredPlan);
}

export async function latestPlan(db: Kysely<Database>, companyId: string): Promise<StoredPlan | null> {
  const row = await db.selectFrom('plans').selectAll().where('company_id', '=', companyId).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  return row ? toStoredPlan(row) : null;
}

// --- the operation journal ---------------------------------------------------------------

export async function states(db: Kysely<Database>, planId: string): Promise<StoredOperationState[]> {
  const rows = await db.selectFrom('plan_operations').select(['op_id', 'state', 'result_id', 'error']).where('plan_id', '=', planId).execute();
  return rows.map((r) => ({
    opId: r.op_id,
    state: z.enum(['pending', 'in_flight', 'done', 'failed', 'skipped']).parse(r.state),
    resultId: r.result_id,
    error: r.error,
  }));
}

// A result, once known, is never forgotten by a later state change.
const KEEP_KNOWN_RESULT = (eb: ExpressionBuilder<OnConflictDatabase<Database, 'plan_operations'>, OnConflictTables<'plan_operations'>>) => ({
  state: eb.ref('excluded.state'),
  result_id: eb.fn.coalesce(eb.ref('excluded.result_id'), eb.ref('plan_operations.result_id')),
  error: eb.ref('excluded.error'),
  updated_at: eb.ref('excluded.updated_at'),
});

/** Records one operation's state: the journal's statement for every write, compiled once. */
const recordOne = reusable<[planId: string, opId: string, state: OperationState, resultId: string | null, error: string | null, updatedAt: string]>(
  6,
  (db, planId, opId, state, resultId, error, updatedAt) =>
    db
      .insertInto('plan_operations')
      .values({ plan_id: planId, op_id: opId, state: state as OperationState, result_id: resultId, error, updated_at: updatedAt })
      .onConflict((oc) => oc.columns(['plan_id', 'op_id']).doUpdateSet(KEEP_KNOWN_RESULT)),
);

export async function record(db: Kysely<Database>, planId: string, updates: { opId: string; state: OperationState; resultId?: string | null; error?: string | null }[]): Promise<void> {
  const now = iso(new Date());
  const [only] = updates;
  if (updates.length === 1 && only) {
    await recordOne(db, [planId, only.opId, only.state, only.resultId ?? null, only.error ?? null, now]);
    return;
  }
  for (let i = 0; i < updates.length; i += CHUNK) {
    const rows = updates.slice(i, i + CHUNK).map((u) => ({
      plan_id: planId,
      op_id: u.opId,
      state: u.state,
      result_id: u.resultId ?? null,
      error: u.error ?? null,
      updated_at: now,
    }));
    await db
      .insertInto('plan_operations')
      .values(rows)
      .onConflict((oc) => oc.columns(['plan_id', 'op_id']).doUpdateSet(KEEP_KNOWN_RESULT))
      .execute();
  }
}
