/** Pure parts of the KnowBe4 transport: Retry-After parsing and the retry delay policy. */
import { Secret } from '../../src/config';
import { Kb4Http, parseRetryAfter } from '../../src/knowbe4';

test('Retry-After accepts seconds and HTTP dates, and ignores garbage', () => {
  expect(parseRetryAfter('0')).toBe(0);
  expect(parseRetryAfter('7')).toBe(7);
  expect(parseRetryAfter(3)).toBe(3);
  expect(parseRetryAfter(new Date(Date.now() + 120_000).toUTCString())).toBeGreaterThanOrEqual(118);
  expect(parseRetryAfter(new Date(Date.now() - 60_000).toUTCString())).toBe(0);
  expect(parseRetryAfter('soon')).toBeNull();
  expect(parseRetryAfter(undefined)).toBeNull();
});

test('429 waits what Retry-After says (capped); other failures back off exponentially within bounds', () => {
  const http = new Kb4Http({ baseUrl: 'http://127.0.0.1:9/scim/v2', token: new Secret('t'), retry: { baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 } });
  expect(http.delayFor(1, 429, '2')).toBe(2000);
  expect(http.delayFor(1, 429, '3600')).toBe(5000);
  for (let n = 1; n <= 6; n++) {
    const d = http.delayFor(n, 503, undefined);
    const exp = Math.min(1000, 100 * 2 ** (n - 1));
    expect(d).toBeGreaterThanOrEqual(exp / 2);
    expect(d).toBeLessThanOrEqual(exp);
  }
  // 503 may carry Retry-After too; other statuses' Retry-After is ignored.
  expect(http.delayFor(1, 503, '4')).toBe(4000);
  expect(http.delayFor(1, 500, '60')).toBeLessThanOrEqual(100);
});
