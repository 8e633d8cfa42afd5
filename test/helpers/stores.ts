/**
 * The two databases every store test runs against: a SQLite file and PostgreSQL (its own schema
 * per test file). PostgreSQL must be there: in CI its absence fails the run, it never skips.
 * `openFresh` gives each test an empty database of its own (another file, another schema; the
 * previous one is dropped), so no test starts from what an earlier one left behind.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type OpenedDatabase } from '../../src/store/db';
import { KyselyRunStore } from '../../src/store/runStore';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  open(): Promise<OpenedDatabase>;
  /** An empty database of its own; the one the previous call gave is closed (and its schema dropped). */
  openFresh(): Promise<OpenedDatabase>;
  /** Drops what open() and openFresh() made. */
  cleanup(): Promise<void>;
}

export function testDatabases(): TestDatabase[] {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-store-'));
  const schema = `kb4s_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const opened: OpenedDatabase[] = [];
  let fresh: { n: number; sqlite: OpenedDatabase | null; postgres: { db: OpenedDatabase; schema: string } | null } = { n: 0, sqlite: null, postgres: null };
  const dropFreshSqlite = async () => {
    await fresh.sqlite?.db.destroy();
    fresh = { ...fresh, sqlite: null };
  };
  const dropFreshPostgres = async () => {
    const current = fresh.postgres;
    fresh = { ...fresh, postgres: null };
    if (!current) return;
    await sql`drop schema if exists ${sql.id(current.schema)} cascade`.execute(current.db.db);
    await current.db.db.destroy();
  };
  return [
    {
      name: 'sqlite',
      open: async () => {
        const db = await openDatabase({ sqlitePath: join(dir, 'kb4sync.db') });
        opened.push(db);
        return db;
      },
      openFresh: async () => {
        await dropFreshSqlite();
        const db = await openDatabase({ sqlitePath: join(dir, `kb4sync-${++fresh.n}.db`) });
        fresh = { ...fresh, sqlite: db };
        return db;
      },
      cleanup: async () => {
        await dropFreshSqlite();
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
      openFresh: async () => {
        await dropFreshPostgres();
        const own = `${schema}_${++fresh.n}`;
        const db = await openDatabase({ databaseUrl: PG_URL, pgSchema: own });
        fresh = { ...fresh, postgres: { db, schema: own } };
        return db;
      },
      cleanup: async () => {
        await dropFreshPostgres();
        const mine = opened.filter((d) => d.dialect === 'postgres');
        opened.splice(0, opened.length, ...opened.filter((d) => d.dialect !== 'postgres'));
        const first = mine[0];
        if (first) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(first.db);
        for (const db of mine) await db.db.destroy();
      },
    },
  ];
}

/**
 * Opens `database` as a run store before the tests of the block this is called in, and drops it
 * after them. `use` is handed the store (the tests keep it in a variable of their own).
 */
export function withRunStore(database: TestDatabase, use: (store: KyselyRunStore) => void): void {
  beforeAll(async () => use(new KyselyRunStore((await database.open()).db)));
  afterAll(() => database.cleanup());
}
