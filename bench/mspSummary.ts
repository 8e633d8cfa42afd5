/** The MSP night's section of bench/results/SUMMARY.md, from bench/results/msp.json. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface Night {
  replicas: number;
  store: string;
  wallSeconds: number;
  bound: { busiestAccountSeconds: number; totalOverConcurrencySeconds: number; slotTimeOverConcurrencySeconds: number; seconds: number; totalRequests: number };
  vsBound: number;
  vsSlotBound: number;
  cpuFloorSeconds?: number;
  vsCpuFloor?: number;
  runsAtOnce?: number;
  peakInFlightPerReplica?: number[];
  averageInFlightPerReplica?: number[];
  meanAttemptMsPerReplica?: number[];
  peakRssMB: number;
  peakRssPerReplicaMB: number[];
  databaseMB: number;
  slowestWaitSeconds: number;
  medianWaitSeconds: number;
  ownRateLimitShareOfSlotTime: number;
  outcomes: Record<string, number>;
  runsPerReplica: number[];
  exactlyOnce: { companiesRunOnce: number; companiesPreviewedOnceInStore: number; companiesReadOnceByKnowbe4: number; of: number };
  writes: number;
  duplicateWrites: number;
  conflicts: number;
  requestsVsMinimum: { median: number; max: number };
  loadAverage1m: number;
  cpuSeconds: { replicas: number[]; sandboxes: number };
  busiestCompanyRunSeconds: number;
}

export interface MspResult {
  description: string;
  companies: number;
  people: number;
  concurrency: number;
  latency?: number;
  replicaNodeFlags?: string;
  aims: { ratio: number; peakRssMB: number };
  at: string;
  nights: Night[];
  instantNetwork?: { wallSeconds: number; aimSeconds: number; pastAim: boolean; cpuSeconds: { replicas: number[]; sandboxes: number }; meanAttemptMs?: number; runBoundSeconds: number; loadAverage1m: number } | null;
}

/** One table per result file present: the night (msp.json) and the replica comparison (msp-replicas.json). */
export function mspSection(resultsDir: string): string[] {
  const files = ['msp.json', 'msp-replicas.json'].map((f) => join(resultsDir, f)).filter((f) => existsSync(f));
  return ['## msp night (bench/msp.ts)', '', ...files.flatMap((f) => mspTable(f))];
}

function mspTable(file: string): string[] {
  const r = JSON.parse(readFileSync(file, 'utf8')) as MspResult;
  const dash = (v: number | undefined, unit = '') => (v === undefined ? '–' : `${v}${unit}`);
  return [
    `### ${r.companies} companies, ${r.people.toLocaleString('en-US')} people (${basename(file)})`,
    '',
    `${r.description}; \`service.concurrency\` ${r.concurrency} requests in flight per replica; replicas run with \`${r.replicaNodeFlags || 'Node defaults'}\`. Aims: within ${r.aims.ratio}× the lower bound, peak RSS under ${r.aims.peakRssMB} MB. Measured ${r.at}.`,
    'Lower bound = max(busiest account’s KnowBe4 requests ÷ its rate, all requests × latency ÷ (concurrency × replicas)). Run bound: also at least Σ each company’s KnowBe4 requests ÷ its rate ÷ (runsAtOnce × replicas). CPU floor: the night’s CPU seconds (replicas and sandboxes) ÷ this machine’s cores, or the busiest replica’s alone, whichever is more: what the cores allow whatever the network.',
    '',
    '| replicas | store | wall (s) | bound (s): busiest account / all ÷ concurrency | vs bound | run bound (s) | CPU floor (s) | vs CPU floor | runs at once | places held on average (peak) | mean attempt (ms) vs latency | peak RSS per replica (MB) | database (MB) | slowest wait (s) | median wait (s) | runs per replica | run exactly once | writes | duplicate writes | requests vs minimum (median / max) | busiest company’s own run (s) | CPU s: replicas / sandboxes | load (1 min) |',
    '| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | --- | ---: | --- | ---: |',
    ...r.nights.map(
      (n) =>
        `| ${n.replicas} | ${n.store} | ${n.wallSeconds} | ${n.bound.seconds} (${n.bound.busiestAccountSeconds} / ${n.bound.totalOverConcurrencySeconds}) | ${n.vsBound}× | ${n.bound.slotTimeOverConcurrencySeconds} | ${dash(n.cpuFloorSeconds)} | ${dash(n.vsCpuFloor, '×')} | ${dash(n.runsAtOnce)} | ${n.averageInFlightPerReplica?.join(' + ') ?? '–'} (${n.peakInFlightPerReplica?.join(' + ') ?? '–'}) | ${n.meanAttemptMsPerReplica?.join(' / ') ?? '–'} vs ${dash(r.latency)} | ${n.peakRssPerReplicaMB.join(', ')} | ${n.databaseMB} | ${n.slowestWaitSeconds} | ${n.medianWaitSeconds} | ${n.runsPerReplica.join(' + ')} | ${n.exactlyOnce.companiesRunOnce}/${n.exactlyOnce.of} (store ${n.exactlyOnce.companiesPreviewedOnceInStore}, KnowBe4 reads ${n.exactlyOnce.companiesReadOnceByKnowbe4}) | ${n.writes} | ${n.duplicateWrites} (409s: ${n.conflicts}) | ${n.requestsVsMinimum.median} / ${n.requestsVsMinimum.max} | ${n.busiestCompanyRunSeconds} | ${n.cpuSeconds.replicas.join(' + ')} / ${n.cpuSeconds.sandboxes} | ${n.loadAverage1m} |`,
    ),
    '',
    ...(r.instantNetwork
      ? [
          `The same night with no added latency (one replica): **${r.instantNetwork.wallSeconds} s** against the aim of ${r.instantNetwork.aimSeconds} s at ${dash(r.latency, ' ms')} (${r.instantNetwork.pastAim ? 'already past it: on this machine the night is bound by processing, not by the network or the scheduling' : 'within it: processing alone fits, and what the night with latency loses is overlap, each attempt holding its place while it waits for a busy process'}); kb4sync ${r.instantNetwork.cpuSeconds.replicas.join(' + ')} CPU s, sandboxes ${r.instantNetwork.cpuSeconds.sandboxes}; mean attempt ${dash(r.instantNetwork.meanAttemptMs, ' ms')}; run bound ${r.instantNetwork.runBoundSeconds} s; load ${r.instantNetwork.loadAverage1m}.`,
          '',
        ]
      : []),
  ];
}

/** Replaces the section starting with `heading` in SUMMARY.md, or adds it at the end. */
export function replaceSection(resultsDir: string, heading: string, lines: string[]): void {
  const file = join(resultsDir, 'SUMMARY.md');
  const summary = readFileSync(file, 'utf8');
  const section = lines.join('\n');
  const start = summary.indexOf(heading);
  const end = start < 0 ? -1 : summary.indexOf('\n## ', start + 1);
  writeFileSync(file, start < 0 ? `${summary.trimEnd()}\n\n${section}` : summary.slice(0, start) + section + (end < 0 ? '' : summary.slice(end)));
}
