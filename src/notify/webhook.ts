/**
 * Events as signed JSON POSTs, for PSA tools and chat systems: the body is the event itself, and
 * `X-Kb4sync-Signature: sha256=<hex>` is an HMAC over `<timestamp>.<body>` with the shared secret
 * (the timestamp is `X-Kb4sync-Timestamp`), so a receiver can check origin and freshness.
 */
import { createHmac } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import type { Secret } from '../shared';
import type { Notifier, NotifyEvent } from './events';
import { notificationHttp } from './http';

export interface WebhookOptions {
  url: string;
  secret: Secret;
  timeoutMs?: number;
  retries?: number;
  clock?: () => Date;
}

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookNotifier implements Notifier {
  private readonly http: AxiosInstance;
  constructor(private readonly options: WebhookOptions) {
    this.http = notificationHttp({ timeoutMs: options.timeoutMs ?? 10_000, retries: options.retries ?? 3 });
  }

  async notify(event: NotifyEvent): Promise<void> {
    const at = (this.options.clock ?? (() => new Date()))();
    // The plan itself can be megabytes: receivers get the report, and the plan id to fetch it.
    const { plan: _plan, ...payload } = { plan: undefined, ...event };
    const body = JSON.stringify({ id: `${event.kind}:${event.company.id}:${at.getTime()}`, at: at.toISOString(), ...payload });
    const timestamp = String(Math.floor(at.getTime() / 1000));
    try {
      await this.http.post(this.options.url, body, {
        headers: {
          'content-type': 'application/json',
          'x-kb4sync-timestamp': timestamp,
          'x-kb4sync-signature': signWebhook(this.options.secret.reveal(), timestamp, body),
        },
      });
    } catch (err) {
      // Never pass on axios's error: its config holds the signature header and the URL's query.
      const status = axios.isAxiosError(err) ? (err.response?.status ?? err.code ?? 'no response') : 'error';
      // eslint-disable-next-line preserve-caught-error -- the cause would carry the signature (above)
      throw new Error(`webhook ${new URL(this.options.url).host} failed: ${status}`);
    }
  }
}
