/**
 * The instance's queue of due company runs: at most `limit` at once in this process, the rest
 * wait and start as slots free. Who goes next (see `nextInLine`):
 *   1. the earliest due slot: a company due at 02:00 never waits behind one due at 03:00;
 *   2. among the same slot, the largest company first (size = in-scope people of its last good
 *      run; never run = largest, a first sync is the heaviest). Longest-first keeps the night
 *      short: a 2,000-user company started last would stretch the night by its whole run while
 *      the other slots sit idle, whereas small ones fill the gaps at the end (LPT scheduling,
 *      within 4/3 of the best order);
 *   3. then a fixed hash of the company id, so no name is always last.
 * Each replica keeps its own queue of every due company and claims a company's slot only when a
 * slot of its own frees up (the scheduler's claim), so replicas share the night's work.
 */
import { createHash } from 'node:crypto';

export interface QueuedRun {
  companyId: string;
  slot: Date;
  /** In-scope people at the last good run; null when it never ran. */
  size: number | null;
}

export interface QueueResult<T> {
  outcome: T;
  /** From queued to started. */
  waitedMs: number;
}

interface Entry<T> extends QueuedRun {
  queuedAt: number;
  tie: number;
  waiters: { resolve: (r: QueueResult<T>) => void; reject: (e: unknown) => void }[];
}

const tieOf = (companyId: string): number => createHash('sha256').update(companyId).digest().readUInt32BE(0);

/** -1 when `a` goes before `b`. Exported for the order's own tests. */
export function compareRuns(a: QueuedRun & { tie?: number }, b: QueuedRun & { tie?: number }): number {
  const bySlot = a.slot.getTime() - b.slot.getTime();
  if (bySlot !== 0) return Math.sign(bySlot);
  const size = (r: QueuedRun) => r.size ?? Number.POSITIVE_INFINITY;
  if (size(a) !== size(b)) return size(a) > size(b) ? -1 : 1;
  const ta = a.tie ?? tieOf(a.companyId);
  const tb = b.tie ?? tieOf(b.companyId);
  return ta === tb ? a.companyId.localeCompare(b.companyId) : ta < tb ? -1 : 1;
}

export class CompanyQueue<T> {
  private readonly waiting = new Map<string, Entry<T>>();
  private readonly running = new Set<string>();
  private peakRunning = 0;

  private gathering: NodeJS.Timeout | null = null;

  /**
   * `gatherMs`: how long the first arrival waits for the others due with it before any starts.
   * Cron jobs of companies due at 02:00 fire one by one (each after a store read); without the
   * window the first few to arrive would take the free slots whatever their size.
   */
  constructor(
    private limit: number,
    private readonly run: (companyId: string, slot: Date) => Promise<T>,
    private readonly options: { gatherMs?: number; now?: () => number } = {},
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency must be a whole number of at least 1, got ${limit}`);
  }

  private now(): number {
    return this.options.now?.() ?? performance.now();
  }

  /**
   * Queues a company's due slot; resolves when its run ends. A company already waiting keeps its
   * place and takes the later slot (one run covers both).
   */
  enqueue(run: QueuedRun): Promise<QueueResult<T>> {
    return new Promise((resolve, reject) => {
      const queued = this.waiting.get(run.companyId);
      if (queued) {
        if (run.slot.getTime() > queued.slot.getTime()) queued.slot = run.slot;
        queued.waiters.push({ resolve, reject });
        return;
      }
      this.waiting.set(run.companyId, { ...run, queuedAt: this.now(), tie: tieOf(run.companyId), waiters: [{ resolve, reject }] });
      const gatherMs = this.options.gatherMs ?? 0;
      if (gatherMs <= 0 || this.running.size >= this.limit) this.pump();
      else
        this.gathering ??= setTimeout(() => {
          this.gathering = null;
          this.pump();
        }, gatherMs);
    });
  }

  /** After a configuration reload: more slots start queued runs at once, fewer let running ones finish. */
  setLimit(limit: number): void {
    this.limit = limit;
    this.pump();
  }

  /** Drops every waiting run (the service is stopping); runs in flight finish. Returns how many. */
  clear(outcome: T): number {
    if (this.gathering) clearTimeout(this.gathering);
    this.gathering = null;
    const dropped = this.waiting.size;
    for (const entry of this.waiting.values()) for (const w of entry.waiters) w.resolve({ outcome, waitedMs: this.now() - entry.queuedAt });
    this.waiting.clear();
    return dropped;
  }

  stats(): { waiting: number; running: number; peakRunning: number; limit: number } {
    return { waiting: this.waiting.size, running: this.running.size, peakRunning: this.peakRunning, limit: this.limit };
  }

  private pump(): void {
    while (this.running.size < this.limit) {
      const next = this.next();
      if (!next) return;
      this.waiting.delete(next.companyId);
      this.start(next);
    }
  }

  private next(): Entry<T> | null {
    let best: Entry<T> | null = null;
    for (const entry of this.waiting.values()) {
      // A company still running its previous slot waits for it: one run per company at a time.
      if (this.running.has(entry.companyId)) continue;
      if (best === null || compareRuns(entry, best) < 0) best = entry;
    }
    return best;
  }

  private start(entry: Entry<T>): void {
    this.running.add(entry.companyId);
    this.peakRunning = Math.max(this.peakRunning, this.running.size);
    const waitedMs = this.now() - entry.queuedAt;
    this.run(entry.companyId, entry.slot)
      .then(
        (outcome) => entry.waiters.forEach((w) => w.resolve({ outcome, waitedMs })),
        (error: unknown) => entry.waiters.forEach((w) => w.reject(error)),
      )
      .finally(() => {
        this.running.delete(entry.companyId);
        this.pump();
      });
  }
}
