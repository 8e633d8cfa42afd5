/** The one retry wait every client uses: Retry-After first, else capped exponential backoff. */
import { isRetryable, parseRetryAfter, retrying, retryDelay, waitBeforeRetry } from '../../src/shared';

const NOW = Date.parse('2026-03-04T02:00:00Z');

test('Retry-After is read as seconds or as an HTTP date, never negative, null when unreadable', () => {
  expect(parseRetryAfter('120', NOW)).toBe(120);
  expect(parseRetryAfter(2.5, NOW)).toBe(2.5);
  expect(parseRetryAfter('-5', NOW)).toBe(0);
  expect(parseRetryAfter('Wed, 04 Mar 2026 02:01:30 GMT', NOW)).toBe(90);
  expect(parseRetryAfter('Wed, 04 Mar 2026 01:00:00 GMT', NOW)).toBe(0);
  expect(parseRetryAfter('later', NOW)).toBeNull();
  expect(parseRetryAfter(null, NOW)).toBeNull();
  expect(parseRetryAfter(['1'], NOW)).toBeNull();
});

test('a Retry-After is waited as asked, up to its cap; without one the backoff doubles up to its cap', () => {
  expect(retryDelay(0, '3', { baseMs: 500, maxMs: 30_000 })).toBe(3000);
  expect(retryDelay(0, '3600', { baseMs: 500, maxMs: 30_000, maxRetryAfterMs: 60_000 })).toBe(60_000);
  expect([0, 1, 2, 3, 10].map((n) => retryDelay(n, undefined, { baseMs: 500, maxMs: 30_000 }))).toEqual([500, 1000, 2000, 4000, 30_000]);
  expect(retryDelay(1, 'soon', { baseMs: 250, maxMs: 8000 })).toBe(500);
});

test('jitter spreads the backoff over its upper half', () => {
  expect(retryDelay(2, undefined, { baseMs: 100, maxMs: 10_000, jitter: true }, () => 0)).toBe(200);
  expect(retryDelay(2, undefined, { baseMs: 100, maxMs: 10_000, jitter: true }, () => 0.999999)).toBe(400);
  // A Retry-After is never jittered: the server said when.
  expect(retryDelay(2, '1', { baseMs: 100, maxMs: 10_000, jitter: true }, () => 0)).toBe(1000);
});

test('one answer to "may this be retried": 429 always; 5xx but 501 and no answer unless rate-limit only; never TLS or a cancel', () => {
  expect([429, 500, 502, 503, 504, 599].map((status) => isRetryable({ status }))).toEqual([true, true, true, true, true, true]);
  expect([400, 401, 403, 404, 409, 501].map((status) => isRetryable({ status }))).toEqual([false, false, false, false, false, false]);
  expect(isRetryable({ status: null, code: 'ECONNRESET' })).toBe(true);
  expect(isRetryable({ status: null })).toBe(true);
  expect(isRetryable({ status: null, code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).toBe(false);
  expect(isRetryable({ status: null, code: 'ERR_CANCELED' })).toBe(false);
  expect(isRetryable({ status: 429 }, 'rateLimitOnly')).toBe(true);
  expect(isRetryable({ status: 503 }, 'rateLimitOnly')).toBe(false);
  expect(isRetryable({ status: null, code: 'ETIMEDOUT' }, 'rateLimitOnly')).toBe(false);
});

test('a Retry-After counts with 429 and 503 only', () => {
  const backoff = { baseMs: 100, maxMs: 10_000 };
  expect(waitBeforeRetry(0, { status: 429, retryAfter: '2' }, backoff)).toBe(2000);
  expect(waitBeforeRetry(0, { status: 503, retryAfter: '2' }, backoff)).toBe(2000);
  expect(waitBeforeRetry(0, { status: 500, retryAfter: '2' }, backoff)).toBe(100);
  expect(waitBeforeRetry(1, { status: null }, backoff)).toBe(200);
});

describe('retrying', () => {
  const policy = { retries: 3, baseMs: 100, maxMs: 10_000 };
  const run = (outcomes: (number | 'ok')[]) => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = retrying<string>(
      policy,
      async () => {
        const outcome = outcomes[calls++] ?? 'ok';
        if (outcome === 'ok') return { done: true, value: `ok after ${calls}` };
        return { done: false, failure: { status: outcome, retryAfter: '1' }, giveUp: () => `gave up at ${outcome} after ${calls}` };
      },
      { sleep: async (ms) => void sleeps.push(ms) },
    );
    return { result, sleeps, calls: () => calls };
  };

  test('retries a retryable failure with the policy\'s waits until it succeeds', async () => {
    const r = run([503, 500, 'ok']);
    await expect(r.result).resolves.toBe('ok after 3');
    expect(r.sleeps).toEqual([1000, 200]);
  });

  test('gives up at once on a failure that may not be retried, and after the bounded retries otherwise', async () => {
    const permanent = run([400]);
    await expect(permanent.result).resolves.toBe('gave up at 400 after 1');
    expect(permanent.sleeps).toEqual([]);
    const storm = run([429, 429, 429, 429, 429, 429]);
    await expect(storm.result).resolves.toBe('gave up at 429 after 4');
    expect(storm.sleeps).toEqual([1000, 1000, 1000]);
  });
});
