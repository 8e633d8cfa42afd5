/**
 * `sync user <address>` on a 10,000-user company with 50 ms added to every Graph, sign-in and
 * KnowBe4 response: the time from posting the command to the bot over HTTP until the KnowBe4
 * record shows the change made in Entra, and the requests one lookup makes. KnowBe4 is seeded in
 * step with the tenant (what a first sync leaves), so each sample changes one job title.
 * Writes bench/results/sync-user.json and prints one JSON line.
 * `node --import tsx bench/syncUser.ts [users] [latencyMs] [samples]`
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startService } from '../src/service/start';
import { SANDBOX_ADMIN, SANDBOX_TENANT } from '../src/sandbox';
import { startGraphSandbox } from '../src/sandbox/graph';
import { startKnowbe4Sandbox } from '../src/sandbox/knowbe4';
import type { SeedGroup, SeedUser } from '../src/sandbox/knowbe4/account';
import { generateKnowbe4Side, generateTenant, largeTenantSpec, seedOf, type GraphTenant, type GraphUserRecord } from '../src/sandbox/tenants';
import { startConnector } from '../test/helpers/botConnector';

const TENANT = '2d7e5f4a-3b6c-4d8e-9f0a-1b2c3d4e5f60';
const CLIENT = '3e8f6a5b-4c7d-4e9f-8a1b-2c3d4e5f6a71';
const DEPARTMENTS = { Sales: 'Sales Team', Engineering: 'Engineering Team', Finance: 'Finance Team' };
const DEFAULT_GROUP = 'All Staff';
const AIM_MS = 3000;

/** KnowBe4 as a first sync leaves it: every member with an address, in the groups the rules give them. */
function knowbe4InStep(tenant: GraphTenant): { users: SeedUser[]; groups: SeedGroup[] } {
  const side = generateKnowbe4Side(tenant, { seed: 1, matched: tenant.users.length, stale: 0 });
  const byExternal = new Map(side.users.map((u) => [u.externalId, u.id]));
  const idOf = (u: GraphUserRecord) => byExternal.get(u.id);
  const members = tenant.users.filter((u) => idOf(u) !== undefined);
  const group = (displayName: string, people: GraphUserRecord[]): SeedGroup => ({ displayName, members: people.map((u) => ({ value: idOf(u) as string })) });
  return {
    users: side.users as unknown as SeedUser[],
    groups: [group(DEFAULT_GROUP, members), ...Object.entries(DEPARTMENTS).map(([dept, name]) => group(name, members.filter((u) => u.department === dept)))],
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function main(): Promise<void> {
  // The service logs to stderr; the bench's own output is the JSON line.
  process.env.LOG_LEVEL ??= 'error';
  const members = Number(process.argv[2] ?? 10_000);
  const latencyMs = Number(process.argv[3] ?? 50);
  const sampleCount = Number(process.argv[4] ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-bench-user-'));

  const tenant = generateTenant({ ...largeTenantSpec(seedOf('bench-sync-user'), 'Bench Co', 'bench.example', members), tenantId: TENANT });
  const graph = await startGraphSandbox({ tenants: [{ tenant, apps: [{ clientId: CLIENT, clientSecret: 'bench-secret' }] }] });
  const seed = knowbe4InStep(tenant);
  const kb4 = await startKnowbe4Sandbox({ scimToken: 'bench-token', users: seed.users, groups: seed.groups });
  const connector = await startConnector();
  writeFileSync(join(dir, 'ca.pem'), graph.ca);
  const scopeGroup = tenant.groups.find((g) => g.displayName === 'All Staff')?.id as string;
  const configPath = join(dir, 'kb4sync.yaml');
  writeFileSync(
    configPath,
    stringify({
      admins: [{ aadObjectId: SANDBOX_ADMIN.aadObjectId }],
      companies: [
        {
          id: 'bench',
          name: 'Bench Co',
          m365: { tenantId: TENANT, clientId: CLIENT, clientSecretEnv: 'BENCH_GRAPH', graphUrl: graph.url, authorityHost: graph.authorityHost, caFile: join(dir, 'ca.pem') },
          knowbe4: { scimUrl: kb4.url, scimTokenEnv: 'BENCH_SCIM', requestsPerSecond: 200, maxConcurrency: 8 },
          // The costliest lookup: licence names need subscribedSkus, a scope group needs the
          // user's and the manager's memberships.
          scope: { licenses: ['SPE_E3', 'O365_BUSINESS_PREMIUM', 'ENTERPRISEPACK'], groups: [scopeGroup] },
          groups: { default: DEFAULT_GROUP, departments: DEPARTMENTS },
        },
      ],
    }),
  );
  const running = await startService({
    configPath,
    env: { BENCH_GRAPH: 'bench-secret', BENCH_SCIM: 'bench-token', KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), LOG_LEVEL: 'silent' },
    host: '127.0.0.1',
    port: 0,
    sandbox: true,
    schedule: false,
  });

  let turn = 0;
  /** Posts `text` as the admin, the way Teams delivers a message to the bot. */
  const say = async (text: string) => {
    const res = await fetch(`${running.service.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: `bench-${++turn}`,
        type: 'message',
        text,
        channelId: 'msteams',
        serviceUrl: connector.url,
        timestamp: new Date().toISOString(),
        from: { id: SANDBOX_ADMIN.id, name: SANDBOX_ADMIN.givenName, aadObjectId: SANDBOX_ADMIN.aadObjectId },
        recipient: { id: 'bot-id', name: 'kb4sync' },
        conversation: { id: 'bench-chat', conversationType: 'personal', tenantId: SANDBOX_TENANT },
        channelData: { tenant: { id: SANDBOX_TENANT } },
      }),
    });
    await res.arrayBuffer();
  };
  const lastCard = async (since: number) => {
    const a = await connector.waitFor((x) => connector.activities.indexOf(x) >= since && Array.isArray(x.activity.attachments), 60_000);
    return JSON.stringify(a.activity.attachments);
  };

  // Members KnowBe4 holds, spread over the tenant; the first is a warm-up that must already be in step.
  const candidates = tenant.users.filter((u) => u.kind === 'member' && u.mail !== null && u.managerId !== null && kb4.controls.userByName(u.mail) !== undefined);
  const picks = Array.from({ length: sampleCount + 1 }, (_, i) => candidates[Math.floor(((i + 0.5) * candidates.length) / (sampleCount + 1))] as GraphUserRecord);
  const warmUp = picks.shift() as GraphUserRecord;
  const before = connector.activities.length;
  await say(`sync user ${warmUp.mail as string}`);
  const warmCard = await lastCard(before);
  if (!/in step/.test(warmCard)) throw new Error(`bench: the seeded KnowBe4 side is not in step for ${warmUp.mail as string}: ${warmCard.slice(0, 400)}`);

  // What the KnowBe4 sandbox itself spends answering GET /Groups (SCIMMY coerces every member of
  // the 10,000-member default group): a property of the sandbox, not of kb4sync or the network.
  const groupListMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    await (await fetch(`${kb4.url}/Groups`, { headers: { authorization: 'Bearer bench-token' } })).arrayBuffer();
    groupListMs.push(Math.round(Number(process.hrtime.bigint() - t) / 1e6));
  }

  graph.faults.latency(latencyMs);
  kb4.controls.setLatency(latencyMs);
  const samples = [];
  for (const [i, user] of picks.entries()) {
    const mail = user.mail as string;
    const title = `Benchmark Title ${i + 1}`;
    graph.updateUser(TENANT, user.id, { jobTitle: title });
    const graphBefore = graph.requests.length;
    const scimBefore = kb4.controls.requestCount();
    const cards = connector.activities.length;
    const kb4Id = kb4.controls.userByName(mail)?.id as string;
    const started = process.hrtime.bigint();
    const posted = say(`sync user ${mail.toUpperCase()}`);
    // Cheap to watch: the record's PATCH being answered (the log is short), then its title once;
    // scanning 10,000 records every few ms would slow the sandbox being measured.
    const patched = () => kb4.controls.requests({ method: 'PATCH', pathPrefix: `/Users/${kb4Id}` }).some((r) => r.status === 200);
    while (!patched() || kb4.controls.userByName(mail)?.title !== title) {
      if (Number(process.hrtime.bigint() - started) > 60e9) throw new Error(`bench: ${mail} never got the title "${title}" in KnowBe4: ${(await lastCard(cards)).slice(0, 400)}`);
      await sleep(5);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    await posted;
    const card = await lastCard(cards);
    const cardMs = Number(process.hrtime.bigint() - started) / 1e6;
    const made = graph.requests.slice(graphBefore);
    samples.push({
      user: mail,
      ms: Math.round(ms),
      cardMs: Math.round(cardMs),
      requests: {
        graph: made.filter((r) => r.route !== 'token' && r.route !== 'openid-configuration').length,
        signIn: made.filter((r) => r.route === 'token' || r.route === 'openid-configuration').length,
        scim: kb4.controls.requestCount() - scimBefore,
        graphRoutes: [...new Set(made.map((r) => r.route))],
      },
      updated: /updated|Updated/.test(card),
    });
  }
  graph.faults.latency(0);
  kb4.controls.setLatency(0);

  const times = samples.map((s) => s.ms);
  const result = {
    benchmark: 'sync-user',
    description: `sync user <address> posted to the bot over HTTP, until the KnowBe4 record shows the job title changed in Entra; ${members.toLocaleString('en-US')}-member tenant (${tenant.users.length.toLocaleString('en-US')} users), KnowBe4 seeded in step`,
    aim: `< ${AIM_MS} ms`,
    latencyMs: { graph: latencyMs, signIn: latencyMs, knowbe4: latencyMs },
    // Everything runs in one process on this machine: other load shows in the samples.
    machine: { cpus: cpus().length, loadAverage1m: Math.round((loadavg()[0] ?? 0) * 10) / 10 },
    tenantUsers: tenant.users.length,
    knowbe4Users: seed.users.length,
    at: new Date().toISOString(),
    medianMs: median(times),
    maxMs: Math.max(...times),
    samplesMs: times,
    requestsPerLookup: samples[0]?.requests,
    // The floor (best of 5, no added latency): the first answers also pay for JIT warm-up.
    sandboxGroupListMs: Math.min(...groupListMs),
    samples,
  };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'sync-user.json'), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(
    `${JSON.stringify({ benchmark: result.benchmark, users: result.tenantUsers, latencyMs, medianMs: result.medianMs, maxMs: result.maxMs, samplesMs: times, requestsPerLookup: result.requestsPerLookup, sandboxGroupListMs: result.sandboxGroupListMs, aim: result.aim })}\n`,
  );
  await running.service.stop();
  await running.app.close();
  await connector.close();
  await graph.stop();
  await kb4.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
