/**
 * Nightly syncs: one croner job per company in its own time zone. A due slot is claimed once
 * across replicas (lease + the slot recorded in the store), previewed, then applied when the
 * company auto-applies and the guard passes; otherwise the right people are asked. Repeated
 * failures pause the company and say so.
 */
import { Cron } from 'croner';
import { runsAtOnce, type CompanyConfig, type Config } from '../config';
import type { Logger } from '../observability';
import type { Notifier, ProblemDescription } from '../notify';
import { ApplyRefused, RunInterrupted, type AuditRecords, type CompanyOverview, type RunService, type RunStore } from '../runs';
import { LightRuns, lightRunPeriodMs } from './lightRuns';
import { MspJobs } from './mspJobs';
import { CompanyQueue, type QueueResult } from './queue';
import { nextSlot } from './slots';

export { nextSlot, nextSyncOf } from './slots';

export interface SchedulerDeps {
  config: Config;
  service: RunService;
  store: RunStore;
  notifier: Notifier;
  /** A failure in words an admin can act on (notify's describeProblem). */
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
  /** How long the first of many runs due together waits for the rest before the fairest starts (default 1 s). */
  gatherMs?: number;
}

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

export class Scheduler {
  /** One job per scheduled company, with the cron and zone it was made from. */
  private readonly jobs = new Map<string, { job: Cron; key: string }>();
  /** The weekly audits and the daily digest. */
  private readonly msp: MspJobs;
  private running = false;
  private readonly clock: () => Date;
  private readonly holder: string;

  /** The light runs between nights (Graph delta), per company that auto-applies. */
  readonly light: LightRuns;
  /** Due nightly runs, at most `service.runsAtOnce` under way at once, fairly ordered. */
  readonly queue: CompanyQueue<SlotOutcome>;

  constructor(private readonly deps: SchedulerDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.holder = deps.holder ?? `scheduler:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
    this.msp = new MspJobs(deps, this.clock, this.holder);
    this.light = new LightRuns({ config: deps.config, service: deps.service, store: deps.store, log: deps.log, clock: this.clock, holder: this.holder });
    this.queue = new CompanyQueue(runsAtOnce(deps.config.service), (id, slot) => this.runSlot(id, slot), { gatherMs: deps.gatherMs ?? 1000 });
  }

  /**
   * Queues a company's due slot behind the runs under way; resolves when it ran (or was
   * skipped). The slot is claimed across replicas only when the run starts, so a replica with a
   * free slot takes the next company no other replica has started.
   */
  async enqueue(companyId: string, slot: Date): Promise<QueueResult<SlotOutcome>> {
    const state = await this.deps.store.getCompanyState(companyId);
    return this.queue.enqueue({ companyId, slot, size: state.lastGoodSourceCount });
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
    this.light.sync();
    this.queue.setLimit(runsAtOnce(this.deps.config.service));
    const wanted = new Map(this.deps.config.companies.filter((c) => c.schedule).map((c) => [c.id, c]));
    for (const [id, entry] of this.jobs) {
      const company = wanted.get(id);
      if (company && entry.key === scheduleKey(company)) continue;
      entry.job.stop();
      this.jobs.delete(id);
      stopped.push(id);
    }
    this.msp.sync(started, stopped);
    for (const [id, company] of wanted) {
      if (this.jobs.has(id) || !company.schedule) continue;
      const job = new Cron(company.schedule.cron, { timezone: company.schedule.timezone, protect: true }, () => {
        const slot = new Date(Math.floor(this.clock().getTime() / 60_000) * 60_000);
        this.enqueue(id, slot).catch((err: unknown) => this.deps.log.error({ err, company: id }, 'scheduled run crashed'));
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
    return this.msp.nextAudits();
  }

  /** One company's audit slot (the job's, or a test's). */
  runAuditSlot(companyId: string, slot: Date): ReturnType<MspJobs['runAuditSlot']> {
    return this.msp.runAuditSlot(companyId, slot);
  }

  /** The digest's slot (the job's, or a test's). */
  runDigestSlot(slot: Date): ReturnType<MspJobs['runDigestSlot']> {
    return this.msp.runDigestSlot(slot);
  }

  stop(): void {
    this.running = false;
    this.light.stop();
    for (const { job } of this.jobs.values()) job.stop();
    this.jobs.clear();
    this.msp.stop();
    // Runs not started yet stay unclaimed: the next start's catch-up (or another replica) runs them.
    const dropped = this.queue.clear({ kind: 'interrupted', message: 'the service stopped before this run started' });
    if (dropped > 0) this.deps.log.info({ dropped }, 'queued scheduled runs left for the next start');
  }

  /** Runs, once, each company's latest slot missed while the service was down. */
  async catchUp(): Promise<Map<string, SlotOutcome>> {
    const pending: Promise<[string, SlotOutcome]>[] = [];
    const now = this.clock();
    for (const company of this.deps.config.companies) {
      if (!company.schedule) continue;
      const state = await this.deps.store.getCompanyState(company.id);
      // With no history there is nothing missed: the first run is the next scheduled one.
      const since = state.lastScheduledSlot ?? state.lastRunAt;
      if (since === null) continue;
      const slot = missedSlot(company, since, now);
      // Through the queue: a night missed by 500 companies catches up a few at a time.
      if (slot) pending.push(this.queue.enqueue({ companyId: company.id, slot, size: state.lastGoodSourceCount }).then((r) => [company.id, r.outcome]));
    }
    return new Map(await Promise.all(pending));
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
    try {
      // No light run reads or writes while the nightly run does (the company's delta lease).
      return await this.deps.service.withDeltaLease(company.id, () => this.fullRun(company));
    } catch (error) {
      if (error instanceof RunInterrupted || (error instanceof ApplyRefused && error.reason === 'shutting-down')) {
        this.deps.log.warn({ company: company.id, reason: error.message }, 'scheduled run interrupted');
        return { kind: 'interrupted', message: error.message };
      }
      return this.failed(company, error, false);
    }
  }

  private async fullRun(company: CompanyConfig): Promise<SlotOutcome> {
    const { service, store, notifier, log } = this.deps;
    const ref = { id: company.id, name: company.name };
    // Delta links taken before the full read (what changes during it is seen again by the next
    // light run), kept only when the night applied or found nothing to do.
    // Only for companies with light runs: the links cost Graph requests nobody else reads.
    const keepLinks = lightRunPeriodMs(company) === null ? null : await service.prepareDeltaLinks(company.id).catch((err: unknown) => {
      log.warn({ company: company.id, err: (err as Error).message }, 'delta links not refreshed; light runs keep their links');
      return null;
    });
    // Scheduled runs never release a guard: only an admin's typed count does.
    const { preview, decision } = await service.reconcile(company.id, SCHEDULE_ACTOR, { approved: company.schedule?.autoApply ?? false, confirmArchive: null });
    switch (decision.kind) {
      case 'guard-blocked':
        await store.updateCompanyState(company.id, { consecutiveFailures: 0 });
        await notifier.notify({ kind: 'guard-blocked', company: ref, planId: preview.planId, digest: preview.digest, report: preview.report, reasons: decision.reasons, archiveCount: decision.archiveCount });
        return { kind: 'guard-blocked', planId: preview.planId };
      case 'in-step':
        await store.updateCompanyState(company.id, { consecutiveFailures: 0, lastRunAt: this.clock(), lastRunStatus: 'succeeded', lastRunId: preview.runId });
        await notifier.notify({ kind: 'summary', company: ref, runId: preview.runId, report: preview.report });
        await keepLinks?.();
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
    await keepLinks?.();
    await notifier.notify({ kind: 'summary', company: ref, runId: result.runId, report: result.report });
    return { kind: 'applied', runId: result.runId, status: result.status };
  }

  private async failed(company: CompanyConfig, error: unknown, counted: boolean): Promise<SlotOutcome> {
    const { service, store, notifier, log } = this.deps;
    const problem = this.deps.describe(error);
    const state = await store.getCompanyState(company.id);
    // An apply that failed was already counted by the run service.
    const failures = counted ? state.consecutiveFailures : state.consecutiveFailures + 1;
    const limit = this.deps.failureLimit ?? 3;
    const pause = failures >= limit;
    await store.updateCompanyState(company.id, { consecutiveFailures: failures, lastRunAt: this.clock(), lastRunStatus: 'failed' });
    // Pause is written (and audited) in one place, the run service, whoever pauses.
    if (pause) await service.setPaused(company.id, true, SCHEDULE_ACTOR, { reason: 'repeated-failures', consecutiveFailures: failures });
    log.warn({ company: company.id, failures, problem: problem.message }, pause ? 'company paused after repeated failures' : 'scheduled run failed');
    const ref = { id: company.id, name: company.name };
    if (pause) await notifier.notify({ kind: 'auto-paused', company: ref, consecutiveFailures: failures, lastProblem: problem });
    else await notifier.notify({ kind: 'failure', company: ref, problem, consecutiveFailures: failures });
    return { kind: 'failed', problem, paused: pause };
  }
}
