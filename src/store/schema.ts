/**
 * Table types for Kysely. Times are ISO 8601 UTC strings (they sort as text on both databases);
 * JSON is text, parsed with zod where it is read back.
 */
export interface CompanyStateTable {
  company_id: string;
  paused: number;
  consecutive_failures: number;
  last_run_id: string | null;
  last_run_status: string | null;
  last_run_at: string | null;
  last_good_source_count: number | null;
  last_scheduled_slot: string | null;
}

export interface PlanTable {
  id: string;
  company_id: string;
  /** full | sync-user */
  kind: string;
  status: string;
  digest: string;
  guard_status: string;
  archive_count: number;
  operation_count: number;
  plan_json: string;
  created_at: string;
  expires_at: string;
  requested_by: string | null;
}

/** Only operations whose state is not `pending` have a row (a plan of 100,000 changes costs nothing until it runs). */
export interface OperationTable {
  plan_id: string;
  op_id: string;
  state: string;
  result_id: string | null;
  error: string | null;
  updated_at: string;
}

export interface RunTable {
  id: string;
  company_id: string;
  plan_id: string | null;
  kind: string;
  trigger: string;
  actor: string | null;
  status: string;
  started_at: string;
  finished_at: string | null;
  report_json: string | null;
  error: string | null;
}

export interface AuditTable {
  id: string;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  tenant_id: string | null;
  action: string;
  company_id: string | null;
  plan_id: string | null;
  run_id: string | null;
  outcome: string;
  via: string;
  detail_json: string;
}

export interface LeaseTable {
  name: string;
  holder: string;
  expires_at: string;
}

export interface LastSeenTable {
  company_id: string;
  target_id: string;
  seen_at: string;
}

export interface ConversationTable {
  id: string;
  reference_json: string;
  kind: string;
  name: string | null;
  /** JSON list of company ids this conversation gets messages for; null = all. */
  companies_json: string | null;
  dead: number;
  created_at: string;
  updated_at: string;
}

export interface AccountAuditTable {
  id: string;
  company_id: string;
  at: string;
  seats_used: number;
  seats_contracted: number | null;
  audit_json: string;
}

export interface HoldTable {
  company_id: string;
  /** Lower-cased login address. */
  address: string;
  held_by: string;
  reason: string | null;
  held_at: string;
}

/** A create, rename or archive KnowBe4 accepted, until a read shows it. */
export interface SentWriteTable {
  company_id: string;
  plan_id: string;
  op_id: string;
  /** create | rename | archive */
  kind: string;
  source_id: string | null;
  /** null: a create KnowBe4 answered 409 for and did not show yet. */
  target_id: string | null;
  user_name: string;
  sent_at: string;
  seen_at: string | null;
  alerted_at: string | null;
}

export interface DeltaLinkTable {
  company_id: string;
  users_link: string;
  groups_link: string | null;
  query_key: string;
  saved_at: string;
}

export interface Database {
  company_state: CompanyStateTable;
  plans: PlanTable;
  plan_operations: OperationTable;
  runs: RunTable;
  audit_log: AuditTable;
  leases: LeaseTable;
  last_seen: LastSeenTable;
  conversations: ConversationTable;
  account_audits: AccountAuditTable;
  holds: HoldTable;
  sent_writes: SentWriteTable;
  delta_links: DeltaLinkTable;
}
