/**
 * `audit <company>` in Teams over real HTTP, against the sandbox Graph and KnowBe4 (SCIM and the
 * Reporting API, whose tokens the sandbox configures): the card leads with what needs a decision,
 * its download has every row, and KnowBe4 gets only reads.
 */
import { actions, text, type BotClient } from '../helpers/botHttp';
import { startBotRig, type BotRig } from '../helpers/botRig';

let rig: BotRig;
let sandbox: BotRig['sandbox'];
let running: Pick<BotRig, 'app' | 'service'>;
let bot: BotClient;

beforeAll(async () => {
  rig = await startBotRig({ name: 'audit' });
  ({ sandbox, bot } = rig);
  running = rig;
});

afterAll(() => rig.stop());

test('audit globex: over its seats first, every section present, the CSV has every row, nothing written to KnowBe4', async () => {
  const controls = sandbox.knowbe4.account('globex').controls;
  controls.clearRequests();
  const { card } = await bot.say('audit globex');
  expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(28 * 1024);
  const shown = text(card);
  expect(shown).toContain('Audit: Globex');
  // The decision block comes before the sections, and the seats decision is in it.
  expect(shown.indexOf('Needs a decision')).toBeLessThan(shown.indexOf('Drift'));
  expect(shown).toMatch(/5 seats over the contracted \d+/);
  for (const section of ['Drift', 'At risk', 'Stuck', 'Seats', 'Training reach']) expect(shown).toContain(`**${section}**`);
  expect(shown).toMatch(/never signed in/);

  expect(controls.requests().filter((r) => r.method !== 'GET')).toEqual([]);
  expect(controls.requestCount({ api: 'reporting' })).toBeGreaterThan(0);

  const stored = (await running.app.audits.listAudits('globex', 1))[0]!;
  const csvLink = actions(card).find((a) => a.url?.includes('.csv'));
  expect(csvLink?.url).toContain(`/downloads/audit-${stored.auditId}.csv`);
  const res = await fetch(csvLink?.url as string);
  expect(res.status).toBe(200);
  const lines = (await res.text()).trim().split('\r\n');
  const a = stored.audit;
  expect(lines).toHaveLength(1 + a.drift.count + a.atRisk.count + a.stuck.count + (a.reach?.neverSignedIn ?? 0));
  // 2,350 records read over SCIM and the Reporting API: minutes on a busy two-core machine.
}, 240_000);

test('audit with an unknown name, or none, asks which company', async () => {
  expect(text((await bot.say('audit Wayne Enterprises')).card)).toMatch(/No company called .*Wayne Enterprises/);
  expect(text((await bot.say('audit')).card)).toMatch(/Which company\?[\s\S]*audit <company>/);
});
