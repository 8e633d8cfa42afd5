/**
 * The Bot Framework connection: authentication of /api/messages, the CloudAdapter, and proactive
 * sends and card updates over it. A refused send is answered as a SendOutcome, so callers never
 * read the SDK's REST error shape.
 */
import { CardFactory, CloudAdapter, type ConversationReference as BotConversationReference } from 'botbuilder';
import type { Logger } from '../../observability';
import { whileSomeoneWaits } from '../../shared';
import { ActivityTranslator } from './activityHandler';
import { BotAuthentication, botAuthOptions } from './authentication';
import type { Card, ChatHandler, ConversationReference, MessageEndpoint, ProactiveSender, SendOutcome } from './types';

export interface TeamsTransport {
  sender: ProactiveSender;
  /** The messaging endpoint that hands every activity to this handler. */
  endpoint(handler: ChatHandler): MessageEndpoint;
}

/** The status, Retry-After and code of a Bot Connector REST error (@azure/core-http's RestError shape). */
function refusal(error: unknown): { status: number | null; retryAfter: string | null; code: string | undefined } {
  const e = error as { statusCode?: unknown; status?: unknown; code?: unknown; response?: { status?: unknown; headers?: { get?: (n: string) => string | undefined } } } | null;
  const s = e?.statusCode ?? e?.status ?? e?.response?.status;
  const headers = e?.response?.headers;
  return {
    status: typeof s === 'number' ? s : null,
    retryAfter: typeof headers?.get === 'function' ? (headers.get('retry-after') ?? null) : null,
    code: typeof e?.code === 'string' ? e.code : undefined,
  };
}

/** Proactive sends over an adapter; `appId` is '' in sandbox mode. */
export function proactiveSender(adapter: CloudAdapter, appId: string): ProactiveSender {
  return {
    async send(reference: ConversationReference, card: Card): Promise<SendOutcome> {
      let id: string | null = null;
      try {
        await adapter.continueConversationAsync(appId, reference as Partial<BotConversationReference>, async (context) => {
          const sent = await context.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] });
          id = sent?.id ?? null;
        });
      } catch (error) {
        const { status, retryAfter, code } = refusal(error);
        if (status === 403 || status === 404) return { kind: 'gone', status };
        // An HTTP answer or a network failure: the caller's retry policy decides. Anything else is a bug.
        if (status !== null || code !== undefined) return { kind: 'failed', status, code, retryAfter, error };
        throw error;
      }
      return { kind: 'sent', id };
    },
    async update(reference: ConversationReference, messageId: string, card: Card) {
      await adapter.continueConversationAsync(appId, reference as Partial<BotConversationReference>, async (context) => {
        await context.updateActivity({ type: 'message', id: messageId, attachments: [CardFactory.adaptiveCard(card)] });
      });
    },
  };
}

/**
 * The transport for the service, from its environment (`MicrosoftAppId` and friends). Sandbox mode
 * may run without an app id: /api/messages then accepts unauthenticated traffic.
 */
export function createTeamsTransport(options: { env: NodeJS.ProcessEnv; sandbox: boolean; log: Logger }): TeamsTransport {
  const { env, log } = options;
  const appId = env.MicrosoftAppId ?? '';
  if (!appId && !options.sandbox) {
    throw new Error('MicrosoftAppId is not set: a production bot needs its Azure Bot registration (see README, "Run it for real").');
  }
  if (!appId) log.warn('SANDBOX MODE: no MicrosoftAppId, so /api/messages accepts UNAUTHENTICATED traffic. Never expose this port.');
  const authOptions = botAuthOptions(env);
  if (env.ToBotFromChannelOpenIdMetadataUrl || env.ToBotFromChannelTokenIssuer) {
    log.warn({ metadata: authOptions.ToBotFromChannelOpenIdMetadataUrl, issuer: authOptions.ToBotFromChannelTokenIssuer }, 'Bot Framework tokens are checked against a non-default issuer (ToBotFromChannelOpenIdMetadataUrl)');
  }
  const adapter = new CloudAdapter(new BotAuthentication(authOptions));
  adapter.onTurnError = async (context, error) => {
    log.error({ err: error.message }, 'turn failed');
    await context.sendActivity('kb4sync hit an internal error; it has been logged.').catch(() => undefined);
  };
  return {
    sender: proactiveSender(adapter, appId),
    endpoint(handler: ChatHandler): MessageEndpoint {
      const translator = new ActivityTranslator(handler);
      return {
        process: async (req, res) => {
          // Only Teams writes `from.aadObjectId` and the tenant in `channelData` itself: Web Chat and
          // Direct Line clients write their own. Refused before authentication, parsing or any handler.
          const channelId = (req.body as { channelId?: unknown } | undefined)?.channelId;
          if (channelId !== 'msteams') {
            log.warn({ channelId: typeof channelId === 'string' ? channelId.slice(0, 40) : null }, 'activity from a channel other than msteams refused');
            res.status(403);
            res.send({ error: 'kb4sync answers Microsoft Teams (channelId msteams) only.' });
            return;
          }
          // A person is waiting on every activity: its requests go ahead of scheduled runs'.
          await adapter.process(req, res, (context) => whileSomeoneWaits(() => translator.run(context)));
        },
      };
    },
  };
}
