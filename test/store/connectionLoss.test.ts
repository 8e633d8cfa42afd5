/**
 * A dropped PostgreSQL connection does not end the process: the pool's `error` event is handled
 * and logged, and the next query gets a new connection. Stray rejections are logged and the
 * process keeps serving; an uncaught exception is logged before the process exits non-zero.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PG_URL } from '../helpers/stores';

test('an idle connection killed by PostgreSQL is logged and the store keeps working; process-level errors are logged', () => {
  const schema = `kb4s_drop_${process.pid}`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'helpers', 'pgDropChild.ts'), JSON.stringify({ url: PG_URL, schema })], { encoding: 'utf8', timeout: 60_000 });
  expect(child.stderr).not.toContain("Unhandled 'error' event");
  expect(child.stdout).toContain('query after drop: 1');
  expect(child.stdout).toContain('transaction failed as it should');
  expect(child.stdout).toContain('query after a checked-out drop: 1');
  expect(child.stdout).toContain('still running');
  expect(child.stdout).not.toContain('never printed');
  const logs = child.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; err?: unknown });
  expect(logs.map((l) => l.msg)).toEqual(['PostgreSQL dropped an idle connection', 'unhandledRejection: kept serving', 'uncaughtException: exiting']);
  expect(JSON.stringify(logs[1]?.err)).toContain('nobody awaited this');
  expect(child.status).toBe(1);
});
