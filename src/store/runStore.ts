/**
 * The run layer's store on Kysely: plans, the operation journal, runs, leases, audit, company
 * state and last-seen times, each kept by its own module. Every state change that must happen
 * once is a single conditional statement, so it holds across processes and replicas.
 */
import type { Kysely } from 'kysely';
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
import type { Plan, Report } from '../sync';
import * as audit from './audit';
import * as companies from './companyState';
import * as leases from './leases';
import * as plans from './plans';
import * as runs from './runs';
import type { Database } from './schema';
import { KyselySentWrites } from './sentWrites';

export class KyselyRunStore implements RunStore {
  readonly sentWrites: KyselySentWrites;

  constructor(readonly db: Kysely<Database>) {
    this.sentWrites = new KyselySentWrites(db);
  }

  savePlan(input: { companyId: string; kind: PlanKind; plan: Plan; digest: string; createdAt: Date; expiresAt: Date; requestedBy: string | null }): Promise<string> {
    return plans.savePlan(this.db, input);
  }
  getPlan(planId: string): Promise<StoredPlan | null> {
    return plans.getPlan(this.db, planId);
  }
  claimPlanForApply(planId: string, now: Date, approved?: Plan): Promise<ClaimResult> {
    return plans.claimPlanForApply(this.db, planId, now, approved);
  }
  setPlanStatus(planId: string, status: PlanStatus): Promise<void> {
    return plans.setPlanStatus(this.db, planId, status);
  }
  plansInStatus(status: PlanStatus): Promise<StoredPlan[]> {
    return plans.plansInStatus(this.db, status);
  }
  latestPlan(companyId: string): Promise<StoredPlan | null> {
    return plans.latestPlan(this.db, companyId);
  }
  states(planId: string): Promise<StoredOperationState[]> {
    return plans.states(this.db, planId);
  }
  record(planId: string, updates: { opId: string; state: OperationState; resultId?: string | null; error?: string | null }[]): Promise<void> {
    return plans.record(this.db, planId, updates);
  }

  createRun(input: { companyId: string; planId: string | null; kind: RunKind; trigger: RunTrigger; actor: string | null; startedAt: Date }): Promise<string> {
    return runs.createRun(this.db, input);
  }
  finishRun(runId: string, input: { status: RunStatus; finishedAt: Date; report: Report | null; error: string | null }): Promise<void> {
    return runs.finishRun(this.db, runId, input);
  }
  getRun(runId: string): Promise<RunRecord | null> {
    return runs.getRun(this.db, runId);
  }
  listRuns(companyId: string, limit: number): Promise<RunRecord[]> {
    return runs.listRuns(this.db, companyId, limit);
  }
  runForPlan(planId: string, kind: RunKind): Promise<RunRecord | null> {
    return runs.runForPlan(this.db, planId, kind);
  }
  prune(input: { plansBefore: Date; runsBefore: Date }): Promise<PruneResult> {
    return runs.prune(this.db, input);
  }

  acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    return leases.acquireLease(this.db, name, holder, ttlMs, now);
  }
  renewLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    return leases.renewLease(this.db, name, holder, ttlMs, now);
  }
  releaseLease(name: string, holder: string): Promise<void> {
    return leases.releaseLease(this.db, name, holder);
  }

  recordAudit(entry: AuditEntry): Promise<void> {
    return audit.recordAudit(this.db, entry);
  }
  listAudit(filter: { companyId?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    return audit.listAudit(this.db, filter);
  }

  getCompanyState(companyId: string): Promise<CompanyState> {
    return companies.getCompanyState(this.db, companyId);
  }
  updateCompanyState(companyId: string, patch: Partial<CompanyState>): Promise<void> {
    return companies.updateCompanyState(this.db, companyId, patch);
  }
  recordLastSeen(companyId: string, targetIds: string[], at: Date): Promise<void> {
    return companies.recordLastSeen(this.db, companyId, targetIds, at);
  }
  lastSeen(companyId: string, targetIds: string[]): Promise<Map<string, Date>> {
    return companies.lastSeen(this.db, companyId, targetIds);
  }
}
