/** Writes sent, not yet seen: remembered with their time, confirmed once, alerted once, on both databases. */
import type { KyselyRunStore } from '../../src/store/runStore';
import type { SentWrite } from '../../src/sync';
import { testDatabases, withRunStore } from '../helpers/stores';

const T0 = new Date('2026-12-02T02:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
const write = (opId: string, over: Partial<SentWrite> = {}): SentWrite => ({
  kind: 'create',
  planId: 'plan-1',
  opId,
  sourceId: `entra-${opId}`,
  targetId: `kb4-${opId}`,
  userName: `${opId}@acme.com`,
  sentAt: T0.toISOString(),
  ...over,
});

describe.each(testDatabases())('sent writes on $name', (database) => {
  let store: KyselyRunStore;
  withRunStore(database, (opened) => (store = opened));

  test('each accepted create, rename and archive is kept with its time until seen, per company', async () => {
    await store.sentWrites.record('acme', [
      write('c1'),
      write('r1', { kind: 'rename', sentAt: later(1000).toISOString() }),
      write('a1', { kind: 'archive', sourceId: null, sentAt: later(2000).toISOString() }),
      write('c2', { targetId: null }),
    ]);
    await store.sentWrites.record('other', [write('x1', { planId: 'plan-9' })]);
    const waiting = await store.sentWrites.waiting('acme');
    expect(waiting.map((w) => w.write.opId)).toEqual(['c1', 'c2', 'r1', 'a1']);
    expect(waiting[0]).toEqual({ write: write('c1'), seenAt: null, alertedAt: null });
    expect(waiting[1]?.write.targetId).toBeNull();
    expect(waiting[3]?.write.sourceId).toBeNull();
  });

  test('a resumed apply recording the same write again keeps the first time', async () => {
    await store.sentWrites.record('acme', [write('c1', { sentAt: later(99_000).toISOString() })]);
    const c1 = (await store.sentWrites.waiting('acme')).find((w) => w.write.opId === 'c1');
    expect(c1?.write.sentAt).toBe(T0.toISOString());
  });

  test('a write seen is confirmed with its time, once; it leaves the waiting list', async () => {
    await store.sentWrites.confirm('acme', [{ planId: 'plan-1', opId: 'c1' }], later(5000));
    await store.sentWrites.confirm('acme', [{ planId: 'plan-1', opId: 'c1' }], later(9000));
    expect((await store.sentWrites.waiting('acme')).map((w) => w.write.opId)).toEqual(['c2', 'r1', 'a1']);
    const c1 = (await store.sentWrites.list('acme', 10)).find((w) => w.write.opId === 'c1');
    expect(c1?.seenAt).toEqual(later(5000));
  });

  test('an overdue alert is marked once, per write', async () => {
    await store.sentWrites.markAlerted('acme', [{ planId: 'plan-1', opId: 'r1' }], later(60_000));
    await store.sentWrites.markAlerted('acme', [{ planId: 'plan-1', opId: 'r1' }], later(70_000));
    const r1 = (await store.sentWrites.waiting('acme')).find((w) => w.write.opId === 'r1');
    expect(r1?.alertedAt).toEqual(later(60_000));
    expect((await store.sentWrites.waiting('acme')).find((w) => w.write.opId === 'a1')?.alertedAt).toBeNull();
  });

  test('retention drops confirmed writes with old runs, never one still waiting', async () => {
    await store.prune({ plansBefore: later(3_600_000), runsBefore: later(3_600_000) });
    const left = await store.sentWrites.list('acme', 10);
    expect(left.map((w) => w.write.opId).sort()).toEqual(['a1', 'c2', 'r1']);
  });
});
