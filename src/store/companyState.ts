/**
 * Per company: pause, failure count, last run, the guard's baseline and the last scheduled slot;
 * and when each KnowBe4 user was last seen in scope (the report names it for each archive).
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CompanyState } from '../runs';
import { CHUNK, date, iso, RUN_STATUSES } from './rows';
import type { Database } from './schema';

const DEFAULT_STATE: CompanyState = {
  paused: false,
  consecutiveFailures: 0,
  lastRunId: null,
  lastRunStatus: null,
  lastRunAt: null,
  lastGoodSourceCount: null,
  lastScheduledSlot: null,
};

export async function getCompanyState(db: Kysely<Database>, companyId: string): Promise<CompanyState> {
  const row = await db.selectFrom('company_state').selectAll().where('company_id', '=', companyId).executeTakeFirst();
  if (!row) return { ...DEFAULT_STATE };
  return {
    paused: row.paused === 1,
    consecutiveFailures: row.consecutive_failures,
    lastRunId: row.last_run_id,
    lastRunStatus: row.last_run_status === null ? null : z.enum(RUN_STATUSES).parse(row.last_run_status),
    lastRunAt: date(row.last_run_at),
    lastGoodSourceCount: row.last_good_source_count,
    lastScheduledSlot: date(row.last_scheduled_slot),
  };
}

export async function updateCompanyState(db: Kysely<Database>, companyId: string, patch: Partial<CompanyState>): Promise<void> {
  const columns = {
    ...(patch.paused !== undefined ? { paused: patch.paused ? 1 : 0 } : {}),
    ...(patch.consecutiveFailures !== undefined ? { consecutive_failures: patch.consecutiveFailures } : {}),
    ...(patch.lastRunId !== undefined ? { last_run_id: patch.lastRunId } : {}),
    ...(patch.lastRunStatus !== undefined ? { last_run_status: patch.lastRunStatus } : {}),
    ...(patch.lastRunAt !== undefined ? { last_run_at: patch.lastRunAt === null ? null : iso(patch.lastRunAt) } : {}),
    ...(patch.lastGoodSourceCount !== undefined ? { last_good_source_count: patch.lastGoodSourceCount } : {}),
    ...(patch.lastScheduledSlot !== undefined ? { last_scheduled_slot: patch.lastScheduledSlot === null ? null : iso(patch.lastScheduledSlot) } : {}),
  };
  if (Object.keys(columns).length === 0) return;
  await db
    .insertInto('company_state')
    .values({
      company_id: companyId,
      paused: 0,
      consecutive_failures: 0,
      last_run_id: null,
      last_run_status: null,
      last_run_at: null,
      last_good_source_count: null,
      last_scheduled_slot: null,
      ...columns,
    })
    .onConflict((oc) => oc.column('company_id').doUpdateSet(columns))
    .execute();
}

// --- last seen -------------------------------------------------------------------------

export async function recordLastSeen(db: Kysely<Database>, companyId: string, targetIds: string[], at: Date): Promise<void> {
  const seen = iso(at);
  for (let i = 0; i < targetIds.length; i += CHUNK) {
    await db
      .insertInto('last_seen')
      .values(targetIds.slice(i, i + CHUNK).map((id) => ({ company_id: companyId, target_id: id, seen_at: seen })))
      .onConflict((oc) => oc.columns(['company_id', 'target_id']).doUpdateSet({ seen_at: seen }))
      .execute();
  }
}

export async function lastSeen(db: Kysely<Database>, companyId: string, targetIds: string[]): Promise<Map<string, Date>> {
  const out = new Map<string, Date>();
  for (let i = 0; i < targetIds.length; i += CHUNK) {
    const rows = await db
      .selectFrom('last_seen')
      .select(['target_id', 'seen_at'])
      .where('company_id', '=', companyId)
      .where('target_id', 'in', targetIds.slice(i, i + CHUNK))
      .execute();
    for (const r of rows) out.set(r.target_id, new Date(r.seen_at));
  }
  return out;
}
