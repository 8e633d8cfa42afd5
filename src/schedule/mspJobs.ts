/** The audit and digest jobs of the scheduler (issue 17): croner jobs, slots claimed once across replicas. */
import { Cron } from 'croner';
import type { CompanyConfig } from '../config';
import { DIGEST_REF, type ProblemDescription } from '../notify';
import { digestRows, digestTotals } from '../sync';
import type { SchedulerDeps } from './scheduler';
import { nextSyncOf } from './slots';

/** The digest's slot is kept where a company's is, under a name no company id can take (ids are lower-case). */
const DIGEST_STATE = 'DIGEST';


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


/**
 * The MSP jobs beside the nightly syncs: each company's (weekly) audit and the daily digest. Each
 * slot is claimed once across replicas; both only read the two services.
 */
export class MspJobs {
  private readonly auditJobs = new Map<string, { job: Cron; key: string }>();
  private digestJob: { job: Cron; key: string } | null = null;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly clock: () => Date,
    private readonly holder: string,
  ) {}

  /** Brings the audit and digest jobs in line with the configuration. */
  sync(started: string[], stopped: string[]): void {
    this.syncAudits(started, stopped);
    this.syncDigest(started, stopped);
  }

  stop(): void {
    for (const { job } of this.auditJobs.values()) job.stop();
    this.auditJobs.clear();
    this.digestJob?.job.stop();
    this.digestJob = null;
  }

  /** The next audit of each audited company. */
  nextAudits(): Map<string, Date | null> {
    return new Map([...this.auditJobs].map(([id, { job }]) => [id, job.nextRun()]));
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
      const { auditId, audit } = await service.accountAudit(companyId, AUDIT_ACTOR, { nextSync: nextSyncOf(company, state.paused, this.clock()) });
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
}
