/**
 * Nightly syncs: one croner job per company in its own time zone. A due slot is claimed once
 * across replicas (lease + the slot recorded in the store), previewed, then applied when the
 * company auto-applies and the guard passes; otherwise the right people are asked. Repeated
 * failures pause the company and say so.
 */
import { Cron } from 'croner';
import type { CompanyConfig, Config } from '../config';
import type { Logger } from '../observability';
import type { Notifier, ProblemDescription } from '../notify';
import { ApplyRefused, decide, RunInterrupted, type AuditRecords, type CompanyOverview, type RunService, type RunStore } from '../runs';
import { DIGEST_REF } from '../notify';
import { digestRows, digestTotals } from '../sync';

export interface SchedulerDeps {
  config: Config;
  service: RunService;
  store: RunStore;
  notifier: Notifier;
  describe: (error: unknown) => ProblemDescription;
  log: Logger;
  clock?: () => Date;
  /** Consecutive failures before a company pauses itself (default 3). */
  failureLimit?: number;
  holder?: string;
  /** Stored audits: with them, each company's weekly audit runs on its own schedule. */
  audits?: AuditRecords;
  /** Every company at once: with it and `digest:` in the configuration, the daily digest is posted. */
  overview?: CompanyOverview;
}

/** The digest's slot is kept where a company's is, under a name no company id can take (ids are lower-case). */
const DIGEST_STATE = 'DIGEST';

export type SlotOutcome =
  | { kind: 'skipped'; reason: 'paused' | 'claimed-elsewhere' | 'already-run' }
  | { kind: 'applied'; runId: string; status: string }
  | { kind: 'approval-needed'; planId: string }
  | { kind: 'guard-blocked'; planId: string }
  | { kind: 'no-changes'; planId: string }
  | { kind: 'failed'; problem: ProblemDescription; paused: boolean }
  /** The service is stopping or lost the company's lease: the plan is continued by the service, not counted as a failure. */
  | { kind: 'interrupted'; message: string };

const SCHEDULE_ACTOR = { id: null, name: 'kb4sync schedule', tenantId: null, via: 'schedule' as const };

/** The next scheduled instant strictly after `after`, in the company's time zone. */
export function nextSlot(company: CompanyConfig, after: Date): Date | null {
  if (!company.schedule) return null;
  return new Cron(company.schedule.cron, { timezone: company.schedule.timezone, paused: true }).nextRun(after);
}

/** What the audit says will fix drift: the next sync, and whether it applies without asking (null: none, or paused). */
export function nextSyncOf(company: CompanyConfig, paused: boolean, after: Date): { at: Date; autoApply: boolean } | null {
  const at = paused || company.paused ? null : nextSlot(company, after);
  return at === null ? null : { at, autoApply: company.schedule?.autoApply ?? false };
}

/** The latest scheduled instant at or before `now` that comes after `since` (a missed run), if any. */
export function missedSlot(company: CompanyConfig, since: Date, now: Date): Date | null {
  let slot = nextSlot(company, since);
  let latest: Date | null = null;
  for (let i = 0; slot !== null && slot.getTime() <= now.getTime() && i < 10_000; i++) {
    latest = slot;
    slot = nextSlot(company, slot);
  }
  return latest;
}

function scheduleKey(company: CompanyConfig): string {
  return company.schedule ? `${company.schedule.cron}|${company.schedule.timezone}` : '';
}

/** The audit's cron and zone: its own zone, else the sync schedule's (the company's), else UTC. */
export function auditSchedule(company: CompanyConfig): { cron: string; timezone: string } | null {
  if (!company.audit.enabled) return null;
  return { cron: company.audit.cron, timezone: company.audit.timezone ?? company.schedule?.timezone ?? 'UTC' };
}

/** The company's next audit strictly after `after` (null: audits are off for it). */
export function nextAuditSlot(company: CompanyConfig, after: Date): Date | null {
  const s = auditSchedule(company);
  return s === null ? null : new Cron(s.cron, { timezone: s.timezone, paused: true }).nextRun(after);
}

const AUDIT_ACTOR = { id: null, name: 'kb4sync weekly audit', tenantId: null, via: 'schedule' as const };
/** Long enough for a large tenant's read: a replica that finds the lease held leaves the slot to its holder. */
const AUDIT_LEASE_MS = 30 * 60_000;

export class Scheduler {
  /** One job per scheduled company, with the cron and zone it was made from. */
  private readonly jobs = new Map<string, { job: Cron; key: string }>();
  /** One audit job per audited company, with the cron and zone it was made from. */
  private readonly auditJobs = new Map<string, { job: Cron; key: string }>();
  private digestJob: { job: Cron; key: string } | null = null;
  private running = false;
  private readonly clock: () => Date;
  private readonly holder: string;

  constructor(private readonly deps: SchedulerDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.holder = deps.holder ?? `scheduler:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  }

  /** Starts one job per scheduled company. */
  start(): void {
    this.running = true;
    this.sync();
  }

  /**
   * Brings the jobs in line with the configuration as it is now (after a reload): jobs of removed
   * or unscheduled companies stop, new and changed schedules start, unchanged ones keep running.
   */
  sync(): { started: string[]; stopped: string[] } {
    const started: string[] = [];
    const stopped: string[] = [];
    if (!this.running) return { started, stopped };
    const wanted = new Map(this.deps.config.companies.filter((c) => c.schedule).map((c) => [c.id, c]));
    for (const [id, entry] of this.jobs) {
      const company = wanted.get(id);
      if (company && entry.key === scheduleKey(company)) continue;
      entry.job.stop();
      this.jobs.delete(id);
      stopped.push(id);
    }
    this.syncAudits(started, stopped);
    this.syncDigest(started, stopped);
    for (const [id, company] of wanted) {
      if (this.jobs.has(id) || !company.schedule) continue;
      const job = new Cron(company.schedule.cron, { timezone: company.schedule.timezone, protect: true }, () => {
        const slot = new Date(Math.floor(this.clock().getTime() / 60_000) * 60_000);
        this.runSlot(id, slot).catch((err: unknown) => this.deps.log.error({ err, company: id }, 'scheduled run crashed'));
      });
      this.jobs.set(id, { job, key: scheduleKey(company) });
      started.push(id);
    }
    return { started, stopped };
  }

  /** The next run of each scheduled company's job. */
  nextRuns(): Map<string, Date | null> {
    return new Map([...this.jobs].map(([id, { job }]) => [id, job.nextRun()]));
  }

  /** The next audit of each audited company. */
  nextAudits(): Map<string, Date | null> {
    return new Map([...this.auditJobs].map(([id, { job }]) => [id, job.nextRun()]));
  }

  stop(): void {
    this.running = false;
    for (const { job } of [...this.jobs.values(), ...this.auditJobs.values()]) job.stop();
    this.jobs.clear();
    this.auditJobs.clear();
    this.digestJob?.job.stop();
    this.digestJob = null;
  }

  /** The next digest, when one is scheduled. */
  nextDigest(): Date | null {
    return this.digestJob?.job.nextRun() ?? null;
  }

  private syncDigest(started: string[], stopped: string[]): void {
    const d = this.deps.overview ? this.deps.config.digest : undefined;
    const key = d ? `${d.cron}|${d.timezone}` : '';
    if (this.digestJob && this.digestJob.key === key) return;
    if (this.digestJob) {
      this.digestJob.job.stop();
      this.digestJob = null;
      stopped.push('digest');
    }
    if (!d) return;
    const job = new Cron(d.cron, { timezone: d.timezone, protect: true }, () => {
      const slot = new Date(Math.floor(this.clock().getTime() / 60_000) * 60_000);
      this.runDigestSlot(slot).catch((err: unknown) => this.deps.log.error({ err }, 'digest crashed'));
    });
    this.digestJob = { job, key };
    started.push('digest');
  }

  /** Claims the digest's slot once across replicas, then posts one message about every company. */
  async runDigestSlot(slot: Date): Promise<{ kind: 'posted'; companies: number } | { kind: 'skipped'; reason: 'claimed-elsewhere' | 'already-run' }> {
    const { store, overview, notifier, config } = this.deps;
    if (!overview) return { kind: 'skipped', reason: 'already-run' };
    const lease = 'schedule:digest';
    if (!(await store.acquireLease(lease, this.holder, 60_000, this.clock()))) return { kind: 'skipped', reason: 'claimed-elsewhere' };
    try {
      const state = await store.getCompanyState(DIGEST_STATE);
      if (state.lastScheduledSlot !== null && state.lastScheduledSlot.getTime() >= slot.getTime()) return { kind: 'skipped', reason: 'already-run' };
      await store.updateCompanyState(DIGEST_STATE, { lastScheduledSlot: slot });
    } finally {
      await store.releaseLease(lease, this.holder);
    }
    const now = this.clock();
    const facts = await overview.companyFacts(config.companies.map((c) => ({ id: c.id, name: c.name, seats: c.knowbe4.seats ?? null, paused: c.paused })), now);
    const rows = digestRows(facts);
    await notifier.notify({ kind: 'digest', company: DIGEST_REF, at: now.toISOString(), rows, totals: digestTotals(rows) });
    return { kind: 'posted', companies: rows.length };
  }

  private syncAudits(started: string[], stopped: string[]): void {
    if (!this.deps.audits) return;
    const wanted = new Map(this.deps.config.companies.flatMap((c) => {
      const s = auditSchedule(c);
      return s ? [[c.id, `${s.cron}|${s.timezone}`] as const] : [];
    }));
    for (const [id, entry] of this.auditJobs) {
      if (wanted.get(id) === entry.key) continue;
      entry.job.stop();
      this.auditJobs.delete(id);
      stopped.push(`audit:${id}`);
    }
    for (const [id, key] of wanted) {
      if (this.auditJobs.has(id)) continue;
      const [cron, timezone] = key.split('|') as [string, string];
      const job = new Cron(cron, { timezone, protect: true }, () => {
        const slot = new Date(Math.floor(this.clock().getTime() / 60_000) * 60_000);
        this.runAuditSlot(id, slot).catch((err: unknown) => this.deps.log.error({ err, company: id }, 'scheduled audit crashed'));
      });
      this.auditJobs.set(id, { job, key });
      started.push(`audit:${id}`);
    }
  }

  /**
   * One audit per slot across replicas: the lease is held while the audit reads, and a slot an
   * audit already covers is skipped. The audit is read-only, so a paused company is audited too.
   */
  async runAuditSlot(companyId: string, slot: Date): Promise<{ kind: 'audited'; auditId: string } | { kind: 'skipped'; reason: 'claimed-elsewhere' | 'already-run' } | { kind: 'failed'; problem: ProblemDescription }> {
    const { store, audits, service, notifier, log } = this.deps;
    if (!audits) return { kind: 'skipped', reason: 'already-run' };
    const lease = `audit:${companyId}`;
    if (!(await store.acquireLease(lease, this.holder, AUDIT_LEASE_MS, this.clock()))) return { kind: 'skipped', reason: 'claimed-elsewhere' };
    try {
      const [last] = await audits.listAudits(companyId, 1);
      if (last && last.at.getTime() >= slot.getTime()) return { kind: 'skipped', reason: 'already-run' };
      const company = service.company(companyId);
      const state = await store.getCompanyState(companyId);
      const { auditId, audit } = await service.audit(companyId, AUDIT_ACTOR, { nextSync: nextSyncOf(company, state.paused, this.clock()) });
      await notifier.notify({ kind: 'audit', company: { id: company.id, name: company.name }, auditId, audit });
      return { kind: 'audited', auditId };
    } catch (error) {
      const problem = this.deps.describe(error);
      log.warn({ company: companyId, problem: problem.message }, 'scheduled audit failed');
      return { kind: 'failed', problem };
    } finally {
      await store.releaseLease(lease, this.holder);
    }
  }

  /** Runs, once, each company's latest slot missed while the service was down. */
  async catchUp(): Promise<Map<string, SlotOutcome>> {
    const outcomes = new Map<string, SlotOutcome>();
    const now = this.clock();
    for (const company of this.deps.config.companies) {
      if (!company.schedule) continue;
      const state = await this.deps.store.getCompanyState(company.id);
      // With no history there is nothing missed: the first run is the next scheduled one.
      const since = state.lastScheduledSlot ?? state.lastRunAt;
      if (since === null) continue;
      const slot = missedSlot(company, since, now);
      if (slot) outcomes.set(company.id, await this.runSlot(company.id, slot));
    }
    return outcomes;
  }

  /** Claims the slot (once across replicas) and runs it. */
  async runSlot(companyId: string, slot: Date): Promise<SlotOutcome> {
    const { store, log } = this.deps;
    const company = this.deps.service.company(companyId);
    const lease = `schedule:${companyId}`;
    if (!(await store.acquireLease(lease, this.holder, 60_000, this.clock()))) return { kind: 'skipped', reason: 'claimed-elsewhere' };
    try {
      const state = await store.getCompanyState(companyId);
      if (state.lastScheduledSlot !== null && state.lastScheduledSlot.getTime() >= slot.getTime()) return { kind: 'skipped', reason: 'already-run' };
      await store.updateCompanyState(companyId, { lastScheduledSlot: slot });
      if (company.paused || state.paused) {
        log.info({ company: companyId }, 'scheduled run skipped: company paused');
        return { kind: 'skipped', reason: 'paused' };
      }
    } finally {
      await store.releaseLease(lease, this.holder);
    }
    return this.runNow(company);
  }

  /** One scheduled (or Retry-button) run: preview, then apply or ask, and report either way. */
  async runNow(company: CompanyConfig): Promise<SlotOutcome> {
    const { service, store, notifier } = this.deps;
    const ref = { id: company.id, name: company.name };
    try {
      const preview = await service.preview(company.id, SCHEDULE_ACTOR);
      // Scheduled runs never release a guard: only an admin's typed count does.
      const decision = decide(preview.plan, { approved: company.schedule?.autoApply ?? false, confirmArchive: null });
      switch (decision.kind) {
        case 'guard-blocked':
          await store.updateCompanyState(company.id, { consecutiveFailures: 0 });
          await notifier.notify({ kind: 'guard-blocked', company: ref, planId: preview.planId, digest: preview.digest, report: preview.report, reasons: decision.reasons, archiveCount: decision.archiveCount });
          return { kind: 'guard-blocked', planId: preview.planId };
        case 'in-step':
          await store.updateCompanyState(company.id, { consecutiveFailures: 0, lastRunAt: this.clock(), lastRunStatus: 'succeeded', lastRunId: preview.runId });
          await notifier.notify({ kind: 'summary', company: ref, runId: preview.runId, report: preview.report });
          return { kind: 'no-changes', planId: preview.planId };
        case 'ask':
          await store.updateCompanyState(company.id, { consecutiveFailures: 0 });
          await notifier.notify({ kind: 'approval-needed', company: ref, planId: preview.planId, digest: preview.digest, expiresAt: preview.expiresAt, report: preview.report, plan: preview.plan });
          return { kind: 'approval-needed', planId: preview.planId };
        case 'apply':
          break;
      }
      const result = await service.apply(preview.planId, SCHEDULE_ACTOR, { digest: preview.digest });
      if (result.status === 'failed') return await this.failed(company, result.failure ?? new Error(result.error ?? 'the run failed'), true);
      await notifier.notify({ kind: 'summary', company: ref, runId: result.runId, report: result.report });
      return { kind: 'applied', runId: result.runId, status: result.status };
    } catch (error) {
      if (error instanceof RunInterrupted || (error instanceof ApplyRefused && error.reason === 'shutting-down')) {
        this.deps.log.warn({ company: company.id, reason: error.message }, 'scheduled run interrupted');
        return { kind: 'interrupted', message: error.message };
      }
      return this.failed(company, error, false);
    }
  }

  private async failed(company: CompanyConfig, error: unknown, counted: boolean): Promise<SlotOutcome> {
    const { store, notifier, log } = this.deps;
    const problem = this.deps.describe(error);
    const state = await store.getCompanyState(company.id);
    // An apply that failed was already counted by the run service.
    const failures = counted ? state.consecutiveFailures : state.consecutiveFailures + 1;
    const limit = this.deps.failureLimit ?? 3;
    const pause = failures >= limit;
    await store.updateCompanyState(company.id, { consecutiveFailures: failures, lastRunAt: this.clock(), lastRunStatus: 'failed', ...(pause ? { paused: true } : {}) });
    log.warn({ company: company.id, failures, problem: problem.message }, pause ? 'company paused after repeated failures' : 'scheduled run failed');
    const ref = { id: company.id, name: company.name };
    if (pause) await notifier.notify({ kind: 'auto-paused', company: ref, consecutiveFailures: failures, lastProblem: problem });
    else await notifier.notify({ kind: 'failure', company: ref, problem, consecutiveFailures: failures });
    return { kind: 'failed', problem, paused: pause };
  }
}
