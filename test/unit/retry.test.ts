/** The one retry wait every client uses: Retry-After first, else capped exponential backoff. */
import { parseRetryAfter, retryDelay } from '../../src/shared';

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
