/**
 * The HTTP transport to one KnowBe4 account: axios with the account's limiter and then the
 * instance's outbound gate in front of every attempt (retries included), and the one retry policy
 * (shared/retry.ts) through axios-retry.
 * Shared by the SCIM client and the Reporting reader.
 */
import { createHash } from 'node:crypto';
import axios, { isAxiosError, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse, type Method } from 'axios';
import axiosRetry from 'axios-retry';
import { axiosRetryConfig, defaultSleep, inFlight, limiter as newLimiter, waitBeforeRetry, type Limiter, type RetryScope, type Secret } from '../shared';
import { toKb4Error } from './errors';

export interface RetrySettings {
  /** Retries after the first attempt. */
  retries: number;
  /** Exponential backoff base for 5xx/network failures. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After honoured as given; longer ones are capped to this. */
  maxRetryAfterMs: number;
}

export interface Kb4HttpOptions {
  baseUrl: string;
  token: Secret;
  requestsPerSecond?: number;
  maxConcurrency?: number;
  timeoutMs?: number;
  retry?: Partial<RetrySettings>;
  /** Injectable wait between retries (tests pass a fast or recording one). */
  sleep?: (ms: number) => Promise<void>;
  /** A limiter to share; by default one per (account, settings) in this process. */
  limiter?: Limiter;
  /** Env var name of the token, so a 401 can say where to put the new one. */
  tokenEnv?: string;
  /** Called after every HTTP attempt (metrics, logs). Never receives the token. */
  onAttempt?: (event: AttemptEvent) => void;
}

export interface AttemptEvent {
  method: string;
  path: string;
  status: number | null;
  attempt: number;
  /** Wait before the next attempt, when one follows. */
  retryInMs: number | null;
}

/** Which failures a request may retry (see RetryScope): `rateLimitOnly` for requests that must not be repeated blindly. */
export type RetryPolicy = RetryScope;

export interface Kb4Request {
  method: Method;
  path: string;
  params?: Record<string, string | number>;
  data?: unknown;
  retry?: RetryPolicy;
}

export const DEFAULT_RETRY: RetrySettings = { retries: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

const limiters = new Map<string, Limiter>();

/**
 * One limiter per KnowBe4 account in this process, so parallel runs for the same account share
 * its rate: starts evenly spaced (a sliding window of one start per 1000/rate ms) and at most
 * `maxConcurrency` at once.
 */
export function sharedLimiter(accountKey: string, requestsPerSecond: number, maxConcurrency: number): Limiter {
  const key = `${accountKey}|${requestsPerSecond}|${maxConcurrency}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = newLimiter({ concurrency: maxConcurrency, perSecond: requestsPerSecond });
    limiters.set(key, limiter);
  }
  return limiter;
}

/** Identifies an account without keeping its token: base URL + a short hash of the token. */
export function accountKey(baseUrl: string, token: Secret): string {
  return `${baseUrl.replace(/\/+$/, '')}#${createHash('sha256').update(token.reveal()).digest('hex').slice(0, 16)}`;
}

export class Kb4Http {
  private readonly axios: AxiosInstance;
  private readonly retry: RetrySettings;
  private readonly sleep: (ms: number) => Promise<void>;
  readonly baseUrl: string;

  constructor(private readonly options: Kb4HttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.sleep = options.sleep ?? defaultSleep;
    const limiter =
      options.limiter ??
      sharedLimiter(accountKey(this.baseUrl, options.token), options.requestsPerSecond ?? 10, options.maxConcurrency ?? 4);
    const transport = axios.getAdapter(axios.defaults.adapter);
    this.axios = axios.create({
      baseURL: this.baseUrl,
      timeout: options.timeoutMs ?? 30_000,
      // KnowBe4's API does not redirect; a 3xx is an answer to report, not one to follow with the
      // token. Also keeps axios on Node's own http (follow-redirects costs CPU per request).
      maxRedirects: 0,
      headers: {
        Authorization: `Bearer ${options.token.reveal()}`,
        Accept: 'application/scim+json, application/json',
        'Content-Type': 'application/scim+json',
      },
      // The limiters wrap the adapter, so each attempt (retries too) takes a slot for its whole
      // duration: first the account's own (its rate), then, once that lets it go, a place in the
      // instance's gate. The other way round, a request waiting on its account's rate would hold a
      // place every other company's requests could have used.
      adapter: (config) => limiter.schedule(() => inFlight(() => transport(config))),
    });
    const { retries, baseDelayMs, maxDelayMs, maxRetryAfterMs } = this.retry;
    axiosRetry(
      this.axios,
      axiosRetryConfig(
        { retries, baseMs: baseDelayMs, maxMs: maxDelayMs, maxRetryAfterMs, jitter: true },
        {
          sleep: this.sleep,
          scopeOf: (config) => (config as { kb4Retry?: RetryPolicy } | undefined)?.kb4Retry ?? 'all',
          onRetry: (retryCount, error, ms) =>
            this.options.onAttempt?.({
              method: String(error.config?.method ?? '').toUpperCase(),
              path: String(error.config?.url ?? ''),
              status: error.response?.status ?? null,
              attempt: retryCount,
              retryInMs: ms,
            }),
        },
      ),
    );
  }

  /** The wait before retry `retryCount` (1-based), by the one policy: Retry-After with 429/503, capped; else backoff with jitter. */
  delayFor(retryCount: number, status: number | null, retryAfter: unknown): number {
    const { baseDelayMs, maxDelayMs, maxRetryAfterMs } = this.retry;
    return waitBeforeRetry(retryCount - 1, { status, retryAfter }, { baseMs: baseDelayMs, maxMs: maxDelayMs, maxRetryAfterMs, jitter: true });
  }

  async request<T = unknown>(req: Kb4Request): Promise<AxiosResponse<T>> {
    const config: AxiosRequestConfig & { kb4Retry: RetryPolicy } = {
      method: req.method,
      url: req.path,
      params: req.params,
      data: req.data,
      kb4Retry: req.retry ?? 'all',
    };
    try {
      const response = await this.axios.request<T>(config);
      this.options.onAttempt?.({
        method: req.method.toUpperCase(),
        path: req.path,
        status: response.status,
        attempt: (response.config['axios-retry']?.retryCount ?? 0) + 1,
        retryInMs: null,
      });
      return response;
    } catch (err) {
      // axios-retry keeps its count on the merged config the error carries, not on ours.
      const attempts = (isAxiosError(err) ? (err.config?.['axios-retry']?.retryCount ?? 0) : 0) + 1;
      throw toKb4Error(err, { method: req.method.toUpperCase(), path: req.path, attempts, tokenEnv: this.options.tokenEnv, host: new URL(this.baseUrl).host });
    }
  }
}
