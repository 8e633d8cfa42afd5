import { execute, RunAborted } from '../../src/runs/executor';
import { plan, type SourceUser, type TargetSnapshot } from '../../src/sync';
import { group, mirrorOf, rules, src, tgt } from '../helpers/builders';
import { MemoryJournal, MemoryKnowbe4 } from '../helpers/memoryKnowbe4';

const r = rules({ removeStaleUsers: true, groups: { default: 'All Staff', departments: { Sales: 'Sales Team' }, mirror: [] }, guard: { maxArchive: 1000, maxArchivePercent: 100, maxSourceShrinkPercent: 100 } });
const OPTS = { concurrency: 4, batchSize: 100 };

function company(n: number): { users: SourceUser[]; target: TargetSnapshot } {
  const boss = src({ mail: 'boss@acme.com', fields: { givenName: 'B', surname: 'Oss', department: 'Sales' } });
  const users = [boss, ...Array.from({ length: n }, (_, i) => src({ mail: `u${i}@acme.com`, managerId: boss.id, fields: { givenName: `U${i}`, surname: 'X', department: i % 2 ? 'Sales' : 'Eng' } }))];
  const existing = users.slice(0, Math.floor(n / 2)).map((u) => mirrorOf(u, { values: { givenName: 'old' } }));
  return { users, target: { users: [...existing, tgt({ userName: 'left@acme.com' })], groups: [group('All Staff', [])] } };
}

test('applies a plan: KnowBe4 ends as the plan says and a re-plan is empty', async () => {
  const { users, target } = company(250);
  const p = plan(r, { users, groups: [] }, target, { previousSourceCount: null });
  const kb4 = new MemoryKnowbe4(target);
  const outcomes = await execute('plan-1', p, kb4, new MemoryJournal(), OPTS);
  expect([...outcomes.values()].every((o) => o.status === 'done')).toBe(true);
  expect(plan(r, { users, groups: [] }, kb4.snapshot(), { previousSourceCount: null }).operations).toEqual([]);
  // Memberships go in batches: All Staff 251 members → 3 PATCHes, Sales Team 126 → 2.
  expect(kb4.calls.filter((c) => c.startsWith('add ')).length).toBe(5);
});

test('a failed create skips what depends on it and nothing else', async () => {
  const { users, target } = company(4);
  const p = plan(r, { users, groups: [] }, target, { previousSourceCount: null });
  const kb4 = new MemoryKnowbe4(target);
  kb4.failWhen = (call) => (call === 'create u3@acme.com' ? new Error('500 from KnowBe4') : null);
  const progress: number[] = [];
  const outcomes = await execute('plan-1', p, kb4, new MemoryJournal(), { ...OPTS, onProgress: (x) => progress.push(x.done + x.failed + x.skipped) });
  const u3 = users.find((u) => u.mail === 'u3@acme.com')!;
  expect(outcomes.get(`create:${u3.id}`)).toEqual({ status: 'failed', error: '500 from KnowBe4' });
  expect(outcomes.get(`manager:s:${u3.id}`)).toMatchObject({ status: 'skipped' });
  const failedOrSkipped = [...outcomes].filter(([, o]) => o.status !== 'done').map(([id]) => id);
  expect(failedOrSkipped.every((id) => id.includes(u3.id))).toBe(true);
  expect(progress.at(-1)).toBe(p.operations.length);
});

test('a fatal error stops the run; resuming finishes it without repeating a single write', async () => {
  const { users, target } = company(40);
  const p = plan(r, { users, groups: [] }, target, { previousSourceCount: null });
  const kb4 = new MemoryKnowbe4(target);
  const journal = new MemoryJournal();
  let writes = 0;
  kb4.failWhen = () => (++writes === 15 ? Object.assign(new Error('401: SCIM token revoked'), { fatal: true }) : null);
  await expect(execute('plan-1', p, kb4, journal, { ...OPTS, concurrency: 1 })).rejects.toBeInstanceOf(RunAborted);
  const doneBefore = [...journal.rows.values()].filter((s) => s.state === 'done').length;
  expect(doneBefore).toBe(14);

  kb4.failWhen = () => null;
  const outcomes = await execute('plan-1', p, kb4, journal, OPTS);
  expect([...outcomes.values()].every((o) => o.status === 'done')).toBe(true);
  // Across both attempts every operation was written exactly once.
  const count = (prefix: string) => kb4.calls.filter((c) => c.startsWith(prefix)).length;
  const planned = (kind: string) => p.operations.filter((o) => o.kind === kind).length;
  expect(count('create ')).toBe(planned('create'));
  expect(count('update ')).toBe(planned('update'));
  expect(count('manager ')).toBe(planned('setManager'));
  expect(count('archive ')).toBe(planned('archive'));
  expect(count('createGroup ')).toBe(planned('createGroup'));
  expect(plan(r, { users, groups: [] }, kb4.snapshot(), { previousSourceCount: null }).operations).toEqual([]);
});

test('a create whose outcome a crash left unknown is looked up, not repeated', async () => {
  const { users, target } = company(2);
  const p = plan(r, { users, groups: [] }, target, { previousSourceCount: null });
  const create = p.operations.find((o) => o.kind === 'create')!;
  if (create.kind !== 'create') throw new Error('expected a create');
  const kb4 = new MemoryKnowbe4(target);
  // The crash: the create reached KnowBe4, the journal only says it was in flight.
  await kb4.createUser({ userName: create.userName, externalId: create.sourceId, values: create.values });
  const journal = new MemoryJournal();
  await journal.record('plan-1', [{ opId: create.id, state: 'in_flight' }]);
  kb4.calls = [];
  await execute('plan-1', p, kb4, journal, OPTS);
  expect(kb4.calls).toContain(`find ${create.userName}`);
  expect(kb4.calls).not.toContain(`create ${create.userName}`);
  expect([...kb4.users.values()].filter((u) => u.userName === create.userName)).toHaveLength(1);
});

describe('a 409 on create is settled as the core decides, never by the executor writing on its own', () => {
  const setup = () => {
    const { users, target } = company(2);
    const p = plan(r, { users, groups: [] }, target, { previousSourceCount: null });
    const create = p.operations.find((o) => o.kind === 'create')!;
    if (create.kind !== 'create') throw new Error('expected a create');
    return { p, create, kb4: new MemoryKnowbe4(target) };
  };

  test("someone else's record is held: the create and what hangs on it are skipped with the reason; that record is not written", async () => {
    const { p, create, kb4 } = setup();
    await kb4.createUser({ userName: create.userName, externalId: 'another-entra-user', values: {} });
    const other = [...kb4.users.values()].find((u) => u.userName === create.userName)!;
    kb4.calls = [];
    const outcomes = await execute('plan-1', p, kb4, new MemoryJournal(), OPTS);
    expect(outcomes.get(create.id)).toMatchObject({ status: 'skipped', reason: expect.stringContaining('externalId another-entra-user') });
    expect(outcomes.get(`manager:s:${create.sourceId}`)).toMatchObject({ status: 'skipped' });
    expect(kb4.calls.filter((c) => c.endsWith(` ${other.id}`) || c.includes(other.id))).toEqual([]);
    expect(kb4.users.get(other.id)?.externalId).toBe('another-entra-user');
  });

  test('a record KnowBe4 holds but does not show yet: the create is done without an id, and what hangs on it waits for a later run', async () => {
    const { p, create, kb4 } = setup();
    await kb4.createUser({ userName: create.userName, externalId: create.sourceId, values: create.values });
    // KnowBe4 has not applied it yet: the userName is taken, but no look-up finds it.
    kb4.findUserByUserName = async () => null;
    const journal = new MemoryJournal();
    const outcomes = await execute('plan-1', p, kb4, journal, OPTS);
    expect(outcomes.get(create.id)).toEqual({ status: 'done', settled: 'waiting' });
    expect(journal.rows.get(`plan-1:${create.id}`) ?? [...journal.rows.values()].find((s) => s.opId === create.id)).toMatchObject({ state: 'done', resultId: null });
    expect(outcomes.get(`manager:s:${create.sourceId}`)).toMatchObject({ status: 'skipped', reason: expect.stringContaining('does not show yet') });
    expect([...kb4.users.values()].filter((u) => u.userName === create.userName)).toHaveLength(1);
  });
});
