/**
 * The instance queue on its own: who starts next when slots free, the concurrency bound, and one
 * run per company at a time. Runs are promises the test settles, so nothing waits on a clock.
 */
import { CompanyQueue, compareRuns, type QueuedRun } from '../../src/schedule/queue';

interface Gate {
  companyId: string;
  slot: Date;
  finish: () => void;
}

/** A queue whose runs end only when the test says so; records start order and peak concurrency. */
function rig(limit: number, gatherMs = 0) {
  const started: Gate[] = [];
  let running = 0;
  let peak = 0;
  const queue = new CompanyQueue<string>(limit, (companyId, slot) => {
    running += 1;
    peak = Math.max(peak, running);
    return new Promise<string>((resolve) => {
      started.push({
        companyId,
        slot,
        finish: () => {
          running -= 1;
          resolve(`ran ${companyId}`);
        },
      });
    });
  }, { gatherMs });
  const settle = () => new Promise<void>((r) => setImmediate(r));
  return { queue, started, settle, peak: () => peak, running: () => running };
}

const at = (hh: number) => new Date(`2026-11-24T${String(hh).padStart(2, '0')}:00:00Z`);
const run = (companyId: string, slot: Date, size: number | null): QueuedRun => ({ companyId, slot, size });

describe('company queue', () => {
  test('next in line: the earliest slot, then the largest company (never run counts as largest), then a fixed hash', () => {
    const runs = [run('small', at(2), 50), run('late-big', at(3), 5000), run('big', at(2), 2000), run('new', at(2), null), run('mid', at(2), 700)];
    expect([...runs].sort(compareRuns).map((r) => r.companyId)).toEqual(['new', 'big', 'mid', 'small', 'late-big']);
    // Same slot and size: the hash decides, the same way whatever order they came in.
    const a = [run('c-1', at(2), 100), run('c-2', at(2), 100), run('c-3', at(2), 100)];
    expect([...a].sort(compareRuns).map((r) => r.companyId)).toEqual([...a].reverse().sort(compareRuns).map((r) => r.companyId));
  });

  test('queued runs start in that order as the one slot frees', async () => {
    const { queue, started, settle } = rig(1);
    const done = [run('first', at(2), 10), run('small', at(2), 50), run('late-big', at(3), 5000), run('big', at(2), 2000), run('new', at(2), null)].map((r) => queue.enqueue(r));
    await settle();
    // 'first' took the free slot at once; the rest waited and start by the order.
    for (let i = 0; i < 5; i++) {
      started[i]?.finish();
      await settle();
    }
    await Promise.all(done);
    expect(started.map((g) => g.companyId)).toEqual(['first', 'new', 'big', 'small', 'late-big']);
  });

  test('runs due together are gathered before the first starts, so the first to arrive does not jump the order', async () => {
    for (const [gatherMs, first] of [[0, 'small'], [5, 'big']] as const) {
      const { queue, started } = rig(1, gatherMs);
      // The cron jobs fire one by one: the small company happens to arrive first.
      const done = [queue.enqueue(run('small', at(2), 50)), queue.enqueue(run('big', at(2), 2000))];
      await new Promise<void>((resolve) => {
        const poll = () => (started.length > 0 ? resolve() : setTimeout(poll, 1));
        poll();
      });
      expect(started.map((g) => g.companyId)).toEqual([first]);
      started[0]?.finish();
      await new Promise<void>((r) => setImmediate(r));
      started[1]?.finish();
      await Promise.all(done);
    }
  });

  test('never more runs at once than the limit; every queued run starts as slots free', async () => {
    const { queue, started, settle, peak, running } = rig(3);
    const done = Array.from({ length: 20 }, (_, i) => queue.enqueue(run(`co-${i}`, at(2), 100 + i)));
    await settle();
    expect(running()).toBe(3);
    expect(queue.stats()).toMatchObject({ waiting: 17, running: 3 });
    for (let i = 0; i < 20; i++) {
      started[i]?.finish();
      await settle();
      expect(running()).toBeLessThanOrEqual(3);
    }
    const results = await Promise.all(done);
    expect(new Set(results.map((r) => r.outcome)).size).toBe(20);
    expect(peak()).toBe(3);
    expect(started).toHaveLength(20);
    expect(queue.stats()).toMatchObject({ waiting: 0, running: 0, peakRunning: 3 });
  });

  test('a company queued twice runs once, for the later slot; one still running is not started again alongside', async () => {
    const { queue, started, settle } = rig(2);
    const first = queue.enqueue(run('acme', at(2), 10));
    await settle();
    // acme runs; a second slot for it waits though a slot is free, and two queued slots merge.
    const second = queue.enqueue(run('acme', at(3), 10));
    const third = queue.enqueue(run('acme', at(4), 10));
    await settle();
    expect(started.map((g) => g.companyId)).toEqual(['acme']);
    started[0]?.finish();
    await first;
    await settle();
    expect(started.map((g) => g.slot.toISOString())).toEqual([at(2).toISOString(), at(4).toISOString()]);
    started[1]?.finish();
    expect((await second).outcome).toBe('ran acme');
    expect((await third).outcome).toBe('ran acme');
  });

  test('clear drops waiting runs with the given outcome and leaves running ones to finish', async () => {
    const { queue, started, settle } = rig(1);
    const running = queue.enqueue(run('a', at(2), 1));
    const waiting = queue.enqueue(run('b', at(2), 1));
    await settle();
    expect(queue.clear('dropped')).toBe(1);
    expect((await waiting).outcome).toBe('dropped');
    started[0]?.finish();
    expect((await running).outcome).toBe('ran a');
    await settle();
    expect(started).toHaveLength(1);
  });

  test('a limit below 1 is refused with the reason', () => {
    expect(() => new CompanyQueue(0, async () => 'x')).toThrow('concurrency must be a whole number of at least 1, got 0');
  });
});
