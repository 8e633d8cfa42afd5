/** Run records: one per preview, apply or `sync user`, with its report once it ends. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { PruneResult, RunKind, RunRecord, RunStatus, RunTrigger } from '../runs';
import type { Report } from '../sync';
import { date, iso, RUN_STATUSES } from './rows';
import type { Database, RunTable } from './schema';

// The store is an edge: what comes back is checked for shape before the engine trusts it.
const reportShape = z.looseObject({ success: z.boolean(), sync_summary: z.looseObject({}) });

function toRun(row: RunTable): RunRecord {
  return {
    runId: row.id,
    companyId: row.company_id,
    planId: row.plan_id,
    kind: z.enum(['preview', 'apply', 'sync-user']).parse(row.kind),
    trigger: z.enum(['teams', 'cli', 'schedule']).parse(row.trigger),
    actor: row.actor,
    status: z.enum(RUN_STATUSES).parse(row.status),
    startedAt: new Date(row.started_at),
    finishedAt: date(row.finished_at),
    report: row.report_json === null ? null : (reportShape.parse(JSON.parse(row.report_json)) as unknown as Report),
    error: row.error,
  };
}

export async function createRun(db: Kysely<Database>, input: { companyId: string; planId: string | null; kind: RunKind; trigger: RunTrigger; actor: string | null; startedAt: Date }): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('runs')
    .values({
      id,
      company_id: input.companyId,
      plan_id: input.planId,
      kind: input.kind,
      trigger: input.trigger,
      actor: input.actor,
      status: 'running',
      started_at: iso(input.startedAt),
      finished_at: null,
      report_json: null,
      error: null,
    })
    .execute();
  return id;
}

export async function finishRun(db: Kysely<Database>, runId: string, input: { status: RunStatus; finishedAt: Date; report: Report | null; error: string | null }): Promise<void> {
  await db
    .updateTable('runs')
    .set({ status: input.status, finished_at: iso(input.finishedAt), report_json: input.report === null ? null : JSON.stringify(input.report), error: input.error })
    .where('id', '=', runId)
    .execute();
}

export async function getRun(db: Kysely<Database>, runId: string): Promise<RunRecord | null> {
  const row = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
  return row ? toRun(row) : null;
}

export async function listRuns(db: Kysely<Database>, companyId: string, limit: number): Promise<RunRecord[]> {
  const rows = await db.selectFrom('runs').selectAll().where('company_id', '=', companyId).orderBy('started_at', 'desc').limit(limit).execute();
  return rows.map(toRun);
}

export async function runForPlan(db: Kysely<Database>, planId: string, kind: RunKind): Promise<RunRecord | null> {
  const row = await db
    .selectFrom('runs')
    .selectAll()
    .where('plan_id', '=', planId)
    .where('kind', '=', kind)
    .orderBy('started_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toRun(row) : null;
}

// --- retention ---------------------------------------------------------------------------

export async function prune(db: Kysely<Database>, input: { plansBefore: Date; runsBefore: Date }): Promise<PruneResult> {
  return db.transaction().execute(async (tx) => {
    const plans = await tx.deleteFrom('plans').where('created_at', '<', iso(input.plansBefore)).where('status', '!=', 'applying').executeTakeFirst();
    const runs = await tx.deleteFrom('runs').where('started_at', '<', iso(input.runsBefore)).where('status', '!=', 'running').executeTakeFirst();
    // A journal is what its plan's apply runs did: it lives while the plan or one of them does.
    const operations = await tx
      .deleteFrom('plan_operations')
      .where('plan_id', 'not in', (eb) => eb.selectFrom('plans').select('id'))
      .where('plan_id', 'not in', (eb) => eb.selectFrom('runs').select('plan_id').where('plan_id', 'is not', null).where('kind', '!=', 'preview').$narrowType<{ plan_id: string }>())
      .executeTakeFirst();
    // A confirmed write is history once its runs are; one never seen stays until it is.
    await tx.deleteFrom('sent_writes').where('seen_at', 'is not', null).where('sent_at', '<', iso(input.runsBefore)).execute();
    return { plans: Number(plans.numDeletedRows), runs: Number(runs.numDeletedRows), operations: Number(operations.numDeletedRows) };
  });
}
