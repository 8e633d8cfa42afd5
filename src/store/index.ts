/** Storage through Kysely: a SQLite file by default, PostgreSQL when DATABASE_URL is set. */
export { openDatabase, DEFAULT_SQLITE_PATH, type OpenedDatabase, type StoreLocation } from './db';
export { KyselyRunStore } from './runStore';
export { ConversationStore, type Subscription } from './conversations';
export { KyselyAuditStore } from './auditStore';
export { KyselyOverviewStore, type OverviewCompany } from './overview';
export { KyselyHoldStore } from './holdStore';
export { KyselyDeltaLinkStore } from './deltaLinks';
