/**
 * PostgreSQL migrations when other schemas in the database already hold Kysely's migration
 * tables (another replica's or another Kysely app's): kb4sync still creates and uses its own.
 */
import { sql } from 'kysely';
import { openDatabase, type OpenedDatabase } from '../../src/store/db';
import { PG_URL } from '../helpers/stores';

test('a second schema migrates while the first still has its tables', async () => {
  const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const opened: OpenedDatabase[] = [];
  try {
    const first = await openDatabase({ databaseUrl: PG_URL, pgSchema: `kb4s_mig_a_${suffix}` });
    opened.push(first);
    const second = await openDatabase({ databaseUrl: PG_URL, pgSchema: `kb4s_mig_b_${suffix}` });
    opened.push(second);
    const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = ${`kb4s_mig_b_${suffix}`}`.execute(second.db);
    const names = tables.rows.map((r) => r.table_name);
    expect(names).toEqual(expect.arrayContaining(['kysely_migration', 'kysely_migration_lock', 'plans', 'runs']));
    // Opening again finds the migrations done.
    opened.push(await openDatabase({ databaseUrl: PG_URL, pgSchema: `kb4s_mig_b_${suffix}` }));
  } finally {
    const any = opened[0];
    if (any) for (const s of ['a', 'b']) await sql`drop schema if exists ${sql.id(`kb4s_mig_${s}_${suffix}`)} cascade`.execute(any.db);
    for (const db of opened) await db.db.destroy();
  }
});
