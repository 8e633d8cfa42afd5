/**
 * The HTTP client the outbound notification channels share: bounded retries on 429, 5xx and
 * network errors, honouring Retry-After. Notifications are POSTs, retried on purpose: a repeated
 * alert is better than a lost one, and webhook receivers can dedupe on the event id.
 */
import axios, { type AxiosInstance } from 'axios';
import axiosRetry from 'axios-retry';
import { retryDelay } from '../shared';

export function notificationHttp(options: { timeoutMs: number; retries: number }): AxiosInstance {
  const http = axios.create({ timeout: options.timeoutMs, validateStatus: (s) => s >= 200 && s < 300 });
  axiosRetry(http, {
    retries: options.retries,
    retryDelay: (count, error) => retryDelay(count, error.response?.headers?.['retry-after'], { baseMs: 250, maxMs: 8000 }),
    retryCondition: (error) => !error.response || error.response.status === 429 || error.response.status >= 500,
  });
  return http;
}
