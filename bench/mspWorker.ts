/**
 * One kb4sync replica of the MSP night (its own process, as a replica is): the app on the shared
 * store, a Scheduler with the instance concurrency, every company's 02:00 slot queued at "go".
 * Prints `ready`, waits for `go` on stdin, then prints one JSON line of what it saw.
 * Each KnowBe4 account's limiter is the one the app's clients share (same account key), wrapped
 * to add up the time a run holds its slot with KnowBe4 requests waiting on the account's own rate
 * limit and none in flight.
 * `node --import tsx bench/mspWorker.ts <spec.json>`
 */
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { createInterface } from 'node:readline';
import { parseConfig, Secret } from '../src/config';
import { accountKey, sharedLimiter } from '../src/knowbe4';
import { outboundStats } from '../src/shared';
import { GraphSource } from '../src/m365/graphSource';
import { MemoryNotifier } from '../src/notify/events';
import { describeProblem } from '../src/notify/describe';
import { createLogger } from '../src/observability/log';
import { Scheduler } from '../src/schedule';
import { openApp } from '../src/service/app';
import type { StoreLocation } from '../src/store';
import { CLIENT_ID, CLIENT_SECRET, DEFAULT_GROUP, DEPARTMENTS } from './mspWorld';

export interface WorkerSpec {
  holder: string;
  graphUrl: string;
  authorityHost: string;
  caFile: string;
  companies: { id: string; tenantId: string; scimUrl: string; scimToken: string }[];
  concurrency: number;
  /** service.runsAtOnce; absent: the default (3 × concurrency). */
  runsAtOnce?: number;
  rate: number;
  maxConcurrency: number;
  database: StoreLocation;
  slot: string;
}

export interface WorkerCompany {
  id: string;
  outcome: string;
  waitedMs: number;
  ranMs: number;
  /** Time this company's run had KnowBe4 requests waiting on its own account's limiter and none in flight. */
  limiterWaitMs: number;
}

export interface WorkerReport {
  holder: string;
  companies: WorkerCompany[];
  peakRunning: number;
  /** Most requests in flight at once through the instance's outbound gate (service.concurrency). */
  peakInFlight: number;
  /** Attempts through the gate during the night, and their mean time in flight. */
  attempts: number;
  meanAttemptMs: number;
  /** Places in the gate held on average over the night. */
  averageInFlight: number;
  peakRssMB: number;
  /** Peaks of V8's heap (used, reserved) and of memory outside it, sampled every 100 ms: where the RSS went. */
  peakHeapUsedMB: number;
  peakHeapTotalMB: number;
  peakExternalMB: number;
  /** RSS when the night started (the runtime, the app and 500 companies' configuration). */
  startRssMB: number;
  /** CPU seconds this replica used during the night. */
  cpuSeconds: number;
}

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as WorkerSpec;
  const env: NodeJS.ProcessEnv = { MSP_GRAPH: CLIENT_SECRET };
  spec.companies.forEach((c, i) => (env[`MSP_SCIM_${i}`] = c.scimToken));
  const config = parseConfig({
    service: { concurrency: spec.concurrency, ...(spec.runsAtOnce ? { runsAtOnce: spec.runsAtOnce } : {}) },
    companies: spec.companies.map((c, i) => ({
      id: c.id,
      name: c.id,
      m365: { tenantId: c.tenantId, clientId: CLIENT_ID, clientSecretEnv: 'MSP_GRAPH', graphUrl: spec.graphUrl, authorityHost: spec.authorityHost, caFile: spec.caFile },
      knowbe4: { scimUrl: c.scimUrl, scimTokenEnv: `MSP_SCIM_${i}`, requestsPerSecond: spec.rate, maxConcurrency: spec.maxConcurrency },
      groups: { default: DEFAULT_GROUP, departments: DEPARTMENTS },
      schedule: { cron: '0 2 * * *', autoApply: true, lightRunMinutes: 0 },
    })),
  });
  const limiterOnly = new Map<string, number>();
  for (const c of spec.companies) {
    const limiter = sharedLimiter(accountKey(c.scimUrl, new Secret(c.scimToken)), spec.rate, spec.maxConcurrency);
    const schedule = limiter.schedule.bind(limiter) as (fn: () => Promise<unknown>) => Promise<unknown>;
    // Time with a request waiting on the account's limiter and none of its requests in flight.
    let waiting = 0;
    let executing = 0;
    let since = performance.now();
    const tally = (change: () => void) => {
      const now = performance.now();
      if (waiting > 0 && executing === 0) limiterOnly.set(c.id, (limiterOnly.get(c.id) ?? 0) + now - since);
      since = now;
      change();
    };
    (limiter as unknown as { schedule: typeof schedule }).schedule = (fn) => {
      tally(() => (waiting += 1));
      return schedule(() => {
        tally(() => ((waiting -= 1), (executing += 1)));
        return fn().finally(() => tally(() => (executing -= 1)));
      });
    };
  }
  const log = createLogger({ level: 'silent' });
  const app = await openApp({ config, env, log, database: spec.database, source: (company, credential) => new GraphSource(company, credential) });
  const scheduler = new Scheduler({ config, service: app.service, store: app.store, notifier: new MemoryNotifier(), describe: describeProblem, log, holder: spec.holder });

  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();

  const slot = new Date(spec.slot);
  const cpu = process.cpuUsage();
  const gateBefore = outboundStats();
  const startRssMB = Math.round(process.memoryUsage().rss / 1048576);
  const nightStarted = performance.now();
  const peaks = { heapUsed: 0, heapTotal: 0, external: 0 };
  // V8's own figures, not process.memoryUsage(): that also reads the RSS from /proc, which the
  // profile showed costing the measured replica CPU every 100 ms (the peak RSS comes from getrusage).
  const sampler = setInterval(() => {
    const h = getHeapStatistics();
    peaks.heapUsed = Math.max(peaks.heapUsed, h.used_heap_size);
    peaks.heapTotal = Math.max(peaks.heapTotal, h.total_heap_size);
    peaks.external = Math.max(peaks.external, h.external_memory);
  }, 100);
  const companies = await Promise.all(
    spec.companies.map(async (c): Promise<WorkerCompany> => {
      const queued = performance.now();
      const r = await scheduler.enqueue(c.id, slot);
      const outcome = r.outcome.kind === 'skipped' ? `skipped:${r.outcome.reason}` : r.outcome.kind === 'failed' ? `failed:${r.outcome.problem.message}` : r.outcome.kind;
      return { id: c.id, outcome, waitedMs: Math.round(r.waitedMs), ranMs: Math.round(performance.now() - queued - r.waitedMs), limiterWaitMs: Math.round(limiterOnly.get(c.id) ?? 0) };
    }),
  );
  clearInterval(sampler);
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  const report: WorkerReport = {
    holder: spec.holder,
    companies,
    peakRunning: scheduler.queue.stats().peakRunning,
    peakInFlight: outboundStats().peakInFlight,
    ...((after) => {
      const attempts = after.attempts - gateBefore.attempts;
      const ms = after.inFlightMs - gateBefore.inFlightMs;
      return { attempts, meanAttemptMs: Math.round((ms / Math.max(attempts, 1)) * 10) / 10, averageInFlight: Math.round((ms / (performance.now() - nightStarted)) * 10) / 10 };
    })(outboundStats()),
    peakRssMB: Math.round((process.resourceUsage().maxRSS * 1024) / 1048576),
    startRssMB,
    peakHeapUsedMB: mb(peaks.heapUsed),
    peakHeapTotalMB: mb(peaks.heapTotal),
    peakExternalMB: mb(peaks.external),
    cpuSeconds: Math.round(((u) => u.user + u.system)(process.cpuUsage(cpu)) / 1e4) / 100,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  await app.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
