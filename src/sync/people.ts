/**
 * The plan in people, not operations: the categories every surface counts by (the preview, the
 * result, `status`, `runs`, the digest, the CLI and the JSON report), defined once here so that
 * "12 joiners" on the card is 12 everywhere. A person counts once per category however many
 * operations their change takes (a joiner's create, groups and manager are one joiner).
 */
import type { Operation, Plan } from './model';

export interface PeopleCounts {
  /** New KnowBe4 users. */
  joiners: number;
  /** KnowBe4 users archived (history kept). */
  leavers: number;
  /** KnowBe4 users whose address changes (one record, training history kept). */
  renamed: number;
  /** Archived KnowBe4 users back in scope. */
  returning: number;
  /** Existing people whose mapped details or manager change. */
  detailsChanged: number;
  /** Existing records linked to their Microsoft 365 account, nothing visible changing. */
  linked: number;
  /** Memberships added and removed, across all managed groups. */
  groupAdditions: number;
  groupRemovals: number;
  /** Groups kb4sync creates. */
  groupsCreated: number;
  /** People the plan will not touch until someone decides. */
  conflicts: number;
}

function onlyLinks(op: Extract<Operation, { kind: 'update' }>): boolean {
  return op.changes.every((c) => c.attribute === 'externalId');
}

/**
 * Counts the people in `operations` (all of the plan's by default; pass the ones that were done
 * to count a result the same way).
 */
export function countPeople(plan: Pick<Plan, 'operations' | 'conflicts'>, operations: readonly Operation[] = plan.operations): PeopleCounts {
  const counts: PeopleCounts = { joiners: 0, leavers: 0, renamed: 0, returning: 0, detailsChanged: 0, linked: 0, groupAdditions: 0, groupRemovals: 0, groupsCreated: 0, conflicts: plan.conflicts.length };
  const details = new Set<string>();
  const linked = new Set<string>();
  const renamed = new Set<string>();
  for (const op of operations) {
    switch (op.kind) {
      case 'create':
        counts.joiners += 1;
        break;
      case 'archive':
        counts.leavers += 1;
        break;
      case 'rename':
        renamed.add(op.targetId);
        break;
      case 'reactivate':
        counts.returning += 1;
        break;
      case 'update':
        (onlyLinks(op) ? linked : details).add(op.targetId);
        break;
      case 'setManager':
        // A joiner's first manager is part of joining, not a change of details.
        if (op.user.kind === 'existing') details.add(op.user.targetId);
        break;
      case 'addToGroup':
        counts.groupAdditions += 1;
        break;
      case 'removeFromGroup':
        counts.groupRemovals += 1;
        break;
      case 'createGroup':
        counts.groupsCreated += 1;
        break;
    }
  }
  // Someone whose details change is not also "linked": the visible change is what they see.
  for (const id of details) linked.delete(id);
  counts.detailsChanged = details.size;
  counts.linked = linked.size;
  counts.renamed = renamed.size;
  return counts;
}

/** Whether there is nothing to apply and nothing to decide. */
export function inStep(counts: PeopleCounts): boolean {
  return Object.values(counts).every((v) => v === 0);
}
