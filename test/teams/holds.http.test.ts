/**
 * Approve or hold single changes in Teams, over real HTTP against the sandbox: the preview's
 * Review button, the review card's toggles, Apply selected (progress on the same card), Hold
 * always kept for later plans, and a tampered selection refused.
 */
import { actions, cardOf, text, type BotClient } from '../helpers/botHttp';
import { startBotRig, type BotRig } from '../helpers/botRig';

let rig: BotRig;
let sandbox: BotRig['sandbox'];
let running: Pick<BotRig, 'app' | 'service'>;
let bot: BotClient;
let connector: BotRig['connector'];

beforeAll(async () => {
  rig = await startBotRig({ name: 'holds' });
  ({ sandbox, bot, connector } = rig);
  running = rig;
});

afterAll(() => rig.stop());

test('Review → hold one archive, hold another always, hold a new user → Apply selected applies the rest; the held stay as they were', async () => {
  const kb4 = sandbox.knowbe4.account('acme').controls;
  const { card, message } = await bot.say('preview sync acme');
  const review = actions(card).find((a) => a.verb === 'reviewHolds');
  expect(review?.data).toMatchObject({ offset: '0', ops: '', held: '' });
  const page = await bot.click(message.activityId, 'reviewHolds', review?.data ?? {});
  expect(text(page)).toContain('Input.Toggle');
  const apply = actions(page).find((a) => a.verb === 'applySelected');
  const ops = String(apply?.data?.ops).split('|');
  const archives = ops.filter((o) => o.startsWith('archive:'));
  const create = ops.find((o) => o.startsWith('create:'));
  expect(archives.length).toBeGreaterThanOrEqual(2);
  const plan = (await running.app.store.getPlan(String(apply?.data?.planId)))!.plan;
  const nameOf = (opId: string) => {
    const op = plan.operations.find((o) => o.id === opId);
    if (op?.kind !== 'archive' && op?.kind !== 'create') throw new Error(`${opId} is not a create or an archive`);
    return op.userName;
  };
  const [heldOnce, heldAlways] = [nameOf(archives[0]!), nameOf(archives[1]!)];

  const selection: Record<string, unknown> = { ...apply?.data, reason: 'checking with HR' };
  selection[`keep_${ops.indexOf(archives[0]!)}`] = 'false';
  selection[`always_${ops.indexOf(archives[1]!)}`] = 'true';
  if (create) selection[`keep_${ops.indexOf(create)}`] = 'false';
  const answer = await bot.click(message.activityId, 'applySelected', selection);
  expect(text(answer)).toMatch(/Applying|Starting/i);
  await connector.waitFor((a) => a.method === 'update' && a.activityId === message.activityId && !/Starting|Applying/.test(text(cardOf(a))), 120_000);

  expect(kb4.userByName(heldOnce)?.active).toBe(true);
  expect(kb4.userByName(heldAlways)?.active).toBe(true);
  if (create) expect(kb4.userByName(nameOf(create))).toBeUndefined();
  const other = archives.slice(2).map(nameOf);
  for (const name of other) expect(kb4.userByName(name)?.active).toBe(false);

  expect(await running.app.holds.list('acme')).toEqual([expect.objectContaining({ address: heldAlways.toLowerCase(), reason: 'checking with HR' })]);
  const holds = (await running.app.store.listAudit({ companyId: 'acme' })).filter((e) => e.action === 'hold');
  expect(holds.map((e) => e.detail.userName ?? e.detail.address)).toEqual(expect.arrayContaining([heldOnce, heldAlways.toLowerCase()]));

  // The next preview holds the standing one and shows who held it.
  const next = await bot.say('preview sync acme');
  const nextPlan = (await running.app.store.getPlan(String(actions(next.card).find((a) => a.verb === 'apply')?.data?.planId ?? actions(next.card).find((a) => a.verb === 'cancel')?.data?.planId)))?.plan;
  expect(nextPlan?.held?.map((h) => [h.userName, h.standing])).toEqual([[heldAlways, true]]);
  expect(text(next.card)).toMatch(new RegExp(`Held: ${heldAlways.replace(/[.]/g, '\\.')} \\(archive, held by [^)]+ on \\d{4}-\\d{2}-\\d{2}\\)`));

  // Removed from the card: "Keep holding" off on the review card, then Apply selected.
  const again = await bot.click(next.message.activityId, 'reviewHolds', actions(next.card).find((a) => a.verb === 'reviewHolds')?.data ?? {});
  const applyAgain = actions(again).find((a) => a.verb === 'applySelected');
  expect(applyAgain?.data?.standing).toBe(heldAlways);
  await bot.click(next.message.activityId, 'applySelected', { ...applyAgain?.data, unhold_0: 'false' });
  await connector.waitFor((a) => a.method === 'update' && a.activityId === next.message.activityId && !/Starting|Applying/.test(text(cardOf(a))), 120_000);
  expect(await running.app.holds.list('acme')).toEqual([]);
  expect((await running.app.store.listAudit({ companyId: 'acme' })).some((e) => e.action === 'unhold' && e.detail.address === heldAlways.toLowerCase())).toBe(true);
}, 240_000);

test('a tampered selection (an id the plan does not have) is refused and nothing is written', async () => {
  const { card, message } = await bot.say('preview sync initech');
  const review = actions(card).find((a) => a.verb === 'reviewHolds');
  const page = await bot.click(message.activityId, 'reviewHolds', review?.data ?? {});
  const apply = actions(page).find((a) => a.verb === 'applySelected');
  const writes = () => sandbox.knowbe4.account('initech').controls.requests().filter((r) => r.method !== 'GET').length;
  const before = writes();
  const forged = await bot.click(message.activityId, 'applySelected', { ...apply?.data, held: 'archive:someone-else' });
  expect(text(forged)).toMatch(/does not have/);
  expect(writes()).toBe(before);
});

test('a standing hold on a new user holds their create in `sync user` too', async () => {
  const { card } = await bot.say('preview sync initech');
  const planId = String(actions(card).find((a) => a.verb === 'cancel')?.data?.planId);
  const create = (await running.app.store.getPlan(planId))?.plan.operations.find((op) => op.kind === 'create');
  if (create?.kind !== 'create') throw new Error('the initech preview creates nobody');
  await running.app.holds.hold('initech', { address: create.userName, by: 'Ann Admin', at: new Date().toISOString(), reason: 'starts next month' });
  await bot.say(`sync user ${create.userName}`);
  expect(sandbox.knowbe4.account('initech').controls.userByName(create.userName)).toBeUndefined();
  // Without the hold the same command creates them.
  await running.app.holds.unhold('initech', create.userName);
  await bot.say(`sync user ${create.userName}`);
  expect(sandbox.knowbe4.account('initech').controls.userByName(create.userName)?.active).toBe(true);
});
