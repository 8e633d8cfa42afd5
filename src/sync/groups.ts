/**
 * Groups kb4sync manages: the default group, department groups and mirrored Entra groups. Only
 * those are ever changed, and only members kb4sync manages are ever removed from them.
 */
import type { CompanyRules, GroupRef, GroupRole, Operation, SourceSnapshot, TargetGroup } from './model';
import { cleanValue } from './normalize';
import type { OperationSink } from './operations';
import type { PlannedUser, Roster } from './roster';

interface DesiredGroup {
  name: string;
  via: GroupRole;
  /**
   * Who belongs, in the order they were placed. A user can be placed twice (a group that is both
   * the default and a department group, or a repeated Entra id): the first placement counts.
   */
  members: PlannedUser[];
}

const GROUP_REASON: Record<GroupRole, string> = {
  default: 'Default group for everyone in scope',
  department: 'Department group',
  mirror: 'Member of the mirrored Entra group',
};

/** Plans the managed groups' changes into `operations`; returns how many managed groups exist or will. */
export function planGroups(
  rules: CompanyRules,
  source: SourceSnapshot,
  targetGroups: readonly TargetGroup[],
  roster: Roster,
  operations: OperationSink,
): number {
  const desired = desiredGroups(rules, source, roster);

  const existingByName = new Map<string, TargetGroup>();
  for (const g of targetGroups) {
    const key = g.displayName.trim().toLowerCase();
    if (!existingByName.has(key)) existingByName.set(key, g);
  }

  // Per-user marks for the group being planned, stamped with its serial so they never need
  // clearing: "placed in this group" and "already a member in KnowBe4".
  const placedIn = new Int32Array(roster.users.length);
  const memberNow = new Int32Array(roster.users.length);
  // Removals are planned after every group's additions: the phase is sorted by id and each
  // 'group+' id sorts before each 'group-' one, so the phase sort meets runs already in order.
  const removals: Operation[] = [];
  let count = 0;
  let serial = 0;
  for (const [key, { name, via, members }] of [...desired.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const existing = existingByName.get(key);
    if (!existing && members.length === 0) continue;
    count += 1;
    serial += 1;
    const groupName = existing?.displayName ?? name;
    // The managed user holding each current member record (undefined: not ours to remove).
    const holders = (existing?.memberIds ?? []).map((memberId) => roster.holderOf(memberId));
    for (let i = 0; i < holders.length; i++) {
      const holder = holders[i];
      if (holder) memberNow[holder.index] = serial;
    }
    if (!existing) {
      operations.push({ kind: 'createGroup', id: `createGroup:${key}`, reason: 'Managed group missing in KnowBe4', name });
    }
    const group: GroupRef = existing ? { kind: 'existing', groupId: existing.id } : { kind: 'new', name };
    const reason = GROUP_REASON[via];
    // Shared by every id of this group, so each id is one concatenation, not three.
    const addPrefix = `group+:${key}:`;
    for (let i = 0; i < members.length; i++) {
      const member = members[i] as PlannedUser;
      if (placedIn[member.index] === serial) continue;
      placedIn[member.index] = serial;
      // A matched user's own record is the one in the group, so its mark answers "already in".
      if (member.ref.kind === 'existing' && memberNow[member.index] === serial) continue;
      operations.push({
        kind: 'addToGroup',
        id: addPrefix + member.refKey,
        reason,
        via,
        group,
        groupName,
        user: member.ref,
        userName: member.address,
      });
    }
    if (!existing) continue;
    const removePrefix = `group-:${key}:t:`;
    const removeReason = `No longer belongs in ${groupName}`;
    const leaving: { memberId: string; holder: PlannedUser }[] = [];
    for (let i = 0; i < holders.length; i++) {
      const holder = holders[i];
      if (holder && placedIn[holder.forId.index] !== serial) leaving.push({ memberId: existing.memberIds[i] as string, holder });
    }
    // In id order, for the same reason users are placed in refKey order (see desiredGroups).
    leaving.sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
    for (let i = 0; i < leaving.length; i++) {
      const { memberId, holder } = leaving[i] as (typeof leaving)[number];
      removals.push({
        kind: 'removeFromGroup',
        id: removePrefix + memberId,
        reason: removeReason,
        groupId: existing.id,
        groupName,
        targetId: memberId,
        userName: holder.address,
      });
    }
  }
  for (let i = 0; i < removals.length; i++) operations.push(removals[i] as Operation);
  return count;
}

/**
 * Desired members of each managed group, keyed by the group's lower-cased name. A group named
 * twice (a department group that is also the default) keeps its first role. Every managed group
 * is known even with no members, so leavers are removed from it.
 */
function desiredGroups(rules: CompanyRules, source: SourceSnapshot, roster: Roster): Map<string, DesiredGroup> {
  const desired = new Map<string, DesiredGroup>();
  const managed = (name: string, via: GroupRole): DesiredGroup => {
    const key = name.trim().toLowerCase();
    let entry = desired.get(key);
    if (!entry) desired.set(key, (entry = { name: name.trim(), via, members: [] }));
    return entry;
  };
  const defaultGroup = rules.groups.default ? managed(rules.groups.default, 'default') : null;
  const byDepartment = new Map<string, DesiredGroup>();
  for (const [dept, name] of Object.entries(rules.groups.departments)) byDepartment.set(dept.trim().toLowerCase(), managed(name, 'department'));
  const mirrors = rules.groups.mirror.map((m) => {
    const group = source.groups.find((g) => g.id.toLowerCase() === m.id.toLowerCase());
    return { entry: managed(m.name, 'mirror'), members: new Set(group?.memberIds ?? []) };
  });
  // Departments repeat across thousands of users: resolve each distinct spelling once.
  const deptCache = new Map<string, DesiredGroup | null>();
  const departmentGroup = (raw: string | null | undefined): DesiredGroup | null => {
    if (raw == null) return null;
    let entry = deptCache.get(raw);
    if (entry === undefined) deptCache.set(raw, (entry = byDepartment.get(cleanValue(raw)?.toLowerCase() ?? '') ?? null));
    return entry;
  };
  // Placed in refKey order, so each group's additions are planned already sorted by id and the
  // phase sort (same result whatever the order) meets long sorted runs: sorting these short keys
  // here is far cheaper than sorting the long ids, which share a group prefix, there.
  const users = [...roster.users].sort((a, b) => (a.refKey < b.refKey ? -1 : 1));
  for (let i = 0; i < users.length; i++) {
    const { user, forId } = users[i] as PlannedUser;
    // Membership is by the user's groups, the reference and address by the record for their id.
    defaultGroup?.members.push(forId);
    departmentGroup(user.fields.department)?.members.push(forId);
    for (const mirror of mirrors) if (mirror.members.has(user.id)) mirror.entry.members.push(forId);
  }
  return desired;
}
