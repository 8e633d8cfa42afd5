/**
 * The service's own chores: every sweep it finishes interrupted applies that are still young (and
 * fails the old ones, telling the company's channels to preview again), alerts the writes KnowBe4
 * accepted but still does not show, and once a day it deletes
 * plans and runs past their retention.
 */
import { Cron } from 'croner';
import type { ProblemDescription } from '../notify';
import { ResumeTooLate, type ApplyResult, type PruneResult } from '../runs';
import type { SchedulerDeps } from './scheduler';

/** What the scheduler is given (less the configuration), and the sweep's own settings. */
export interface HousekeepingDeps extends Omit<SchedulerDeps, 'config' | 'failureLimit' | 'holder'> {
  sweepMs: number;
  retention: { planDays: number; runDays: number };
  /** When the daily retention sweep runs (cron, UTC). */
  pruneCron?: string;
}

const DAY_MS = 24 * 60 * 60_000;

export class Housekeeping {
  private timer: NodeJS.Timeout | null = null;
  private pruneJob: Cron | null = null;
  private sweeping: Promise<ApplyResult[]> | null = null;
  private readonly clock: () => Date;

  constructor(private readonly deps: HousekeepingDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Sweeps now and every `sweepMs`; prunes daily. */
  start(): void {
    const { log } = this.deps;
    const sweep = () => void this.sweep().catch((err: unknown) => log.error({ err: (err as Error).message }, 'sweep for interrupted applies failed'));
    sweep();
    this.timer = setInterval(sweep, this.deps.sweepMs);
    this.timer.unref();
    this.pruneJob = new Cron(this.deps.pruneCron ?? '17 3 * * *', { timezone: 'UTC', protect: true, unref: true }, () => {
      this.prune().catch((err: unknown) => log.error({ err: (err as Error).message }, 'retention sweep failed'));
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.pruneJob?.stop();
    this.pruneJob = null;
  }

  /** One sweep at a time: a resume can take as long as the apply it finishes. */
  sweep(): Promise<ApplyResult[]> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<ApplyResult[]> {
    const { service, store, notifier } = this.deps;
    const results = await service.resume();
    for (const result of results) {
      const stored = await store.getPlan(result.planId);
      if (!stored) continue;
      const company = { id: stored.companyId, name: stored.plan.company.name };
      if (result.status === 'failed') {
        const state = await store.getCompanyState(stored.companyId);
        const problem: ProblemDescription =
          result.failure instanceof ResumeTooLate
            ? { kind: 'failure', code: 'plan-too-old-to-resume', service: 'kb4sync', message: result.failure.message, fix: `Run a new preview: preview sync ${company.name}` }
            : this.deps.describe(result.failure ?? new Error(result.error ?? 'the resumed apply failed'));
        await notifier.notify({ kind: 'failure', company, problem, consecutiveFailures: state.consecutiveFailures });
      } else await notifier.notify({ kind: 'summary', company, runId: result.runId, report: result.report });
    }
    await this.alertUnconfirmed();
    return results;
  }

  /**
   * Writes KnowBe4 accepted but still does not show after the setting: one alert per company
   * listing them, each write alerted once (marked after the alert went out, so a failed send is
   * tried again on the next sweep).
   */
  async alertUnconfirmed(): Promise<void> {
    const { service, store, notifier } = this.deps;
    const afterMinutes = Math.round(service.settings.unconfirmedAlertMs / 60_000);
    for (const { company, writes } of await service.unconfirmedWrites()) {
      await notifier.notify({ kind: 'writes-unconfirmed', company, writes, afterMinutes });
      await store.sentWrites.markAlerted(company.id, writes, this.clock());
    }
  }

  /** Deletes plans and runs past their retention (never one still applying or running). */
  async prune(): Promise<PruneResult> {
    const now = this.clock().getTime();
    const { planDays, runDays } = this.deps.retention;
    const pruned = await this.deps.store.prune({ plansBefore: new Date(now - planDays * DAY_MS), runsBefore: new Date(now - runDays * DAY_MS) });
    this.deps.log.info(pruned, 'retention: old plans and runs deleted');
    return pruned;
  }
}
