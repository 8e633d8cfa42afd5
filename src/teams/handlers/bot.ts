/**
 * The Teams face of kb4sync: commands in chats and channels, card buttons, installs. Messages,
 * invokes and installs arrive as plain data from the transport; the answers are cards built by
 * `views`; commands are parsed by `parse`.
 */
import type { Card, CardInvoke, ChatHandler, ConversationUpdate, IncomingMessage, Reply } from '../transport';
import type { BotDeps } from './deps';
import { handleInvoke } from './invokes';
import { handleMessage } from './messages';
import { conversationUpdate } from './subscriptions';

export class Kb4syncBot implements ChatHandler {
  constructor(private readonly deps: BotDeps) {}

  message(message: IncomingMessage, reply: Reply): Promise<void> {
    return handleMessage(this.deps, message, reply);
  }

  invoke(invoke: CardInvoke): Promise<Card> {
    return handleInvoke(this.deps, invoke);
  }

  conversationUpdate(update: ConversationUpdate, reply: Reply): Promise<void> {
    return conversationUpdate(this.deps, update, reply);
  }
}
