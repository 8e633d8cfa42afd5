/**
 * What the run layer needs from the outside world, stated as interfaces so the executor can be
 * read (and tested) on its own. The KnowBe4 SCIM client and the store implement these.
 */
import type { AttributeChange, CreateAnswer, Kb4Values, SentWrite, Plan, SourceGroup, SourceSnapshot, SourceUser, TargetGroup, TargetSnapshot, TargetUser } from '../sync';
import type { Report } from '../sync';
import type { ReportingReader } from './auditPorts';
import type { SourceDeltaReader } from './deltaPorts';

/** The KnowBe4 writes a plan's operations turn into. */
export interface TargetWriter {
  /**
   * POST /Users (externalId = the Entra object id). A 409 comes back as what a userName look-up
   * found, for the core to settle (`settleCreate`): the writer never decides it.
   */
  postUser(input: { userName: string; externalId: string; values: Kb4Values }): Promise<CreateAnswer>;
  updateUser(id: string, changes: readonly AttributeChange[]): Promise<void>;
  renameUser(id: string, userName: string): Promise<void>;
  reactivateUser(id: string): Promise<void>;
  archiveUser(id: string): Promise<void>;
  setManager(id: string, managerId: string | null): Promise<void>;
  createGroup(name: string): Promise<string>;
  addMembers(groupId: string, userIds: readonly string[]): Promise<void>;
  removeMembers(groupId: string, userIds: readonly string[]): Promise<void>;
  /** For operations whose outcome a crash left unknown. */
  findUserByUserName(userName: string): Promise<TargetUser | null>;
  findGroupByName(name: string): Promise<{ id: string } | null>;
}

export type OperationState = 'pending' | 'in_flight' | 'done' | 'failed' | 'skipped';

export interface StoredOperationState {
  opId: string;
  state: OperationState;
  /** For creates: the KnowBe4 id made; for createGroup: the group id. */
  resultId: string | null;
  error: string | null;
}

/** Where the executor records each operation's fate as it happens. */
export interface OperationJournal {
  states(planId: string): Promise<StoredOperationState[]>;
  /** Records states for several operations at once (a batch PATCH covers many). */
  record(planId: string, updates: { opId: string; state: OperationState; resultId?: string | null; error?: string | null }[]): Promise<void>;
}

/** One person as `sync user` needs them: the user, their manager, the configured groups they are in. */
export interface SourceUserLookup {
  /** Exactly as a full read (fetchSource) returns them. */
  user: SourceUser;
  /** As a full read returns them, except that their own `managerId` may be left unread (null). */
  manager: SourceUser | null;
  /**
   * Other users who hold the same address (mail, UPN or alias): a full read would see them too,
   * and two people claiming one address is a conflict, never a write.
   */
  others: SourceUser[];
  /**
   * The company's scope and mirror groups that contain the user or the manager (transitively),
   * named as a full read names them, with `memberIds` limited to those two.
   */
  groups: SourceGroup[];
}

/** Reads a company's Microsoft 365 users (the Graph adapter). */
export interface SourceReader {
  fetchSource(): Promise<SourceSnapshot>;
  /** One user by address (mail, UPN or proxy address), or null when the tenant has none. */
  findUser?(address: string): Promise<SourceUserLookup | null>;
  /** Incremental reads (Graph delta) for the light run; absent = the company has none. */
  delta?: SourceDeltaReader;
}

/** Reads and writes a company's KnowBe4 account (the SCIM client). */
export interface TargetClient extends TargetWriter {
  fetchTarget(): Promise<TargetSnapshot>;
  /** GET /Users/{id}; null when KnowBe4 has (or shows) no such user. */
  findUserById(id: string): Promise<TargetUser | null>;
  listGroups(): Promise<TargetGroup[]>;
}

/** Builds the adapters for one company (from its configuration and secrets). */
export interface Connectors {
  source(companyId: string): SourceReader;
  target(companyId: string): TargetClient;
  /** The Reporting API of a company that set its token; null (or absent) otherwise. */
  reporting?(companyId: string): ReportingReader | null;
}

export type PlanStatus = 'pending' | 'applying' | 'applied' | 'failed' | 'cancelled' | 'expired';

/** full: a whole directory's plan; sync-user: one person's (it says nothing of the directory's size). */
export type PlanKind = 'full' | 'sync-user';

export interface StoredPlan {
  planId: string;
  companyId: string;
  kind: PlanKind;
  plan: Plan;
  digest: string;
  status: PlanStatus;
  createdAt: Date;
  expiresAt: Date;
  requestedBy: string | null;
}

export type ClaimResult = { ok: true } | { ok: false; reason: 'not-found' | 'expired' | 'applied' | 'applying' | 'failed' | 'cancelled' };

export type RunKind = 'preview' | 'apply' | 'sync-user';
export type RunTrigger = 'teams' | 'cli' | 'schedule';
export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'interrupted';

export interface RunRecord {
  runId: string;
  companyId: string;
  planId: string | null;
  kind: RunKind;
  trigger: RunTrigger;
  actor: string | null;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  report: Report | null;
  error: string | null;
}

export interface AuditEntry {
  at: Date;
  actorId: string | null;
  actorName: string | null;
  tenantId: string | null;
  action: string;
  companyId: string | null;
  planId: string | null;
  runId: string | null;
  outcome: 'ok' | 'refused' | 'failed';
  via: RunTrigger;
  detail: Record<string, unknown>;
}

export interface CompanyState {
  paused: boolean;
  consecutiveFailures: number;
  lastRunId: string | null;
  lastRunStatus: RunStatus | null;
  lastRunAt: Date | null;
  /** In-scope source count of the last apply that succeeded: the guard's shrink baseline. */
  lastGoodSourceCount: number | null;
  /** The latest scheduled instant a scheduler claimed (so a slot runs once across replicas). */
  lastScheduledSlot: Date | null;
}

/** A sent write as the store keeps it. */
export interface StoredSentWrite {
  write: SentWrite;
  /** When a read first showed it (null: still waiting). */
  seenAt: Date | null;
  /** When the alert for it being overdue went out (null: none yet). */
  alertedAt: Date | null;
}

/** Creates, renames and archives KnowBe4 accepted, remembered until a read shows them. */
export interface SentWriteLog {
  record(companyId: string, writes: readonly SentWrite[]): Promise<void>;
  /** Not yet seen, oldest first. */
  waiting(companyId: string): Promise<StoredSentWrite[]>;
  confirm(companyId: string, writes: readonly Pick<SentWrite, 'planId' | 'opId'>[], at: Date): Promise<void>;
  markAlerted(companyId: string, writes: readonly Pick<SentWrite, 'planId' | 'opId'>[], at: Date): Promise<void>;
  /** Every one sent for this Entra id, seen or not, oldest first (the KnowBe4 ids kb4sync made or renamed for them). */
  forSource(companyId: string, sourceId: string): Promise<StoredSentWrite[]>;
  /** The latest ones, seen or not, newest first. */
  list(companyId: string, limit: number): Promise<StoredSentWrite[]>;
}

/** What the run layer keeps: plans, the operation journal, runs, leases, audit, company state. */
export interface RunStore extends OperationJournal {
  readonly sentWrites: SentWriteLog;
  savePlan(input: { companyId: string; kind: PlanKind; plan: Plan; digest: string; createdAt: Date; expiresAt: Date; requestedBy: string | null }): Promise<string>;
  getPlan(planId: string): Promise<StoredPlan | null>;
  /**
   * pending → applying, atomically, once; refuses an expired or already used plan. `approved`,
   * when given, is the plan as approved (a guard release recorded), stored in the same statement.
   */
  claimPlanForApply(planId: string, now: Date, approved?: Plan): Promise<ClaimResult>;
  setPlanStatus(planId: string, status: PlanStatus): Promise<void>;
  /** Plans left in `applying` (a crash): candidates for resume. */
  plansInStatus(status: PlanStatus): Promise<StoredPlan[]>;

  createRun(input: Omit<RunRecord, 'runId' | 'finishedAt' | 'report' | 'error' | 'status'>): Promise<string>;
  finishRun(runId: string, input: { status: RunStatus; finishedAt: Date; report: Report | null; error: string | null }): Promise<void>;
  getRun(runId: string): Promise<RunRecord | null>;
  listRuns(companyId: string, limit: number): Promise<RunRecord[]>;
  runForPlan(planId: string, kind: RunKind): Promise<RunRecord | null>;

  acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean>;
  renewLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;

  recordAudit(entry: AuditEntry): Promise<void>;

  getCompanyState(companyId: string): Promise<CompanyState>;
  updateCompanyState(companyId: string, patch: Partial<CompanyState>): Promise<void>;

  /** KnowBe4 user id → when that user was last seen in scope in Microsoft 365. */
  recordLastSeen(companyId: string, targetIds: string[], at: Date): Promise<void>;
  lastSeen(companyId: string, targetIds: string[]): Promise<Map<string, Date>>;

  /**
   * Retention: deletes plans created before `plansBefore` and runs started before `runsBefore`
   * (never one still applying or running); an operation journal goes with the last of its plan
   * and its runs. The audit log is kept.
   */
  prune(input: { plansBefore: Date; runsBefore: Date }): Promise<PruneResult>;
}

export interface PruneResult {
  plans: number;
  runs: number;
  operations: number;
}
