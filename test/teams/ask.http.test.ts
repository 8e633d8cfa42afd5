/**
 * Asking back instead of failing, over real HTTP: a command without its argument asks for it, a
 * guessed company name never pauses or resumes anything without a click, and read-only commands
 * say when they read a name loosely.
 */
import { SANDBOX_ADMIN, SANDBOX_VIEWER } from '../../src/sandbox';
import { actions, cardOf, text as cardText, type Card } from '../helpers/botHttp';
import { startBotRig, type BotRig } from '../helpers/botRig';

let rig: BotRig;
beforeAll(async () => {
  rig = await startBotRig({ name: 'ask' });
});
afterAll(() => rig.stop());

let conversations = 0;

/** Every card the bot sends for one message (the handler has finished when the POST returns). */
async function cardsFor(message: string, who = SANDBOX_ADMIN): Promise<Card[]> {
  const conversation = `ask-${++conversations}`;
  await rig.bot.say(message, who, conversation);
  return rig.connector.activities.filter((a) => a.conversationId === conversation && Array.isArray(a.activity.attachments)).map(cardOf);
}

const text = (card: Card | undefined) => cardText(card ?? {});
const buttons = (card: Card | undefined) => actions(card ?? {}).filter((a) => a.verb === 'choose');
const HELP = /kb4sync commands/;

test.each([
  ['runs', 'runs'],
  ['audit', 'audit'],
  ['preview sync', 'preview'],
  ['pause', 'pause'],
])('"%s" without a company asks which, with a button per company, recent ones first', async (typed, command) => {
  await rig.app.store.updateCompanyState('initech', { lastRunAt: new Date() });
  const [card, ...more] = await cardsFor(typed);
  expect(more).toEqual([]);
  expect(text(card)).toContain('Which company?');
  expect(text(card)).not.toMatch(HELP);
  // A button that changes something says so.
  const label = (name: string) => (command === 'pause' ? `Pause ${name}` : name);
  expect(buttons(card).map((b) => [b.title, b.data])).toEqual([
    [label('Initech'), { companyId: 'initech', command }],
    [label('Acme Corp'), { companyId: 'acme', command }],
    [label('Globex'), { companyId: 'globex', command }],
  ]);
});

test('a button of the question answers the command', async () => {
  const { message, card } = await rig.bot.say('runs');
  const initech = buttons(card).find((b) => b.title === 'Initech');
  const answer = await rig.bot.click(message.activityId, 'choose', initech?.data);
  expect(text(answer)).toContain('Initech');
  expect(text(answer)).not.toContain('Which company?');
});

test('sync user without an address, or with a name, asks for the address and changes nothing', async () => {
  const runsBefore = (await rig.app.store.listRuns('acme', 100)).length;
  for (const typed of ['sync user', 'sync user Ada Lovelace']) {
    const [card] = await cardsFor(typed);
    expect(text(card)).toMatch(/I need their e-mail address, e\.g\./);
    expect(text(card)).not.toMatch(HELP);
  }
  expect(text((await cardsFor('sync user Ada Lovelace'))[0])).toContain('Ada Lovelace');
  expect((await rig.app.store.listRuns('acme', 100)).length).toBe(runsBefore);
});

test('onboard without its arguments says what it needs', async () => {
  const [card] = await cardsFor('onboard Contoso');
  expect(text(card)).toMatch(/name, its e-mail domain and its KnowBe4 Tenant URL/);
});

test('pause on a guessed name asks "Did you mean …?" and pauses only on the click', async () => {
  const [card, ...more] = await cardsFor('pause acmee');
  expect(more).toEqual([]);
  expect(text(card)).toContain('Did you mean Acme Corp?');
  expect((await rig.app.store.getCompanyState('acme')).paused).toBe(false);
  expect(buttons(card)).toEqual([expect.objectContaining({ title: 'Pause Acme Corp', data: { companyId: 'acme', command: 'pause' } })]);

  // The same button from someone who is not an admin is refused.
  const refused = await rig.bot.click('card-x', 'choose', { companyId: 'acme', command: 'pause' }, SANDBOX_VIEWER);
  expect(text(refused)).toContain('Not allowed');
  expect((await rig.app.store.getCompanyState('acme')).paused).toBe(false);

  expect(text(await rig.bot.click('card-x', 'choose', { companyId: 'acme', command: 'pause' }))).toContain('Acme Corp paused');
  expect((await rig.app.store.getCompanyState('acme')).paused).toBe(true);

  const [resumeCard] = await cardsFor('resume acm corp');
  expect(text(resumeCard)).toContain('Did you mean Acme Corp?');
  expect((await rig.app.store.getCompanyState('acme')).paused).toBe(true);
  // The exact id acts at once.
  expect(text((await cardsFor('resume acme'))[0])).toContain('Acme Corp resumed');
  expect((await rig.app.store.getCompanyState('acme')).paused).toBe(false);
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

test('audit on an unknown name asks which company, and the button runs the audit', async () => {
  const [card, ...more] = await cardsFor('audit Acmx Crop');
  expect(more).toEqual([]);
  expect(text(card)).toMatch(/No company called .*Acmx Crop/);
  const acme = buttons(card).find((b) => b.title === 'Acme Corp');
  expect(acme?.data).toEqual({ companyId: 'acme', command: 'audit' });
  const audited = await rig.bot.click('card-x', 'choose', acme?.data);
  expect(text(audited)).toMatch(/Acme Corp/);
  expect(text(audited)).toMatch(/[Ss]eats/);
  expect(text(audited)).not.toContain('Which company?');
});
