/**
 * The HTTP transport to one KnowBe4 account: axios with a bottleneck limiter in front of every
 * attempt (retries included) and axios-retry for 429/5xx/network failures, honouring
 * Retry-After. Shared by the SCIM client and the Reporting reader.
 */
import { createHash } from 'node:crypto';
import axios, { isAxiosError, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse, type Method } from 'axios';
import axiosRetry from 'axios-retry';
import Bottleneck from 'bottleneck';
import { retryDelay, type Secret } from '../shared';
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
  limiter?: Bottleneck;
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

/**
 * Which failures a request may retry. `all`: 429, 5xx, network and timeouts. `rateLimitOnly`: only
 * 429, which KnowBe4 returns before doing anything, for requests that must not be repeated blindly.
 */
export type RetryPolicy = 'all' | 'rateLimitOnly';

export interface Kb4Request {
  method: Method;
  path: string;
  params?: Record<string, string | number>;
  data?: unknown;
  retry?: RetryPolicy;
}

export const DEFAULT_RETRY: RetrySettings = { retries: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

const limiters = new Map<string, Bottleneck>();

/**
 * One token bucket per KnowBe4 account in this process, so parallel runs for the same account
 * share its rate. minTime spaces attempt starts evenly: bottleneck's reservoir refills only on
 * its 250 ms heartbeat, which would round small intervals up and cap the rate below the setting.
 */
export function sharedLimiter(accountKey: string, requestsPerSecond: number, maxConcurrency: number): Bottleneck {
  const key = `${accountKey}|${requestsPerSecond}|${maxConcurrency}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new Bottleneck({ maxConcurrent: maxConcurrency, minTime: Math.ceil(1000 / requestsPerSecond) });
    limiters.set(key, limiter);
  }
  return limiter;
}

/** Identifies an account without keeping its token: base URL + a short hash of the token. */
export function accountKey(baseUrl: string, token: Secret): string {
  return `${baseUrl.replace(/\/+$/, '')}#${createHash('sha256').update(token.reveal()).digest('hex').slice(0, 16)}`;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isRetryable(policy: RetryPolicy, status: number | null, code: string | undefined): boolean {
  if (status === 429) return true;
  if (policy === 'rateLimitOnly') return false;
  if (status === null) return code !== 'ERR_CANCELED';
  return status >= 500 && status !== 501 && status <= 599;
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
      headers: {
        Authorization: `Bearer ${options.token.reveal()}`,
        Accept: 'application/scim+json, application/json',
        'Content-Type': 'application/scim+json',
      },
      // The limiter wraps the adapter, so each attempt (retries too) takes a slot for its whole duration.
      adapter: (config) => limiter.schedule(() => transport(config)),
    });
    axiosRetry(this.axios, {
      retries: this.retry.retries,
      shouldResetTimeout: true,
      retryDelay: () => 0,
      retryCondition: (error) => {
        const policy = ((error.config as { kb4Retry?: RetryPolicy } | undefined)?.kb4Retry ?? 'all') as RetryPolicy;
        return isRetryable(policy, error.response?.status ?? null, error.code);
      },
      // The wait happens here rather than in retryDelay so that it is injectable.
      onRetry: async (retryCount, error) => {
        const ms = this.delayFor(retryCount, error.response?.status ?? null, error.response?.headers?.['retry-after']);
        this.options.onAttempt?.({
          method: String(error.config?.method ?? '').toUpperCase(),
          path: String(error.config?.url ?? ''),
          status: error.response?.status ?? null,
          attempt: retryCount,
          retryInMs: ms,
        });
        if (ms > 0) await this.sleep(ms);
      },
    });
  }

  /**
   * Retry-After when KnowBe4 sent one with a 429 or 503 (the two statuses RFC 9110 pairs it with),
   * capped; else exponential backoff with jitter.
   */
  delayFor(retryCount: number, status: number | null, retryAfter: unknown): number {
    const { baseDelayMs, maxDelayMs, maxRetryAfterMs } = this.retry;
    return retryDelay(retryCount - 1, status === 429 || status === 503 ? retryAfter : undefined, { baseMs: baseDelayMs, maxMs: maxDelayMs, maxRetryAfterMs, jitter: true });
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
      throw toKb4Error(err, { method: req.method.toUpperCase(), path: req.path, attempts, tokenEnv: this.options.tokenEnv });
    }
  }
}
