/**
 * Preview, apply and resume: the imperative shell around the pure planner. A plan is stored
 * before it is shown; apply executes exactly that stored plan, once, under the company's lease.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { companyRules, type Config, type CompanyConfig } from '../config';
import type { Logger } from '../observability';
import type { Metrics } from '../observability';
import { buildReport, confirmationReleases, plan as makePlan, primaryAddress, smtpAddress, type Plan, type Report, type TargetUser } from '../sync';
import { errorMessage, execute, RunAborted, type Progress } from './executor';
import { Kb4AuthError, Kb4ForbiddenError } from '../knowbe4';
import type { Connectors, RunStore, RunTrigger, StoredPlan } from './ports';

export interface RunSettings {
  /** How long a preview can be applied (default 60 min). */
  planTtlMs: number;
  /** Lease on a company while a run holds it; renewed every third of it. */
  leaseTtlMs: number;
  /**
   * Operations in progress at once; null (the default): the company's `knowbe4.maxConcurrency`,
   * so the account's own limiter, not the executor, is what bounds the run.
   */
  concurrency: number | null;
  batchSize: number;
  /** Set (to the reason shown) when nothing may be written to KnowBe4: the local trial. */
  appliesOff: string | null;
}

export const DEFAULT_RUN_SETTINGS: RunSettings = { planTtlMs: 60 * 60_000, leaseTtlMs: 60_000, concurrency: null, batchSize: 100, appliesOff: null };

export interface RunDeps {
  config: Config;
  store: RunStore;
  connectors: Connectors;
  log: Logger;
  metrics?: Metrics;
  clock?: () => Date;
  settings?: Partial<RunSettings>;
  /** Identifies this process in leases (defaults to host:pid:random). */
  holder?: string;
  /** Errors that must stop an apply at once (revoked or expired credentials). */
  isFatal?: (error: unknown) => boolean;
}

export interface Actor {
  id: string | null;
  name: string | null;
  tenantId: string | null;
  via: RunTrigger;
}

export interface Preview {
  planId: string;
  digest: string;
  expiresAt: Date;
  plan: Plan;
  report: Report;
  runId: string;
}

export type RefusalReason =
  | 'unknown-company'
  | 'not-found'
  | 'expired'
  | 'applied'
  | 'applying'
  | 'failed'
  | 'cancelled'
  | 'tampered'
  | 'confirmation-required'
  | 'busy'
  | 'applies-off';

/** Apply said no, for a reason the admin can read; nothing was written. */
export class ApplyRefused extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'ApplyRefused';
  }
}

export interface ApplyResult {
  runId: string;
  planId: string;
  status: 'succeeded' | 'partial' | 'failed';
  report: Report;
  error: string | null;
  /** The error that stopped a failed run, for alerts that tell credential problems apart. */
  failure?: unknown;
}

export interface ApplyOptions {
  /** The archive count an admin typed, for a plan the guard blocked. */
  confirmArchive?: number | null;
  /** The digest shown on the card: a different one means the card is not this plan's. */
  digest?: string;
  onProgress?: (p: Progress) => void;
}

export interface StartedApply {
  planId: string;
  plan: Plan;
  result: Promise<ApplyResult>;
}

export type SyncUserResult =
  | { kind: 'not-found'; address: string; searched: string[] }
  | { kind: 'ambiguous'; address: string; companies: { id: string; name: string }[] }
  | { kind: 'out-of-scope'; address: string; company: { id: string; name: string }; reason: string }
  | { kind: 'conflict'; address: string; company: { id: string; name: string }; message: string }
  | { kind: 'in-sync'; address: string; company: { id: string; name: string } }
  | { kind: 'applied'; address: string; company: { id: string; name: string }; plan: Plan; result: ApplyResult };

/** Whether an operation is about one of these people (Entra ids or KnowBe4 ids). */
function concerns(op: Plan['operations'][number], ids: ReadonlySet<string>): boolean {
  switch (op.kind) {
    case 'createGroup':
      return false;
    case 'create':
      return ids.has(op.sourceId);
    case 'setManager':
    case 'addToGroup':
      return op.user.kind === 'new' ? ids.has(op.user.sourceId) : ids.has(op.user.targetId);
    default:
      return ids.has(op.targetId);
  }
}

export function planDigest(plan: Plan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex');
}

const REFUSAL_TEXT: Record<Exclude<RefusalReason, 'unknown-company' | 'tampered' | 'confirmation-required' | 'busy' | 'applies-off'>, string> = {
  'not-found': 'This plan does not exist. Run a new preview.',
  expired: 'This plan has expired. Run a new preview: Microsoft 365 and KnowBe4 may have changed since.',
  applied: 'This plan has already been applied.',
  applying: 'This plan is being applied right now.',
  failed: 'This plan was already attempted and stopped. Run a new preview.',
  cancelled: 'This plan was cancelled. Run a new preview.',
};

export class RunService {
  private readonly settings: RunSettings;
  private readonly clock: () => Date;
  private readonly holder: string;

  constructor(private readonly deps: RunDeps) {
    this.settings = { ...DEFAULT_RUN_SETTINGS, ...deps.settings };
    this.clock = deps.clock ?? (() => new Date());
    this.holder = deps.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  company(companyId: string): CompanyConfig {
    const company = this.deps.config.companies.find((c) => c.id === companyId);
    if (!company) throw new ApplyRefused('unknown-company', `Unknown company "${companyId}".`);
    return company;
  }

  /** Reads both sides, plans, stores the plan and a preview run, and returns it. */
  async preview(companyId: string, actor: Actor): Promise<Preview> {
    const company = this.company(companyId);
    const { store, connectors } = this.deps;
    const started = this.clock();
    const [source, target, state] = await Promise.all([
      connectors.source(company.id).fetchSource(),
      connectors.target(company.id).fetchTarget(),
      store.getCompanyState(company.id),
    ]);
    const plan = makePlan(companyRules(company), source, target, { previousSourceCount: state.lastGoodSourceCount });
    const digest = planDigest(plan);
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + this.settings.planTtlMs);
    const planId = await store.savePlan({ companyId: company.id, plan, digest, createdAt: now, expiresAt, requestedBy: actor.id });

    // Records still claimed by someone in scope were seen just now; the report's last_m365_sync for
    // a record about to be archived is the last time that was true.
    const archived = plan.operations.flatMap((op) => (op.kind === 'archive' ? [op.targetId] : []));
    const notSeen = new Set([...archived, ...plan.unmanaged.map((u) => u.targetId)]);
    const lastSeen = await store.lastSeen(company.id, archived);
    await store.recordLastSeen(
      company.id,
      target.users.filter((t) => t.active && !notSeen.has(t.id)).map((t) => t.id),
      now,
    );

    const runId = await store.createRun({ companyId: company.id, planId, kind: 'preview', trigger: actor.via, actor: actor.id, startedAt: started });
    const report = buildReport({
      plan,
      runId,
      dryRun: true,
      timestamp: now.toISOString(),
      lastSeen: new Map([...lastSeen].map(([id, at]) => [id, at.toISOString()])),
    });
    await store.finishRun(runId, { status: 'succeeded', finishedAt: this.clock(), report, error: null });
    await this.audit(actor, 'preview', { companyId: company.id, planId, runId, outcome: 'ok', detail: { operations: plan.operations.length, guard: plan.guard.status } });
    this.deps.metrics?.runs.inc({ kind: 'preview', result: 'succeeded' });
    this.deps.log.info({ company: company.id, planId, operations: plan.operations.length, guard: plan.guard.status }, 'preview stored');
    return { planId, digest, expiresAt, plan, report, runId };
  }

  /**
   * Applies a stored plan exactly once. Refusals (expired, used, tampered, unconfirmed, busy)
   * throw ApplyRefused and write nothing.
   */
  async apply(planId: string, actor: Actor, options: ApplyOptions = {}): Promise<ApplyResult> {
    return (await this.startApply(planId, actor, options)).result;
  }

  /**
   * Checks everything that can refuse an apply, takes the company lease and claims the plan,
   * then starts the work and returns at once: the bot answers the click with "applying" and
   * follows `result`.
   */
  async startApply(planId: string, actor: Actor, options: ApplyOptions = {}): Promise<StartedApply> {
    const { store } = this.deps;
    const stored = await store.getPlan(planId);
    const refuse = async (reason: RefusalReason, message: string): Promise<never> => {
      await this.audit(actor, 'apply', { companyId: stored?.companyId ?? null, planId, runId: null, outcome: 'refused', detail: { reason } });
      throw new ApplyRefused(reason, message);
    };
    if (!stored) return refuse('not-found', REFUSAL_TEXT['not-found']);
    if (this.settings.appliesOff !== null) return refuse('applies-off', this.settings.appliesOff);
    if (options.digest !== undefined && options.digest !== stored.digest) {
      return refuse('tampered', 'The card does not match the stored plan. Run a new preview.');
    }
    if (!confirmationReleases(stored.plan.guard, options.confirmArchive)) {
      const count = stored.plan.guard.status === 'blocked' ? stored.plan.guard.archiveCount : 0;
      return refuse('confirmation-required', `This plan is blocked by the guard. Type the number of users it archives (${count}) to apply it.`);
    }
    const lease = `company:${stored.companyId}`;
    // Each call holds the lease as itself: two clicks in one process must not share it.
    const holder = this.callHolder();
    if (!(await store.acquireLease(lease, holder, this.settings.leaseTtlMs, this.clock()))) {
      return refuse('busy', `Another run for ${stored.plan.company.name} is in progress. Try again when it has finished.`);
    }
    try {
      const claim = await store.claimPlanForApply(planId, this.clock());
      // `applying` with the lease free means its runner died: continue where it stopped (the
      // journal skips every operation already done).
      if (!claim.ok && claim.reason !== 'applying') await refuse(claim.reason, REFUSAL_TEXT[claim.reason]);
    } catch (err) {
      await store.releaseLease(lease, holder);
      throw err;
    }
    const result = this.run(stored, actor, holder, options.onProgress).finally(() => store.releaseLease(lease, holder));
    return { planId, plan: stored.plan, result };
  }

  /**
   * On-demand sync of one person (seconds, not a full run): finds them in the companies'
   * Microsoft 365 tenants, plans for them alone (never an archive), and applies that plan at once.
   */
  async syncUser(address: string, actor: Actor, options: { companyId?: string } = {}): Promise<SyncUserResult> {
    // `sync user` applies at once, so it is refused, like Apply, when writes are off.
    if (this.settings.appliesOff !== null) throw new ApplyRefused('applies-off', this.settings.appliesOff);
    const companies = options.companyId ? [this.company(options.companyId)] : this.deps.config.companies;
    const found = (
      await Promise.all(
        companies.map(async (company) => {
          const source = this.deps.connectors.source(company.id);
          if (!source.findUser) return null;
          const hit = await source.findUser(address);
          return hit ? { company, hit } : null;
        }),
      )
    ).filter((x): x is NonNullable<typeof x> => x !== null);
    if (found.length === 0) return { kind: 'not-found', address, searched: companies.map((c) => c.name) };
    if (found.length > 1) return { kind: 'ambiguous', address, companies: found.map((f) => ({ id: f.company.id, name: f.company.name })) };
    const { company, hit } = found[0] as (typeof found)[number];

    const target = this.deps.connectors.target(company.id);
    const primary = primaryAddress(hit.user, company.emailSource);
    // Whoever else holds the address goes in too, with their own records: the planner then sees
    // the conflict a full run would see, and nobody claims a record through the address alone.
    const people = [hit.user, ...(hit.manager ? [hit.manager] : []), ...hit.others].filter((p, i, all) => all.findIndex((q) => q.id === p.id) === i);
    const records = new Map<string, TargetUser>();
    const lookups: Promise<TargetUser | null>[] = [];
    for (const person of people) {
      lookups.push(target.findUserByExternalId(person.id));
      const own = primaryAddress(person, company.emailSource);
      if (own) lookups.push(target.findUserByUserName(own));
    }
    // Aliases find a record kept under an old address (a rename, not a new user).
    for (const alias of hit.user.proxyAddresses) {
      const a = smtpAddress(alias);
      if (a && a.toLowerCase() !== primary?.toLowerCase()) lookups.push(target.findUserByUserName(a));
    }
    // The groups do not depend on who was found: read them in the same round trip.
    const [existing, groups] = await Promise.all([Promise.all(lookups), target.listGroups()]);
    for (const t of existing) if (t) records.set(t.id, t);

    const rules = { ...companyRules(company), removeStaleUsers: false };
    const full = makePlan(rules, { users: people, groups: hit.groups }, { users: [...records.values()], groups }, { previousSourceCount: null });
    const mine = new Set<string>([hit.user.id, ...[...records.values()].filter((t) => t.externalId === hit.user.id || t.userName.toLowerCase() === primary?.toLowerCase()).map((t) => t.id)]);
    const kept = full.operations.filter((op) => concerns(op, mine));
    // A group this person joins that does not exist yet is created too.
    const newGroups = new Set(kept.flatMap((op) => (op.kind === 'addToGroup' && op.group.kind === 'new' ? [op.group.name] : [])));
    const operations = full.operations.filter((op) => kept.includes(op) || (op.kind === 'createGroup' && newGroups.has(op.name)));
    const plan: Plan = { ...full, operations, unmanaged: [], guard: { status: 'ok' } };
    const conflict = full.conflicts.find((c) => c.sourceUsers.some((u) => u.id === hit.user.id));
    if (conflict) return { kind: 'conflict', address, company: { id: company.id, name: company.name }, message: conflict.message };
    if (!full.skipped.every((s) => s.sourceId !== hit.user.id)) {
      const reason = full.skipped.find((s) => s.sourceId === hit.user.id)?.reason ?? 'out of scope';
      return { kind: 'out-of-scope', address, company: { id: company.id, name: company.name }, reason };
    }
    if (plan.operations.length === 0) return { kind: 'in-sync', address, company: { id: company.id, name: company.name } };

    const now = this.clock();
    const digest = planDigest(plan);
    const planId = await this.deps.store.savePlan({ companyId: company.id, plan, digest, createdAt: now, expiresAt: new Date(now.getTime() + this.settings.planTtlMs), requestedBy: actor.id });
    const result = await this.apply(planId, actor, { digest });
    return { kind: 'applied', address, company: { id: company.id, name: company.name }, plan, result };
  }

  /** Finishes applies that a crash interrupted (their plans are still `applying`). */
  async resume(): Promise<ApplyResult[]> {
    const results: ApplyResult[] = [];
    for (const stored of await this.deps.store.plansInStatus('applying')) {
      const lease = `company:${stored.companyId}`;
      const holder = this.callHolder();
      // A live holder is still working on it; its lease lapses if it died.
      if (!(await this.deps.store.acquireLease(lease, holder, this.settings.leaseTtlMs, this.clock()))) continue;
      try {
        this.deps.log.warn({ planId: stored.planId, company: stored.companyId }, 'resuming an interrupted apply');
        results.push(await this.run(stored, { id: null, name: 'kb4sync (resume)', tenantId: null, via: 'schedule' }, holder));
      } finally {
        await this.deps.store.releaseLease(lease, holder);
      }
    }
    return results;
  }

  private callHolder(): string {
    return `${this.holder}:${randomUUID().slice(0, 8)}`;
  }

  private async run(stored: StoredPlan, actor: Actor, holder: string, onProgress?: (p: Progress) => void): Promise<ApplyResult> {
    const { store, connectors, log, metrics } = this.deps;
    const started = this.clock();
    const existing = await store.runForPlan(stored.planId, 'apply');
    const runId =
      existing?.status === 'running'
        ? existing.runId
        : await store.createRun({ companyId: stored.companyId, planId: stored.planId, kind: 'apply', trigger: actor.via, actor: actor.id, startedAt: started });
    await this.audit(actor, 'apply', { companyId: stored.companyId, planId: stored.planId, runId, outcome: 'ok', detail: { started: true } });

    const lease = `company:${stored.companyId}`;
    const heartbeat = setInterval(() => {
      store.renewLease(lease, holder, this.settings.leaseTtlMs, this.clock()).catch((err: unknown) => log.error({ err }, 'lease renewal failed'));
    }, Math.max(1000, Math.floor(this.settings.leaseTtlMs / 3)));
    heartbeat.unref();

    let status: ApplyResult['status'];
    let error: string | null = null;
    let failure: unknown;
    let report: Report;
    try {
      const outcomes = await execute(stored.planId, stored.plan, connectors.target(stored.companyId), store, {
        concurrency: this.settings.concurrency ?? this.company(stored.companyId).knowbe4.maxConcurrency,
        batchSize: this.settings.batchSize,
        onProgress,
        // A revoked token or missing permission fails every later request too: stop at once.
        isFatal: this.deps.isFatal ?? ((e) => e instanceof Kb4AuthError || e instanceof Kb4ForbiddenError),
      });
      for (const op of stored.plan.operations) metrics?.operations.inc({ kind: op.kind, result: outcomes.get(op.id)?.status ?? 'pending' });
      const failed = [...outcomes.values()].some((o) => o.status !== 'done');
      status = failed ? 'partial' : 'succeeded';
      report = buildReport({ plan: stored.plan, runId, dryRun: false, timestamp: this.clock().toISOString(), outcomes });
      await store.setPlanStatus(stored.planId, 'applied');
    } catch (err) {
      status = 'failed';
      failure = err instanceof RunAborted ? err.cause : err;
      error = errorMessage(failure);
      const states = new Map((await store.states(stored.planId)).map((s) => [s.opId, s]));
      report = buildReport({
        plan: stored.plan,
        runId,
        dryRun: false,
        timestamp: this.clock().toISOString(),
        outcomes: new Map(
          stored.plan.operations.map((op) => {
            const s = states.get(op.id);
            return [op.id, s?.state === 'done' ? { status: 'done' } : s?.state === 'failed' ? { status: 'failed', error: s.error ?? 'failed' } : { status: 'pending' }];
          }),
        ),
      });
      report.success = false;
      report.errors.unshift({ operation: 'run', kind: 'create', user: null, message: error });
      await store.setPlanStatus(stored.planId, 'failed');
      log.error({ company: stored.companyId, planId: stored.planId, error }, 'apply stopped');
    } finally {
      clearInterval(heartbeat);
    }

    const finishedAt = this.clock();
    await store.finishRun(runId, { status, finishedAt, report, error });
    const state = await store.getCompanyState(stored.companyId);
    await store.updateCompanyState(stored.companyId, {
      lastRunId: runId,
      lastRunStatus: status,
      lastRunAt: finishedAt,
      consecutiveFailures: status === 'failed' ? state.consecutiveFailures + 1 : 0,
      ...(status === 'succeeded' ? { lastGoodSourceCount: stored.plan.stats.inScope } : {}),
    });
    await this.audit(actor, 'apply', { companyId: stored.companyId, planId: stored.planId, runId, outcome: status === 'failed' ? 'failed' : 'ok', detail: { status, error } });
    metrics?.runs.inc({ kind: 'apply', result: status });
    metrics?.runDuration.observe({ kind: 'apply' }, (finishedAt.getTime() - started.getTime()) / 1000);
    log.info({ company: stored.companyId, planId: stored.planId, runId, status }, 'apply finished');
    return { runId, planId: stored.planId, status, report, error, failure };
  }

  /**
   * Cancels a pending plan (an admin clicked Cancel). Like apply, a card whose digest is not the
   * stored plan's is refused, and every refusal is audited.
   */
  async cancel(planId: string, actor: Actor, options: { digest?: string } = {}): Promise<void> {
    const stored = await this.deps.store.getPlan(planId);
    const refuse = async (reason: RefusalReason, message: string): Promise<never> => {
      await this.audit(actor, 'cancel', { companyId: stored?.companyId ?? null, planId, runId: null, outcome: 'refused', detail: { reason } });
      throw new ApplyRefused(reason, message);
    };
    if (!stored) return refuse('not-found', REFUSAL_TEXT['not-found']);
    if (this.settings.appliesOff !== null) return refuse('applies-off', this.settings.appliesOff);
    if (options.digest !== undefined && options.digest !== stored.digest) return refuse('tampered', 'The card does not match the stored plan. Run a new preview.');
    if (stored.status !== 'pending') {
      const reason = stored.status === 'expired' || stored.status === 'applied' || stored.status === 'applying' || stored.status === 'failed' ? stored.status : 'cancelled';
      return refuse(reason, REFUSAL_TEXT[reason]);
    }
    if (stored.expiresAt.getTime() <= this.clock().getTime()) return refuse('expired', REFUSAL_TEXT.expired);
    await this.deps.store.setPlanStatus(planId, 'cancelled');
    await this.audit(actor, 'cancel', { companyId: stored.companyId, planId, runId: null, outcome: 'ok', detail: {} });
  }

  private async audit(
    actor: Actor,
    action: string,
    entry: { companyId: string | null; planId: string | null; runId: string | null; outcome: 'ok' | 'refused' | 'failed'; detail: Record<string, unknown> },
  ): Promise<void> {
    await this.deps.store.recordAudit({
      at: this.clock(),
      actorId: actor.id,
      actorName: actor.name,
      tenantId: actor.tenantId,
      action,
      via: actor.via,
      ...entry,
    });
  }
}
