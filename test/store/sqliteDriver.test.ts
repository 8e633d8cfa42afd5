/** The SQLite driver follows the Node.js line: 13 where it runs (22.14+, 24), 12 on Node 20. */
import { openDatabase, sqliteDriver } from '../../src/store/db';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';

test.each([
  ['20.20.2', 'better-sqlite3@12'],
  ['22.13.1', 'better-sqlite3@12'],
  ['22.14.0', 'better-sqlite3@13'],
  ['22.23.3', 'better-sqlite3@13'],
  ['24.0.0', 'better-sqlite3@13'],
  ['26.1.0', 'better-sqlite3@13'],
])('Node %s uses %s', (version, name) => {
  expect(sqliteDriver(version).name).toBe(name);
});

test('the driver chosen for this Node opens a store and runs the migrations', async () => {
  const { db, dialect } = await openDatabase({ sqlitePath: ':memory:' });
  try {
    expect(dialect).toBe('sqlite');
    const { rows } = await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table'`.execute(db);
    expect(rows[0]?.n).toBeGreaterThan(3);
  } finally {
    await db.destroy();
  }
});

test('a SQLite store runs in WAL mode with a page cache sized for many companies, not SQLite’s 2 MB', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-pragma-'));
  const { db } = await openDatabase({ sqlitePath: join(dir, 'kb4sync.db') });
  try {
    const pragma = async (name: 'journal_mode' | 'cache_size' | 'synchronous') => Object.values((await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(db)).rows[0] ?? {})[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('cache_size')).toBe(-16000);
    expect(await pragma('synchronous')).toBe(1);
  } finally {
    await db.destroy();
  }
});
