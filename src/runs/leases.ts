/**
 * The company lease: one run per company at a time, across processes and replicas. A run renews
 * its lease in the background; the moment a renewal fails, or the lease may have lapsed (a stalled
 * event loop), the run is told to stop writing: another replica may already hold it.
 */
import { RunInterrupted, type RunContext } from './types';

export const companyLease = (companyId: string): string => `company:${companyId}`;

export class HeldLease {
  private timer: NodeJS.Timeout | null = null;
  private lost: RunInterrupted | null = null;
  /** Until when, by our own clock, the lease is surely ours: the last renewal's start plus its ttl. */
  private validUntil: number;

  private constructor(
    private readonly ctx: RunContext,
    readonly name: string,
    readonly holder: string,
    acquiredAt: number,
  ) {
    this.validUntil = acquiredAt + ctx.settings.leaseTtlMs;
  }

  /** Takes the company's lease, or returns null when someone else holds it. */
  static acquire(ctx: RunContext, companyId: string): Promise<HeldLease | null> {
    return HeldLease.acquireNamed(ctx, companyLease(companyId));
  }

  /** Takes a lease by name (the light run's), or returns null when someone else holds it. */
  static async acquireNamed(ctx: RunContext, name: string): Promise<HeldLease | null> {
    const holder = ctx.callHolder();
    const now = ctx.clock();
    if (!(await ctx.deps.store.acquireLease(name, holder, ctx.settings.leaseTtlMs, now))) return null;
    return new HeldLease(ctx, name, holder, now.getTime());
  }

  /** Renews every third of the ttl until released; a failed renewal marks the lease lost. */
  keepAlive(): void {
    const { store } = this.ctx.deps;
    const ttl = this.ctx.settings.leaseTtlMs;
    this.timer = setInterval(
      () => {
        if (this.lost) return;
        const started = this.ctx.clock();
        store.renewLease(this.name, this.holder, ttl, started).then(
          (renewed) => {
            if (renewed) this.validUntil = Math.max(this.validUntil, started.getTime() + ttl);
            else this.markLost('another process holds the lease now');
          },
          (err: unknown) => this.markLost(`the lease could not be renewed (${(err as Error).message})`),
        );
      },
      Math.max(100, Math.floor(ttl / 3)),
    );
    this.timer.unref();
  }

  /** Why this lease's holder must stop writing now, or null while it is surely held. */
  check(): RunInterrupted | null {
    if (!this.lost && this.ctx.clock().getTime() >= this.validUntil) this.markLost('the lease lapsed before it could be renewed');
    return this.lost;
  }

  private markLost(why: string): void {
    if (this.lost) return;
    this.lost = new RunInterrupted(`Stopped writing: ${why}. Whoever holds the lease finishes this plan.`);
    this.ctx.deps.log.error({ lease: this.name, holder: this.holder, why }, 'lease lost: this run stops writing');
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ctx.deps.store.releaseLease(this.name, this.holder);
  }

  /** Stops renewing without releasing (the store is unreachable: the lease lapses by itself). */
  abandon(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
