/**
 * What the rest of kb4sync sees of Teams: plain data in (a message, a card button, an install),
 * cards out. Nothing here names the Bot Framework SDK, so handlers, cards and subscriptions keep
 * working when the transport underneath changes (see README, "Teams transport").
 */

/** An Adaptive Card, as JSON. */
export type Card = Record<string, unknown>;

/** Who is speaking, as Teams tells it. */
export interface TeamsIdentity {
  /** Entra object id of the person (activity.from.aadObjectId). */
  aadObjectId: string | null;
  name: string | null;
  /** Tenant of the conversation (channelData.tenant.id or conversation.tenantId). */
  tenantId: string | null;
}

/**
 * Where to post later without being asked: opaque to everyone but the transport, stored as JSON by
 * the conversation store.
 */
export type ConversationReference = Record<string, unknown>;

export interface Conversation {
  /** The conversation's id; for a channel thread, the channel's (one channel, one subscription). */
  id: string;
  kind: 'channel' | 'groupChat' | 'personal';
  /** "Team / Channel" for a channel, the chat's name otherwise (null when Teams gives none). */
  name: string | null;
  /** Posts to `id` (a new post in the channel, not a reply in the thread). */
  reference: ConversationReference;
}

/** A message typed to the bot, with the @mention of the bot removed. */
export interface IncomingMessage {
  text: string;
  from: TeamsIdentity;
  conversation: Conversation;
}

/** A card button (`Action.Execute`): verb and data as sent, unchecked (they can be forged). */
export interface CardInvoke {
  verb: string;
  data: unknown;
  from: TeamsIdentity;
  conversation: Conversation;
  /** The message that holds the card, so it can be updated later; null when Teams does not say. */
  message: { reference: ConversationReference; id: string } | null;
}

/** The bot itself was added to or removed from a conversation. */
export interface ConversationUpdate {
  kind: 'installed' | 'removed';
  conversation: Conversation;
  /** Who added or removed the app, with their tenant (checked against allowedTenants). */
  from: TeamsIdentity;
}

/** Answers in the conversation a message or update came from. */
export interface Reply {
  /** Posts a card; resolves with the new message's id (to update it later), when Teams gave one. */
  card(card: Card): Promise<string | null>;
  typing(): Promise<void>;
}

/** What the bot does with each kind of activity; an invoke is answered with a card. */
export interface ChatHandler {
  message(message: IncomingMessage, reply: Reply): Promise<void>;
  invoke(invoke: CardInvoke): Promise<Card>;
  conversationUpdate(update: ConversationUpdate, reply: Reply): Promise<void>;
}

/**
 * How a proactive send ended. A conversation that no longer exists (the app was removed, the chat
 * deleted) and a refusal or network failure (for the caller's retry policy) are answers the caller
 * acts on; anything else is thrown.
 */
export type SendOutcome =
  | { kind: 'sent'; /** The new message's id, for later updates; null when Teams gives none. */ id: string | null }
  | { kind: 'gone'; status: 403 | 404 }
  | {
      kind: 'failed';
      /** The HTTP status; null when no answer came (then `code` says why). */
      status: number | null;
      code?: string;
      /** The Retry-After header as sent, when there was one. */
      retryAfter: string | null;
      error: unknown;
    };

/** Posts on the bot's own initiative (notifications) and updates cards already posted. */
export interface ProactiveSender {
  send(reference: ConversationReference, card: Card): Promise<SendOutcome>;
  update(reference: ConversationReference, messageId: string, card: Card): Promise<void>;
}

/** The HTTP request and response of the messaging endpoint, as restify (or express) has them. */
export interface WebRequest {
  body?: Record<string, unknown>;
  headers: Record<string, string[] | string | undefined>;
  method?: string;
}

export interface WebResponse {
  socket: unknown;
  end(...args: unknown[]): unknown;
  header(name: string, value: unknown): unknown;
  send(...args: unknown[]): unknown;
  status(code: number): unknown;
}

/** The messaging endpoint (`POST /api/messages`): authenticates the request and runs the handler. */
export interface MessageEndpoint {
  process(req: WebRequest, res: WebResponse): Promise<void>;
}
