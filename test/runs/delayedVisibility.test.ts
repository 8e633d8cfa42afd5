/**
 * Writes that land later: KnowBe4 accepts a create, rename or archive and shows it only once its
 * background job ran (the sandbox's visibilityDelayMs). Inside that window previews and applies
 * send nothing twice and say what they wait for; a 409 on create is settled by look-up and
 * waiting; once KnowBe4 shows the writes they are confirmed with the time; writes unseen for too
 * long raise one alert that lists them.
 */
import { formatPlan } from '../../src/cli/planText';
import { parseConfig } from '../../src/config';
import { Kb4ScimClient } from '../../src/knowbe4';
import { sourceFromGraphSnapshot } from '../../src/m365/graphUser';
import { MemoryNotifier } from '../../src/notify';
import { createLogger } from '../../src/observability';
import { RunService, type Actor } from '../../src/runs';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import { Housekeeping } from '../../src/schedule';
import { Secret } from '../../src/shared';
import type { KyselyRunStore } from '../../src/store';
import { FixtureSource } from '../helpers/fixtureSource';
import { testDatabases, withRunStore } from '../helpers/stores';
import { limiter } from '../../src/shared';

const TOKEN = 'scim-token-delayed';
const ADMIN: Actor = { id: '6f1c2a3b-1111-4a5b-9c8d-0123456789ab', name: 'Ann Admin', tenantId: null, via: 'cli' };
const E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';
const id = (n: number) => `7a1e0000-0000-4000-8000-00000000000${n}`;
const person = (n: number, mail: string, aliases: string[] = []) => ({
  id: id(n),
  displayName: `Person ${n}`,
  givenName: `Given${n}`,
  surname: `Family${n}`,
  userPrincipalName: mail,
  mail,
  proxyAddresses: [`SMTP:${mail}`, ...aliases.map((a) => `smtp:${a}`)],
  accountEnabled: true,
  userType: 'Member',
  assignedLicenses: [{ skuId: E3 }],
});
const graph = {
  subscribedSkus: [{ skuId: E3, skuPartNumber: 'SPE_E3' }],
  users: [person(1, 'ada@acme.com'), person(2, 'bob@acme.com', ['bob.old@acme.com']), person(3, 'cy@acme.com'), person(4, 'dee@acme.com')],
  groups: [],
};
const seeded = [
  // Bob's record under his old address: renamed.
  { id: '502', userName: 'bob.old@acme.com', externalId: id(2), active: true, name: { givenName: 'Given2', familyName: 'Family2' } },
  // A leaver: archived.
  { id: '509', userName: 'gone@acme.com', externalId: '7a1e0000-0000-4000-8000-000000000099', active: true, name: { givenName: 'Gone', familyName: 'Person' } },
];
/** The window is long: the tests end it themselves (`applyPendingWrites`), never by waiting. */
const WINDOW_MS = 10 * 60_000;

let sandbox: Knowbe4Sandbox;
const database = testDatabases()[0]!;
let store: KyselyRunStore;
let now = new Date('2026-12-02T02:00:00.000Z');
withRunStore(database, (opened) => (store = opened));
beforeEach(async () => {
  sandbox = await startKnowbe4Sandbox({ scimToken: TOKEN, users: structuredClone(seeded), visibilityDelayMs: WINDOW_MS });
});
afterEach(() => sandbox.stop());

let companySeq = 0;
function service(): { runs: RunService; companyId: string } {
  // A company of its own per test: the store is shared, the sent writes are per company.
  const companyId = `acme-${++companySeq}`;
  const config = parseConfig({
    admins: [{ aadObjectId: ADMIN.id }],
    companies: [
      {
        id: companyId,
        name: 'Acme Corp',
        m365: { tenantId: 'aaaaaaaa-0000-4000-8000-000000000001', clientId: 'bbbbbbbb-0000-4000-8000-000000000001', clientSecretEnv: 'UNUSED' },
        knowbe4: { scimUrl: sandbox.url, scimTokenEnv: 'ACME_KB4_SCIM_TOKEN', requestsPerSecond: 200 },
        removeStaleUsers: true,
      },
    ],
  });
  const company = config.companies[0]!;
  const source = new FixtureSource(sourceFromGraphSnapshot(graph));
  const runs = new RunService({
    config,
    store,
    clock: () => now,
    log: createLogger({ level: 'silent' }),
    connectors: {
      source: () => source,
      target: () => Kb4ScimClient.forCompany(company, new Secret(TOKEN), { limiter: limiter({ concurrency: 4 }), sleep: async () => undefined }),
    },
  });
  return { runs, companyId };
}

/** The service's sweep with a notifier that keeps what it is told. */
function sweeper(runs: RunService) {
  const notifier = new MemoryNotifier();
  const housekeeping = new Housekeeping({
    service: runs,
    store,
    notifier,
    describe: () => ({ kind: 'failure', code: 'internal', service: 'kb4sync', message: '', fix: null }),
    log: createLogger({ level: 'silent' }),
    clock: () => now,
    sweepMs: 60_000,
    retention: { planDays: 30, runDays: 400 },
  });
  return { notifier, housekeeping };
}

const kinds = (ops: { kind: string }[]) => ops.map((o) => o.kind).sort();
const posts = () => sandbox.controls.requests({ method: 'POST', pathPrefix: '/Users' }).length;

test('inside the window a preview treats accepted writes as pending: nothing is sent twice; once shown they are confirmed with the time', async () => {
  const { runs, companyId } = service();
  const first = await runs.preview(companyId, ADMIN);
  expect(kinds(first.plan.operations)).toEqual(['archive', 'create', 'create', 'create', 'rename']);
  expect((await runs.apply(first.planId, ADMIN, { digest: first.digest, confirmArchive: 1 })).status).toBe('succeeded');
  expect(sandbox.controls.waitingWrites()).toHaveLength(5);
  expect(await store.sentWrites.waiting(companyId)).toHaveLength(5);

  // Twice inside the window: KnowBe4 still shows the old state.
  for (let round = 0; round < 2; round++) {
    now = new Date(now.getTime() + 60_000);
    const again = await runs.preview(companyId, ADMIN);
    expect(again.plan.operations).toEqual([]);
    expect(again.plan.waiting?.map((w) => `${w.kind} ${w.userName}`).sort()).toEqual(['archive gone@acme.com', 'create ada@acme.com', 'create cy@acme.com', 'create dee@acme.com', 'rename bob@acme.com']);
    expect(again.report.waiting_for_knowbe4).toHaveLength(5);
    expect(formatPlan(again.plan)).toContain('5 changes sent, waiting for KnowBe4');
    expect(again.plan.guard.status).toBe('ok');
  }
  expect(posts()).toBe(3);
  expect(sandbox.controls.requestCount({ method: 'PATCH' })).toBe(2);

  // KnowBe4's job runs: the next read shows every write, and each is confirmed.
  sandbox.controls.applyPendingWrites();
  now = new Date(now.getTime() + 60_000);
  const seen = await runs.preview(companyId, ADMIN);
  expect(seen.plan.operations).toEqual([]);
  expect(seen.plan.waiting).toBeUndefined();
  expect(seen.report.confirmed?.map((c) => [c.kind, c.email, c.confirmed_at]).sort()).toEqual(
    [
      ['archive', 'gone@acme.com'],
      ['create', 'ada@acme.com'],
      ['create', 'cy@acme.com'],
      ['create', 'dee@acme.com'],
      ['rename', 'bob@acme.com'],
    ].map(([k, e]) => [k, e, now.toISOString()]),
  );
  expect(await store.sentWrites.waiting(companyId)).toEqual([]);
  const audit = (await store.listAudit({ companyId })).find((a) => a.action === 'confirmed');
  expect(audit?.detail).toMatchObject({ confirmedAt: now.toISOString(), count: 5 });
  expect(sandbox.controls.users().filter((u) => u.active !== false).map((u) => u.userName).sort()).toEqual(['ada@acme.com', 'bob@acme.com', 'cy@acme.com', 'dee@acme.com']);
});

test('a 409 on create for a record KnowBe4 does not show yet is settled by look-up and waiting, never by creating again', async () => {
  const { runs, companyId } = service();
  const first = await runs.preview(companyId, ADMIN);
  // The first POST lands but its answer is lost: the retry meets 409 and the look-up finds nothing yet.
  sandbox.controls.loseResponseNext(1, 'POST');
  const creates = first.plan.operations.filter((o) => o.kind === 'create').length;
  const result = await runs.apply(first.planId, ADMIN, { digest: first.digest, confirmArchive: 1 });
  expect(result.status).toBe('succeeded');
  // Recorded as the core settled it, in the run's report.
  expect(result.report.creates_settled).toEqual([{ email: expect.stringMatching(/@acme\.com$/), settled: 'waiting' }]);
  expect(sandbox.controls.requests({ method: 'POST' }).map((r) => r.status).filter((s) => s === 409)).toHaveLength(1);
  const waiting = await store.sentWrites.waiting(companyId);
  expect(waiting.filter((w) => w.write.kind === 'create' && w.write.targetId === null)).toHaveLength(1);

  const again = await runs.preview(companyId, ADMIN);
  expect(again.plan.operations.filter((o) => o.kind === 'create')).toEqual([]);
  expect(posts()).toBe(creates + 1);

  sandbox.controls.applyPendingWrites();
  const seen = await runs.preview(companyId, ADMIN);
  expect(seen.plan.operations).toEqual([]);
  expect(seen.report.confirmed).toHaveLength(5);
  for (const address of ['ada@acme.com', 'cy@acme.com', 'dee@acme.com']) expect(sandbox.controls.users().filter((u) => u.userName === address)).toHaveLength(1);
});

test('writes still unseen after the setting raise one alert that lists them; once shown they are confirmed, not alerted', async () => {
  const { runs, companyId } = service();
  const first = await runs.preview(companyId, ADMIN);
  await runs.apply(first.planId, ADMIN, { digest: first.digest, confirmArchive: 1 });
  const { notifier, housekeeping } = sweeper(runs);

  now = new Date(now.getTime() + 30 * 60_000);
  await housekeeping.alertUnconfirmed();
  expect(notifier.events).toEqual([]);

  now = new Date(now.getTime() + 31 * 60_000);
  // One of them became visible meanwhile: the sweep's read confirms it instead of alerting it.
  sandbox.controls.applyPendingWrites();
  sandbox.controls.setVisibilityDelay(0);
  await housekeeping.alertUnconfirmed();
  expect(notifier.events).toEqual([]);
  expect(await store.sentWrites.waiting(companyId)).toEqual([]);

  const second = (await runs.preview(companyId, ADMIN)).plan.operations;
  expect(second).toEqual([]);
});

test('an overdue write is alerted once, listed by kind and address', async () => {
  const { runs, companyId } = service();
  const first = await runs.preview(companyId, ADMIN);
  await runs.apply(first.planId, ADMIN, { digest: first.digest, confirmArchive: 1 });
  const { notifier, housekeeping } = sweeper(runs);
  now = new Date(now.getTime() + 61 * 60_000);
  await housekeeping.alertUnconfirmed();
  expect(notifier.events).toHaveLength(1);
  const event = notifier.events[0]!;
  expect(event.kind).toBe('writes-unconfirmed');
  if (event.kind !== 'writes-unconfirmed') return;
  expect(event.afterMinutes).toBe(60);
  expect(event.writes.map((w) => `${w.kind} ${w.userName}`).sort()).toEqual(['archive gone@acme.com', 'create ada@acme.com', 'create cy@acme.com', 'create dee@acme.com', 'rename bob@acme.com']);
  await housekeeping.alertUnconfirmed();
  expect(notifier.events).toHaveLength(1);
});
