/**
 * The MSP night: N companies (bench/mspWorld.ts) all due at 02:00, every Graph, sign-in and
 * KnowBe4 request answered `latency` ms late, each KnowBe4 account behind its own rate limit, run
 * by 1 or more kb4sync replicas (bench/mspWorker.ts, one process each) on one store. The
 * sandboxes live in this process, so a replica's peak RSS is kb4sync's own.
 * For each replica count: wall time of the night against its lower bound, peak RSS, database size,
 * the slowest company's wait, requests per company against its minimum, each company run exactly
 * once (outcomes, runs in the store, first SCIM pages read) and writes made twice (from KnowBe4).
 * Writes bench/results/msp.json; prints one JSON line.
 * `node --import tsx bench/msp.ts [--companies 500] [--concurrency 16] [--runs-at-once N] [--latency 50]
 *   [--rate 10] [--replicas 1,2,4] [--store sqlite|postgres] [--instant-network no]` (more than one replica needs
 *   PostgreSQL; unless told no, one more night runs on one replica with no added latency: kb4sync's processing alone)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import { startGraphSandbox } from '../src/sandbox/graph';
import { startKnowbe4Sandbox } from '../src/sandbox/knowbe4';
import { KyselyRunStore, openDatabase, type StoreLocation } from '../src/store';
import { minimumRequests } from './minimum';
import { buildWorld, CLIENT_ID, CLIENT_SECRET, type MspWorld } from './mspWorld';
import type { WorkerReport, WorkerSpec } from './mspWorker';

const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SLOT = '2026-11-24T02:00:00.000Z';
const AIMS = { ratio: 1.2, peakRssMB: 500 };

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const percentile = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

/**
 * The replicas run as the README recommends running kb4sync for many companies: V8's old space
 * capped (live data stays under 100 MB a night; without a cap, V8 on a machine with memory to
 * spare lets garbage pile up to past 500 MB before collecting) and its young generation doubled
 * (a night's Graph and SCIM pages outlive a 16 MB semi-space, get promoted, and cost the old
 * generation's collector about a quarter of kb4sync's CPU). BENCH_MSP_NODE_FLAGS replaces them
 * (e.g. with nothing, for Node's defaults, or --cpu-prof to see where the CPU goes).
 */
export const RECOMMENDED_NODE_FLAGS = '--max-old-space-size=384 --max-semi-space-size=32';
const replicaNodeFlags = (): string[] => (process.env.BENCH_MSP_NODE_FLAGS ?? RECOMMENDED_NODE_FLAGS).split(' ').filter(Boolean);

/** Starts a replica; resolves with a handle once it printed `ready`. */
function startWorker(specFile: string) {
  const flags = replicaNodeFlags();
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', join(__dirname, 'mspWorker.ts'), specFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  let report: (r: WorkerReport) => void = () => undefined;
  const done = new Promise<WorkerReport>((resolve, reject) => {
    report = resolve;
    child.once('exit', (code) => reject(new Error(`replica exited with ${code} before reporting`)));
  });
  const ready = new Promise<void>((resolve) =>
    lines.on('line', (line) => {
      if (line === 'ready') resolve();
      else if (line.startsWith('{')) report(JSON.parse(line) as WorkerReport);
    }),
  );
  return { ready, done, go: () => child.stdin.end('go\n') };
}

async function databaseSizeMB(location: StoreLocation): Promise<number> {
  if (location.sqlitePath) {
    const size = (p: string) => (statSync(p, { throwIfNoEntry: false })?.size ?? 0);
    return round((size(location.sqlitePath) + size(`${location.sqlitePath}-wal`)) / 1048576);
  }
  const opened = await openDatabase(location);
  const r = await sql<{ bytes: string }>`select coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass)), 0)::text as bytes from pg_tables where schemaname = ${location.pgSchema}`.execute(opened.db);
  await opened.db.destroy();
  return round(Number(r.rows[0]?.bytes ?? 0) / 1048576);
}

async function night(world: MspWorld, replicas: number, opts: { concurrency: number; runsAtOnce: number | null; latency: number; rate: number; maxConcurrency: number; store: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-msp-'));
  const graph = await startGraphSandbox({ tenants: world.tenants.map((tenant) => ({ tenant, apps: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }] })) });
  const kb4 = await startKnowbe4Sandbox({ accounts: structuredClone(world.accounts) });
  graph.faults.latency(opts.latency);
  for (const c of world.companies) kb4.account(c.id).controls.setLatency(opts.latency);
  writeFileSync(join(dir, 'ca.pem'), graph.ca);
  const database: StoreLocation = opts.store === 'postgres' ? { databaseUrl: PG_URL, pgSchema: `msp_${process.pid}_${replicas}` } : { sqlitePath: join(dir, 'kb4sync.db') };
  // Migrated once here, so replicas start on the same schema without racing to create it, and
  // left as last night's runs leave it: each company's size is known (the queue's order).
  const seeded = await openDatabase(database);
  const seedStore = new KyselyRunStore(seeded.db);
  const lastNight = new Date(Date.parse(SLOT) - 86_400_000);
  for (const c of world.companies) await seedStore.updateCompanyState(c.id, { lastGoodSourceCount: c.members, lastScheduledSlot: lastNight, lastRunAt: lastNight, lastRunStatus: 'succeeded' });
  await seeded.db.destroy();

  const workers = Array.from({ length: replicas }, (_, i) => {
    const spec: WorkerSpec = {
      holder: `replica-${i + 1}`,
      graphUrl: graph.url,
      authorityHost: graph.authorityHost,
      caFile: join(dir, 'ca.pem'),
      companies: world.companies.map((c) => ({ id: c.id, tenantId: c.tenantId, scimUrl: kb4.account(c.id).url, scimToken: c.scimToken })),
      concurrency: opts.concurrency,
      ...(opts.runsAtOnce ? { runsAtOnce: opts.runsAtOnce } : {}),
      rate: opts.rate,
      maxConcurrency: opts.maxConcurrency,
      database,
      slot: SLOT,
    };
    writeFileSync(join(dir, `replica-${i + 1}.json`), JSON.stringify(spec));
    return startWorker(join(dir, `replica-${i + 1}.json`));
  });
  await Promise.all(workers.map((w) => w.ready));
  const started = performance.now();
  const sandboxCpu = process.cpuUsage();
  workers.forEach((w) => w.go());
  const reports = await Promise.all(workers.map((w) => w.done));
  const wallSeconds = (performance.now() - started) / 1000;
  const sandboxCpuSeconds = ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(sandboxCpu));

  // What each company's run cost, from the sandboxes and the store.
  const kb4Requests = kb4.allRequests();
  const opened = await openDatabase(database);
  const store = new KyselyRunStore(opened.db);
  const perCompany = await Promise.all(
    world.companies.map(async (c, i) => {
      const runs = (await store.listRuns(c.id, 10)).filter((r) => r.kind === 'preview');
      const plan = runs[0]?.planId ? await store.getPlan(runs[0].planId) : null;
      const account = world.accounts[i]!;
      const scim = kb4Requests.filter((r) => r.account === c.id);
      const graphMade = graph.requests.filter((r) => r.tenantId === c.tenantId).length;
      const min = plan ? minimumRequests(plan.plan.stats.sourceUsers, account.users.length, account.groups.length, plan.plan, 100) : null;
      return {
        id: c.id,
        members: c.members,
        previews: runs.length,
        firstPagesRead: scim.filter((r) => r.method === 'GET' && r.path === '/Users' && [undefined, '1'].includes(r.query.startIndex as string | undefined)).length,
        requests: graphMade + scim.length,
        scimRequests: scim.length,
        minimum: min?.total ?? null,
        operations: plan?.plan.operations.length ?? null,
      };
    }),
  );
  await opened.db.destroy();
  const writes = kb4Requests.filter((r) => r.method !== 'GET');
  const keys = writes.map((r) => `${r.account} ${r.method} ${r.path} ${JSON.stringify(r.body)}`);
  const duplicateWrites = keys.length - new Set(keys).size;
  const outcomes = reports.flatMap((r) => r.companies);
  const ran = outcomes.filter((o) => !o.outcome.startsWith('skipped'));
  const totalRequests = perCompany.reduce((a, c) => a + c.requests, 0);
  const busiest = perCompany.reduce((a, c) => (c.scimRequests > a.scimRequests ? c : a));
  // service.concurrency is requests in flight per replica; runsAtOnce is company runs under way.
  const places = opts.concurrency * replicas;
  const runSlots = (opts.runsAtOnce ?? 2 * opts.concurrency) * replicas;
  const bound = {
    busiestAccountSeconds: round(busiest.scimRequests / opts.rate),
    totalOverConcurrencySeconds: round((totalRequests * opts.latency) / 1000 / places),
    // A run is under way at least as long as its account's limiter takes to let its KnowBe4
    // requests through, however short the latency: the runs at once cannot finish sooner.
    slotTimeOverConcurrencySeconds: round(perCompany.reduce((a, c) => a + c.scimRequests / opts.rate, 0) / runSlots),
  };
  const boundSeconds = Math.max(bound.busiestAccountSeconds, bound.totalOverConcurrencySeconds);
  // What this machine's cores allow, whatever the network: kb4sync's busiest process alone, and all
  // the CPU of the night (replicas and the sandboxes answering them) spread over every core.
  const replicaCpu = reports.map((r) => r.cpuSeconds);
  const cpuFloorSeconds = round(Math.max(...replicaCpu, (replicaCpu.reduce((a, b) => a + b, 0) + sandboxCpuSeconds) / cpus().length));
  const slotBoundSeconds = Math.max(boundSeconds, bound.slotTimeOverConcurrencySeconds);
  const ratios = perCompany.filter((c) => c.minimum).map((c) => c.requests / (c.minimum as number));
  const result = {
    replicas,
    store: opts.store,
    wallSeconds: round(wallSeconds),
    bound: { ...bound, seconds: boundSeconds, busiestAccount: busiest.id, totalRequests },
    vsBound: round(wallSeconds / boundSeconds),
    vsSlotBound: round(wallSeconds / slotBoundSeconds),
    cpuFloorSeconds,
    vsCpuFloor: round(wallSeconds / cpuFloorSeconds),
    // Where the 2 shared cores went: kb4sync's replicas and the sandboxes answering them.
    cpuSeconds: { replicas: reports.map((r) => r.cpuSeconds), sandboxes: round(sandboxCpuSeconds) },
    busiestCompanyRunSeconds: round((ran.find((o) => o.id === busiest.id)?.ranMs ?? 0) / 1000),
    peakRssMB: Math.max(...reports.map((r) => r.peakRssMB)),
    peakRssPerReplicaMB: reports.map((r) => r.peakRssMB),
    startRssPerReplicaMB: reports.map((r) => r.startRssMB),
    peakHeapPerReplicaMB: reports.map((r) => ({ used: r.peakHeapUsedMB, reserved: r.peakHeapTotalMB, external: r.peakExternalMB })),
    databaseMB: await databaseSizeMB(database),
    peakRunningPerReplica: reports.map((r) => r.peakRunning),
    peakInFlightPerReplica: reports.map((r) => r.peakInFlight),
    // Above the added latency: the replica's own event loop (its CPU), not the network, held the answers.
    meanAttemptMsPerReplica: reports.map((r) => r.meanAttemptMs),
    averageInFlightPerReplica: reports.map((r) => r.averageInFlight),
    slowestWaitSeconds: round(Math.max(...ran.map((o) => o.waitedMs)) / 1000),
    medianWaitSeconds: round(percentile(ran.map((o) => o.waitedMs), 50) / 1000),
    runsAtOnce: opts.runsAtOnce ?? 2 * opts.concurrency,
    // A run's time spent waiting on the company's own KnowBe4 rate limit (it holds no place in the gate meanwhile).
    ownRateLimitShareOfSlotTime: round(ran.reduce((a, o) => a + o.limiterWaitMs, 0) / ran.reduce((a, o) => a + o.ranMs, 0), 3),
    outcomes: Object.fromEntries([...new Set(ran.map((o) => o.outcome.split(':')[0] as string))].map((k) => [k, ran.filter((o) => o.outcome.startsWith(k)).length])),
    failures: ran.filter((o) => o.outcome.startsWith('failed')).slice(0, 3).map((o) => `${o.id}: ${o.outcome}`),
    runsPerReplica: reports.map((r) => r.companies.filter((o) => !o.outcome.startsWith('skipped')).length),
    exactlyOnce: {
      companiesRunOnce: world.companies.filter((c) => ran.filter((o) => o.id === c.id).length === 1).length,
      companiesPreviewedOnceInStore: perCompany.filter((c) => c.previews === 1).length,
      companiesReadOnceByKnowbe4: perCompany.filter((c) => c.firstPagesRead === 1).length,
      of: world.companies.length,
    },
    writes: writes.length,
    duplicateWrites,
    conflicts: kb4Requests.filter((r) => r.status === 409).length,
    requestsVsMinimum: { median: round(percentile(ratios, 50), 3), max: round(Math.max(...ratios), 3), atMinimum: ratios.filter((r) => r <= 1).length, of: ratios.length },
    loadAverage1m: round(loadavg()[0] ?? 0),
    perCompany: perCompany.map((c) => ({ ...c, ...(({ waitedMs, ranMs, limiterWaitMs }) => ({ waitedMs, ranMs, limiterWaitMs }))(ran.find((o) => o.id === c.id) ?? { waitedMs: 0, ranMs: 0, limiterWaitMs: 0 }) })),
  };
  await graph.stop();
  await kb4.stop();
  if (database.pgSchema) {
    const db = await openDatabase(database);
    await sql`drop schema if exists ${sql.id(database.pgSchema)} cascade`.execute(db.db);
    await db.db.destroy();
  }
  return result;
}

async function main(): Promise<void> {
  const companies = Number(flag('companies', '500'));
  const replicaCounts = flag('replicas', '1').split(',').map(Number);
  const opts = {
    concurrency: Number(flag('concurrency', '16')),
    runsAtOnce: flag('runs-at-once', '') === '' ? null : Number(flag('runs-at-once', '')),
    latency: Number(flag('latency', '50')),
    rate: Number(flag('rate', '10')),
    maxConcurrency: Number(flag('max-concurrency', '4')),
    store: flag('store', replicaCounts.some((r) => r > 1) ? 'postgres' : 'sqlite'),
  };
  if (opts.store !== 'postgres' && replicaCounts.some((r) => r > 1)) throw new Error('replicas share a PostgreSQL store: --store postgres');
  const world = buildWorld(companies);
  const people = world.companies.reduce((a, c) => a + c.members, 0);
  const nights = [];
  for (const r of replicaCounts) {
    process.stderr.write(`msp: ${companies} companies, ${r} replica(s)…\n`);
    nights.push(await night(world, r, opts));
  }
  // The same night with no added latency, on one replica: what kb4sync's processing alone takes on
  // this machine. When it is already past the aim, no scheduling can meet the aim here; only less
  // CPU per request (or cores the sandboxes do not share) can.
  let instantNetwork = null;
  if (flag('instant-network', 'yes') !== 'no' && opts.latency > 0) {
    process.stderr.write(`msp: ${companies} companies, 1 replica, no added latency…\n`);
    const n = await night(world, 1, { ...opts, latency: 0, store: replicaCounts.includes(1) ? opts.store : 'sqlite' });
    const aimSeconds = round((nights[0]?.bound.seconds ?? 0) * AIMS.ratio);
    instantNetwork = { wallSeconds: n.wallSeconds, aimSeconds, pastAim: n.wallSeconds > aimSeconds, cpuSeconds: n.cpuSeconds, meanAttemptMs: n.meanAttemptMsPerReplica[0], averageInFlight: n.averageInFlightPerReplica[0], runBoundSeconds: n.bound.slotTimeOverConcurrencySeconds, busiestAccountSeconds: n.bound.busiestAccountSeconds, exactlyOnce: n.exactlyOnce, duplicateWrites: n.duplicateWrites, loadAverage1m: n.loadAverage1m };
  }
  const result = {
    benchmark: 'msp',
    description: `${companies} companies of 50 to 2,000 members (${people.toLocaleString('en-US')} people), all due at 02:00 with a night's drift (~2 %), ${opts.latency} ms added to every request, each KnowBe4 account at ${opts.rate} req/s`,
    companies,
    people,
    ...opts,
    replicaNodeFlags: replicaNodeFlags().join(' '),
    aims: AIMS,
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown' },
    at: new Date().toISOString(),
    nights,
    instantNetwork,
  };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', flag('out', 'msp.json')), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
