/**
 * The one retry wait: a server's Retry-After when it sent one, else exponential backoff. Graph,
 * KnowBe4, Teams sends, webhooks and e-mail all take their waits from here, so a fix to how
 * Retry-After is read (an HTTP-date, a negative or garbage value) reaches every caller at once.
 */

/**
 * Retry-After (RFC 9110: delay-seconds or an HTTP-date) in seconds from `now`; never negative.
 * Null when absent or unreadable, so the caller falls back to its backoff.
 */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const n = Number(value);
  if (Number.isFinite(n)) return Math.max(0, n);
  const at = Date.parse(String(value));
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

export interface Backoff {
  /** The wait after the first failure (attempt 0) when there is no Retry-After; doubled per attempt. */
  baseMs: number;
  /** Cap on the backoff. */
  maxMs: number;
  /** Cap on a server's Retry-After (default: none, the server is waited out as asked). */
  maxRetryAfterMs?: number;
  /** Spread the backoff over its upper half, so clients that failed together do not retry together. */
  jitter?: boolean;
}

/** Milliseconds to wait before retrying after failed attempt `attempt` (0-based). */
export function retryDelay(attempt: number, retryAfter: unknown, backoff: Backoff, random: () => number = Math.random): number {
  const seconds = parseRetryAfter(retryAfter);
  if (seconds !== null) return Math.min(seconds * 1000, backoff.maxRetryAfterMs ?? Number.POSITIVE_INFINITY);
  const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** attempt);
  return backoff.jitter ? Math.round(exp / 2 + (random() * exp) / 2) : exp;
}
