/**
 * Proactive Teams messages: each event goes, as a card, to every live conversation subscribed to
 * its company. Throttling (429) is retried with backoff; a conversation that no longer exists
 * (403/404: the app was removed, the chat deleted) is marked dead and not tried again.
 */
import { CardFactory, type CloudAdapter, type ConversationReference } from 'botbuilder';
import type { Logger } from '../observability';
import type { ConversationStore, Subscription } from '../store';
import type { Notifier, NotifyEvent } from './events';

export interface TeamsNotifierDeps {
  adapter: CloudAdapter;
  /** The bot's app id ('' in sandbox mode). */
  appId: string;
  conversations: ConversationStore;
  /** The card for an event (a plain Adaptive Card object). */
  render: (event: NotifyEvent) => Record<string, unknown>;
  log: Logger;
  clock?: () => Date;
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Which subscribed conversations hear about a company (default: all of them). */
  wants?: (companyId: string, subscription: Subscription) => boolean;
}

function statusOf(error: unknown): number | null {
  const e = error as { statusCode?: unknown; status?: unknown; response?: { status?: unknown } } | null;
  const s = e?.statusCode ?? e?.status ?? e?.response?.status;
  return typeof s === 'number' ? s : null;
}

function retryAfterMs(error: unknown): number | null {
  const headers = (error as { response?: { headers?: { get?: (n: string) => string | undefined } } } | null)?.response?.headers;
  const value = typeof headers?.get === 'function' ? headers.get('retry-after') : undefined;
  const seconds = Number(value);
  return value !== undefined && Number.isFinite(seconds) ? seconds * 1000 : null;
}

export class TeamsNotifier implements Notifier {
  constructor(private readonly deps: TeamsNotifierDeps) {}

  async notify(event: NotifyEvent): Promise<void> {
    const card = this.deps.render(event);
    const targets = await this.deps.conversations.forCompany(event.company.id);
    for (const target of targets) if (this.deps.wants?.(event.company.id, target) ?? true) await this.send(target, card);
  }

  /** Sends one card to one conversation; returns the new message's id (for later updates). */
  async send(target: Subscription, card: Record<string, unknown>): Promise<string | null> {
    const { adapter, appId, log } = this.deps;
    const retries = this.deps.retries ?? 4;
    const sleep = this.deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let attempt = 0; ; attempt++) {
      try {
        let id: string | null = null;
        await adapter.continueConversationAsync(appId, target.reference as Partial<ConversationReference>, async (context) => {
          const sent = await context.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] });
          id = sent?.id ?? null;
        });
        return id;
      } catch (error) {
        const status = statusOf(error);
        if (status === 403 || status === 404) {
          await this.deps.conversations.markDead(target.id, (this.deps.clock ?? (() => new Date()))());
          log.warn({ conversation: target.id, status }, 'conversation is gone; marked dead');
          return null;
        }
        if (status === 429 && attempt < retries) {
          await sleep(retryAfterMs(error) ?? Math.min(30_000, 500 * 2 ** attempt));
          continue;
        }
        throw error;
      }
    }
  }
}
