/**
 * The plan in people, not operations: the categories every surface counts by (the preview, the
 * result, `status`, `runs`, the digest, the CLI and the JSON report), defined once here so that
 * "12 joiners" on the card is 12 everywhere. A person counts once per category however many
 * operations their change takes (a joiner's create, groups and manager are one joiner).
 */
import { planChanges, type PeopleSection } from './changes';
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

/**
 * Counts the people in `operations` (all of the plan's by default; pass the ones that were done
 * to count a result the same way). The entries are `planChanges`', so a count and its list agree.
 */
export function countPeople(plan: Pick<Plan, 'operations' | 'conflicts' | 'names' | 'nameList'>, operations: readonly Operation[] = plan.operations): PeopleCounts {
  const { people, groups } = planChanges(plan, operations, { fields: false });
  const count = (section: PeopleSection) => people.filter((p) => p.section === section).length;
  let groupAdditions = 0;
  let groupRemovals = 0;
  for (const g of groups) {
    groupAdditions += g.added.length;
    groupRemovals += g.removed.length;
  }
  return {
    joiners: count('joiners'),
    leavers: count('leavers'),
    renamed: count('renamed'),
    returning: count('returning'),
    detailsChanged: count('details'),
    linked: count('linked'),
    groupAdditions,
    groupRemovals,
    groupsCreated: groups.filter((g) => g.created).length,
    conflicts: plan.conflicts.length,
  };
}

const n = (v: number) => v.toLocaleString('en-US');
const plural = (v: number, one: string, many = `${one}s`) => `${n(v)} ${v === 1 ? one : many}`;

/**
 * The counts in words, the one summary line of every surface: "12 joiners, 4 leavers, 2 renamed,
 * 1 returning, 30 people with changed details, 8 group changes" (zero categories left out;
 * `linked` and conflicts have their own lines, see `linkedText`).
 */
export function peopleSummary(counts: PeopleCounts): string {
  const groupChanges = counts.groupAdditions + counts.groupRemovals;
  const parts = [
    counts.joiners > 0 ? plural(counts.joiners, 'joiner') : '',
    counts.leavers > 0 ? plural(counts.leavers, 'leaver') : '',
    counts.renamed > 0 ? `${n(counts.renamed)} renamed` : '',
    counts.returning > 0 ? `${n(counts.returning)} returning` : '',
    counts.detailsChanged > 0 ? `${plural(counts.detailsChanged, 'person', 'people')} with changed details` : '',
    groupChanges > 0 ? plural(groupChanges, 'group change') : counts.groupsCreated > 0 ? plural(counts.groupsCreated, 'new group') : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'no changes to people';
}

/** "4 existing users linked to their Microsoft 365 account, nothing visible changes" ('' for none). */
export function linkedText(linked: number): string {
  if (linked === 0) return '';
  return `${plural(linked, 'existing user')} linked to their Microsoft 365 account, nothing visible changes`;
}

/** "3 conflicts" ('' for none): people the plan leaves alone until someone decides. */
export function conflictsText(conflicts: number): string {
  return conflicts === 0 ? '' : `${plural(conflicts, 'conflict')}, nothing written for ${conflicts === 1 ? 'it' : 'them'}`;
}

/** The operation count a label may need besides people ("Apply: 12 joiners, …" reads as people). */
export function applyLabel(counts: PeopleCounts): string {
  return `Apply: ${peopleSummary(counts)}`;
}

/** Whether there is nothing to apply and nothing to decide. */
export function inStep(counts: PeopleCounts): boolean {
  return Object.values(counts).every((v) => v === 0);
}
