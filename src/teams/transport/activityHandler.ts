/**
 * Bot Framework activities in, our plain types out (types.ts): the one place that reads a
 * TurnContext. Which activity means what (the bot among the added members means "installed here")
 * is decided here so the handlers never see Bot Framework shapes.
 */
import {
  CardFactory,
  TeamsActivityHandler,
  TurnContext,
  type Activity,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type InvokeResponse,
} from 'botbuilder';
import type { Card, ChatHandler, Conversation, ConversationReference, Reply, TeamsIdentity } from './types';

function identity(a: Activity): TeamsIdentity {
  const channelData = a.channelData as { tenant?: { id?: string } } | undefined;
  return {
    aadObjectId: a.from?.aadObjectId ?? null,
    name: a.from?.name ?? null,
    tenantId: channelData?.tenant?.id ?? a.conversation?.tenantId ?? null,
  };
}

function conversation(a: Activity): Conversation {
  const reference = TurnContext.getConversationReference(a);
  // A message in a channel thread carries `;messageid=…`: the conversation is the channel, not the
  // thread, so summaries arrive as new posts and one channel is one subscription.
  const id = a.conversation.id.split(';messageid=')[0] as string;
  reference.conversation = { ...reference.conversation, id } as typeof reference.conversation;
  const type = a.conversation?.conversationType;
  const kind = type === 'channel' ? 'channel' : type === 'groupChat' ? 'groupChat' : 'personal';
  const channelData = a.channelData as { channel?: { name?: string }; team?: { name?: string } } | undefined;
  const name = [channelData?.team?.name, channelData?.channel?.name].filter(Boolean).join(' / ') || a.conversation?.name || null;
  return { id, kind, name, reference: reference as unknown as ConversationReference };
}

function reply(context: TurnContext): Reply {
  return {
    card: async (card: Card) => (await context.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] }))?.id ?? null,
    typing: async () => {
      await context.sendActivity({ type: 'typing' });
    },
  };
}

const botAmong = (context: TurnContext, members: { id: string }[] | undefined) => members?.some((m) => m.id === context.activity.recipient?.id) ?? false;

export class ActivityTranslator extends TeamsActivityHandler {
  constructor(private readonly handler: ChatHandler) {
    super();
    this.onMessage(async (context, next) => {
      const a = context.activity;
      const text = (TurnContext.removeRecipientMention(a) ?? a.text ?? '').trim();
      await this.handler.message({ text, from: identity(a), conversation: conversation(a) }, reply(context));
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      if (botAmong(context, context.activity.membersAdded)) await this.handler.conversationUpdate({ kind: 'installed', conversation: conversation(context.activity), from: identity(context.activity) }, reply(context));
      await next();
    });
    this.onMembersRemoved(async (context, next) => {
      if (botAmong(context, context.activity.membersRemoved)) await this.handler.conversationUpdate({ kind: 'removed', conversation: conversation(context.activity), from: identity(context.activity) }, reply(context));
      await next();
    });
  }

  /**
   * botbuilder reads `value.action.type` of an adaptiveCard/action invoke without checking that
   * `value.action` exists: a forged invoke whose value is an array or has no action threw inside
   * the SDK (a 501 and an "internal error" message in the chat). Answer it as botbuilder answers
   * other malformed invokes: 400, BadRequest.
   */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const value = context.activity.value as { action?: unknown } | undefined;
    if (context.activity.name === 'adaptiveCard/action' && value && (typeof value !== 'object' || typeof value.action !== 'object' || value.action === null)) {
      return { status: 400, body: { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: 'Missing value.action' } } };
    }
    return super.onInvokeActivity(context);
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const a = context.activity;
    const messageId = a.replyToId;
    const card = await this.handler.invoke({
      verb: invokeValue.action?.verb ?? '',
      data: invokeValue.action?.data ?? {},
      from: identity(a),
      conversation: conversation(a),
      // Updates go to the conversation as it came (a thread keeps its `;messageid=`).
      message: messageId ? { reference: TurnContext.getConversationReference(a) as unknown as ConversationReference, id: messageId } : null,
    });
    return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card };
  }
}
