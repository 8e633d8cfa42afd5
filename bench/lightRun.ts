/**
 * The light run (Graph delta) on a company of `users` members with `latencyMs` added to every
 * Graph, sign-in and KnowBe4 response:
 *   1. the Graph requests of a light run when nothing changed, against those of a full read;
 *   2. hire-to-KnowBe4 latency: a user created in the sandbox Graph (in a mirrored group) until
 *      KnowBe4 holds them in all three of their groups, with light runs back to back, over `hires`.
 * KnowBe4 is seeded in step with the tenant (what a first sync leaves). Real SCIM and Graph
 * clients, the real run service and a SQLite store, in one process.
 * Writes bench/results/light-run.json and prints one JSON line.
 * `node --import tsx bench/lightRun.ts [users] [latencyMs] [hires]`
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, Secret, type CompanyConfig } from '../src/config';
import { Kb4ScimClient } from '../src/knowbe4';
import { GraphSource } from '../src/m365/graphSource';
import { createLogger } from '../src/observability/log';
import { RunService } from '../src/runs/service';
import { startGraphSandbox } from '../src/sandbox/graph';
import { startKnowbe4Sandbox } from '../src/sandbox/knowbe4';
import type { SeedGroup, SeedUser } from '../src/sandbox/knowbe4/account';
import { generateKnowbe4Side, generateTenant, largeTenantSpec, newHire, seedOf, transitiveUserIds, type GraphTenant, type GraphUserRecord } from '../src/sandbox/tenants';
import { KyselyDeltaLinkStore, KyselyRunStore, openDatabase } from '../src/store';
import { limiter } from '../src/shared';

const TENANT = '4f9a7b6c-5d8e-4f0a-9b2c-3d4e5f6a7b82';
const CLIENT = '5a0b8c7d-6e9f-4a1b-8c3d-4e5f6a7b8c93';
const DEPARTMENTS = { Sales: 'Sales Team', Engineering: 'Engineering Team', Finance: 'Finance Team' };
const DEFAULT_GROUP = 'All Staff';
const MIRROR = 'Champions';
/** The default light-run period: the most a hire waits for the next run. */
const PERIOD_MS = 5 * 60_000;
const AIM_REQUESTS = 3;

/** KnowBe4 as a first sync leaves it: every member, in the groups the rules give them. */
function knowbe4InStep(tenant: GraphTenant, championsId: string): { users: SeedUser[]; groups: SeedGroup[] } {
  const side = generateKnowbe4Side(tenant, { seed: 1, matched: tenant.users.length, stale: 0 });
  const byExternal = new Map(side.users.map((u) => [u.externalId, u.id]));
  const members = tenant.users.filter((u) => byExternal.has(u.id));
  const group = (displayName: string, people: readonly GraphUserRecord[]): SeedGroup => ({ displayName, members: people.map((u) => ({ value: byExternal.get(u.id) as string })) });
  const champions = new Set(transitiveUserIds(tenant, championsId));
  return {
    users: side.users as unknown as SeedUser[],
    groups: [
      group(DEFAULT_GROUP, members),
      ...Object.entries(DEPARTMENTS).map(([dept, name]) => group(name, members.filter((u) => u.department === dept))),
      group(MIRROR, members.filter((u) => champions.has(u.id))),
    ],
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const graphOnly = (routes: readonly { route: string }[]) => routes.filter((r) => r.route !== 'token' && r.route !== 'openid-configuration').length;

async function main(): Promise<void> {
  const members = Number(process.argv[2] ?? 10_000);
  const latencyMs = Number(process.argv[3] ?? 50);
  const hireCount = Number(process.argv[4] ?? 20);
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-bench-light-'));

  const tenant = generateTenant({ ...largeTenantSpec(seedOf('bench-light-run'), 'Light Bench', 'lightbench.example', members), tenantId: TENANT });
  const champions = tenant.groups.find((g) => g.displayName === 'Security Champions') as GraphTenant['groups'][number];
  const graph = await startGraphSandbox({ tenants: [{ tenant, apps: [{ clientId: CLIENT, clientSecret: 'bench-secret' }] }] });
  const seed = knowbe4InStep(tenant, champions.id);
  const kb4 = await startKnowbe4Sandbox({ scimToken: 'bench-token', users: seed.users, groups: seed.groups });
  const opened = await openDatabase({ sqlitePath: join(dir, 'kb4sync.db') });

  const config = parseConfig({
    companies: [
      {
        id: 'bench',
        name: 'Light Bench',
        m365: { tenantId: TENANT, clientId: CLIENT, clientSecretEnv: 'UNUSED', graphUrl: graph.url, authorityHost: graph.authorityHost },
        knowbe4: { scimUrl: kb4.url, scimTokenEnv: 'UNUSED', requestsPerSecond: 200, maxConcurrency: 8 },
        scope: { licenses: ['SPE_E3', 'O365_BUSINESS_PREMIUM', 'ENTERPRISEPACK'] },
        groups: { default: DEFAULT_GROUP, departments: DEPARTMENTS, mirror: [{ id: champions.id, name: MIRROR }] },
        schedule: { cron: '0 2 * * *', autoApply: true },
      },
    ],
  });
  const company = config.companies[0] as CompanyConfig;
  const secret = { kind: 'secret' as const, clientSecret: new Secret('bench-secret') };
  const target = Kb4ScimClient.forCompany(company, new Secret('bench-token'), { limiter: limiter({ concurrency: 8 }) });
  const service = new RunService({
    config,
    store: new KyselyRunStore(opened.db),
    deltaLinks: new KyselyDeltaLinkStore(opened.db),
    log: createLogger({ level: 'silent' }),
    connectors: { source: () => new GraphSource(company, secret, { trustedCa: graph.ca }), target: () => target },
  });

  graph.faults.latency(latencyMs);
  kb4.controls.setLatency(latencyMs);

  // 1. Requests: a full read, then links as the nightly run takes them, then a light run with nothing changed.
  let mark = graph.requests.length;
  await new GraphSource(company, secret, { trustedCa: graph.ca }).fetchSource();
  const fullRead = graphOnly(graph.requests.slice(mark));
  await (await service.prepareDeltaLinks('bench'))?.();
  mark = graph.requests.length;
  const quiet = await service.lightRun('bench');
  if (quiet.kind !== 'done' || quiet.fullRead !== null || quiet.people.length > 0) throw new Error(`bench: the quiet light run did something: ${JSON.stringify(quiet)}`);
  const quietRoutes = graph.requests.slice(mark).filter((r) => r.route !== 'token' && r.route !== 'openid-configuration').map((r) => r.route);

  // 2. Hires, with light runs back to back (the loop stands in for the timer's next tick).
  let running = true;
  const loop = (async () => {
    while (running) {
      const r = await service.lightRun('bench');
      if (r.kind === 'done' && r.people.some((p) => p.outcome !== 'applied')) throw new Error(`bench: a hire was not applied: ${JSON.stringify(r.people)}`);
      await sleep(1);
    }
  })();
  const samples: { mail: string; ms: number }[] = [];
  const manager = tenant.users[0] as GraphUserRecord;
  for (let i = 0; i < hireCount; i++) {
    const hire = newHire({ seed: 10_000 + i, domain: 'lightbench.example', givenName: 'Bench', surname: `Hire${i + 1}`, managerId: manager.id, department: 'Sales' });
    const mail = hire.mail as string;
    const started = process.hrtime.bigint();
    graph.addUser(TENANT, hire, [champions.id]);
    // Cheap to watch: the create answered, then a membership PATCH naming the new id in each group.
    let id: string | undefined;
    let groups = 0;
    while (groups < 3) {
      if (Number(process.hrtime.bigint() - started) > 120e9) throw new Error(`bench: ${mail} never reached KnowBe4 with three groups`);
      await sleep(5);
      if (id === undefined && kb4.controls.requests({ method: 'POST', pathPrefix: '/Users' }).some((r) => r.status === 201 && JSON.stringify(r.body).includes(mail))) id = kb4.controls.userByName(mail)?.id as string;
      if (id !== undefined) {
        const needle = `"${id}"`;
        groups = new Set(kb4.controls.requests({ method: 'PATCH', pathPrefix: '/Groups/' }).filter((r) => r.status < 300 && JSON.stringify(r.body).includes(needle)).map((r) => r.path)).size;
      }
    }
    samples.push({ mail, ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6) });
  }
  running = false;
  await loop;
  graph.faults.latency(0);
  kb4.controls.setLatency(0);
  // Checked once outside the timing: each hire is in KnowBe4 with the three groups.
  const names = new Map(kb4.controls.groups().map((g) => [String(g.displayName), new Set(((g.members ?? []) as { value: string }[]).map((m) => m.value))]));
  for (const s of samples) {
    const id = kb4.controls.userByName(s.mail)?.id as string;
    for (const g of [DEFAULT_GROUP, 'Sales Team', MIRROR]) if (!names.get(g)?.has(id)) throw new Error(`bench: ${s.mail} is not in ${g}`);
  }

  const times = samples.map((s) => s.ms);
  const result = {
    benchmark: 'light-run',
    description: `Graph delta light run on a ${members.toLocaleString('en-US')}-member company (${tenant.users.length.toLocaleString('en-US')} users), KnowBe4 seeded in step; hires created in the sandbox Graph in a mirrored group, light runs back to back`,
    latencyMs: { graph: latencyMs, signIn: latencyMs, knowbe4: latencyMs },
    machine: { cpus: cpus().length, loadAverage1m: Math.round((loadavg()[0] ?? 0) * 10) / 10 },
    at: new Date().toISOString(),
    tenantUsers: tenant.users.length,
    nothingChanged: { graphRequests: quietRoutes.length, routes: quietRoutes, aim: `≤ ${AIM_REQUESTS}`, fullReadGraphRequests: fullRead },
    hire: {
      samples: hireCount,
      medianMs: median(times),
      maxMs: Math.max(...times),
      samplesMs: times,
      // With the default period a hire also waits for the next tick: at most one period.
      boundMs: PERIOD_MS,
      worstCaseWithDefaultPeriodMs: PERIOD_MS + Math.max(...times),
    },
  };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'light-run.json'), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify({ benchmark: result.benchmark, users: result.tenantUsers, latencyMs, nothingChanged: result.nothingChanged, hire: result.hire, load1m: result.machine.loadAverage1m })}\n`);
  await opened.db.destroy();
  await graph.stop();
  await kb4.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
