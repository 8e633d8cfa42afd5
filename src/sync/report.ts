/**
 * The run report, in the JSON shape of the MSP sync workflow (success, sync_summary,
 * users_created, users_archived, attribute_updates, group_changes) plus kb4sync's own fields.
 */
import { attributeCategory } from './attributes';
import type { Conflict, GuardResult, Operation, OperationOf, Plan, SkipReason } from './model';
import { existingKey, planNames } from './names';
import { countPeople, type PeopleCounts } from './people';
import type { SentKind } from './sent';

/** What became of one operation when a plan was applied. */
export type OperationOutcome =
  | { status: 'pending' }
  /**
   * settled: a create that met a 409, as the core settled it: `ours`, the person's own record was
   * there already (used, nothing written); `waiting`, KnowBe4 holds it but does not show it yet.
   */
  | { status: 'done'; settled?: 'ours' | 'waiting' }
  | { status: 'failed'; error: string }
  | { status: 'skipped'; reason: string };

export interface ReportInput {
  plan: Plan;
  runId: string;
  /** true for a preview: counts are what would happen. */
  dryRun: boolean;
  /** ISO 8601; passed in because the core reads no clock. */
  timestamp: string;
  /** Per operation id; required unless dryRun. */
  outcomes?: ReadonlyMap<string, OperationOutcome>;
  /** KnowBe4 user id → when the user was last seen in scope in Microsoft 365 (ISO 8601). */
  lastSeen?: ReadonlyMap<string, string>;
}

export interface Report {
  success: boolean;
  sync_summary: {
    company: string;
    m365_users_found: number;
    knowbe4_users_found: number;
    users_matched: number;
    users_created: number;
    users_updated: number;
    users_archived: number;
    groups_synced: number;
    sync_timestamp: string;
  };
  users_created: {
    email: string;
    first_name: string | null;
    last_name: string | null;
    department: string | null;
    knowbe4_group: string | null;
    enrollment_status: 'Invited' | 'Planned' | 'Failed' | 'Pending';
  }[];
  /** `name`: kb4sync's addition, the person's display name when known. */
  users_archived: { email: string; reason: string; last_m365_sync: string | null; name?: string }[];
  attribute_updates: {
    names_updated: number;
    departments_updated: number;
    titles_updated: number;
    managers_updated: number;
  };
  group_changes: { group_additions: number; group_removals: number };
  run_id: string;
  company_id: string;
  dry_run: boolean;
  /**
   * What was done (what would be, for a preview), counted in people as every surface counts
   * (sync/people.ts). Absent in reports stored before it existed: see `peopleOfReport`.
   */
  people?: PeopleCounts;
  guard: GuardResult;
  conflicts: { reason: Conflict['reason']; message: string; m365_users: Conflict['sourceUsers']; knowbe4_user: string | null }[];
  skipped: { email: string | null; m365_id: string | null; reason: SkipReason | string }[];
  not_managed: { email: string; reason: string }[];
  /** KnowBe4 records kb4sync did not make, adopted (relinked to the Entra object id; id and history kept). */
  taken_over: { email: string; knowbe4_id: string; m365_id: string; found_by: 'address' | 'alias' | 'formerLink'; previous_external_id: string | null }[];
  /** KnowBe4 records that could not be read: held, with the Microsoft 365 users held with them. */
  unreadable: { resource: 'user' | 'group'; id: string | null; name: string | null; reason: string; held_m365_ids: string[] }[];
  errors: { operation: string; kind: Operation['kind']; user: string | null; message: string }[];
  /** Creates that met a 409, and how the core settled each (absent in older reports). */
  creates_settled?: { email: string; settled: 'ours' | 'waiting' }[];
  /** Creates, renames and archives sent earlier that KnowBe4 does not show yet: not sent again (absent in older reports). */
  waiting_for_knowbe4?: { kind: SentKind; email: string; sent_at: string }[];
  /** Writes sent earlier that the preview's read of KnowBe4 showed: confirmed at its time (previews only; absent in older reports). */
  confirmed?: { kind: SentKind; email: string; sent_at: string; confirmed_at: string }[];
}

export function buildReport(input: ReportInput): Report {
  const { plan, dryRun } = input;
  const outcomeOf = (op: Operation): OperationOutcome =>
    dryRun ? { status: 'done' } : (input.outcomes?.get(op.id) ?? { status: 'pending' });
  const counted = plan.operations.filter((op) => outcomeOf(op).status === 'done');
  const of = <K extends Operation['kind']>(kind: K): OperationOf<K>[] =>
    counted.filter((op): op is OperationOf<K> => op.kind === kind);

  const updatedUsers = new Set<string>();
  const categories = { names: new Set<string>(), departments: new Set<string>(), titles: new Set<string>() };
  for (const op of counted) {
    if (op.kind === 'update') {
      updatedUsers.add(op.targetId);
      for (const change of op.changes) {
        if (change.attribute === 'externalId') continue;
        const category = attributeCategory(change.attribute);
        if (category !== 'other') categories[category].add(op.targetId);
      }
    } else if (op.kind === 'rename' || op.kind === 'reactivate') {
      updatedUsers.add(op.targetId);
    } else if (op.kind === 'setManager' && op.user.kind === 'existing') {
      updatedUsers.add(op.user.targetId);
    }
  }

  // The group a new hire is enrolled by: the most specific one (department, then mirror, then default).
  const rank = { department: 0, mirror: 1, default: 2 } as const;
  const groupOfNewUser = new Map<string, OperationOf<'addToGroup'>>();
  for (const op of plan.operations) {
    if (op.kind !== 'addToGroup' || op.user.kind !== 'new') continue;
    const best = groupOfNewUser.get(op.user.sourceId);
    if (!best || rank[op.via] < rank[best.via]) groupOfNewUser.set(op.user.sourceId, op);
  }
  const errors: Report['errors'] = [];
  const applySkipped: Report['skipped'] = [];
  for (const op of plan.operations) {
    const outcome = outcomeOf(op);
    if (outcome.status === 'failed') {
      errors.push({ operation: op.id, kind: op.kind, user: userOf(op), message: outcome.error });
    } else if (outcome.status === 'skipped') {
      applySkipped.push({ email: userOf(op), m365_id: null, reason: `${op.kind} skipped: ${outcome.reason}` });
    }
  }

  const created = plan.operations.filter((op): op is OperationOf<'create'> => op.kind === 'create');
  const archived = of('archive');
  return {
    success: errors.length === 0,
    sync_summary: {
      company: plan.company.name,
      m365_users_found: plan.stats.inScope,
      knowbe4_users_found: plan.stats.targetUsers,
      users_matched: plan.stats.matched,
      users_created: of('create').length,
      users_updated: updatedUsers.size,
      users_archived: archived.length,
      groups_synced: plan.stats.managedGroups,
      sync_timestamp: input.timestamp,
    },
    users_created: created.map((op) => {
      const status = outcomeOf(op).status;
      return {
        email: op.userName,
        first_name: op.values.givenName ?? null,
        last_name: op.values.familyName ?? null,
        department: op.values.department ?? null,
        knowbe4_group: groupOfNewUser.get(op.sourceId)?.groupName ?? null,
        enrollment_status: dryRun ? 'Planned' : status === 'done' ? 'Invited' : status === 'failed' ? 'Failed' : 'Pending',
      };
    }),
    users_archived: archived.map((op) => {
      const name = planNames(plan).get(existingKey(op.targetId));
      return { email: op.userName, reason: op.reason, last_m365_sync: input.lastSeen?.get(op.targetId) ?? null, ...(name ? { name } : {}) };
    }),
    attribute_updates: {
      names_updated: categories.names.size,
      departments_updated: categories.departments.size,
      titles_updated: categories.titles.size,
      managers_updated: of('setManager').length,
    },
    group_changes: { group_additions: of('addToGroup').length, group_removals: of('removeFromGroup').length },
    run_id: input.runId,
    company_id: plan.company.id,
    dry_run: dryRun,
    people: countPeople(plan, counted),
    guard: plan.guard,
    conflicts: plan.conflicts.map((c) => ({
      reason: c.reason,
      message: c.message,
      m365_users: c.sourceUsers,
      knowbe4_user: c.target?.userName ?? null,
    })),
    skipped: [...plan.skipped.map((s) => ({ email: s.address, m365_id: s.sourceId, reason: s.reason })), ...applySkipped],
    not_managed: plan.unmanaged.map((u) => ({ email: u.userName, reason: u.reason })),
    taken_over: (plan.takeovers ?? []).map((t) => ({ email: t.userName, knowbe4_id: t.targetId, m365_id: t.sourceId, found_by: t.via, previous_external_id: t.externalIdBefore })),
    unreadable: (plan.unreadable ?? []).map((u) => ({ resource: u.resource, id: u.id, name: u.name, reason: u.reason, held_m365_ids: u.heldSourceIds })),
    errors,
    creates_settled: created.flatMap((op) => {
      const outcome = outcomeOf(op);
      return outcome.status === 'done' && outcome.settled ? [{ email: op.userName, settled: outcome.settled }] : [];
    }),
    waiting_for_knowbe4: (plan.waiting ?? []).map((w) => ({ kind: w.kind, email: w.userName, sent_at: w.sentAt })),
    // Confirmed by the read the plan was made from, i.e. at the preview: an apply's report does not say it again.
    confirmed: (dryRun ? (plan.seen ?? []) : []).map((w) => ({ kind: w.kind, email: w.userName, sent_at: w.sentAt, confirmed_at: input.timestamp })),
  };
}

/** "3 changes sent, waiting for KnowBe4": the line the card, the CLI and the run card show; null when none. */
export function waitingLine(count: number): string | null {
  return count === 0 ? null : `${count.toLocaleString('en-US')} ${count === 1 ? 'change' : 'changes'} sent, waiting for KnowBe4`;
}

/** The address an operation is about, for messages. */
export function userOf(op: Operation): string | null {
  switch (op.kind) {
    case 'createGroup':
      return null;
    case 'rename':
      return op.to;
    default:
      return op.userName;
  }
}

/**
 * A report's counts in people. Reports stored before `people` existed are read from the seed's
 * fields: created are joiners, archived are leavers, updated are people with changed details.
 */
export function peopleOfReport(report: Report): PeopleCounts {
  if (report.people) return report.people;
  const s = report.sync_summary;
  return {
    joiners: s.users_created,
    leavers: s.users_archived,
    renamed: 0,
    returning: 0,
    detailsChanged: s.users_updated,
    linked: 0,
    groupAdditions: report.group_changes.group_additions,
    groupRemovals: report.group_changes.group_removals,
    groupsCreated: 0,
    conflicts: report.conflicts.length,
  };
}
