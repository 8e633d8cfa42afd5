/**
 * End to end on loopback: a company's first sync (everyone created) and the no-change nightly
 * sync after it, through the real Graph and SCIM clients against the sandbox servers and a
 * SQLite store. Prints one JSON line: requests made vs the minimum, wall time, peak RSS, and the
 * wall time against the rate-limit lower bound (SCIM requests ÷ the configured rate).
 * `tsx bench/endToEnd.ts [users] [--latency ms] [--rate req/s] [--concurrency n]`
 *   --latency: added by both sandboxes to every request (default 0)
 *   --rate, --concurrency: the KnowBe4 account's requestsPerSecond and maxConcurrency (default 1000, 8)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from '../src/service/app';
import { parseConfig } from '../src/config';
import { createLogger } from '../src/observability/log';
import { GraphSource } from '../src/m365/graphSource';
import { startGraphSandbox } from '../src/sandbox/graph';
import { startKnowbe4Sandbox } from '../src/sandbox/knowbe4';
import { generateTenant, largeTenantSpec, seedOf } from '../src/sandbox/tenants';
import type { Progress } from '../src/runs/executor';
import { PHASES } from '../src/sync';
import { minimumRequests } from './minimum';

const TENANT = '0b5c3d2e-1f4a-4b6c-8d7e-9f0a1b2c3d4e';
const CLIENT = '1c6d4e3f-2a5b-4c7d-9e8f-0a1b2c3d4e5f';
const BATCH = 100;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const members = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 10_000);
  const latencyMs = flag('latency', 0);
  const rate = flag('rate', 1000);
  const concurrency = flag('concurrency', 8);
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-bench-'));
  const tenant = generateTenant({ ...largeTenantSpec(seedOf('bench'), 'Bench Co', 'bench.example', members), tenantId: TENANT });
  const graph = await startGraphSandbox({ tenants: [{ tenant, apps: [{ clientId: CLIENT, clientSecret: 'bench-secret' }] }] });
  const kb4 = await startKnowbe4Sandbox({ scimToken: 'bench-token' });
  graph.faults.latency(latencyMs);
  kb4.controls.setLatency(latencyMs);
  writeFileSync(join(dir, 'ca.pem'), graph.ca);
  const config = parseConfig({
    companies: [
      {
        id: 'bench',
        name: 'Bench Co',
        m365: { tenantId: TENANT, clientId: CLIENT, clientSecretEnv: 'BENCH_GRAPH', graphUrl: graph.url, authorityHost: graph.authorityHost, caFile: join(dir, 'ca.pem') },
        knowbe4: { scimUrl: kb4.url, scimTokenEnv: 'BENCH_SCIM', requestsPerSecond: rate, maxConcurrency: concurrency },
        groups: { default: 'All Staff', departments: { Sales: 'Sales Team', Engineering: 'Engineering Team', Finance: 'Finance Team' } },
      },
    ],
  });
  const app = await openApp({
    config,
    env: { BENCH_GRAPH: 'bench-secret', BENCH_SCIM: 'bench-token', KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db') },
    log: createLogger({ level: 'silent' }),
    source: (company, credential) => new GraphSource(company, credential),
    settings: { batchSize: BATCH },
  });
  const actor = { id: null, name: 'bench', tenantId: null, via: 'cli' as const };
  const requests = () => ({ graph: graph.requests.length, scim: kb4.controls.requestCount({}) });

  const run = async (label: string) => {
    const before = requests();
    const kb4Users = kb4.controls.users().length;
    const kb4Groups = kb4.controls.groups().length;
    const started = process.hrtime.bigint();
    const preview = await app.service.preview('bench', actor);
    const previewSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    // Where the apply's time goes: seconds from the start of each phase to the start of the next.
    const phaseStarts: { phase: string; at: bigint }[] = [];
    const onProgress = (p: Progress) => {
      const name = (PHASES[p.phase] ?? []).join('+');
      if (phaseStarts.at(-1)?.phase !== name) phaseStarts.push({ phase: name, at: process.hrtime.bigint() });
    };
    const applied = preview.plan.operations.length > 0 ? await app.service.apply(preview.planId, actor, { digest: preview.digest, onProgress }) : null;
    const ended = process.hrtime.bigint();
    const seconds = Number(ended - started) / 1e9;
    const phases = Object.fromEntries(phaseStarts.map((s, i) => [s.phase, Math.round(Number((phaseStarts[i + 1]?.at ?? ended) - s.at) / 1e7) / 100]));
    const after = requests();
    const made = { graph: after.graph - before.graph, scim: after.scim - before.scim };
    const min = minimumRequests(preview.plan.stats.sourceUsers, kb4Users, kb4Groups, preview.plan, BATCH);
    return {
      run: label,
      operations: preview.plan.operations.length,
      status: applied?.status ?? 'no changes',
      requests: { graph: made.graph, scim: made.scim, total: made.graph + made.scim },
      minimum: min,
      ratio: Math.round(((made.graph + made.scim) / min.total) * 1000) / 1000,
      seconds: Math.round(seconds * 100) / 100,
      previewSeconds: Math.round(previewSeconds * 100) / 100,
      phases,
      // No run can beat its KnowBe4 requests spaced at the configured rate.
      rateBoundSeconds: Math.round((made.scim / rate) * 100) / 100,
      vsRateBound: Math.round((seconds / (made.scim / rate)) * 100) / 100,
    };
  };

  const first = await run('first sync');
  const nightly = await run('no-change nightly sync');
  const peakRssMB = Math.round((process.resourceUsage().maxRSS * 1024) / 1048576);
  process.stdout.write(`${JSON.stringify({ members, tenantUsers: tenant.users.length, latencyMs, requestsPerSecond: rate, maxConcurrency: concurrency, runs: [first, nightly], peakRssMB })}\n`);
  await app.close();
  await graph.stop();
  await kb4.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
