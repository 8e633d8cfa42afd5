/**
 * The one retry policy (retry.ts) for axios clients, through axios-retry: KnowBe4, webhooks and
 * e-mail. The wait happens in onRetry rather than axios-retry's own delay so it is injectable.
 */
import type { AxiosError, AxiosRequestConfig } from 'axios';
import type { IAxiosRetryConfig } from 'axios-retry';
import { defaultSleep, isRetryable, waitBeforeRetry, type Failure, type RetryPolicy, type RetryScope } from './retry';

export interface AxiosRetryOptions {
  sleep?: (ms: number) => Promise<void>;
  /** The scope of one request (default `all`). */
  scopeOf?: (config: AxiosRequestConfig | undefined) => RetryScope;
  /** Before each wait, with the retry's number (1-based) and the wait. */
  onRetry?: (retryCount: number, error: AxiosError, waitMs: number) => void;
}

function failureOf(error: AxiosError): Failure {
  return { status: error.response?.status ?? null, code: error.code, retryAfter: error.response?.headers?.['retry-after'] };
}

export function axiosRetryConfig(policy: RetryPolicy, options: AxiosRetryOptions = {}): IAxiosRetryConfig {
  return {
    retries: policy.retries,
    // Each attempt gets the whole timeout: a slow first try must not starve the retries.
    shouldResetTimeout: true,
    retryDelay: () => 0,
    retryCondition: (error) => isRetryable(failureOf(error), options.scopeOf?.(error.config) ?? 'all'),
    onRetry: async (retryCount, error) => {
      const ms = waitBeforeRetry(retryCount - 1, failureOf(error), policy);
      options.onRetry?.(retryCount, error, ms);
      if (ms > 0) await (options.sleep ?? defaultSleep)(ms);
    },
  };
}
