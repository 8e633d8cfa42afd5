/** Proactive messages through a real CloudAdapter to the loopback Bot Connector stand-in. */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { createLogger } from '../../src/observability/log';
import type { NotifyEvent } from '../../src/notify/events';
import { TeamsNotifier } from '../../src/notify/teams';
import { proactiveSender } from '../../src/teams/transport';
import { openDatabase } from '../../src/store/db';
import { ConversationStore } from '../../src/store/conversations';
import { startConnector, type ConnectorStandIn } from '../helpers/botConnector';

const event: NotifyEvent = {
  kind: 'auto-paused',
  company: { id: 'acme', name: 'Acme Corp' },
  consecutiveFailures: 3,
  lastProblem: { kind: 'failure', code: 'knowbe4-error', service: 'KnowBe4', message: 'KnowBe4 answered 503 five times', fix: null },
};

function reference(connector: ConnectorStandIn, id: string) {
  return {
    channelId: 'msteams',
    serviceUrl: connector.url,
    conversation: { id, isGroup: true, conversationType: 'channel', tenantId: 't1' },
    bot: { id: 'bot', name: 'kb4sync' },
  };
}

describe('Teams notifier', () => {
  let connector: ConnectorStandIn;
  let conversations: ConversationStore;
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const sleeps: number[] = [];
  const notifier = () =>
    new TeamsNotifier({
      sender: proactiveSender(adapter, ''),
      conversations,
      render: (e) => ({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: `${e.company.name}: ${e.kind}` }] }),
      log: createLogger({ level: 'silent' }),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });

  beforeEach(async () => {
    connector = await startConnector();
    conversations = new ConversationStore((await openDatabase({ sqlitePath: ':memory:' })).db);
    const now = new Date();
    await conversations.save({ id: 'chan-ops', reference: reference(connector, 'chan-ops'), kind: 'channel', name: 'MSP Ops', companies: null }, now);
    await conversations.save({ id: 'chan-globex', reference: reference(connector, 'chan-globex'), kind: 'channel', name: 'Globex only', companies: ['globex'] }, now);
  });
  afterEach(() => connector.close());

  test('an event reaches every conversation subscribed to its company, as a card', async () => {
    await notifier().notify(event);
    expect(connector.activities.map((a) => a.conversationId)).toEqual(['chan-ops']);
    const attachment = (connector.activities[0]?.activity.attachments as { contentType: string; content: { body: { text: string }[] } }[])[0];
    expect(attachment?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment?.content.body[0]?.text).toBe('Acme Corp: auto-paused');
  });

  test('429 from the connector is retried with backoff until the message goes through', async () => {
    // The Bot Framework client retries a few 429s itself (honouring Retry-After); a longer storm
    // reaches the notifier's own backoff.
    connector.throttle(12, 0);
    await notifier().notify(event);
    expect(connector.activities).toHaveLength(1);
    expect(sleeps.length).toBeGreaterThan(0);
  });

  test('a conversation that no longer exists is marked dead and skipped afterwards', async () => {
    connector.dead.add('chan-ops');
    await notifier().notify(event);
    expect((await conversations.get('chan-ops'))?.dead).toBe(true);
    connector.dead.clear();
    await notifier().notify(event);
    expect(connector.activities).toHaveLength(0);
  });
});

test('one conversation failing (500, 401, network) does not keep the message from the others; the failures are reported together', async () => {
  const connector = await startConnector();
  const conversations = new ConversationStore((await openDatabase({ sqlitePath: ':memory:' })).db);
  const now = new Date();
  await conversations.save({ id: 'c-500', reference: reference(connector, 'c-500'), kind: 'channel', name: 'Broken 500', companies: null }, now);
  await conversations.save({ id: 'c-ok-1', reference: reference(connector, 'c-ok-1'), kind: 'channel', name: 'Fine one', companies: null }, now);
  await conversations.save({ id: 'c-401', reference: reference(connector, 'c-401'), kind: 'channel', name: 'Broken 401', companies: null }, now);
  // A service URL where nothing listens: a network failure.
  await conversations.save({ id: 'c-net', reference: { ...reference(connector, 'c-net'), serviceUrl: 'http://127.0.0.1:9/' }, kind: 'channel', name: 'Unreachable', companies: null }, now);
  await conversations.save({ id: 'c-ok-2', reference: reference(connector, 'c-ok-2'), kind: 'channel', name: 'Fine two', companies: null }, now);
  connector.failing.set('c-500', 500);
  connector.failing.set('c-401', 401);
  const notifier = new TeamsNotifier({
    sender: proactiveSender(new CloudAdapter(new ConfigurationBotFrameworkAuthentication({})), ''),
    conversations,
    render: () => ({ type: 'AdaptiveCard', version: '1.5', body: [] }),
    log: createLogger({ level: 'silent' }),
    sleep: async () => undefined,
  });
  try {
    const outcome = await notifier.notify(event).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(connector.activities.map((a) => a.conversationId).sort()).toEqual(['c-ok-1', 'c-ok-2']);
    expect(outcome?.message).toMatch(/^Teams did not take the message in 3 of 5 conversations: Broken 500 \(.+\); Broken 401 \(.+\); Unreachable \(.+\)$/);
    // Failures are not "gone": those conversations stay subscribed.
    expect((await conversations.list()).filter((c) => c.dead)).toEqual([]);
  } finally {
    await connector.close();
  }
});

test('a company can limit which subscribed conversations hear about it', async () => {
  const connector = await startConnector();
  const conversations = new ConversationStore((await openDatabase({ sqlitePath: ':memory:' })).db);
  const now = new Date();
  await conversations.save({ id: 'c1', reference: reference(connector, 'c1'), kind: 'channel', name: 'IT Operations / MSP Alerts', companies: null }, now);
  await conversations.save({ id: 'c2', reference: reference(connector, 'c2'), kind: 'channel', name: 'Sales / General', companies: null }, now);
  const notifier = new TeamsNotifier({
    sender: proactiveSender(new CloudAdapter(new ConfigurationBotFrameworkAuthentication({})), ''),
    conversations,
    render: () => ({ type: 'AdaptiveCard', version: '1.5', body: [] }),
    log: createLogger({ level: 'silent' }),
    wants: (_company, sub) => sub.name === 'IT Operations / MSP Alerts',
  });
  try {
    await notifier.notify(event);
    expect(connector.activities.map((a) => a.conversationId)).toEqual(['c1']);
  } finally {
    await connector.close();
  }
});
