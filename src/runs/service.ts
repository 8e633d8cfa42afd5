/**
 * The run service: preview, apply, resume, cancel and `sync user`, the imperative shell around the
 * pure planner. A plan is stored before it is shown; apply executes exactly that stored plan, once,
 * under the company's lease. Each job lives in its own module; this class holds what they share.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { CompanyConfig } from '../config';
import { startApply } from './apply';
import { audit, type AuditFacts } from './audit';
import { runAccountAudit, type AuditOptions, type AuditResult } from './accountAudit';
import { approveSelected, type SelectedOptions } from './approve';
import { Lifecycle } from './lifecycle';
import { preview, PreviewsInProgress } from './preview';
import { decide, type Reconciled, type ReconcilePolicy } from './reconcile';
import { resume } from './resume';
import { overdueWrites, type Unconfirmed } from './sent';
import { waitUntilVisible } from './visibility';
import { syncUser } from './syncUser';
import { lightRun, prepareDeltaLinks, withDeltaLease, type LightRunResult } from './lightRun';
import {
  ApplyRefused,
  DEFAULT_RUN_SETTINGS,
  REFUSAL_TEXT,
  type Actor,
  type ApplyOptions,
  type ApplyResult,
  type Preview,
  type RefusalReason,
  type RunContext,
  type RunDeps,
  type RunSettings,
  type StartedApply,
  type SyncUserResult,
} from './types';

export * from './types';
export type { Unconfirmed } from './sent';

export class RunService {
  readonly settings: RunSettings;
  private readonly ctx: RunContext;
  private readonly life = new Lifecycle();
  private readonly previews = new PreviewsInProgress();

  constructor(deps: RunDeps) {
    const settings = { ...DEFAULT_RUN_SETTINGS, ...deps.settings };
    const clock = deps.clock ?? (() => new Date());
    const holder = deps.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.settings = settings;
    this.ctx = {
      deps,
      settings,
      clock,
      callHolder: () => `${holder}:${randomUUID().slice(0, 8)}`,
      company: (companyId) => this.company(companyId),
    };
  }

  company(companyId: string): CompanyConfig {
    const company = this.ctx.deps.config.companies.find((c) => c.id === companyId);
    if (!company) throw new ApplyRefused('unknown-company', `Unknown company "${companyId}".`);
    return company;
  }

  /**
   * Reads both sides, plans, stores the plan and a preview run, and returns it. A company already
   * previewing in this process answers with the preview in progress.
   */
  async preview(companyId: string, actor: Actor): Promise<Preview> {
    if (this.life.stopping) throw new ApplyRefused('shutting-down', REFUSAL_TEXT['shutting-down']);
    const company = this.company(companyId);
    return this.previews.run(company.id, () => preview(this.ctx, company.id, actor));
  }

  /**
   * The one reconcile entry of the scheduler, the bot and the CLI: a fresh preview, and whether
   * it is in step, blocked by the guard (alert), for a person to approve (ask), or to apply now.
   * Each caller then acts in its own medium.
   */
  async reconcile(companyId: string, actor: Actor, policy: ReconcilePolicy): Promise<Reconciled> {
    const fresh = await this.preview(companyId, actor);
    return { preview: fresh, decision: decide(fresh.plan, policy) };
  }

  /**
   * Applies a stored plan exactly once. Refusals (expired, used, tampered, unconfirmed, busy)
   * throw ApplyRefused and write nothing.
   */
  async apply(planId: string, actor: Actor, options: ApplyOptions = {}): Promise<ApplyResult> {
    return (await this.startApply(planId, actor, options)).result;
  }

  /** Claims the plan under the company's lease and starts the work; `result` follows it. */
  startApply(planId: string, actor: Actor, options: ApplyOptions = {}): Promise<StartedApply> {
    return startApply(this.ctx, this.life, planId, actor, options);
  }

  /** Plans and applies one person's changes at once. */
  syncUser(address: string, actor: Actor, options: { companyId?: string } = {}): Promise<SyncUserResult> {
    if (this.life.stopping) throw new ApplyRefused('shutting-down', REFUSAL_TEXT['shutting-down']);
    // `sync user` applies at once, so it is refused, like Apply, when writes are off.
    if (this.settings.appliesOff !== null) throw new ApplyRefused('applies-off', this.settings.appliesOff);
    return syncUser(this.ctx, (planId, who, o) => this.apply(planId, who, o), address, actor, options);
  }

  /**
   * Applies a stored plan minus the new users and archives held (`options.hold`): the approved
   * plan gets its own id and digest, the original can no longer be applied.
   */
  async applySelected(planId: string, actor: Actor, options: SelectedOptions): Promise<ApplyResult & { approvedPlanId: string }> {
    if (this.life.stopping) throw new ApplyRefused('shutting-down', REFUSAL_TEXT['shutting-down']);
    const approved = await this.approveSelected(planId, actor, options);
    const result = await this.apply(approved.planId, actor, { confirmArchive: options.confirmArchive, onProgress: options.onProgress, digest: approved.digest });
    return { ...result, approvedPlanId: approved.planId };
  }

  /** Derives and stores the approved plan (the stored one minus the held changes); the caller applies it. */
  approveSelected(planId: string, actor: Actor, options: SelectedOptions): Promise<{ planId: string; digest: string; held: number }> {
    if (this.life.stopping) throw new ApplyRefused('shutting-down', REFUSAL_TEXT['shutting-down']);
    return approveSelected(this.ctx, planId, actor, options);
  }

  /** The read-only weekly audit of one company: reads both sides and the store, keeps the result. */
  accountAudit(companyId: string, actor: Actor, options: AuditOptions): Promise<AuditResult> {
    if (this.life.stopping) throw new ApplyRefused('shutting-down', REFUSAL_TEXT['shutting-down']);
    return runAccountAudit(this.ctx, this.company(companyId).id, actor, options);
  }

  /**
   * After `sync user` answered "sent": looks, with backoff and a bound, until KnowBe4 shows the
   * person under their address (then confirms their writes). False when it still does not.
   */
  waitUntilVisible(input: { companyId: string; sourceId: string; userName: string }, actor: Actor, sleep?: (ms: number) => Promise<void>): Promise<boolean> {
    return waitUntilVisible(this.ctx, { ...input, actor }, this.settings.visibilityPoll, sleep);
  }

  /**
   * For the service's sweep: per company, the writes KnowBe4 accepted but still does not show
   * after `unconfirmedAlertMs` (after a fresh read confirms the ones it does show). A company
   * whose read fails is logged and left for the next sweep.
   */
  async unconfirmedWrites(): Promise<Unconfirmed[]> {
    const out: Unconfirmed[] = [];
    for (const company of this.ctx.deps.config.companies) {
      try {
        const overdue = await overdueWrites(this.ctx, company.id);
        if (overdue) out.push(overdue);
      } catch (err) {
        this.ctx.deps.log.warn({ company: company.id, err: (err as Error).message }, 'could not check writes sent to KnowBe4; next sweep tries again');
      }
    }
    return out;
  }

  /** Applies only what changed in Microsoft 365 since the company's delta links (see lightRun.ts). */
  lightRun(companyId: string): Promise<LightRunResult> {
    if (this.life.stopping) throw new ApplyRefused('shutting-down', REFUSAL_TEXT['shutting-down']);
    if (this.settings.appliesOff !== null) throw new ApplyRefused('applies-off', this.settings.appliesOff);
    return lightRun(this.ctx, (planId, who, o) => this.apply(planId, who, o), this.company(companyId).id);
  }

  /** Runs the nightly read and apply holding the company's delta lease (no light run meanwhile). */
  withDeltaLease<T>(companyId: string, work: () => Promise<T>): Promise<T> {
    // A light run that fell back to a full read of a large tenant can take minutes: wait it out.
    return withDeltaLease(this.ctx, this.company(companyId).id, Math.max(15 * 60_000, this.settings.leaseTtlMs * 2), work);
  }

  /** Links for the directory as it is now; call the result to keep them (null: no delta reads). */
  prepareDeltaLinks(companyId: string): Promise<(() => Promise<void>) | null> {
    return prepareDeltaLinks(this.ctx, this.company(companyId).id);
  }

  /** Continues interrupted applies that are still young and fails the old ones (start-up and every sweep). */
  resume(): Promise<ApplyResult[]> {
    return resume(this.ctx, this.life);
  }

  /**
   * Stops taking work and waits, up to the shutdown grace, for the applies in flight to reach a
   * safe point and release their leases (the next process continues them at once).
   */
  shutdown(graceMs = this.settings.shutdownGraceMs): Promise<{ inFlight: number; settled: boolean }> {
    return this.life.shutdown(graceMs);
  }

  /**
   * Pauses or resumes a company's schedule; resuming also clears its failure count, so the
   * auto-pause starts counting afresh. Audited like every change; `detail` says why when the
   * service paused itself (the scheduler after repeated failures).
   */
  async setPaused(companyId: string, paused: boolean, actor: Actor, detail: Record<string, unknown> = {}): Promise<void> {
    const company = this.company(companyId);
    await this.ctx.deps.store.updateCompanyState(company.id, paused ? { paused: true } : { paused: false, consecutiveFailures: 0 });
    await audit(this.ctx, actor, paused ? 'pause' : 'resume', { companyId: company.id, planId: null, runId: null, outcome: 'ok', detail });
  }

  /**
   * Records what an entry did or refused outside the service's own jobs (an authorization refusal
   * in Teams, an onboarding): one audit trail, written in one place.
   */
  audit(actor: Actor, action: string, entry: AuditFacts): Promise<void> {
    return audit(this.ctx, actor, action, entry);
  }

  /**
   * Cancels a pending plan (an admin clicked Cancel). Like apply, a card whose digest is not the
   * stored plan's is refused, and every refusal is audited.
   */
  async cancel(planId: string, actor: Actor, options: { digest?: string } = {}): Promise<void> {
    const stored = await this.ctx.deps.store.getPlan(planId);
    const refuse = async (reason: RefusalReason, message: string): Promise<never> => {
      await audit(this.ctx, actor, 'cancel', { companyId: stored?.companyId ?? null, planId, runId: null, outcome: 'refused', detail: { reason } });
      throw new ApplyRefused(reason, message);
    };
    if (!stored) return refuse('not-found', REFUSAL_TEXT['not-found']);
    if (this.settings.appliesOff !== null) return refuse('applies-off', this.settings.appliesOff);
    if (options.digest !== undefined && options.digest !== stored.digest) return refuse('tampered', 'The card does not match the stored plan. Run a new preview.');
    if (stored.status !== 'pending') {
      return refuse(stored.status, REFUSAL_TEXT[stored.status]);
    }
    if (stored.expiresAt.getTime() <= this.ctx.clock().getTime()) return refuse('expired', REFUSAL_TEXT.expired);
    await this.ctx.deps.store.setPlanStatus(planId, 'cancelled');
    await audit(this.ctx, actor, 'cancel', { companyId: stored.companyId, planId, runId: null, outcome: 'ok', detail: {} });
  }
}
