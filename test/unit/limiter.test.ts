/**
 * The limiters every outbound request passes: an account's own (rate and concurrency) and the
 * instance's gate (`service.concurrency`). Time here is Jest's fake clock: the spacing asserted is
 * the limiter's rule, not how fast this machine is.
 */
import { inFlight, limiter, outboundStats, setOutboundConcurrency, whileSomeoneWaits } from '../../src/shared';

/** A task that records when it started and ends when told. */
function gated() {
  const started: string[] = [];
  const enders = new Map<string, () => void>();
  const task = (name: string) => () =>
    new Promise<string>((resolve) => {
      started.push(name);
      enders.set(name, () => resolve(name));
    });
  const end = (name: string) => enders.get(name)?.();
  return { started, task, end };
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

afterEach(() => {
  jest.useRealTimers();
  setOutboundConcurrency(16);
});

test('a limiter runs at most its concurrency at once, in the order tasks came', async () => {
  const l = limiter({ concurrency: 2 });
  const g = gated();
  const done = ['a', 'b', 'c', 'd'].map((n) => l.schedule(g.task(n)));
  await flush();
  expect(g.started).toEqual(['a', 'b']);
  g.end('b');
  await flush();
  expect(g.started).toEqual(['a', 'b', 'c']);
  g.end('a');
  g.end('c');
  await flush();
  g.end('d');
  await expect(Promise.all(done)).resolves.toEqual(['a', 'b', 'c', 'd']);
});

test('a rate spaces starts evenly: never two within 1000/rate ms, even with room to run more', async () => {
  jest.useFakeTimers({ now: 0 });
  const l = limiter({ concurrency: 10, perSecond: 10 });
  const starts: number[] = [];
  const all = Array.from({ length: 5 }, () => l.schedule(async () => starts.push(Date.now())));
  for (let i = 0; i < 10; i++) {
    await flush();
    await jest.advanceTimersByTimeAsync(50);
  }
  await Promise.all(all);
  expect(starts).toHaveLength(5);
  const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(100);
});

test('a stopped limiter runs nothing more: waiting tasks reject, the running one finishes', async () => {
  const l = limiter({ concurrency: 1 });
  const g = gated();
  const first = l.schedule(g.task('first'));
  const second = l.schedule(g.task('second'));
  await flush();
  l.stop();
  g.end('first');
  await expect(first).resolves.toBe('first');
  await expect(second).rejects.toThrow('the limiter was stopped before this task started');
  expect(g.started).toEqual(['first']);
});

test('the outbound gate holds at most service.concurrency attempts in flight, and takes a new setting at once', async () => {
  setOutboundConcurrency(2);
  const g = gated();
  const all = ['a', 'b', 'c', 'd'].map((n) => inFlight(g.task(n)));
  await flush();
  expect(g.started).toEqual(['a', 'b']);
  expect(outboundStats()).toMatchObject({ concurrency: 2, inFlight: 2, waiting: 2 });
  setOutboundConcurrency(3);
  await flush();
  expect(g.started).toEqual(['a', 'b', 'c']);
  ['a', 'b', 'c'].forEach(g.end);
  await flush();
  g.end('d');
  await Promise.all(all);
  expect(outboundStats()).toMatchObject({ inFlight: 0, waiting: 0 });
  expect(() => setOutboundConcurrency(0)).toThrow('service.concurrency must be a whole number of at least 1, got 0');
});

test('a company waiting on its own rate limit holds no place in the gate: another company goes first', async () => {
  jest.useFakeTimers({ now: 0 });
  setOutboundConcurrency(1);
  // Company A's account allows 1 request per second; company B's is not busy.
  const accountA = limiter({ concurrency: 4, perSecond: 1 });
  const accountB = limiter({ concurrency: 4, perSecond: 1 });
  const order: string[] = [];
  const request = (account: ReturnType<typeof limiter>, name: string) => account.schedule(() => inFlight(async () => void order.push(name)));
  const a = [request(accountA, 'A1'), request(accountA, 'A2'), request(accountA, 'A3')];
  await flush();
  const b = request(accountB, 'B1');
  await jest.advanceTimersByTimeAsync(10);
  // A1 went at once; A2 and A3 wait on A's own rate, not in the gate, so B1 is not behind them.
  expect(order).toEqual(['A1', 'B1']);
  await jest.advanceTimersByTimeAsync(2_500);
  await Promise.all([...a, b]);
  expect(order).toEqual(['A1', 'B1', 'A2', 'A3']);
});

test('a request someone waits on (a Teams activity) goes ahead of scheduled ones waiting in the gate, through its account limiter too', async () => {
  setOutboundConcurrency(1);
  const g = gated();
  const order: string[] = [];
  const request = (name: string) => () => inFlight(async () => void order.push(name));
  const blocker = inFlight(g.task('blocker'));
  // Three scheduled requests wait for the one place; then an admin's, through its account's limiter.
  const scheduled = ['night-1', 'night-2', 'night-3'].map((n) => request(n)());
  // The admin's account is busy with a request of its own, so the admin's starts later, from that
  // one's completion: it must still count as someone's.
  const account = limiter({ concurrency: 1 });
  const busy = account.schedule(g.task('account-busy'));
  const admin = whileSomeoneWaits(() => account.schedule(request('admin')));
  await flush();
  g.end('account-busy');
  await flush();
  g.end('blocker');
  await Promise.all([blocker, busy, ...scheduled, admin]);
  expect(order).toEqual(['admin', 'night-1', 'night-2', 'night-3']);
});
