/**
 * The HTTP client the outbound notification channels share, with the one retry policy
 * (shared/retry.ts): 429, 5xx and no answer are retried, boundedly, honouring Retry-After.
 * Notifications are POSTs, retried on purpose: a repeated alert is better than a lost one, and
 * webhook receivers can dedupe on the event id.
 */
import axios, { type AxiosInstance } from 'axios';
import axiosRetry from 'axios-retry';
import { axiosRetryConfig } from '../shared';

export function notificationHttp(options: { timeoutMs: number; retries: number; sleep?: (ms: number) => Promise<void> }): AxiosInstance {
  const http = axios.create({ timeout: options.timeoutMs, validateStatus: (s) => s >= 200 && s < 300 });
  axiosRetry(http, axiosRetryConfig({ retries: options.retries, baseMs: 250, maxMs: 8000 }, { sleep: options.sleep }));
  return http;
}
