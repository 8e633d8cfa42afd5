/**
 * The HTTP client the outbound notification channels share: bounded retries on 429, 5xx and
 * network errors, honouring Retry-After. Notifications are POSTs, retried on purpose: a repeated
 * alert is better than a lost one, and webhook receivers can dedupe on the event id.
 */
import axios, { type AxiosInstance } from 'axios';
import axiosRetry from 'axios-retry';

export function notificationHttp(options: { timeoutMs: number; retries: number }): AxiosInstance {
  const http = axios.create({ timeout: options.timeoutMs, validateStatus: (s) => s >= 200 && s < 300 });
  axiosRetry(http, {
    retries: options.retries,
    retryDelay: (count, error) => {
      const after = Number(error.response?.headers?.['retry-after']);
      return Number.isFinite(after) ? after * 1000 : Math.min(8000, 250 * 2 ** count);
    },
    retryCondition: (error) => !error.response || error.response.status === 429 || error.response.status >= 500,
  });
  return http;
}
