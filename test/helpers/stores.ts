/**
 * The two databases every store test runs against: a SQLite file and PostgreSQL (its own schema
 * per test file). PostgreSQL must be there: in CI its absence fails the run, it never skips.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type OpenedDatabase } from '../../src/store/db';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  open(): Promise<OpenedDatabase>;
  /** Drops what open() made. */
  cleanup(): Promise<void>;
}

export function testDatabases(): TestDatabase[] {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-store-'));
  const schema = `kb4s_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const opened: OpenedDatabase[] = [];
  return [
    {
      name: 'sqlite',
      open: async () => {
        const db = await openDatabase({ sqlitePath: join(dir, 'kb4sync.db') });
        opened.push(db);
        return db;
      },
      cleanup: async () => {
        for (const db of opened.splice(0).filter((d) => d.dialect === 'sqlite')) await db.db.destroy();
      },
    },
    {
      name: 'postgres',
      open: async () => {
        const db = await openDatabase({ databaseUrl: PG_URL, pgSchema: schema });
        opened.push(db);
        return db;
      },
      cleanup: async () => {
        const mine = opened.filter((d) => d.dialect === 'postgres');
        opened.splice(0, opened.length, ...opened.filter((d) => d.dialect !== 'postgres'));
        const first = mine[0];
        if (first) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(first.db);
        for (const db of mine) await db.db.destroy();
      },
    },
  ];
}
