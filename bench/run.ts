/**
 * `npm run bench`: runs each benchmark in its own process and writes bench/results/*.json plus
 * bench/results/SUMMARY.md. Numbers only; nothing here passes or fails a build.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { mspSection, replaceSection } from './mspSummary';

const RESULTS = join(__dirname, 'results');

function tsx(script: string, args: string[], nodeFlags: string[] = []): string {
  return execFileSync(process.execPath, [...nodeFlags, '--expose-gc', '--import', 'tsx', join(__dirname, script), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

function machine() {
  return { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30) };
}

interface PlanSample {
  usersPerSide: number;
  planMs: number;
  planCpuMs: number;
  operations: number;
  rssBeforePlanMB: number;
  peakRssMB: number;
  loadAverage1m: number;
  digest: string;
}

/**
 * Plan measurements run through tsx's require hook, not its ESM loader (`--import tsx`), whose
 * worker thread holds a heap of its own (about 25 MB of RSS that is neither input nor plan).
 * BENCH_PLAN_NODE_FLAGS passes V8 flags to try (e.g. --max-semi-space-size=32; see README).
 */
function planSample(n: number): PlanSample {
  const flags = (process.env.BENCH_PLAN_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const out = execFileSync(process.execPath, [...flags, '--expose-gc', '--require', 'tsx/cjs', join(__dirname, 'planScale.ts'), String(n)], { encoding: 'utf8' });
  return JSON.parse(out) as PlanSample;
}

function planBench() {
  const sizes = (process.env.BENCH_PLAN_SIZES ?? '1000,10000,100000').split(',').map(Number);
  const runs = sizes.map((n) => {
    // Best of three processes: the machine is shared, and each sample records its load average.
    const samples = [0, 1, 2].map(() => planSample(n));
    const best = samples.reduce((a, b) => (b.planMs < a.planMs ? b : a));
    return { ...best, samplesMs: samples.map((s) => s.planMs), samplesLoad1m: samples.map((s) => s.loadAverage1m) };
  });
  const result = {
    benchmark: 'plan',
    description:
      'sync.plan() on N Microsoft 365 users × ~N KnowBe4 users (2% new, 2% leavers, 3% title changes, 1% renames, 1% archived), best of 3 processes; each plan checked against its recorded digest',
    aims: { '100k planMs': '< 500', '100k peakRssMB': '< 300' },
    machine: machine(),
    at: new Date().toISOString(),
    runs,
  };
  writeFileSync(join(RESULTS, 'plan.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}

function planSection(plan: ReturnType<typeof planBench>): string[] {
  return [
    '## plan (pure core)',
    '',
    `Aims at 100,000 users: ${plan.aims['100k planMs']} ms, ${plan.aims['100k peakRssMB']} MB peak RSS. Measured ${plan.at}.`,
    '',
    '| users per side | plan time (ms, best of 3) | CPU (ms) | samples (ms) | load average (1 min) | operations | digest | RSS before plan (MB) | peak RSS (MB) |',
    '| ---: | ---: | ---: | --- | --- | ---: | --- | ---: | ---: |',
    ...plan.runs.map(
      (r) =>
        `| ${r.usersPerSide.toLocaleString('en-US')} | ${r.planMs} | ${r.planCpuMs} | ${r.samplesMs.join(', ')} | ${r.samplesLoad1m.join(', ')} | ${r.operations} | ${r.digest} | ${r.rssBeforePlanMB} | ${r.peakRssMB} |`,
    ),
    '',
  ];
}

/** `npm run bench -- plan`: the plan benchmark alone, its section of SUMMARY.md replaced in place. */
function planOnly(): void {
  const section = planSection(planBench());
  const file = join(RESULTS, 'SUMMARY.md');
  const summary = readFileSync(file, 'utf8');
  const start = summary.indexOf('## plan (pure core)');
  const end = summary.indexOf('\n## ', start + 1);
  if (start < 0 || end < 0) throw new Error(`${file} has no plan section to replace`);
  writeFileSync(file, summary.slice(0, start) + section.join('\n') + summary.slice(end));
  process.stdout.write(section.join('\n') + '\n');
}

interface ThroughputRow {
  requestsPerSecond: number;
  maxConcurrency: number;
  latencyMs: number;
  requests: number;
  seconds: number;
  achievedRequestsPerSecond: number;
}

function throughputBench(): ThroughputRow[] {
  tsx('knowbe4Throughput.ts', []);
  return (JSON.parse(readFileSync(join(RESULTS, 'knowbe4-throughput.json'), 'utf8')) as { rows: ThroughputRow[] }).rows;
}

interface E2eRun {
  run: string;
  operations: number;
  requests: { total: number; scim: number };
  minimum: { total: number };
  ratio: number;
  seconds: number;
  previewSeconds: number;
  phases: Record<string, number>;
  rateBoundSeconds: number;
  vsRateBound: number;
}

interface RateBoundRow {
  members: number;
  latencyMs: number;
  requestsPerSecond: number;
  maxConcurrency: number;
  run: E2eRun;
}

/**
 * Wall time of a first sync against the rate-limit lower bound (its SCIM requests ÷ the
 * configured rate), with 50 ms added to every Graph and KnowBe4 request. Scenarios are
 * users:req/s:concurrency; the first is the product's default account settings.
 */
function rateBoundBench(): RateBoundRow[] {
  const latency = process.env.BENCH_LATENCY_MS ?? '50';
  const scenarios = (process.env.BENCH_RATE_SCENARIOS ?? '500:10:4,1000:50:8').split(',').map((s) => s.split(':'));
  const rows = scenarios.map(([users, rate, concurrency]) => {
    const out = JSON.parse(tsx('endToEnd.ts', [String(users), '--latency', latency, '--rate', String(rate), '--concurrency', String(concurrency)])) as {
      members: number;
      latencyMs: number;
      requestsPerSecond: number;
      maxConcurrency: number;
      runs: E2eRun[];
    };
    return { members: out.members, latencyMs: out.latencyMs, requestsPerSecond: out.requestsPerSecond, maxConcurrency: out.maxConcurrency, run: out.runs[0] as E2eRun };
  });
  writeFileSync(
    join(RESULTS, 'rate-bound.json'),
    JSON.stringify({ benchmark: 'rate-bound', aim: 'wall time within 1.15 × (SCIM requests ÷ configured rate)', machine: machine(), at: new Date().toISOString(), rows }, null, 2) + '\n',
  );
  return rows;
}

function endToEndBench(): { members: number; peakRssMB: number; runs: E2eRun[] } {
  const members = process.env.BENCH_E2E_USERS ?? '10000';
  const result = JSON.parse(tsx('endToEnd.ts', [members])) as { members: number; peakRssMB: number; runs: E2eRun[] };
  writeFileSync(join(RESULTS, 'e2e.json'), JSON.stringify({ benchmark: 'end-to-end', machine: machine(), at: new Date().toISOString(), ...result }, null, 2) + '\n');
  return result;
}

interface SyncUserResult {
  tenantUsers: number;
  latencyMs: { graph: number; knowbe4: number };
  medianMs: number;
  maxMs: number;
  samplesMs: number[];
  requestsPerLookup: { graph: number; signIn: number; scim: number };
  sandboxGroupListMs: number;
  aim: string;
}

/** `sync user` through the bot at 50 ms per request; bench/syncUser.ts writes sync-user.json itself. */
function syncUserBench(): string[] {
  tsx('syncUser.ts', [process.env.BENCH_SYNC_USER_USERS ?? '10000']);
  const r = JSON.parse(readFileSync(join(RESULTS, 'sync-user.json'), 'utf8')) as SyncUserResult;
  return [
    `## sync user: ${r.tenantUsers.toLocaleString('en-US')} users, ${r.latencyMs.graph} ms added per Graph, sign-in and KnowBe4 request (bench/syncUser.ts)`,
    '',
    '| median (ms) | max (ms) | samples (ms) | Graph requests | sign-in requests | SCIM requests | aim |',
    '| ---: | ---: | --- | ---: | ---: | ---: | --- |',
    `| ${r.medianMs} | ${r.maxMs} | ${r.samplesMs.join(', ')} | ${r.requestsPerLookup.graph} | ${r.requestsPerLookup.signIn} | ${r.requestsPerLookup.scim} | ${r.aim} |`,
    '',
    `Each sample includes one GET /Groups, for which the KnowBe4 sandbox alone needs at least ${r.sandboxGroupListMs} ms (SCIMMY coerces every member of the 10,000-member default group).`,
    '',
  ];
}

interface LightRunResult {
  tenantUsers: number;
  latencyMs: { graph: number };
  machine: { loadAverage1m: number };
  nothingChanged: { graphRequests: number; routes: string[]; aim: string; fullReadGraphRequests: number };
  hire: { samples: number; medianMs: number; maxMs: number; samplesMs: number[]; boundMs: number };
}

/** The light run (Graph delta); bench/lightRun.ts writes light-run.json itself. */
function lightRunBench(): string[] {
  tsx('lightRun.ts', [process.env.BENCH_LIGHT_USERS ?? '10000', process.env.BENCH_LATENCY_MS ?? '50', process.env.BENCH_LIGHT_HIRES ?? '20']);
  const r = JSON.parse(readFileSync(join(RESULTS, 'light-run.json'), 'utf8')) as LightRunResult;
  return [
    `## light run (Graph delta): ${r.tenantUsers.toLocaleString('en-US')} users, ${r.latencyMs.graph} ms added per request (bench/lightRun.ts; load average ${r.machine.loadAverage1m})`,
    '',
    '| measure | measured | bound |',
    '| --- | ---: | ---: |',
    `| Graph requests, nothing changed (${r.nothingChanged.routes.join(', ')}) | ${r.nothingChanged.graphRequests} | ${r.nothingChanged.aim} (full read: ${r.nothingChanged.fullReadGraphRequests}) |`,
    `| hire to KnowBe4 with 3 groups, median of ${r.hire.samples} (light runs back to back) | ${r.hire.medianMs} ms | |`,
    `| hire to KnowBe4, max of ${r.hire.samples} | ${r.hire.maxMs} ms | |`,
    `| plus waiting for the next tick (default period) | ≤ ${r.hire.boundMs / 60_000} min | 5 min in total |`,
    '',
  ];
}

/** `npm run bench -- light-run`: that benchmark alone, its section of SUMMARY.md replaced or added. */
function lightRunOnly(): void {
  const section = lightRunBench();
  replaceSection(RESULTS, '## light run', section);
  process.stdout.write(section.join('\n') + '\n');
}

/**
 * `npm run bench -- msp [--companies N] [--replicas 1,2,4] …`: the MSP night (bench/msp.ts, which
 * writes msp.json), its section of SUMMARY.md replaced or added. Not part of the full run: at 500
 * companies it is the longest benchmark by far.
 */
function mspOnly(): void {
  // The sandboxes' process (not kb4sync's: its replicas run with Node's defaults) holds 150,000
  // people on each side and answers every request of the night: a larger young generation cuts
  // its garbage collection by about a tenth of its CPU, leaving more of the 2 cores to the night.
  tsx('msp.ts', process.argv.slice(3), ['--max-semi-space-size=64']);
  const section = mspSection(RESULTS);
  replaceSection(RESULTS, '## msp night', section);
  process.stdout.write(section.join('\n') + '\n');
}

function main(): void {
  mkdirSync(RESULTS, { recursive: true });
  if (process.argv[2] === 'plan') return planOnly();
  if (process.argv[2] === 'light-run') return lightRunOnly();
  if (process.argv[2] === 'msp') return mspOnly();
  const plan = planBench();
  const throughput = throughputBench();
  const e2e = endToEndBench();
  const rateBound = rateBoundBench();
  const syncUser = syncUserBench();
  const lines = [
    '# kb4sync benchmarks',
    '',
    `Machine: ${plan.machine.cpus} × ${plan.machine.cpuModel}, ${plan.machine.memoryGB} GB, Node ${plan.machine.node}. Written ${plan.at}.`,
    '',
    ...planSection(plan),
    `## End to end: a ${e2e.members.toLocaleString('en-US')}-user company on loopback (bench/endToEnd.ts; peak RSS ${e2e.peakRssMB} MB)`,
    '',
    '| run | operations | requests | minimum | ratio | wall time (s) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...e2e.runs.map((r) => `| ${r.run} | ${r.operations} | ${r.requests.total} | ${r.minimum.total} | ${r.ratio.toFixed(2)} | ${r.seconds} |`),
    '',
    `## Wall time vs the rate-limit lower bound (first sync, ${rateBound[0]?.latencyMs ?? 50} ms added to every request; aim ≤ 1.15×)`,
    '',
    '| users | configured req/s | concurrency | SCIM requests | bound (s) | wall (s) | × bound | preview (s) | apply phases (s) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rateBound.map(
      (r) =>
        `| ${r.members.toLocaleString('en-US')} | ${r.requestsPerSecond} | ${r.maxConcurrency} | ${r.run.requests.scim} | ${r.run.rateBoundSeconds} | ${r.run.seconds} | ${r.run.vsRateBound.toFixed(2)} | ${r.run.previewSeconds} | ${Object.entries(r.run.phases).map(([k, v]) => `${k} ${v}`).join(', ')} |`,
    ),
    '',
    '## KnowBe4 writes against the sandbox (bench/knowbe4Throughput.ts)',
    '',
    '| configured req/s | concurrency | added latency (ms) | requests | seconds | achieved req/s |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...throughput.map((r) => `| ${r.requestsPerSecond} | ${r.maxConcurrency} | ${r.latencyMs} | ${r.requests} | ${r.seconds} | ${r.achievedRequestsPerSecond} |`),
    '',
    ...syncUser,
    ...lightRunBench(),
  ];
  writeFileSync(join(RESULTS, 'SUMMARY.md'), lines.join('\n'));
  process.stdout.write(lines.join('\n') + '\n');
}

main();
