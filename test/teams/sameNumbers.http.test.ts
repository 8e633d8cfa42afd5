/**
 * The same numbers everywhere: one plan previewed in Teams, applied, then read back from the
 * result card, `runs` and `status` in Teams, the CLI's `runs` and the JSON report. Each says the
 * plan in people with the words of sync/people.ts, and each says the same thing.
 */
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { registerRunCommands } from '../../src/cli/runCommands';
import { countPeople, peopleSummary } from '../../src/sync';
import { actions, cardOf, text, type Card } from '../helpers/botHttp';
import { startBotWorld, type BotWorld } from '../helpers/botWorld';

let world: BotWorld;
beforeAll(async () => {
  world = await startBotWorld('kb4sync-numbers-');
});
afterAll(() => world.stop());

/** The summary line of a preview or result card (the first bold TextBlock outside the heading). */
const summaryOf = (card: Card) => ((card.body as { text?: string; weight?: string; type: string }[]).find((b) => b.type === 'TextBlock' && b.weight === 'Bolder' && !b.text?.startsWith('Preview:'))?.text ?? '');

async function cli(args: string[]): Promise<string> {
  let out = '';
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => void ((out += chunk.toString()), done()) });
  const program = new Command().exitOverride();
  // The CLI on the running service's store; closing it is the test's job.
  registerRunCommands(program, async () => ({ ...world.running.app, close: async () => undefined }), { out: sink, err: sink, in: process.stdin });
  await program.parseAsync(args, { from: 'user' });
  return out;
}

test('preview, result, runs, status, the CLI and the JSON report count the same people', async () => {
  const { bot, connector, running } = world;
  const { card: preview, message } = await bot.say('preview sync acme');
  const apply = actions(preview).find((a) => a.verb === 'apply');
  const stored = await running.app.store.getPlan(String(apply?.data?.planId));
  const expected = peopleSummary(countPeople(stored!.plan));
  expect(expected).toMatch(/^12 joiners/);
  expect(summaryOf(preview)).toBe(expected);
  expect(apply?.title).toContain(expected.split(', ')[0]);

  await bot.click(message.activityId, 'apply', apply?.data ?? {});
  const done = await connector.waitFor((a) => a.method === 'update' && a.activityId === message.activityId && /sync complete|sync partly applied|sync failed/.test(text(cardOf(a))), 120_000);
  const result = cardOf(done);
  expect(text(result)).toContain('sync complete');
  expect(summaryOf(result)).toBe(expected);

  const [run] = await running.app.store.listRuns('acme', 1);
  expect(run?.report?.people).toEqual(countPeople(stored!.plan));
  expect(run?.report?.sync_summary.users_created).toBe(run?.report?.people?.joiners);

  expect(text((await bot.say('runs acme')).card)).toContain(expected);
  expect(text((await bot.say('status acme')).card)).toContain(expected);
  expect(await cli(['runs', 'acme'])).toContain(expected);
}, 180_000);
