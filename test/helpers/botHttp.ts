/**
 * Talking to the bot over real HTTP the way Teams does: Teams-shaped activities posted to
 * /api/messages, replies read from the loopback Bot Connector, card buttons clicked as
 * `adaptiveCard/action` invokes whose answer is the replacement card.
 */
import { SANDBOX_ADMIN, SANDBOX_TENANT } from '../../src/sandbox';
import type { ConnectorStandIn, RecordedActivity } from './botConnector';

export type Card = Record<string, unknown>;
export type Who = { id: string; aadObjectId: string; givenName: string };
export type CardAction = { verb?: string; data?: Record<string, unknown>; url?: string; title?: string };

export interface Posted {
  status: number;
  /** The raw body text (tests scan it), and the parsed JSON when it is JSON. */
  text: string;
  body: unknown;
}

export interface BotClient {
  /** A Teams-shaped activity from `who` in `conversation`. */
  activity(extra: Record<string, unknown>, who?: Who, conversation?: string): Record<string, unknown>;
  post(body: unknown, headers?: Record<string, string>): Promise<Posted>;
  /** Sends a message and waits for the bot's next card in that conversation. */
  say(text: string, who?: Who, conversation?: string): Promise<{ card: Card; message: RecordedActivity }>;
  /** Clicks an Action.Execute button and returns the card the invoke answered with. */
  click(replyToId: string, verb: string, data: unknown, who?: Who): Promise<Card>;
}

let counter = 0;

export function botClient(target: { url: string } | (() => string), connector: ConnectorStandIn): BotClient {
  const base = () => (typeof target === 'function' ? target() : target.url);
  const activity: BotClient['activity'] = (extra, who = SANDBOX_ADMIN, conversation = 'personal-1') => ({
    id: `incoming-${++counter}`,
    channelId: 'msteams',
    serviceUrl: connector.url,
    timestamp: new Date().toISOString(),
    from: { id: who.id, name: who.givenName, aadObjectId: who.aadObjectId },
    recipient: { id: 'bot-id', name: 'kb4sync' },
    conversation: { id: conversation, conversationType: 'personal', tenantId: SANDBOX_TENANT },
    channelData: { tenant: { id: SANDBOX_TENANT } },
    ...extra,
  });
  const post: BotClient['post'] = async (body, headers = {}) => {
    const res = await fetch(`${base()}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: res.status, text, body: parsed };
  };
  return {
    activity,
    post,
    async say(text, who = SANDBOX_ADMIN, conversation = 'personal-1') {
      const before = connector.activities.length;
      const res = await post(activity({ type: 'message', text }, who, conversation));
      if (res.status !== 200) throw new Error(`the bot answered ${res.status}: ${res.text}`);
      const message = await connector.waitFor((a) => connector.activities.indexOf(a) >= before && a.conversationId === conversation && Array.isArray(a.activity.attachments));
      return { card: cardOf(message), message };
    },
    async click(replyToId, verb, data, who = SANDBOX_ADMIN) {
      const res = await post(activity({ type: 'invoke', name: 'adaptiveCard/action', replyToId, value: { action: { type: 'Action.Execute', verb, data } } }, who));
      if (res.status !== 200) throw new Error(`the invoke was answered ${res.status}: ${res.text}`);
      return (res.body as { value: Card }).value;
    },
  };
}

export function cardOf(a: RecordedActivity): Card {
  return ((a.activity.attachments as { content: Card }[])[0] as { content: Card }).content;
}

/** Every Action.* in a card (buttons, links), wherever it sits. */
export function actions(card: Card): CardAction[] {
  const found: CardAction[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.type === 'string' && o.type.startsWith('Action.')) found.push(o as CardAction);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return found;
}

export const text = (card: Card) => JSON.stringify(card);

/** The Apply button's data (plan id and digest) of a preview card; fails the test if absent. */
export function applyData(card: Card): Record<string, unknown> {
  const data = actions(card).find((a) => a.verb === 'apply')?.data;
  if (!data) throw new Error(`no Apply button on the card: ${text(card).slice(0, 300)}`);
  return data;
}
