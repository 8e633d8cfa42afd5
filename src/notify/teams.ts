/**
 * Proactive Teams messages: each event goes, as a card, to every live conversation subscribed to
 * its company, each delivered on its own: one that fails (5xx, 401, network) does not keep the
 * message from the others, and the failures are reported together at the end. Each send follows
 * the one retry policy (shared/retry.ts, for 429: the SDK retried the rest already); a
 * conversation that no longer exists (403/404: the app was removed, the chat deleted) is marked
 * dead and not tried again.
 */
import type { Logger } from '../observability';
import { retrying } from '../shared';
import type { ConversationStore, Subscription } from '../store';
import type { ProactiveSender } from '../teams';
import type { Notifier, NotifyEvent } from './events';

export interface TeamsNotifierDeps {
  /** Posts to a conversation over the Teams transport. */
  sender: ProactiveSender;
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

/** Some conversations did not get the message (the others did). */
export class TeamsDeliveryFailed extends Error {
  constructor(readonly failures: { conversation: string; error: unknown }[], attempted: number) {
    super(
      `Teams did not take the message in ${failures.length} of ${attempted} conversations: ${failures
        .map((f) => `${f.conversation} (${f.error instanceof Error ? f.error.message : String(f.error)})`)
        .join('; ')}`,
    );
    this.name = 'TeamsDeliveryFailed';
  }
}

export class TeamsNotifier implements Notifier {
  constructor(private readonly deps: TeamsNotifierDeps) {}

  async notify(event: NotifyEvent): Promise<void> {
    const card = this.deps.render(event);
    const targets = (await this.deps.conversations.forCompany(event.company.id)).filter((t) => this.deps.wants?.(event.company.id, t) ?? true);
    const failures: { conversation: string; error: unknown }[] = [];
    for (const target of targets) {
      try {
        await this.send(target, card);
      } catch (error) {
        failures.push({ conversation: target.name ?? target.id, error });
        this.deps.log.warn({ conversation: target.id, err: error instanceof Error ? error.message : String(error) }, 'Teams message not delivered; trying the other conversations');
      }
    }
    if (failures.length > 0) throw new TeamsDeliveryFailed(failures, targets.length);
  }

  /** Sends one card to one conversation; returns the new message's id (for later updates). */
  async send(target: Subscription, card: Record<string, unknown>): Promise<string | null> {
    const { sender, log } = this.deps;
    const retries = this.deps.retries ?? 4;
    return retrying<string | null>(
      { retries, baseMs: 500, maxMs: 30_000 },
      async () => {
        const outcome = await sender.send(target.reference, card);
        switch (outcome.kind) {
          case 'sent':
            return { done: true, value: outcome.id };
          case 'gone':
            await this.deps.conversations.markDead(target.id, (this.deps.clock ?? (() => new Date()))());
            log.warn({ conversation: target.id, status: outcome.status }, 'conversation is gone; marked dead');
            return { done: true, value: null };
          case 'failed':
            return {
              done: false,
              failure: outcome,
              // The Bot Connector client has already retried 5xx and network failures by itself
              // (another round of ours would multiply its waits); a 429 storm longer than its
              // patience gets ours.
              scope: 'rateLimitOnly',
              giveUp: () => {
                // 429 is always retried: giving up on it means the retries are spent.
                throw outcome.status === 429 ? new Error(`Teams throttled the message to ${target.name ?? target.id} (429) ${retries + 1} times`) : outcome.error;
              },
            };
        }
      },
      { sleep: this.deps.sleep },
    );
  }
}
