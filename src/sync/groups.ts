/**
 * Groups kb4sync manages: the default group, department groups and mirrored Entra groups. Only
 * those are ever changed, and only members kb4sync manages are ever removed from them.
 */
import type { CompanyRules, GroupRef, GroupRole } from './model';
import type { SourceSnapshot, TargetGroup } from './snapshot';
import { cleanValue } from './normalize';
import type { OperationSink, PhasedOperations } from './operations';
import type { NameBook } from './names';
import { nameUser, type PlannedUser, type Roster } from './roster';
import { each } from './each';

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

/** Plans the managed groups' changes into `operations` (their people into `names`); returns how many managed groups exist or will. */
export function planGroups(
  rules: CompanyRules,
  source: SourceSnapshot,
  targetGroups: readonly TargetGroup[],
  roster: Roster,
  operations: PhasedOperations,
  names: NameBook,
): number {
  const desired = desiredGroups(rules, source, roster);

  const existingByName = new Map<string, TargetGroup>();
  for (const g of targetGroups) {
    const key = g.displayName.trim().toLowerCase();
    if (!existingByName.has(key)) existingByName.set(key, g);
  }

  const marks: Marks = {
    placedIn: new Int32Array(roster.users.length),
    memberNow: new Int32Array(roster.users.length),
    leavingIn: new Int32Array(roster.users.length),
    memberAt: new Int32Array(roster.users.length),
  };
  let count = 0;
  let serial = 0;
  for (const [key, { name, via, members }] of [...desired.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const existing = existingByName.get(key);
    if (!existing && members.length === 0) continue;
    count += 1;
    serial += 1;
    const groupName = existing?.displayName ?? name;
    const memberIds = existing?.memberIds ?? [];
    const holders = currentHolders(roster, memberIds, marks.memberNow, serial);
    if (!existing) {
      operations.push({ kind: 'createGroup', id: `createGroup:${key}`, reason: 'Managed group missing in KnowBe4', name });
    }
    const group: GroupRef = existing ? { kind: 'existing', groupId: existing.id } : { kind: 'new', name };
    // Members are placed in refKey order, so these ids come in order (see desiredGroups).
    const additions: OperationSink = roster.idsRepeat ? operations : operations.run();
    // (The prefix is shared by every id of this group, so each id is one concatenation, not three.)
    const add: AddTemplate = { prefix: `group+:${key}:`, reason: GROUP_REASON[via], via, group, groupName };
    planAdditions(members, marks, serial, add, additions, names);
    if (!existing) continue;
    const leaving = leavingPositions(roster, holders, memberIds, marks, serial);
    planRemovals(roster, holders, memberIds, leaving, `group-:${key}:t:`, existing, groupName, operations.run(), names);
  }
  return count;
}

// Each loop over a group's members is a function of its own, called once per group: V8 optimises
// a small function once and every group after the first runs it optimised, where loops inlined in
// the function over all groups each start again in the interpreter (and deoptimise it as they end).

/**
 * Per-user marks for the group being planned (by roster position), stamped with its serial so they
 * never need clearing: placed in this group, already a member in KnowBe4, leaving this group (and
 * where in its member list).
 */
interface Marks {
  placedIn: Int32Array;
  memberNow: Int32Array;
  leavingIn: Int32Array;
  memberAt: Int32Array;
}

interface AddTemplate {
  prefix: string;
  reason: string;
  via: GroupRole;
  group: GroupRef;
  groupName: string;
}

/**
 * The roster position of the managed user holding each current member record (-1: not ours to
 * remove), as numbers: no list of objects per group. Marks them as members now.
 */
function currentHolders(roster: Roster, memberIds: readonly string[], memberNow: Int32Array, serial: number): Int32Array {
  const holders = new Int32Array(memberIds.length);
  for (let i = 0; i < memberIds.length; i++) {
    const holder = roster.holderIndexOf(memberIds[i] as string);
    holders[i] = holder;
    if (holder >= 0) memberNow[holder] = serial;
  }
  return holders;
}

function planAdditions(members: readonly PlannedUser[], marks: Marks, serial: number, add: AddTemplate, additions: OperationSink, names: NameBook): void {
  const { placedIn, memberNow } = marks;
  const { prefix, reason, via, group, groupName } = add;
  for (let i = 0; i < members.length; i++) {
    const member = members[i] as PlannedUser;
    if (placedIn[member.index] === serial) continue;
    placedIn[member.index] = serial;
    // A matched user's own record is the one in the group, so its mark answers "already in".
    if (member.ref.kind === 'existing' && memberNow[member.index] === serial) continue;
    additions.push({
      kind: 'addToGroup',
      id: prefix + member.refKey,
      reason,
      via,
      group,
      groupName,
      user: member.ref,
      userName: member.address,
    });
    nameUser(names, member);
  }
}

/**
 * Positions in memberIds of the members leaving, in member id order, so the removals are a run in
 * id order. Their holders' roster positions are in that order already (the roster is in refKey
 * order: 't:' + the member's id), so those sort as plain numbers; only a member listed twice sends
 * them to a sort by id.
 */
function leavingPositions(roster: Roster, holders: Int32Array, memberIds: readonly string[], marks: Marks, serial: number): Int32Array | number[] {
  const leavingHolders = new Int32Array(memberIds.length);
  const count = collectLeavers(roster, holders, marks, serial, leavingHolders);
  if (count >= 0) {
    const leaving = leavingHolders.subarray(0, count).sort();
    toMemberPositions(leaving, marks.memberAt);
    return leaving;
  }
  const { users } = roster;
  const { placedIn } = marks;
  const leaving: number[] = [];
  for (let i = 0; i < holders.length; i++) {
    const holder = holders[i] as number;
    if (holder >= 0 && placedIn[(users[holder] as PlannedUser).forId.index] !== serial) leaving.push(i);
  }
  return leaving.sort((a, b) => ((memberIds[a] as string) < (memberIds[b] as string) ? -1 : 1));
}

/**
 * The roster positions of the members leaving, into `leaving`; how many, or -1 when a member is
 * listed twice. (Its own function, the loop alone: code after a loop that V8 optimised while it
 * ran has no type feedback the first time, and would send every group's call back to the interpreter.)
 */
function collectLeavers(roster: Roster, holders: Int32Array, marks: Marks, serial: number, leaving: Int32Array): number {
  const { placedIn, leavingIn, memberAt } = marks;
  const { users, idsRepeat } = roster;
  let count = 0;
  let listedTwice = false;
  for (let i = 0; i < holders.length; i++) {
    const holder = holders[i] as number;
    if (holder < 0 || placedIn[idsRepeat ? (users[holder] as PlannedUser).forId.index : holder] === serial) continue;
    if (leavingIn[holder] === serial) listedTwice = true;
    leavingIn[holder] = serial;
    memberAt[holder] = i;
    leaving[count++] = holder;
  }
  return listedTwice ? -1 : count;
}

/** Each roster position in `leaving` replaced by its member's position in the group's list. */
function toMemberPositions(leaving: Int32Array, memberAt: Int32Array): void {
  for (let i = 0; i < leaving.length; i++) leaving[i] = memberAt[leaving[i] as number] as number;
}

function planRemovals(
  roster: Roster,
  holders: Int32Array,
  memberIds: readonly string[],
  leaving: Int32Array | number[],
  prefix: string,
  existing: TargetGroup,
  groupName: string,
  removals: OperationSink,
  names: NameBook,
): void {
  const { users } = roster;
  const reason = `No longer belongs in ${groupName}`;
  for (let i = 0; i < leaving.length; i++) {
    const position = leaving[i] as number;
    const memberId = memberIds[position] as string;
    const holder = users[holders[position] as number] as PlannedUser;
    removals.push({
      kind: 'removeFromGroup',
      id: prefix + memberId,
      reason,
      groupId: existing.id,
      groupName,
      targetId: memberId,
      userName: holder.address,
    });
    // The holder's record is the member's (holderOf): its position and refKey ('t:' + memberId).
    names.existing(holder.record, memberId, holder.refKey, null);
  }
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
  // Placed in the roster's refKey order, so each group's additions are planned in id order.
  each(roster.users, ({ user, forId }) => {
    // Membership is by the user's groups, the reference and address by the record for their id.
    defaultGroup?.members.push(forId);
    departmentGroup(user.fields.department)?.members.push(forId);
    for (let m = 0; m < mirrors.length; m++) {
      const mirror = mirrors[m] as (typeof mirrors)[number];
      if (mirror.members.has(user.id)) mirror.entry.members.push(forId);
    }
  });
  return desired;
}
