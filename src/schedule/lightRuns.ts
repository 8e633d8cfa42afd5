/**
 * The light runs' timers: every `schedule.lightRunMinutes` per company that auto-applies. Each
 * tick is claimed once across replicas (a slot lease left to lapse), then the run service does the
 * work under the company's delta lease. A failed light run is logged, not counted towards the
 * nightly run's auto-pause: the nightly run is the safety net and its failures are the alert.
 */
import { createHash } from 'node:crypto';
import type { CompanyConfig, Config } from '../config';
import type { Logger } from '../observability';
import { ApplyRefused, type LightRunResult, type RunService, type RunStore } from '../runs';

export interface LightRunDeps {
  config: Config;
  service: RunService;
  store: RunStore;
  log: Logger;
  clock: () => Date;
  holder: string;
}

export type LightTick = { kind: 'claimed-elsewhere' } | { kind: 'ran'; result: LightRunResult } | { kind: 'failed'; error: string };

/** Minutes between light runs for this company; null when it has none. */
export function lightRunPeriodMs(company: CompanyConfig): number | null {
  const minutes = company.schedule?.autoApply ? company.schedule.lightRunMinutes : 0;
  return minutes > 0 ? minutes * 60_000 : null;
}

/** Where in its period a company's ticks fall: fixed per company, spread evenly over companies. */
export function staggerMs(companyId: string, period: number): number {
  return createHash('sha256').update(companyId).digest().readUInt32BE(0) % period;
}

export class LightRuns {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; period: number }>();
  /** Each company's first tick, staggered across the period. */
  private readonly starts = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<string>();

  constructor(private readonly deps: LightRunDeps) {}

  /** Timers in line with the configuration: removed or changed ones stop, new ones start. */
  sync(): void {
    const wanted = new Map<string, number>();
    // The local trial writes nothing to KnowBe4: no light runs to refuse every few minutes.
    const writes = this.deps.service.settings.appliesOff === null;
    for (const c of writes ? this.deps.config.companies : []) {
      const period = lightRunPeriodMs(c);
      if (period !== null) wanted.set(c.id, period);
    }
    for (const [id, t] of this.timers) {
      if (wanted.get(id) === t.period) continue;
      this.clear(id);
    }
    for (const [id, period] of wanted) {
      if (this.timers.has(id)) continue;
      // Ticks spread over the period by company, so 500 companies never read Graph in one burst.
      const start = setTimeout(() => {
        this.starts.delete(id);
        void this.tick(id);
        const again = this.timers.get(id);
        if (again) {
          again.timer = setInterval(() => void this.tick(id), period);
          again.timer.unref();
        }
      }, staggerMs(id, period));
      start.unref();
      this.starts.set(id, start);
      this.timers.set(id, { timer: start, period });
    }
  }

  private clear(id: string): void {
    const start = this.starts.get(id);
    if (start) clearTimeout(start);
    this.starts.delete(id);
    const t = this.timers.get(id);
    if (t) clearInterval(t.timer);
    this.timers.delete(id);
  }

  companies(): string[] {
    return [...this.timers.keys()];
  }

  stop(): void {
    for (const id of [...this.timers.keys()]) this.clear(id);
  }

  /** One light run for the company, unless another replica took this period's slot. */
  async tick(companyId: string): Promise<LightTick> {
    const { service, store, log, clock, holder } = this.deps;
    const company = this.deps.config.companies.find((c) => c.id === companyId);
    const period = company ? lightRunPeriodMs(company) : null;
    // A tick still running (a slow full-read fallback) is not started twice in one process.
    if (!company || period === null || this.inFlight.has(companyId)) return { kind: 'claimed-elsewhere' };
    // Held for most of a period and never released: the other replicas' ticks in this period find it taken.
    if (!(await store.acquireLease(`light-slot:${companyId}`, holder, Math.floor(period * 0.8), clock()))) return { kind: 'claimed-elsewhere' };
    this.inFlight.add(companyId);
    try {
      const result = await service.lightRun(companyId);
      if (result.kind === 'done' && (result.people.length > 0 || result.fullRead || result.removalsWaiting > 0)) {
        log.info(
          {
            company: companyId,
            people: result.people.length,
            applied: result.people.filter((p) => p.outcome === 'applied').length,
            removalsWaiting: result.removalsWaiting,
            fullRead: result.fullRead?.reason ?? null,
            linksAdvanced: result.linksAdvanced,
          },
          result.fullRead ? 'light run read everything (delta links unusable)' : 'light run applied changes',
        );
      }
      return { kind: 'ran', result };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      if (!(err instanceof ApplyRefused && err.reason === 'shutting-down')) log.warn({ company: companyId, error }, 'light run failed; the next one tries again');
      return { kind: 'failed', error };
    } finally {
      this.inFlight.delete(companyId);
    }
  }
}
