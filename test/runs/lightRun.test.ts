/**
 * The light run end to end: the real delta reader against the Graph sandbox, the real SCIM client
 * against the KnowBe4 sandbox, real SQLite. A hire reaches KnowBe4 with their group; a deletion
 * never archives; expired links fall back to a full read and say so; pause and leases hold.
 */
import { parseConfig, Secret, type CompanyConfig } from '../../src/config';
import { Kb4ScimClient } from '../../src/knowbe4';
import { createLogger } from '../../src/observability/log';
import { createMetrics, type Metrics } from '../../src/observability';
import { GraphSource } from '../../src/m365/graphSource';
import { deltaLease } from '../../src/runs';
import { RunService } from '../../src/runs/service';
import { startGraphSandbox, type GraphSandbox } from '../../src/sandbox/graph';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import { MemoryNotifier } from '../../src/notify/events';
import { Scheduler, staggerMs } from '../../src/schedule';
import type { SeedGroup, SeedUser } from '../../src/sandbox/knowbe4/account';
import { generateKnowbe4Side, generateTenant, newHire } from '../../src/sandbox/tenants';
import { KyselyDeltaLinkStore, KyselyRunStore } from '../../src/store';
import { CLIENT_ID, SECRET, secretOf } from '../helpers/graphSandbox';
import { testDatabases } from '../helpers/stores';
import { limiter } from '../../src/shared';

const TOKEN = 'scim-token-light-run';
const tenant = generateTenant({ seed: 61, displayName: 'Light Co', domain: 'light.example', members: 90 });
const champions = tenant.groups.find((g) => g.displayName === 'Security Champions')!;
const database = testDatabases()[0]!;
let graph: GraphSandbox;
let kb4: Knowbe4Sandbox;
let store: KyselyRunStore;
let links: KyselyDeltaLinkStore;
let hires = 0;

beforeAll(async () => {
  graph = await startGraphSandbox({ tenants: [{ tenant, apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }] }] });
  // KnowBe4 after a first sync, plus two accounts nobody in Entra holds (a full run would archive them).
  const side = generateKnowbe4Side(tenant, { seed: 6, matched: 90, stale: 2 });
  kb4 = await startKnowbe4Sandbox({ scimToken: TOKEN, users: side.users as unknown as SeedUser[], groups: side.groups as unknown as SeedGroup[] });
  const opened = await database.open();
  store = new KyselyRunStore(opened.db);
  links = new KyselyDeltaLinkStore(opened.db);
});
afterAll(async () => {
  await database.cleanup();
  await graph.stop();
  await kb4.stop();
});

type Extra = { autoApply?: boolean; paused?: boolean; lightRunMinutes?: number; appliesOff?: string };

function configFor(extra: Extra) {
  return parseConfig({
    companies: [
      {
        id: 'light',
        name: 'Light Co',
        m365: { tenantId: tenant.tenantId, clientId: CLIENT_ID, clientSecretEnv: 'UNUSED', graphUrl: graph.url, authorityHost: graph.authorityHost },
        knowbe4: { scimUrl: kb4.url, scimTokenEnv: 'UNUSED', requestsPerSecond: 200, maxConcurrency: 4 },
        groups: { mirror: [{ id: champions.id, name: 'Champions' }] },
        removeStaleUsers: true,
        schedule: { cron: '0 2 * * *', autoApply: extra.autoApply ?? true, ...(extra.lightRunMinutes === undefined ? {} : { lightRunMinutes: extra.lightRunMinutes }) },
        paused: extra.paused ?? false,
      },
    ],
  });
}

function service(extra: Extra = {}, config = configFor(extra), stores: { store: KyselyRunStore; links: KyselyDeltaLinkStore } = { store, links }, metrics?: Metrics): RunService {
  const company = config.companies[0] as CompanyConfig;
  return new RunService({
    config,
    ...(metrics ? { metrics } : {}),
    settings: { lightRunMaxPeople: 3, ...(extra.appliesOff ? { appliesOff: extra.appliesOff } : {}) },
    store: stores.store,
    deltaLinks: stores.links,
    log: createLogger({ level: 'silent' }),
    connectors: {
      source: () => new GraphSource(company, secretOf(), { trustedCa: graph.ca }),
      target: () => Kb4ScimClient.forCompany(company, new Secret(TOKEN), { limiter: limiter({ concurrency: 4 }), sleep: async () => undefined }),
    },
  });
}

const activeCount = () => kb4.controls.users().filter((u) => u.active !== false).length;
const hire = (groupIds: string[] = [champions.id]) => {
  const h = newHire({ seed: 100 + ++hires, domain: 'light.example', givenName: 'Nia', surname: `Newstart${hires}`, managerId: tenant.users[0]!.id });
  graph.addUser(tenant.tenantId, h, groupIds);
  return h;
};
const championsMembers = () => ((kb4.controls.groups().find((g) => g.displayName === 'Champions')?.members ?? []) as { value: string }[]).map((m) => m.value);

test('without links the first light run reads everything once, says so, and archives nobody', async () => {
  const inEntra = new Set(tenant.users.map((u) => u.mail?.toLowerCase()));
  const stale = kb4.controls.users().filter((u) => u.active !== false && !inEntra.has(String(u.userName).toLowerCase()));
  expect(stale).toHaveLength(2);
  const before = activeCount();
  const result = await service().lightRun('light');
  expect(result).toMatchObject({ kind: 'done', fullRead: { reason: expect.stringMatching(/no delta links/) }, linksAdvanced: true });
  expect(activeCount()).toBeGreaterThanOrEqual(before);
  for (const s of stale) expect(kb4.controls.userByName(String(s.userName))?.active).not.toBe(false);
  expect(kb4.controls.requests({ method: 'DELETE' })).toEqual([]);
  expect(await links.getDeltaLinks('light')).toMatchObject({ users: expect.stringContaining('/users/delta?$deltatoken='), groups: expect.stringContaining('/groups/delta?$deltatoken=') });
});

test('with nothing changed it asks Graph twice and writes nothing', async () => {
  graph.resetCounters();
  kb4.controls.clearRequests();
  expect(await service().lightRun('light')).toMatchObject({ kind: 'done', fullRead: null, people: [], linksAdvanced: true });
  const counts = graph.counts();
  expect(counts).toMatchObject({ 'users.delta': 1, 'groups.delta': 1 });
  expect(Object.keys(counts).filter((r) => r.startsWith('user') || r.startsWith('group')).sort()).toEqual(['groups.delta', 'users.delta']);
  expect(kb4.controls.requests().filter((r) => r.method !== 'GET')).toEqual([]);
});

test('a new hire in a mirrored group is created in KnowBe4 with that group', async () => {
  const h = hire();
  const result = await service().lightRun('light');
  expect(result).toMatchObject({ kind: 'done', fullRead: null, people: [{ sourceId: h.id, outcome: 'applied', detail: 'succeeded' }], linksAdvanced: true });
  const created = kb4.controls.userByName(h.mail!);
  expect(created).toMatchObject({ externalId: h.id, active: true });
  expect(championsMembers()).toContain(created!.id);
  // Seen once: the next run has nothing left.
  expect(await service().lightRun('light')).toMatchObject({ kind: 'done', people: [] });
});

test('a deletion in Entra never archives: it waits for the nightly run or an admin', async () => {
  const leaver = tenant.users.find((u) => u.kind === 'member' && u.id !== tenant.users[0]!.id && kb4.controls.userByName(u.mail ?? '')?.active !== false)!;
  graph.removeUser(tenant.tenantId, leaver.id);
  kb4.controls.clearRequests();
  const result = await service().lightRun('light');
  expect(result).toMatchObject({ kind: 'done', removalsWaiting: 1, linksAdvanced: true });
  expect(kb4.controls.userByName(leaver.mail!)?.active).not.toBe(false);
  expect(kb4.controls.requests().filter((r) => r.method !== 'GET')).toEqual([]);
});

test('links Graph refuses (410) fall back to a full read that says why, then delta reads resume', async () => {
  graph.invalidateDelta(tenant.tenantId);
  const h = hire();
  const metrics = createMetrics({ defaultMetrics: false });
  const result = await service({}, configFor({}), { store, links }, metrics).lightRun('light');
  expect(result).toMatchObject({ kind: 'done', fullRead: { reason: expect.stringMatching(/410 Gone/) }, linksAdvanced: true });
  expect(await metrics.registry.getSingleMetricAsString('kb4sync_runs_total')).toContain('kb4sync_runs_total{kind="light",result="full-read"} 1');
  expect(kb4.controls.userByName(h.mail!)).toMatchObject({ externalId: h.id });
  expect(kb4.controls.requests({ method: 'DELETE' })).toEqual([]);
  expect(kb4.controls.users().filter((u) => u.active === false && !String(u.userName).endsWith('light.example'))).toEqual([]);
  graph.resetCounters();
  expect(await service().lightRun('light')).toMatchObject({ kind: 'done', fullRead: null });
  expect(graph.counts()['users.delta']).toBe(1);
});

test('a paused company, a company that approves by hand, and a held lease are left alone; links stay put', async () => {
  const h = hire();
  const saved = await links.getDeltaLinks('light');
  expect(await service({ paused: true }).lightRun('light')).toEqual({ kind: 'skipped', reason: 'paused' });
  await store.updateCompanyState('light', { paused: true });
  expect(await service().lightRun('light')).toEqual({ kind: 'skipped', reason: 'paused' });
  await store.updateCompanyState('light', { paused: false });
  expect(await service({ autoApply: false }).lightRun('light')).toEqual({ kind: 'skipped', reason: 'manual-approval' });

  // Another replica's light run (or the nightly run) holds the company's delta lease.
  expect(await store.acquireLease(deltaLease('light'), 'other-replica', 60_000, new Date())).toBe(true);
  expect(await service().lightRun('light')).toEqual({ kind: 'skipped', reason: 'busy' });
  await store.releaseLease(deltaLease('light'), 'other-replica');
  expect(await links.getDeltaLinks('light')).toEqual(saved);
  expect(kb4.controls.userByName(h.mail!)).toBeUndefined();

  // The nightly run holds the lease while it works: a light run meanwhile is turned away.
  const svc = service();
  const during = await svc.withDeltaLease('light', () => svc.lightRun('light'));
  expect(during).toEqual({ kind: 'skipped', reason: 'busy' });
  expect(await svc.lightRun('light')).toMatchObject({ kind: 'done', people: [{ sourceId: h.id, outcome: 'applied' }] });
});

test('a refused apply keeps the links where they were, so the change is seen again', async () => {
  const h = hire();
  const saved = await links.getDeltaLinks('light');
  const svc = service();
  // The company lease taken by an admin's apply: the person's apply is refused as busy.
  expect(await store.acquireLease('company:light', 'admin-apply', 60_000, new Date())).toBe(true);
  const refused = await svc.lightRun('light');
  expect(refused).toMatchObject({ kind: 'done', people: [{ sourceId: h.id, outcome: 'error', detail: 'busy' }], linksAdvanced: false });
  expect(await links.getDeltaLinks('light')).toEqual(saved);
  await store.releaseLease('company:light', 'admin-apply');
  expect(await svc.lightRun('light')).toMatchObject({ kind: 'done', people: [{ sourceId: h.id, outcome: 'applied' }], linksAdvanced: true });
});

test('more changed people than a light run takes: one full read instead, which says why', async () => {
  const people = tenant.users.filter((u) => u.kind === 'member' && u.mail && kb4.controls.userByName(u.mail)?.active !== false).slice(10, 14);
  for (const [i, u] of people.entries()) graph.updateUser(tenant.tenantId, u.id, { jobTitle: `Delta Title ${i}` });
  graph.resetCounters();
  const result = await service().lightRun('light');
  expect(result).toMatchObject({ kind: 'done', fullRead: { reason: expect.stringMatching(/4 people changed \(more than 3\)/) }, fallbackOperations: 4, linksAdvanced: true });
  for (const [i, u] of people.entries()) expect(kb4.controls.userByName(u.mail!)?.title).toBe(`Delta Title ${i}`);
  expect(graph.counts()['users']).toBeGreaterThan(0);
});

describe('scheduled', () => {
  const scheduler = (extra: Extra, holder: string) => {
    const config = configFor(extra);
    const svc = service(extra, config);
    return new Scheduler({
      config,
      service: svc,
      store,
      notifier: new MemoryNotifier(),
      log: createLogger({ level: 'silent' }),
      holder,
      describe: (e) => ({ kind: 'failure', code: 'graph-error', service: 'Microsoft 365', message: (e as Error).message, fix: null }),
    });
  };

  test('timers only for companies that auto-apply with a period; off at 0 minutes and in the local trial', () => {
    for (const [extra, expected] of [[{}, ['light']], [{ autoApply: false }, []], [{ lightRunMinutes: 0 }, []], [{ appliesOff: 'local trial' }, []]] as const) {
      const s = scheduler(extra, 'timers');
      s.start();
      expect(s.light.companies()).toEqual(expected);
      s.stop();
      expect(s.light.companies()).toEqual([]);
    }
  });

  test('each company ticks at its own point in the period, spread over companies (no burst of 500 reads)', () => {
    const period = 5 * 60_000;
    const offsets = Array.from({ length: 500 }, (_, i) => staggerMs(`company-${i}`, period));
    expect(staggerMs('company-7', period)).toBe(offsets[7]);
    const perMinute = [0, 1, 2, 3, 4].map((m) => offsets.filter((o) => o >= m * 60_000 && o < (m + 1) * 60_000).length);
    expect(perMinute.reduce((a, b) => a + b, 0)).toBe(500);
    for (const n of perMinute) expect(n).toBeGreaterThan(60);
  });

  test('a tick runs once across two replicas in one period', async () => {
    const h = hire();
    const [a, b] = [scheduler({}, 'replica-a'), scheduler({}, 'replica-b')];
    const [ta, tb] = await Promise.all([a.light.tick('light'), b.light.tick('light')]);
    const ran = [ta, tb].filter((t) => t.kind === 'ran');
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatchObject({ kind: 'ran', result: { kind: 'done', people: [{ sourceId: h.id, outcome: 'applied' }] } });
    expect([ta, tb].filter((t) => t.kind === 'claimed-elsewhere')).toHaveLength(1);
    await store.releaseLease('light-slot:light', 'replica-a');
    await store.releaseLease('light-slot:light', 'replica-b');
  });

  test('the nightly run keeps the links it took before its full read; a light run after it has nothing to do', async () => {
    const svc = service();
    const before = await links.getDeltaLinks('light');
    const h = hire();
    const outcome = await scheduler({}, 'nightly').runNow(svc.company('light'));
    expect(outcome).toMatchObject({ kind: 'applied', status: 'succeeded' });
    expect(kb4.controls.userByName(h.mail!)).toMatchObject({ externalId: h.id });
    const after = await links.getDeltaLinks('light');
    expect(after?.users).not.toBe(before?.users);
    expect(await svc.lightRun('light')).toMatchObject({ kind: 'done', fullRead: null, people: [] });
  });

  test('a company without light runs: the nightly run asks Graph for no delta links and leaves the stored ones', async () => {
    const before = await links.getDeltaLinks('light');
    graph.resetCounters();
    const outcome = await scheduler({ lightRunMinutes: 0 }, 'nightly-no-light').runNow(service({ lightRunMinutes: 0 }).company('light'));
    expect(['applied', 'no-changes']).toContain(outcome.kind);
    expect(Object.keys(graph.counts()).filter((r) => r.endsWith('.delta'))).toEqual([]);
    expect(await links.getDeltaLinks('light')).toEqual(before);
  });
});

test('two replicas on PostgreSQL: light runs at the same moment create a hire exactly once', async () => {
  const pg = testDatabases()[1]!;
  try {
    const db = (await pg.open()).db;
    const shared = { store: new KyselyRunStore(db), links: new KyselyDeltaLinkStore(db) };
    const [a, b] = [service({}, configFor({}), shared), service({}, configFor({}), shared)];
    expect(await a.lightRun('light')).toMatchObject({ kind: 'done', fullRead: { reason: expect.stringMatching(/no delta links/) } });
    const h = hire();
    kb4.controls.clearRequests();
    const results = await Promise.all([a.lightRun('light'), b.lightRun('light'), a.lightRun('light'), b.lightRun('light')]);
    // Whoever ran after the first found the links moved on, or the lease taken.
    const applied = results.flatMap((r) => (r.kind === 'done' ? r.people.filter((p) => p.outcome === 'applied') : []));
    expect(applied).toEqual([{ sourceId: h.id, outcome: 'applied', detail: 'succeeded' }]);
    expect(results.filter((r) => r.kind === 'skipped').every((r) => r.kind === 'skipped' && r.reason === 'busy')).toBe(true);
    const creates = kb4.controls.requests({ method: 'POST', pathPrefix: '/Users' }).filter((r) => JSON.stringify(r.body).includes(h.mail!));
    expect(creates).toHaveLength(1);
  } finally {
    await pg.cleanup();
  }
});
