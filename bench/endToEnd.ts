/**
 * End to end on loopback: a 10,000-user company's first sync (everyone created) and the no-change
 * nightly sync after it, through the real Graph and SCIM clients against the sandbox servers and
 * a SQLite store. Prints one JSON line: requests made vs the minimum, wall time, peak RSS.
 * `tsx bench/endToEnd.ts [users]`
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from '../src/app';
import { parseConfig } from '../src/config';
import { createLogger } from '../src/log';
import { GraphSource } from '../src/m365/graphSource';
import { startGraphSandbox } from '../src/sandbox/graph';
import { startKnowbe4Sandbox } from '../src/sandbox/knowbe4';
import { generateTenant, largeTenantSpec, seedOf } from '../src/sandbox/tenants';
import type { Plan } from '../src/sync';

const TENANT = '0b5c3d2e-1f4a-4b6c-8d7e-9f0a1b2c3d4e';
const CLIENT = '1c6d4e3f-2a5b-4c7d-9e8f-0a1b2c3d4e5f';
const BATCH = 100;

/** Fewest requests a sync can make: sign-in, SKUs, user pages, SCIM pages, one write per change (memberships batched). */
function minimum(users: number, kb4Users: number, kb4Groups: number, plan: Plan) {
  const graph = 2 + 1 + Math.ceil(users / 100);
  const scimReads = Math.max(1, Math.ceil(kb4Users / 100)) + Math.max(1, Math.ceil(kb4Groups / 100));
  const perGroup = new Map<string, number>();
  let writes = 0;
  for (const op of plan.operations) {
    if (op.kind === 'addToGroup' || op.kind === 'removeFromGroup') {
      const key = `${op.kind}:${op.groupName}`;
      perGroup.set(key, (perGroup.get(key) ?? 0) + 1);
    } else writes += 1;
  }
  for (const n of perGroup.values()) writes += Math.ceil(n / BATCH);
  return { graph, scimReads, writes, total: graph + scimReads + writes };
}

async function main(): Promise<void> {
  const members = Number(process.argv[2] ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-bench-'));
  const tenant = generateTenant({ ...largeTenantSpec(seedOf('bench'), 'Bench Co', 'bench.example', members), tenantId: TENANT });
  const graph = await startGraphSandbox({ tenants: [{ tenant, apps: [{ clientId: CLIENT, clientSecret: 'bench-secret' }] }] });
  const kb4 = await startKnowbe4Sandbox({ scimToken: 'bench-token' });
  writeFileSync(join(dir, 'ca.pem'), graph.ca);
  const config = parseConfig({
    companies: [
      {
        id: 'bench',
        name: 'Bench Co',
        m365: { tenantId: TENANT, clientId: CLIENT, clientSecretEnv: 'BENCH_GRAPH', graphUrl: graph.url, authorityHost: graph.authorityHost, caFile: join(dir, 'ca.pem') },
        knowbe4: { scimUrl: kb4.url, scimTokenEnv: 'BENCH_SCIM', requestsPerSecond: 1000, maxConcurrency: 8 },
        groups: { default: 'All Staff', departments: { Sales: 'Sales Team', Engineering: 'Engineering Team', Finance: 'Finance Team' } },
      },
    ],
  });
  const app = await openApp({
    config,
    env: { BENCH_GRAPH: 'bench-secret', BENCH_SCIM: 'bench-token', KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db') },
    log: createLogger({ level: 'silent' }),
    source: (company, credential) => new GraphSource(company, credential),
    settings: { concurrency: 8, batchSize: BATCH },
  });
  const actor = { id: null, name: 'bench', tenantId: null, via: 'cli' as const };
  const requests = () => ({ graph: graph.requests.length, scim: kb4.controls.requestCount({}) });

  const run = async (label: string) => {
    const before = requests();
    const kb4Users = kb4.controls.users().length;
    const kb4Groups = kb4.controls.groups().length;
    const started = process.hrtime.bigint();
    const preview = await app.service.preview('bench', actor);
    const applied = preview.plan.operations.length > 0 ? await app.service.apply(preview.planId, actor, { digest: preview.digest }) : null;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const after = requests();
    const made = { graph: after.graph - before.graph, scim: after.scim - before.scim };
    const min = minimum(preview.plan.stats.sourceUsers, kb4Users, kb4Groups, preview.plan);
    return {
      run: label,
      operations: preview.plan.operations.length,
      status: applied?.status ?? 'no changes',
      requests: { graph: made.graph, scim: made.scim, total: made.graph + made.scim },
      minimum: min,
      ratio: Math.round(((made.graph + made.scim) / min.total) * 1000) / 1000,
      seconds: Math.round(seconds * 100) / 100,
    };
  };

  const first = await run('first sync');
  const nightly = await run('no-change nightly sync');
  const peakRssMB = Math.round((process.resourceUsage().maxRSS * 1024) / 1048576);
  process.stdout.write(`${JSON.stringify({ members, tenantUsers: tenant.users.length, runs: [first, nightly], peakRssMB })}\n`);
  await app.close();
  await graph.stop();
  await kb4.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
