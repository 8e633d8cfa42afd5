/**
 * Asking back instead of failing, over real HTTP: a command without its argument asks for it, a
 * guessed company name never pauses or resumes anything without a click, and read-only commands
 * say when they read a name loosely.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../../src/service/start';
import type { App } from '../../src/service/app';
import { SANDBOX_ADMIN, SANDBOX_VIEWER, startSandbox, type Sandbox } from '../../src/sandbox';
import type { Service } from '../../src/service/serve';
import { startConnector, type ConnectorStandIn } from '../helpers/botConnector';
import { actions, botClient, cardOf, text as cardText, type BotClient, type Card } from '../helpers/botHttp';

let sandbox: Sandbox;
let connector: ConnectorStandIn;
let running: { app: App; service: Service };
let bot: BotClient;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-ask-'));
  sandbox = await startSandbox({ dir, configPath: join(dir, 'kb4sync.sandbox.yaml'), ports: { knowbe4: 0, graph: 0, authority: 0 } });
  connector = await startConnector();
  running = await startService({
    configPath: sandbox.configPath,
    env: { KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), LOG_LEVEL: 'silent' },
    host: '127.0.0.1',
    port: 0,
    sandbox: true,
    schedule: false,
  });
  bot = botClient(running.service, connector);
});

afterAll(async () => {
  await running.service.stop();
  await running.app.close();
  await connector.close();
  await sandbox.stop();
});

let conversations = 0;

/** Every card the bot sends for one message (the handler has finished when the POST returns). */
async function cardsFor(message: string, who = SANDBOX_ADMIN): Promise<Card[]> {
  const conversation = `ask-${++conversations}`;
  await bot.say(message, who, conversation);
  return connector.activities.filter((a) => a.conversationId === conversation && Array.isArray(a.activity.attachments)).map(cardOf);
}

const text = (card: Card | undefined) => cardText(card ?? {});
const buttons = (card: Card | undefined) => actions(card ?? {}).filter((a) => a.verb === 'choose');
const HELP = /kb4sync commands/;

test.each([
  ['runs', 'runs'],
  ['preview sync', 'preview'],
  ['pause', 'pause'],
])('"%s" without a company asks which, with a button per company, recent ones first', async (typed, command) => {
  await running.app.store.updateCompanyState('initech', { lastRunAt: new Date() });
  const [card, ...more] = await cardsFor(typed);
  expect(more).toEqual([]);
  expect(text(card)).toContain('Which company?');
  expect(text(card)).not.toMatch(HELP);
  expect(buttons(card).map((b) => [b.title, b.data])).toEqual([
    ['Initech', { companyId: 'initech', command }],
    ['Acme Corp', { companyId: 'acme', command }],
    ['Globex', { companyId: 'globex', command }],
  ]);
});

test('a button of the question answers the command', async () => {
  const { message, card } = await bot.say('runs');
  const initech = buttons(card).find((b) => b.title === 'Initech');
  const answer = await bot.click(message.activityId, 'choose', initech?.data);
  expect(text(answer)).toContain('Initech');
  expect(text(answer)).not.toContain('Which company?');
});

test('sync user without an address, or with a name, asks for the address and changes nothing', async () => {
  const runsBefore = (await running.app.store.listRuns('acme', 100)).length;
  for (const typed of ['sync user', 'sync user Ada Lovelace']) {
    const [card] = await cardsFor(typed);
    expect(text(card)).toMatch(/I need their e-mail address, e\.g\./);
    expect(text(card)).not.toMatch(HELP);
  }
  expect(text((await cardsFor('sync user Ada Lovelace'))[0])).toContain('Ada Lovelace');
  expect((await running.app.store.listRuns('acme', 100)).length).toBe(runsBefore);
});

test('onboard without its arguments says what it needs', async () => {
  const [card] = await cardsFor('onboard Contoso');
  expect(text(card)).toMatch(/name, its e-mail domain and its KnowBe4 Tenant URL/);
});

test('pause on a guessed name asks "Did you mean …?" and pauses only on the click', async () => {
  const [card, ...more] = await cardsFor('pause acmee');
  expect(more).toEqual([]);
  expect(text(card)).toContain('Did you mean Acme Corp?');
  expect((await running.app.store.getCompanyState('acme')).paused).toBe(false);
  expect(buttons(card)).toEqual([expect.objectContaining({ title: 'Pause Acme Corp', data: { companyId: 'acme', command: 'pause' } })]);

  // The same button from someone who is not an admin is refused.
  const refused = await bot.click('card-x', 'choose', { companyId: 'acme', command: 'pause' }, SANDBOX_VIEWER);
  expect(text(refused)).toContain('Not allowed');
  expect((await running.app.store.getCompanyState('acme')).paused).toBe(false);

  expect(text(await bot.click('card-x', 'choose', { companyId: 'acme', command: 'pause' }))).toContain('Acme Corp paused');
  expect((await running.app.store.getCompanyState('acme')).paused).toBe(true);

  const [resumeCard] = await cardsFor('resume acm corp');
  expect(text(resumeCard)).toContain('Did you mean Acme Corp?');
  expect((await running.app.store.getCompanyState('acme')).paused).toBe(true);
  // The exact id acts at once.
  expect(text((await cardsFor('resume acme'))[0])).toContain('Acme Corp resumed');
  expect((await running.app.store.getCompanyState('acme')).paused).toBe(false);
});

test('a read-only command resolves a guessed name but says so', async () => {
  const [note, card] = await cardsFor('runs acmee');
  expect(text(note)).toContain('Showing Acme Corp: the closest name to');
  expect(text(card)).toContain('Acme Corp');
  expect(text(card)).not.toContain('Showing Acme Corp');
  // An exact name gets the answer alone.
  const exact = await cardsFor('runs Acme Corp');
  expect(exact).toHaveLength(1);
});

test('an unknown company gets the closest names, or every company, as buttons', async () => {
  const [close] = await cardsFor('status Acmx Crop');
  expect(buttons(close).map((b) => b.title)).toContain('Acme Corp');
  const [none] = await cardsFor('status Wayne Enterprises');
  expect(text(none)).toContain('No company called');
  expect(buttons(none)).toHaveLength(3);
});

test('the help card shows every command with its argument, onboard included', async () => {
  const [card] = await cardsFor('help');
  for (const usage of ['preview sync <company>', 'sync user <email>', 'runs <company>', 'pause <company>', 'onboard <name> <domain> <KnowBe4 Tenant URL>']) expect(text(card)).toContain(usage);
});
