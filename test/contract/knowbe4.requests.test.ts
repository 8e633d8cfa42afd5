/**
 * Request economy: the client makes exactly the minimal number of SCIM requests for a plan-like
 * workload, and listing costs exactly the pages the data needs. Counted at the sandbox.
 */
import fc from 'fast-check';
import type { AttributeChange } from '../../src/sync/model';
import { rig, users, type Rig } from '../helpers/knowbe4';

let r: Rig | null = null;
afterEach(async () => {
  await r?.sandbox.stop();
  r = null;
});

/**
 * Minimal requests for a workload:
 *   creates + renames + reactivations + updates + manager links + archives
 *   + Σ over groups g of ( ceil(adds_g / B) + ceil(removes_g / B) )
 * with B the member batch size. No reads are needed on the happy path (renames of listed users
 * know whether the record keeps `emails` from the listing).
 */
function minimalRequests(w: Workload, batch: number): number {
  const memberPatches = w.groups.reduce((sum, g) => sum + Math.ceil(g.add / batch) + Math.ceil(g.remove / batch), 0);
  return w.creates + w.renames + w.reactivations + w.updates + w.managers + w.archives + memberPatches;
}

interface Workload {
  creates: number;
  renames: number;
  reactivations: number;
  updates: number;
  managers: number;
  archives: number;
  /** Per group: members to add (from the created users) and to remove (from the existing ones). */
  groups: { add: number; remove: number }[];
}

async function runWorkload(input: Workload, batch: number): Promise<{ requests: number; expected: number }> {
  // Adds come from the users created here, so a group can gain at most `creates` distinct members.
  const w: Workload = { ...input, groups: input.groups.map((g) => ({ add: Math.min(g.add, input.creates), remove: g.remove })) };
  const existingCount = Math.max(w.renames + w.updates + w.managers + w.archives, 1) + w.reactivations;
  const maxRemove = Math.max(0, ...w.groups.map((g) => g.remove));
  const existing = users(Math.max(existingCount, maxRemove), 'old');
  const archived = existing.slice(existing.length - w.reactivations).map((u) => ({ ...u, active: false }));
  const seedUsers = [...existing.slice(0, existing.length - w.reactivations), ...archived];
  const memberIds = seedUsers.slice(0, maxRemove).map((_, i) => ({ value: String(1001 + i) }));
  r = await rig(
    { users: seedUsers, groups: w.groups.map((_, i) => ({ id: `g${i}`, displayName: `Group ${i}`, members: memberIds })) },
    { memberBatchSize: batch },
  );
  const client = r.client;
  const listed = await client.listUsers();
  r.sandbox.controls.clearRequests();

  const created: string[] = [];
  for (let i = 0; i < w.creates; i++) {
    created.push(await client.createUser({ userName: `new${i}@acme.com`, externalId: `entra-${i}`, values: { givenName: 'N', department: 'Sales' } }));
  }
  const active = listed.filter((u) => u.active);
  let k = 0;
  for (let i = 0; i < w.renames; i++) await client.renameUser((active[k++ % active.length] as { id: string }).id, `renamed${i}@acme.com`);
  for (const u of listed.filter((x) => !x.active)) await client.reactivateUser(u.id);
  const change: AttributeChange[] = [{ attribute: 'title', before: null, after: 'Engineer' }, { attribute: 'department', before: null, after: 'R&D' }];
  for (let i = 0; i < w.updates; i++) await client.updateUser((active[i % active.length] as { id: string }).id, change);
  for (let i = 0; i < w.managers; i++) await client.setManager((active[i % active.length] as { id: string }).id, (active[0] as { id: string }).id);
  for (const [i, g] of w.groups.entries()) {
    await client.addMembers(`g${i}`, created.slice(0, g.add));
    await client.removeMembers(`g${i}`, memberIds.slice(0, g.remove).map((m) => m.value));
  }
  for (let i = 0; i < w.archives; i++) await client.archiveUser((active[active.length - 1 - (i % active.length)] as { id: string }).id);
  return { requests: r.sandbox.controls.requestCount(), expected: minimalRequests(w, batch) };
}

test('a plan-like workload costs exactly C + R + V + U + M + A + Σ ceil(members / batch) requests', async () => {
  // 12 creates, 3 renames, 2 reactivations, 25 updates, 4 manager links, 4 archives,
  // groups: (12 adds, 0 removes), (5 adds, 7 removes), (0, 3) with batch 5:
  // 12+3+2+25+4+4 + (3+0) + (1+2) + (0+1) = 57.
  const w: Workload = {
    creates: 12,
    renames: 3,
    reactivations: 2,
    updates: 25,
    managers: 4,
    archives: 4,
    groups: [
      { add: 12, remove: 0 },
      { add: 5, remove: 7 },
      { add: 0, remove: 3 },
    ],
  };
  const { requests, expected } = await runWorkload(w, 5);
  expect(expected).toBe(57);
  expect(requests).toBe(expected);
});

test('the request formula holds for random workloads', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        creates: fc.integer({ min: 0, max: 8 }),
        renames: fc.integer({ min: 0, max: 3 }),
        reactivations: fc.integer({ min: 0, max: 3 }),
        updates: fc.integer({ min: 0, max: 8 }),
        managers: fc.integer({ min: 0, max: 3 }),
        archives: fc.integer({ min: 0, max: 3 }),
        groups: fc.array(fc.record({ add: fc.integer({ min: 0, max: 9 }), remove: fc.integer({ min: 0, max: 9 }) }), { maxLength: 4 }),
      }),
      fc.integer({ min: 1, max: 4 }),
      async (w, batch) => {
        const { requests, expected } = await runWorkload(w, batch);
        await r?.sandbox.stop();
        r = null;
        expect(requests).toBe(expected);
      },
    ),
    { numRuns: 15, seed: 5 },
  );
});

describe('listing N resources with page size P against a server cap S costs max(1, ceil(N / min(P, S))) requests', () => {
  // The one extra case the protocol requires: an empty list still takes one request to learn totalResults = 0.
  test.each([
    [0, 10, 100, 1],
    [1, 10, 100, 1],
    [10, 10, 100, 1],
    [11, 10, 100, 2],
    [250, 100, 100, 3],
    [250, 500, 100, 3], // the server caps the page: the client follows totalResults
    [7, 3, 2, 4],
    [100, 1000, 7, 15],
  ])('N=%i P=%i S=%i → %i', async (n, pageSize, cap, expected) => {
    r = await rig({ users: users(n), maxPageSize: cap }, { pageSize });
    const list = await r.client.listUsers();
    expect(list).toHaveLength(n);
    expect(new Set(list.map((u) => u.id)).size).toBe(n);
    expect(r.sandbox.controls.requestCount()).toBe(Math.max(1, Math.ceil(n / Math.min(pageSize, cap))));
    expect(r.sandbox.controls.requestCount()).toBe(expected);
  });

  test('fetchTarget = user pages + group pages', async () => {
    r = await rig(
      { users: users(23), groups: Array.from({ length: 9 }, (_, i) => ({ displayName: `G${i}` })), maxPageSize: 5 },
      { pageSize: 10 },
    );
    const snap = await r.client.fetchTarget();
    expect(snap.users).toHaveLength(23);
    expect(snap.groups).toHaveLength(9);
    expect(r.sandbox.controls.requestCount({ pathPrefix: '/Users' })).toBe(5);
    expect(r.sandbox.controls.requestCount({ pathPrefix: '/Groups' })).toBe(2);
  });
});

test('the per-account limiter bounds concurrency across clients of the same account', async () => {
  r = await rig({ users: users(12) });
  r.sandbox.controls.setLatency(20);
  // Two clients for the same account and settings share one bucket (no limiter injected).
  const shared = { limiter: undefined, requestsPerSecond: 1000, maxConcurrency: 2 };
  const a = r.makeClient(shared);
  const b = r.makeClient(shared);
  await Promise.all(
    Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).updateUser(String(1001 + i), [{ attribute: 'title', before: null, after: 'T' }])),
  );
  expect(r.sandbox.controls.requestCount({ method: 'PATCH' })).toBe(12);
  expect(r.sandbox.controls.peakConcurrency()).toBe(2);
});
