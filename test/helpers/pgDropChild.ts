/**
 * A process with the store open on PostgreSQL whose idle pooled connection is terminated by the
 * server (pg_terminate_backend, as in a failover): it must log it, keep running and query again.
 * Then a rejection nobody awaits and an uncaught exception, through the service's process handlers.
 * Input: JSON in argv[2] = { url, schema }. Prints progress lines on stdout.
 */
import { sql } from 'kysely';
import { Client } from 'pg';
import { createLogger } from '../../src/observability/log';
import { installProcessHandlers } from '../../src/service/process';
import { openDatabase } from '../../src/store/db';

async function main(): Promise<void> {
  const { url, schema } = JSON.parse(process.argv[2] as string) as { url: string; schema: string };
  const log = createLogger({ level: 'info' });
  installProcessHandlers(log);
  const { db } = await openDatabase({ databaseUrl: url, pgSchema: schema, onConnectionError: (err) => log.warn({ err: err.message }, 'PostgreSQL dropped an idle connection') });
  const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
  await admin.end();
  await new Promise((r) => setTimeout(r, 300));
  const again = await sql<{ one: number }>`select 1 as one`.execute(db);
  process.stdout.write(`query after drop: ${again.rows[0]?.one}\n`);
  // Now a connection that is checked out (a transaction between two statements) when it is killed.
  await db
    .transaction()
    .execute(async (tx) => {
      const { rows: mine } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx);
      const killer = new Client({ connectionString: url });
      await killer.connect();
      await killer.query('select pg_terminate_backend($1)', [mine[0]?.pid]);
      await killer.end();
      await new Promise((r) => setTimeout(r, 300));
      await sql`select 1`.execute(tx);
    })
    .catch((err: unknown) => process.stdout.write(`transaction failed as it should: ${(err as Error).message}\n`));
  const third = await sql<{ one: number }>`select 1 as one`.execute(db);
  process.stdout.write(`query after a checked-out drop: ${third.rows[0]?.one}\n`);
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
  await db.destroy();
  void Promise.reject(new Error('nobody awaited this'));
  await new Promise((r) => setTimeout(r, 100));
  process.stdout.write('still running\n');
  setTimeout(() => {
    throw new Error('a bug in a timer');
  }, 10);
  await new Promise((r) => setTimeout(r, 2000));
  process.stdout.write('never printed\n');
}

main().catch((err: unknown) => {
  process.stderr.write(String((err as Error).stack ?? err));
  process.exit(2);
});
