/**
 * The same numbers everywhere: one plan previewed in Teams, applied, then read back from the
 * result card, `runs` and `status` in Teams, the CLI's `runs` and the JSON report. Each says the
 * plan in people with the words of sync/people.ts, and each says the same thing.
 */
import { PassThrough, Writable } from 'node:stream';
import { Command } from 'commander';
import { registerRunCommands } from '../../src/cli/runCommands';
import { countPeople, peopleSummary } from '../../src/sync';
import { actions, cardOf, text, type Card } from '../helpers/botHttp';
import { startBotRig, type BotRig } from '../helpers/botRig';

let world: BotRig;
beforeAll(async () => {
  world = await startBotRig({ name: 'numbers' });
});
afterAll(() => world.stop());

/** The summary line of a preview or result card (the first bold TextBlock outside the heading). */
const summaryOf = (card: Card) => ((card.body as { text?: string; weight?: string; type: string }[]).find((b) => b.type === 'TextBlock' && b.weight === 'Bolder' && !b.text?.startsWith('Preview:'))?.text ?? '');

/** The CLI on the running service's store; `typed` is what a person types at a terminal. */
async function cli(args: string[], typed?: string): Promise<{ out: string; exitCode: number | undefined }> {
  let out = '';
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => void ((out += chunk.toString()), done()) });
  const input = Object.assign(new PassThrough(), { isTTY: typed !== undefined });
  if (typed !== undefined) input.end(`${typed}\n`);
  const program = new Command().exitOverride();
  // Closing the app is the test's job, not the command's.
  registerRunCommands(program, async () => ({ ...world.app, close: async () => undefined }), { out: sink, err: sink, in: input });
  const before = process.exitCode;
  try {
    await program.parseAsync(args, { from: 'user' });
    return { out, exitCode: process.exitCode === before ? undefined : Number(process.exitCode) };
  } finally {
    process.exitCode = before;
  }
}

test('preview, result, runs, status, the CLI and the JSON report count the same people', async () => {
  const { bot, connector, app } = world;
  const { card: preview, message } = await bot.say('preview sync acme');
  const apply = actions(preview).find((a) => a.verb === 'apply');
  const stored = await app.store.getPlan(String(apply?.data?.planId));
  const expected = peopleSummary(countPeople(stored!.plan));
  expect(expected).toMatch(/^12 joiners/);
  expect(summaryOf(preview)).toBe(expected);
  expect(apply?.title).toContain(expected.split(', ')[0]);

  await bot.click(message.activityId, 'apply', apply?.data ?? {});
  const done = await connector.waitFor((a) => a.method === 'update' && a.activityId === message.activityId && /sync complete|sync partly applied|sync failed/.test(text(cardOf(a))), 120_000);
  const result = cardOf(done);
  expect(text(result)).toContain('sync complete');
  expect(summaryOf(result)).toBe(expected);

  const [run] = await app.store.listRuns('acme', 1);
  expect(run?.report?.people).toEqual(countPeople(stored!.plan));
  expect(run?.report?.sync_summary.users_created).toBe(run?.report?.people?.joiners);

  expect(text((await bot.say('runs acme')).card)).toContain(expected);
  expect(text((await bot.say('status acme')).card)).toContain(expected);
  expect((await cli(['runs', 'acme'])).out).toContain(expected);
}, 180_000);

test('on a terminal, kb4sync apply asks for the archive count instead of refusing; a wrong one applies nothing', async () => {
  const writes = () => world.sandbox.knowbe4.account('globex').controls.requestCount({ method: 'PATCH' }) + world.sandbox.knowbe4.account('globex').controls.requestCount({ method: 'POST' });
  const before = writes();
  const { out, exitCode } = await cli(['apply', 'globex'], '349');
  expect(out).toContain('The guard holds this plan: it archives 350 users. Type 350 to apply it anyway');
  expect(out).toContain('Nothing applied: type 350 to confirm.');
  expect(exitCode).toBe(3);
  expect(writes()).toBe(before);
}, 120_000);
