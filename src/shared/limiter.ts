/**
 * Limiters: who may send a request now. Two kinds, both p-queue:
 *   - an account's own limit (KnowBe4: requests per second and at once, per account), and
 *   - the instance's outbound gate (`service.concurrency`): every HTTP attempt to Microsoft Graph
 *     or KnowBe4 holds one place while it is in flight, and only then. What a run does between
 *     requests (planning, waiting on its own account's rate limit, a retry's backoff) holds none,
 *     so one company's slow or rate-limited account never keeps another company's requests waiting.
 * The gate is one per process because a process is one instance, however many apps, clients or
 * companies it builds.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import PQueue from 'p-queue';

/** Runs tasks under a limit; what the KnowBe4 transport and the executor need of one. */
export interface Limiter {
  schedule<T>(task: () => Promise<T>): Promise<T>;
}

export interface LimitSettings {
  /** Tasks running at once. */
  concurrency: number;
  /** Starts per second (a rolling window, so starts are at least 1000/rate ms apart); none when absent. */
  perSecond?: number;
}

/** A limiter of one's own, which can be stopped: tasks still waiting reject, running ones finish. */
export interface OwnLimiter extends Limiter {
  stop(): void;
}

export function limiter(settings: LimitSettings): OwnLimiter {
  if (!Number.isInteger(settings.concurrency) || settings.concurrency < 1) throw new Error(`a limiter needs a whole concurrency of at least 1, got ${settings.concurrency}`);
  const queue = new PQueue({
    concurrency: settings.concurrency,
    // One start per interval, in a sliding window: evenly spaced starts, never a burst at a window's edge.
    ...(settings.perSecond ? { interval: Math.ceil(1000 / settings.perSecond), intervalCap: 1, strict: true } : {}),
  });
  // Not an AbortSignal: p-queue would add a listener to it per waiting task.
  let stopped = false;
  return {
    schedule: (task) => {
      const own = keepingMark(task);
      return queue.add(() => (stopped ? Promise.reject(new Error('the limiter was stopped before this task started')) : own()));
    },
    stop: () => {
      stopped = true;
    },
  };
}

const DEFAULT_OUTBOUND = 16;
const outbound = new PQueue({ concurrency: DEFAULT_OUTBOUND });
let peakInFlight = 0;
let attempts = 0;
let inFlightMs = 0;

const someoneWaiting = new AsyncLocalStorage<true>();

/**
 * Runs `work` as something a person is waiting on (a Teams command or card button): its requests
 * go ahead of the scheduled runs' in the gate, so `sync user` stays quick in the middle of a
 * night of 500 companies. Requests already in flight are never interrupted.
 */
export function whileSomeoneWaits<T>(work: () => Promise<T>): Promise<T> {
  return someoneWaiting.run(true, work);
}

/**
 * `task`, to run later with its caller's mark (or none): a queue starts a task from whichever task
 * or timer frees its turn, and the task must still know whose it is. Only this mark is carried, as
 * no other async context needs to pass a limiter; AsyncResource.bind would carry them all at a cost
 * the MSP night's profile showed (two deprecation wrappers and an async resource per request).
 */
function keepingMark<T>(task: () => Promise<T>): () => Promise<T> {
  const mark = someoneWaiting.getStore();
  return mark ? () => someoneWaiting.run(mark, task) : () => someoneWaiting.exit(task);
}

/** Runs one HTTP attempt under the instance's outbound gate. Never nest: an attempt needs one place only. */
export function inFlight<T>(attempt: () => Promise<T>): Promise<T> {
  const priority = someoneWaiting.getStore() ? 1 : 0;
  const run = keepingMark(async () => {
    peakInFlight = Math.max(peakInFlight, outbound.pending);
    const started = performance.now();
    try {
      return await attempt();
    } finally {
      attempts += 1;
      inFlightMs += performance.now() - started;
    }
  });
  return outbound.add(run, { priority });
}

/** `service.concurrency`, at start and after each configuration reload. */
export function setOutboundConcurrency(concurrency: number): void {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`service.concurrency must be a whole number of at least 1, got ${concurrency}`);
  outbound.concurrency = concurrency;
}

export interface OutboundStats {
  concurrency: number;
  inFlight: number;
  waiting: number;
  peakInFlight: number;
  /** Attempts through the gate since start, and the time they held their places in all. */
  attempts: number;
  inFlightMs: number;
}

/**
 * What the gate holds now, and totals since start (/metrics, the MSP bench). An attempt's time
 * in flight is the server's answer plus any wait for this process's event loop to read it, so a
 * mean well above the network's latency says the process, not the network, is the limit.
 */
export function outboundStats(): OutboundStats {
  return { concurrency: outbound.concurrency, inFlight: outbound.pending, waiting: outbound.size, peakInFlight, attempts, inFlightMs };
}
