/**
 * Conversations that get summaries and alerts: the app installed in a team, or `subscribe` typed in
 * a chat, keeps the conversation; removing the app or `unsubscribe` drops it.
 */
import { tenantAllowed } from '../authorize';
import type { Conversation, ConversationUpdate, Reply } from '../transport';
import { now, type BotDeps } from './deps';

export async function subscribe(deps: BotDeps, conversation: Conversation, confirm: boolean, reply: Reply): Promise<void> {
  const { id, reference, kind, name } = conversation;
  await deps.conversations.save({ id, reference, kind, name, companies: null }, now(deps));
  if (confirm) {
    await reply.card(deps.views.message({ title: 'Subscribed', text: 'This conversation will get nightly summaries and alerts for every company.', tone: 'good' }));
  }
}

export async function unsubscribe(deps: BotDeps, conversation: Conversation, reply: Reply): Promise<void> {
  const removed = await deps.conversations.remove(conversation.id);
  await reply.card(
    deps.views.message({ title: removed ? 'Unsubscribed' : 'Not subscribed', text: removed ? 'This conversation no longer gets kb4sync summaries and alerts.' : 'This conversation was not subscribed.' }),
  );
}

export async function conversationUpdate(deps: BotDeps, update: ConversationUpdate, reply: Reply): Promise<void> {
  // An install from another tenant must not become a subscription that gets this MSP's alerts.
  if (!tenantAllowed(deps.config, update.from).ok) {
    deps.log.warn({ tenant: update.from.tenantId, conversation: update.conversation.kind }, 'conversation update from a tenant not in allowedTenants: ignored');
    return;
  }
  if (update.kind === 'removed') {
    await deps.conversations.remove(update.conversation.id);
    return;
  }
  // The app was installed here: keep the reference for notifications, and say what it can do.
  await subscribe(deps, update.conversation, false, reply);
  await reply.card(deps.views.help());
}
