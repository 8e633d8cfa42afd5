/**
 * The run layer's store on Kysely: plans, the operation journal, runs, leases, audit, company
 * state and last-seen times. Every state change that must happen once is a single conditional
 * statement, so it holds across processes and replicas.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type {
  AuditEntry,
  ClaimResult,
  CompanyState,
  OperationState,
  PlanKind,
  PlanStatus,
  PruneResult,
  RunKind,
  RunRecord,
  RunStatus,
  RunStore,
  RunTrigger,
  StoredOperationState,
  StoredPlan,
} from '../runs';
import type { Plan } from '../sync';
import type { Report } from '../sync';
import { decodePlan, encodePlan } from './planFormat';
import { KyselySentWrites } from './sentWrites';
import type { Database, PlanTable, RunTable } from './schema';

const iso = (d: Date) => d.toISOString();
const date = (s: string | null) => (s === null ? null : new Date(s));

// The store is an edge: what comes back is checked for shape before the engine trusts it.
const reportShape = z.looseObject({ success: z.boolean(), sync_summary: z.looseObject({}) });


const PLAN_STATUSES = ['pending', 'applying', 'applied', 'failed', 'cancelled', 'expired'] as const;
const RUN_STATUSES = ['running', 'succeeded', 'partial', 'failed', 'interrupted'] as const;

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

const DEFAULT_STATE: CompanyState = {
  paused: false,
  consecutiveFailures: 0,
  lastRunId: null,
  lastRunStatus: null,
  lastRunAt: null,
  lastGoodSourceCount: null,
  lastScheduledSlot: null,
};

/** Rows per statement when writing many (PostgreSQL allows 65,535 parameters per statement). */
const CHUNK = 500;

export class KyselyRunStore implements RunStore {
  readonly sentWrites: KyselySentWrites;

  constructor(readonly db: Kysely<Database>) {
    this.sentWrites = new KyselySentWrites(db);
  }

  // --- plans -------------------------------------------------------------------------------

  async savePlan(input: { companyId: string; kind: PlanKind; plan: Plan; digest: string; createdAt: Date; expiresAt: Date; requestedBy: string | null }): Promise<string> {
    const id = randomUUID();
    await this.db
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

  async getPlan(planId: string): Promise<StoredPlan | null> {
    const row = await this.db.selectFrom('plans').selectAll().where('id', '=', planId).executeTakeFirst();
    return row ? toStoredPlan(row) : null;
  }

  async claimPlanForApply(planId: string, now: Date): Promise<ClaimResult> {
    const claimed = await this.db
      .updateTable('plans')
      .set({ status: 'applying' })
      .where('id', '=', planId)
      .where('status', '=', 'pending')
      .where('expires_at', '>', iso(now))
      .returning('id')
      .executeTakeFirst();
    if (claimed) return { ok: true };
    const row = await this.db.selectFrom('plans').select(['status', 'expires_at']).where('id', '=', planId).executeTakeFirst();
    if (!row) return { ok: false, reason: 'not-found' };
    if (row.status === 'pending') {
      await this.db.updateTable('plans').set({ status: 'expired' }).where('id', '=', planId).where('status', '=', 'pending').execute();
      return { ok: false, reason: 'expired' };
    }
    const status = z.enum(PLAN_STATUSES).parse(row.status);
    return { ok: false, reason: status === 'pending' ? 'expired' : status };
  }

  async setPlanStatus(planId: string, status: PlanStatus): Promise<void> {
    await this.db.updateTable('plans').set({ status }).where('id', '=', planId).execute();
  }

  async plansInStatus(status: PlanStatus): Promise<StoredPlan[]> {
    const rows = await this.db.selectFrom('plans').selectAll().where('status', '=', status).orderBy('created_at').execute();
    return rows.map(toStoredPlan);
  }

  async latestPlan(companyId: string): Promise<StoredPlan | null> {
    const row = await this.db.selectFrom('plans').selectAll().where('company_id', '=', companyId).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
    return row ? toStoredPlan(row) : null;
  }

  // --- the operation journal ---------------------------------------------------------------

  async states(planId: string): Promise<StoredOperationState[]> {
    const rows = await this.db.selectFrom('plan_operations').select(['op_id', 'state', 'result_id', 'error']).where('plan_id', '=', planId).execute();
    return rows.map((r) => ({
      opId: r.op_id,
      state: z.enum(['pending', 'in_flight', 'done', 'failed', 'skipped']).parse(r.state),
      resultId: r.result_id,
      error: r.error,
    }));
  }

  async record(planId: string, updates: { opId: string; state: OperationState; resultId?: string | null; error?: string | null }[]): Promise<void> {
    const now = iso(new Date());
    for (let i = 0; i < updates.length; i += CHUNK) {
      const rows = updates.slice(i, i + CHUNK).map((u) => ({
        plan_id: planId,
        op_id: u.opId,
        state: u.state,
        result_id: u.resultId ?? null,
        error: u.error ?? null,
        updated_at: now,
      }));
      await this.db
        .insertInto('plan_operations')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['plan_id', 'op_id']).doUpdateSet((eb) => ({
            state: eb.ref('excluded.state'),
            // A result, once known, is never forgotten by a later state change.
            result_id: eb.fn.coalesce(eb.ref('excluded.result_id'), eb.ref('plan_operations.result_id')),
            error: eb.ref('excluded.error'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  // --- runs --------------------------------------------------------------------------------

  async createRun(input: { companyId: string; planId: string | null; kind: RunKind; trigger: RunTrigger; actor: string | null; startedAt: Date }): Promise<string> {
    const id = randomUUID();
    await this.db
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

  async finishRun(runId: string, input: { status: RunStatus; finishedAt: Date; report: Report | null; error: string | null }): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ status: input.status, finished_at: iso(input.finishedAt), report_json: input.report === null ? null : JSON.stringify(input.report), error: input.error })
      .where('id', '=', runId)
      .execute();
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    const row = await this.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
    return row ? toRun(row) : null;
  }

  async listRuns(companyId: string, limit: number): Promise<RunRecord[]> {
    const rows = await this.db.selectFrom('runs').selectAll().where('company_id', '=', companyId).orderBy('started_at', 'desc').limit(limit).execute();
    return rows.map(toRun);
  }

  async runForPlan(planId: string, kind: RunKind): Promise<RunRecord | null> {
    const row = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('plan_id', '=', planId)
      .where('kind', '=', kind)
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toRun(row) : null;
  }

  // --- leases ------------------------------------------------------------------------------

  async acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    const expires = iso(new Date(now.getTime() + ttlMs));
    const row = await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at: expires })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at: expires })
          .where((eb) => eb.or([eb('leases.expires_at', '<=', iso(now)), eb('leases.holder', '=', holder)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return row?.holder === holder;
  }

  async renewLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    const row = await this.db
      .updateTable('leases')
      .set({ expires_at: iso(new Date(now.getTime() + ttlMs)) })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .returning('name')
      .executeTakeFirst();
    return row !== undefined;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  // --- audit -------------------------------------------------------------------------------

  async recordAudit(entry: AuditEntry): Promise<void> {
    await this.db
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

  async listAudit(filter: { companyId?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').limit(filter.limit ?? 100);
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

  // --- company state -----------------------------------------------------------------------

  async getCompanyState(companyId: string): Promise<CompanyState> {
    const row = await this.db.selectFrom('company_state').selectAll().where('company_id', '=', companyId).executeTakeFirst();
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

  async updateCompanyState(companyId: string, patch: Partial<CompanyState>): Promise<void> {
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
    await this.db
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

  // --- last seen ---------------------------------------------------------------------------

  async recordLastSeen(companyId: string, targetIds: string[], at: Date): Promise<void> {
    const seen = iso(at);
    for (let i = 0; i < targetIds.length; i += CHUNK) {
      await this.db
        .insertInto('last_seen')
        .values(targetIds.slice(i, i + CHUNK).map((id) => ({ company_id: companyId, target_id: id, seen_at: seen })))
        .onConflict((oc) => oc.columns(['company_id', 'target_id']).doUpdateSet({ seen_at: seen }))
        .execute();
    }
  }

  async lastSeen(companyId: string, targetIds: string[]): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    for (let i = 0; i < targetIds.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('last_seen')
        .select(['target_id', 'seen_at'])
        .where('company_id', '=', companyId)
        .where('target_id', 'in', targetIds.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) out.set(r.target_id, new Date(r.seen_at));
    }
    return out;
  }

  // --- retention ---------------------------------------------------------------------------

  async prune(input: { plansBefore: Date; runsBefore: Date }): Promise<PruneResult> {
    return this.db.transaction().execute(async (tx) => {
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
}
