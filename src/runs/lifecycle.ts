/**
 * The applies this process has in flight, and shutdown: stop taking work, tell the runs to stop at
 * a safe point (every write sent is recorded), wait for them (bounded), so their leases are
 * released and the next process continues their plans at once instead of after the lease lapses.
 */
import { RunInterrupted } from './types';

export class Lifecycle {
  private closing: RunInterrupted | null = null;
  private readonly inFlight = new Map<string, Promise<unknown>>();

  /** Set once shutdown began: no new work starts, runs in flight stop at their next write. */
  get stopping(): RunInterrupted | null {
    return this.closing;
  }

  isApplying(planId: string): boolean {
    return this.inFlight.has(planId);
  }

  /** Follows an apply until it settles (its lease released). */
  track<T>(planId: string, work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(planId, settled);
    void settled.then(() => {
      if (this.inFlight.get(planId) === settled) this.inFlight.delete(planId);
    });
    return work;
  }

  /** Resolves when every apply in flight stopped, or after `graceMs`; says which. */
  async shutdown(graceMs: number): Promise<{ inFlight: number; settled: boolean }> {
    this.closing ??= new RunInterrupted('kb4sync is shutting down: this apply stopped at a safe point and is continued when the service is back.');
    const running = [...this.inFlight.values()];
    if (running.length === 0) return { inFlight: 0, settled: true };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
    const settled = await Promise.race([Promise.all(running).then(() => true), timeout]);
    clearTimeout(timer);
    return { inFlight: running.length, settled };
  }
}
