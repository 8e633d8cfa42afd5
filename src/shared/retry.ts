/**
 * The one retry policy for Graph, KnowBe4, Teams sends, webhooks and e-mail: which failures retry
 * (`isRetryable`), how long to wait (a server's Retry-After with 429/503, else exponential
 * backoff), and how many times (`RetryPolicy.retries`). axios clients take it through
 * axiosRetry.ts, the others through `retrying`; a fix here reaches every caller at once.
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

/**
 * The one retry policy: how many retries after the first attempt, and the backoff between them.
 * Which failures retry and when a Retry-After counts are the same for every client (below).
 */
export interface RetryPolicy extends Backoff {
  retries: number;
}

/**
 * What a failed attempt came to: the HTTP status, or null when no answer came at all (refused,
 * reset, timed out), with the error's code when it has one.
 */
export interface Failure {
  status: number | null;
  code?: string;
  /** The Retry-After header, as sent. */
  retryAfter?: unknown;
}

/**
 * Which failures a request may retry. `all`: 429, 5xx (not 501, which never changes), and no
 * answer at all. `rateLimitOnly`: only 429, which a server sends before doing anything, for
 * requests that must not be repeated blindly.
 */
export type RetryScope = 'all' | 'rateLimitOnly';

/** Node's codes for certificate and handshake failures: a configuration problem, never transient. */
export function isTlsCode(code: string): boolean {
  return /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$|EPROTO$)/.test(code);
}

/** Whether `failure` may be retried: the one answer for Graph, KnowBe4, Teams, webhooks and e-mail. */
export function isRetryable(failure: Failure, scope: RetryScope = 'all'): boolean {
  const { status, code } = failure;
  if (status === 429) return true;
  if (scope === 'rateLimitOnly') return false;
  // A cancelled request was meant to stop; a certificate that fails verification fails every time.
  if (status === null) return code !== 'ERR_CANCELED' && !(code !== undefined && isTlsCode(code));
  return status >= 500 && status <= 599 && status !== 501;
}

/**
 * The wait before retrying after failed attempt `attempt` (0-based). A Retry-After counts with
 * 429 and 503, the two statuses RFC 9110 pairs it with; any other wait is the backoff.
 */
export function waitBeforeRetry(attempt: number, failure: Failure, backoff: Backoff, random: () => number = Math.random): number {
  const honoured = failure.status === 429 || failure.status === 503 ? failure.retryAfter : undefined;
  return retryDelay(attempt, honoured, backoff, random);
}

/** One attempt's outcome, for `retrying`: its value, or a failure with what to do when it is the last. */
export type AttemptResult<T> = { done: true; value: T } | { done: false; failure: Failure; scope?: RetryScope; giveUp: () => T };

export interface RetryHooks {
  /** The wait itself (tests pass a fast or recording one). */
  sleep?: (ms: number) => Promise<void>;
  /** Before each wait: counting, logging, draining a discarded body. */
  beforeWait?: (attempt: number, failure: Failure, waitMs: number) => void | Promise<void>;
}

export const defaultSleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The retry loop for clients that are not axios (Graph's middleware, Teams sends): runs
 * `attempt` until it is done, a failure may not be retried, or the policy's retries are spent;
 * then the last attempt's `giveUp` answers (returns its response or throws its error).
 */
export async function retrying<T>(policy: RetryPolicy, attempt: (n: number) => Promise<AttemptResult<T>>, hooks: RetryHooks = {}): Promise<T> {
  for (let n = 0; ; n++) {
    const result = await attempt(n);
    if (result.done) return result.value;
    if (n >= policy.retries || !isRetryable(result.failure, result.scope)) return result.giveUp();
    const ms = waitBeforeRetry(n, result.failure, policy);
    await hooks.beforeWait?.(n, result.failure, ms);
    await (hooks.sleep ?? defaultSleep)(ms);
  }
}
