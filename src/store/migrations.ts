/**
 * Schema migrations, in code so nothing is read from disk at run time. Each one runs once, in
 * order, on SQLite and PostgreSQL alike.
 */
import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';

const migrations: Record<string, Migration> = {
  '2026-11-24-001-initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('company_state')
        .addColumn('company_id', 'text', (c) => c.primaryKey())
        .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_run_id', 'text')
        .addColumn('last_run_status', 'text')
        .addColumn('last_run_at', 'text')
        .addColumn('last_good_source_count', 'integer')
        .addColumn('last_scheduled_slot', 'text')
        .execute();
      await db.schema
        .createTable('plans')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('company_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('guard_status', 'text', (c) => c.notNull())
        .addColumn('archive_count', 'integer', (c) => c.notNull())
        .addColumn('operation_count', 'integer', (c) => c.notNull())
        .addColumn('plan_json', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text')
        .execute();
      await db.schema.createIndex('plans_status').on('plans').columns(['status']).execute();
      await db.schema
        .createTable('plan_operations')
        .addColumn('plan_id', 'text', (c) => c.notNull())
        .addColumn('op_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('result_id', 'text')
        .addColumn('error', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('plan_operations_pk', ['plan_id', 'op_id'])
        .execute();
      await db.schema
        .createTable('runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('company_id', 'text', (c) => c.notNull())
        .addColumn('plan_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('report_json', 'text')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('runs_company').on('runs').columns(['company_id', 'started_at']).execute();
      await db.schema.createIndex('runs_plan').on('runs').columns(['plan_id']).execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('actor_name', 'text')
        .addColumn('tenant_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('company_id', 'text')
        .addColumn('plan_id', 'text')
        .addColumn('run_id', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('via', 'text', (c) => c.notNull())
        .addColumn('detail_json', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_at').on('audit_log').columns(['at']).execute();
      await db.schema
        .createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('last_seen')
        .addColumn('company_id', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('seen_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('last_seen_pk', ['company_id', 'target_id'])
        .execute();
      await db.schema
        .createTable('conversations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('reference_json', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('companies_json', 'text')
        .addColumn('dead', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '2026-12-02-002-plan-kind-and-retention': {
    async up(db: Kysely<unknown>) {
      // Plans made before this migration were all full ones (sync user's were too small to matter
      // to the shrink guard only because they also set the baseline, which was the bug).
      await db.schema.alterTable('plans').addColumn('kind', 'text', (c) => c.notNull().defaultTo('full')).execute();
      await db.schema.createIndex('plans_created').on('plans').columns(['created_at']).execute();
      await db.schema.createIndex('runs_started').on('runs').columns(['started_at']).execute();
    },
  },
  '2026-12-02-020-account-audits': {
    async up(db: Kysely<unknown>) {
      // The weekly audit's results: the seats trend reads them back, downloads serve them.
      await db.schema
        .createTable('account_audits')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('company_id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('seats_used', 'integer', (c) => c.notNull())
        .addColumn('seats_contracted', 'integer')
        .addColumn('audit_json', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('account_audits_company').on('account_audits').columns(['company_id', 'at']).execute();
    },
  },
  '2026-12-02-021-standing-holds': {
    async up(db: Kysely<unknown>) {
      // One person's create or archive held on every plan until an admin removes the hold.
      await db.schema
        .createTable('holds')
        .addColumn('company_id', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('held_by', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('held_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('holds_pk', ['company_id', 'address'])
        .execute();
    },
  },
  '2026-12-02-010-delta-links': {
    async up(db: Kysely<unknown>) {
      // One row per company: the light run's Graph delta links (they hold tokens that read the
      // directory's changes, not credentials) and the query they were made for.
      await db.schema
        .createTable('delta_links')
        .addColumn('company_id', 'text', (c) => c.primaryKey())
        .addColumn('users_link', 'text', (c) => c.notNull())
        .addColumn('groups_link', 'text')
        .addColumn('query_key', 'text', (c) => c.notNull())
        .addColumn('saved_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '2026-12-02-011-sent-writes': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sent_writes')
        .addColumn('company_id', 'text', (c) => c.notNull())
        .addColumn('plan_id', 'text', (c) => c.notNull())
        .addColumn('op_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('source_id', 'text')
        .addColumn('target_id', 'text')
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text', (c) => c.notNull())
        .addColumn('seen_at', 'text')
        .addColumn('alerted_at', 'text')
        .addPrimaryKeyConstraint('sent_writes_pk', ['plan_id', 'op_id'])
        .execute();
      await db.schema.createIndex('sent_writes_waiting').on('sent_writes').columns(['company_id', 'seen_at']).execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
