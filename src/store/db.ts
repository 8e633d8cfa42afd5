/**
 * Opens the store: a SQLite file by default, PostgreSQL when DATABASE_URL is set. Migrations run
 * on open; on PostgreSQL an advisory lock keeps two replicas from migrating at once.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase12 from 'better-sqlite3';
import SqliteDatabase13 from 'better-sqlite3-13';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { Migrator } from 'kysely/migration';
import { Pool } from 'pg';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

export interface StoreLocation {
  /** postgres://… ; when absent, SQLite at sqlitePath. */
  databaseUrl?: string | null;
  sqlitePath?: string;
  /** PostgreSQL schema to use (tests give each run its own). */
  pgSchema?: string;
  /**
   * Told when PostgreSQL drops an idle pooled connection (failover, maintenance, a proxy's idle
   * timeout). The pool replaces it on the next query; without a listener Node would exit.
   */
  onConnectionError?: (error: Error) => void;
}

export const DEFAULT_SQLITE_PATH = './data/kb4sync.db';

/**
 * The SQLite driver for the Node.js running us. better-sqlite3 13 needs Node-API 10 (Node 22.14+)
 * and crashes Node 20; 12 runs on 20 but aborts Node 24 when the process exits (a cleanup hook
 * removed after its environment is gone). Both are installed (13 as `better-sqlite3-13`); the
 * binding loads only when a database opens, so the one not chosen costs nothing.
 */
export function sqliteDriver(version: string = process.versions.node): { driver: typeof SqliteDatabase12; name: 'better-sqlite3@12' | 'better-sqlite3@13' } {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 14) ? { driver: SqliteDatabase13, name: 'better-sqlite3@13' } : { driver: SqliteDatabase12, name: 'better-sqlite3@12' };
}

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  /** Where it is, without credentials, for logs. */
  description: string;
}

export async function openDatabase(location: StoreLocation = {}): Promise<OpenedDatabase> {
  const url = location.databaseUrl ?? null;
  let opened: OpenedDatabase;
  if (url) {
    const schema = location.pgSchema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid PostgreSQL schema name ${schema}`);
    const pool = new Pool({ connectionString: url, max: 10, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
    const onError = location.onConnectionError ?? ((err: Error) => process.stderr.write(`kb4sync: PostgreSQL connection lost (${err.message}); reconnecting on the next query\n`));
    pool.on('error', onError);
    // A connection checked out of the pool (between a query's acquire and its send, or inside a
    // transaction) has no pool listener: its loss is the query's error, retried by the caller,
    // and must not also end the process as an unhandled 'error' event.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    const parsed = new URL(url);
    opened = { db, dialect: 'postgres', description: `postgresql://${parsed.host}${parsed.pathname}${schema ? ` (schema ${schema})` : ''}` };
  } else {
    const path = location.sqlitePath ?? DEFAULT_SQLITE_PATH;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const database = new (sqliteDriver().driver)(path);
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 10000');
    database.pragma('synchronous = NORMAL');
    // SQLite's default page cache is 2 MB; a store serving hundreds of companies is tens of MB, and
    // each journal write then reads its B-tree pages back from the OS (the MSP night: about 0.4 s
    // of its 2.7 s in SQLite). 16 MB holds the hot pages of such a store.
    database.pragma('cache_size = -16000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
    opened = { db, dialect: 'sqlite', description: `sqlite:${path}` };
  }
  await migrate(opened);
  return opened;
}

/**
 * Kysely's SQLite driver prepares every query anew, and preparing costs SQLite about as much as
 * running a short statement; a night repeats the same few dozen texts thousands of times, so the
 * most recent ones are kept prepared. Safe because Kysely runs one query at a time on the one
 * SQLite connection.
 */
function withStatementCache(database: SqliteDatabase, size = 256): SqliteDatabase {
  const prepared = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(text) {
      let statement = prepared.get(text);
      if (statement) prepared.delete(text);
      else {
        statement = database.prepare(text);
        if (prepared.size >= size) prepared.delete(prepared.keys().next().value as string);
      }
      // Most recently used last: the first key is the one to drop.
      prepared.set(text, statement);
      return statement;
    },
  };
}

async function migrate({ db, dialect }: OpenedDatabase): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const run = async () => {
    const { error } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
  };
  if (dialect === 'sqlite') return run();
  // One connection holds the lock for the whole migration.
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(724201)`.execute(conn);
    try {
      // Kysely looks for its migration tables in every schema unless told which: another schema's
      // tables (another replica's test schema, another Kysely app) would make it skip creating ours.
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(conn);
      const migrationTableSchema = rows[0]?.schema;
      if (!migrationTableSchema) throw new Error('PostgreSQL: no current schema (check search_path) to keep kb4sync tables in');
      const { error } = await new Migrator({ db: conn, provider: migrationProvider, migrationTableSchema }).migrateToLatest();
      if (error) throw error instanceof Error ? error : new Error(String(error));
    } finally {
      await sql`select pg_advisory_unlock(724201)`.execute(conn);
    }
  });
}
