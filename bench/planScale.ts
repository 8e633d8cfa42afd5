/**
 * One plan measurement in its own process (so peak RSS is this size's alone):
 * `node --expose-gc --require tsx/cjs bench/planScale.ts <users per side>` prints a JSON line. When the size has a recorded
 * digest (test/fixtures/plan-digests.json) the plan is checked against it after timing, and a
 * different plan is an error: a faster planner must plan exactly the same thing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { plan } from '../src/sync';
import { BENCH_RULES, benchTenant, planDigest, type PlanDigest } from './planTenant';

export const DIGESTS_FILE = join(__dirname, '..', 'test', 'fixtures', 'plan-digests.json');

function main(): void {
  const n = Number(process.argv[2] ?? 1000);
  const { source, target } = benchTenant(n);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const loadBefore = loadavg()[0] as number;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = plan(BENCH_RULES, source, target, { previousSourceCount: null });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // CPU time (of every thread, the garbage collector's helpers too) tells a busy machine from a slow plan.
  const cpu = process.cpuUsage(cpuBefore);
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const recorded = (JSON.parse(readFileSync(DIGESTS_FILE, 'utf8')) as Record<string, PlanDigest>)[String(n)];
  let digest: 'matches' | 'not recorded' = 'not recorded';
  if (recorded) {
    const actual = planDigest(result);
    if (JSON.stringify(actual) !== JSON.stringify(recorded)) {
      throw new Error(`The plan for ${n} users differs from the recorded one: ${JSON.stringify(actual)} vs ${JSON.stringify(recorded)}`);
    }
    digest = 'matches';
  }
  process.stdout.write(
    JSON.stringify({
      usersPerSide: n,
      planMs: Math.round(ms * 10) / 10,
      planCpuMs: Math.round((cpu.user + cpu.system) / 100) / 10,
      operations: result.operations.length,
      rssBeforePlanMB: Math.round(rssBefore / 1048576),
      peakRssMB: Math.round(peakRss / 1048576),
      loadAverage1m: Math.round(loadBefore * 100) / 100,
      digest,
    }) + '\n',
  );
}

if (require.main === module) main();
