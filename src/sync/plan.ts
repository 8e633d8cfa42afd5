/**
 * The planner: from both sides and the company's rules to the exact list of changes. Pure and
 * deterministic: the same input gives the same plan, with the same operation ids, every time.
 */
import type { GraphField, Kb4Attribute, Kb4Values } from './attributes';
import { guard } from './guard';
import { indexTargets, matchUsers, type Candidate, type Match } from './match';
import type {
  AttributeChange,
  CompanyRules,
  GroupRef,
  GroupRole,
  Operation,
  Plan,
  PlanContext,
  SkipReason,
  Skipped,
  SourceSnapshot,
  SourceUser,
  TargetGroup,
  TargetSnapshot,
  TargetUser,
  Unmanaged,
  UserRef,
} from './model';
import { PHASES } from './model';
import { addressKey, cleanValue, fallbackNames, primaryAddress } from './normalize';
import { archiveReasonFor, scopeFilter } from './scope';

export function plan(rules: CompanyRules, source: SourceSnapshot, target: TargetSnapshot, context: PlanContext): Plan {
  const filter = scopeFilter(rules, source);

  // Scope.
  const candidates: Candidate[] = [];
  const skipped: Skipped[] = [];
  const outOfScopeById = new Map<string, SkipReason>();
  const outOfScopeByAddress = new Map<string, SkipReason>();
  const allSourceIds = new Set<string>();
  for (const user of source.users) {
    allSourceIds.add(user.id.toLowerCase());
    const address = primaryAddress(user, rules.emailSource);
    const reason = filter.reasonOutOfScope(user, address);
    if (reason === null) {
      candidates.push({ user, address });
      continue;
    }
    skipped.push({ sourceId: user.id, address, reason });
    outOfScopeById.set(user.id.toLowerCase(), reason);
    if (address !== null) outOfScopeByAddress.set(addressKey(address) as string, reason);
  }

  // Identity.
  const index = indexTargets(target.users);
  const matched = matchUsers(candidates, index, allSourceIds);
  const operations: Operation[] = [];

  // Who is who after the apply: Entra id → the KnowBe4 record (existing or created).
  const refBySource = new Map<string, UserRef>();
  const addressBySource = new Map<string, string>();
  for (const m of matched.matches) {
    refBySource.set(m.user.id, { kind: 'existing', targetId: m.target.id });
    addressBySource.set(m.user.id, m.address);
  }
  for (const u of matched.unmatched) {
    refBySource.set(u.user.id, { kind: 'new', sourceId: u.user.id });
    addressBySource.set(u.user.id, u.address);
  }

  // Users: create, rename, reactivate, update.
  for (const u of matched.unmatched) {
    const values = desiredValues(u.user, rules);
    const present: Kb4Values = {};
    for (const [attr, value] of Object.entries(values) as [Kb4Attribute, string | null][]) {
      if (value !== null) present[attr] = value;
    }
    operations.push({
      kind: 'create',
      id: `create:${u.user.id}`,
      reason: 'In scope in Microsoft 365, not in KnowBe4',
      sourceId: u.user.id,
      userName: u.address,
      values: present,
    });
  }
  for (const m of matched.matches) operations.push(...userChanges(m, rules));

  // Managers, once both sides exist.
  if (rules.syncManagers) {
    const sourceById = new Map(source.users.map((u) => [u.id, u]));
    const finalUsers: { user: SourceUser; current: TargetUser | null }[] = [
      ...matched.matches.map((m) => ({ user: m.user, current: m.target })),
      ...matched.unmatched.map((u) => ({ user: u.user, current: null })),
    ];
    for (const { user, current } of finalUsers) {
      const op = managerChange(user, current, refBySource, addressBySource, index.byId, sourceById);
      if (op) operations.push(op);
    }
  }

  // Groups kb4sync manages.
  const managedGroups = planGroups(rules, source, target.groups, matched.matches, matched.unmatched, refBySource, addressBySource);
  for (const op of managedGroups.operations) operations.push(op);

  // Records no in-scope user claims: archive (when asked) or list as not managed.
  const claimed = new Set(matched.matches.map((m) => m.target.id));
  const unmanaged: Unmanaged[] = [];
  for (const t of target.users) {
    if (claimed.has(t.id) || matched.heldTargetIds.has(t.id) || !t.active) continue;
    if (filter.isExcluded(t.userName)) {
      unmanaged.push({ targetId: t.id, userName: t.userName, reason: 'Excluded by pattern' });
      continue;
    }
    const skip =
      (t.externalId !== null ? outOfScopeById.get(t.externalId.toLowerCase()) : undefined) ??
      outOfScopeByAddress.get(addressKey(t.userName) ?? '') ??
      null;
    const reason = archiveReasonFor(skip);
    if (rules.removeStaleUsers) {
      operations.push({
        kind: 'archive',
        id: `archive:${t.id}`,
        reason,
        targetId: t.id,
        userName: t.userName,
        sourceId: t.externalId,
      });
    } else {
      unmanaged.push({ targetId: t.id, userName: t.userName, reason });
    }
  }

  const stats = {
    sourceUsers: source.users.length,
    inScope: candidates.length,
    targetUsers: target.users.length,
    targetActive: target.users.filter((t) => t.active).length,
    matched: matched.matches.length,
    managedGroups: managedGroups.count,
  };
  const archiveCount = operations.filter((o) => o.kind === 'archive').length;

  return {
    company: { id: rules.id, name: rules.name },
    operations: sortOperations(operations),
    conflicts: matched.conflicts,
    skipped,
    unmanaged,
    guard: guard(rules.guard, { archiveCount, targetActive: stats.targetActive, inScope: stats.inScope }, context),
    stats,
  };
}

function fieldValue(user: SourceUser, field: GraphField): string | null {
  if (field === 'userPrincipalName') return cleanValue(user.userPrincipalName);
  if (field === 'mail') return cleanValue(user.mail);
  return cleanValue(user.fields[field]);
}

const entriesCache = new WeakMap<CompanyRules['mapping'], [Kb4Attribute, GraphField][]>();
function mappingEntries(rules: CompanyRules): [Kb4Attribute, GraphField][] {
  let entries = entriesCache.get(rules.mapping);
  if (!entries) entriesCache.set(rules.mapping, (entries = Object.entries(rules.mapping) as [Kb4Attribute, GraphField][]));
  return entries;
}

/** The KnowBe4 values the company's mapping asks for this user. */
export function desiredValues(user: SourceUser, rules: CompanyRules): Kb4Values {
  let given = fieldValue(user, 'givenName');
  let surname = fieldValue(user, 'surname');
  if (given === null && surname === null) ({ givenName: given, surname } = fallbackNames(fieldValue(user, 'displayName')));
  const values: Kb4Values = {};
  for (const [attr, field] of mappingEntries(rules)) {
    values[attr] = field === 'givenName' ? given : field === 'surname' ? surname : fieldValue(user, field);
  }
  return values;
}

function userChanges(m: Match, rules: CompanyRules): Operation[] {
  const ops: Operation[] = [];
  const t = m.target;
  if (!t.active) {
    ops.push({
      kind: 'reactivate',
      id: `reactivate:${t.id}`,
      reason: 'Archived in KnowBe4, back in scope in Microsoft 365',
      targetId: t.id,
      sourceId: m.user.id,
      userName: t.userName,
    });
  }
  if (t.userName !== m.address && addressKey(t.userName) !== m.key) {
    ops.push({
      kind: 'rename',
      id: `rename:${t.id}`,
      reason:
        m.via === 'alias'
          ? `Found by alias ${t.userName}; primary address is now ${m.address}`
          : `Primary address changed in Microsoft 365`,
      targetId: t.id,
      sourceId: m.user.id,
      from: t.userName,
      to: m.address,
    });
  }
  const changes: AttributeChange[] = [];
  if (t.externalId === null || t.externalId.toLowerCase() !== m.user.id.toLowerCase()) {
    changes.push({ attribute: 'externalId', before: t.externalId, after: m.user.id });
  }
  const desired = desiredValues(m.user, rules);
  for (const [attr] of mappingEntries(rules)) {
    const after = desired[attr] ?? null;
    const before = cleanValue(t.values[attr]);
    if (before !== after) changes.push({ attribute: attr, before, after });
  }
  if (changes.length > 0) {
    ops.push({
      kind: 'update',
      id: `update:${t.id}`,
      reason: changes.map((c) => c.attribute).join(', ') + ' changed in Microsoft 365',
      targetId: t.id,
      sourceId: m.user.id,
      userName: m.address,
      changes,
    });
  }
  return ops;
}

export function refKey(ref: UserRef): string {
  return ref.kind === 'existing' ? `t:${ref.targetId}` : `s:${ref.sourceId}`;
}

function managerChange(
  user: SourceUser,
  current: TargetUser | null,
  refBySource: ReadonlyMap<string, UserRef>,
  addressBySource: ReadonlyMap<string, string>,
  targetsById: ReadonlyMap<string, TargetUser>,
  sourceById: ReadonlyMap<string, SourceUser>,
): Operation | null {
  const self = refBySource.get(user.id) as UserRef;
  const userName = addressBySource.get(user.id) as string;
  const currentManager = current?.managerId ?? null;
  const before = currentManager === null ? null : (targetsById.get(currentManager)?.userName ?? currentManager);
  let desired: UserRef | null;
  if (user.managerId === null) {
    desired = null;
  } else {
    const managerRef = refBySource.get(user.managerId);
    // A manager outside kb4sync's scope has no record we manage: leave the link as it is.
    if (!managerRef) return null;
    desired = managerRef;
  }
  if (desired === null) {
    if (currentManager === null) return null;
  } else if (desired.kind === 'existing' && desired.targetId === currentManager) {
    return null;
  }
  const managerSource = user.managerId === null ? undefined : sourceById.get(user.managerId);
  const after = desired === null ? null : (addressBySource.get(managerSource?.id ?? '') ?? null);
  return {
    kind: 'setManager',
    id: `manager:${refKey(self)}`,
    reason: desired === null ? 'Manager removed in Microsoft 365' : 'Manager changed in Microsoft 365',
    user: self,
    userName,
    manager: desired,
    before,
    after,
  };
}

interface GroupPlan {
  operations: Operation[];
  count: number;
}

function planGroups(
  rules: CompanyRules,
  source: SourceSnapshot,
  targetGroups: readonly TargetGroup[],
  matches: readonly Match[],
  unmatched: readonly { user: SourceUser }[],
  refBySource: ReadonlyMap<string, UserRef>,
  addressBySource: ReadonlyMap<string, string>,
): GroupPlan {
  // Desired members of each managed group (by Entra id), keyed by the group's lower-cased name.
  // A group named twice (a department group that is also the default) keeps its first role.
  // Every managed group is known even with no members, so leavers are removed from it.
  interface Desired {
    name: string;
    via: GroupRole;
    members: Map<string, UserRef>;
  }
  const desired = new Map<string, Desired>();
  const managed = (name: string, via: GroupRole): Desired => {
    const key = name.trim().toLowerCase();
    let entry = desired.get(key);
    if (!entry) desired.set(key, (entry = { name: name.trim(), via, members: new Map() }));
    return entry;
  };
  const defaultGroup = rules.groups.default ? managed(rules.groups.default, 'default') : null;
  const byDepartment = new Map<string, Desired>();
  for (const [dept, name] of Object.entries(rules.groups.departments)) byDepartment.set(dept.trim().toLowerCase(), managed(name, 'department'));
  const mirrors = rules.groups.mirror.map((m) => {
    const group = source.groups.find((g) => g.id.toLowerCase() === m.id.toLowerCase());
    return { entry: managed(m.name, 'mirror'), members: new Set(group?.memberIds ?? []) };
  });
  // Departments repeat across thousands of users: resolve each distinct spelling once.
  const deptCache = new Map<string, Desired | null>();
  const departmentGroup = (raw: string | null | undefined): Desired | null => {
    if (raw == null) return null;
    let entry = deptCache.get(raw);
    if (entry === undefined) deptCache.set(raw, (entry = byDepartment.get(cleanValue(raw)?.toLowerCase() ?? '') ?? null));
    return entry;
  };
  const placeUser = (user: SourceUser) => {
    const ref = refBySource.get(user.id) as UserRef;
    defaultGroup?.members.set(user.id, ref);
    departmentGroup(user.fields.department)?.members.set(user.id, ref);
    for (const mirror of mirrors) if (mirror.members.has(user.id)) mirror.entry.members.set(user.id, ref);
  };
  for (const m of matches) placeUser(m.user);
  for (const u of unmatched) placeUser(u.user);

  const existingByName = new Map<string, TargetGroup>();
  for (const g of targetGroups) {
    const key = g.displayName.trim().toLowerCase();
    if (!existingByName.has(key)) existingByName.set(key, g);
  }
  // Only members kb4sync manages (matched in-scope users) are ever removed from a group.
  const managedTargets = new Map<string, Match>();
  for (const m of matches) managedTargets.set(m.target.id, m);

  const operations: Operation[] = [];
  let count = 0;
  for (const [key, { name, via, members }] of [...desired.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const existing = existingByName.get(key);
    if (!existing && members.size === 0) continue;
    count += 1;
    const groupName = existing?.displayName ?? name;
    const current = new Set(existing?.memberIds ?? []);
    if (!existing) {
      operations.push({ kind: 'createGroup', id: `createGroup:${key}`, reason: 'Managed group missing in KnowBe4', name });
    }
    const group: GroupRef = existing ? { kind: 'existing', groupId: existing.id } : { kind: 'new', name };
    const reason = GROUP_REASON[via];
    for (const [sourceId, ref] of members) {
      if (ref.kind === 'existing' && current.has(ref.targetId)) continue;
      operations.push({
        kind: 'addToGroup',
        id: `group+:${key}:${refKey(ref)}`,
        reason,
        via,
        group,
        groupName,
        user: ref,
        userName: addressBySource.get(sourceId) as string,
      });
    }
    if (!existing) continue;
    for (const memberId of existing.memberIds) {
      const m = managedTargets.get(memberId);
      if (!m || members.has(m.user.id)) continue;
      operations.push({
        kind: 'removeFromGroup',
        id: `group-:${key}:t:${memberId}`,
        reason: `No longer belongs in ${groupName}`,
        groupId: existing.id,
        groupName,
        targetId: memberId,
        userName: m.address,
      });
    }
  }
  return { operations, count };
}

const GROUP_REASON: Record<GroupRole, string> = {
  default: 'Default group for everyone in scope',
  department: 'Department group',
  mirror: 'Member of the mirrored Entra group',
};

const PHASE_OF = new Map(PHASES.flatMap((kinds, phase) => kinds.map((k) => [k, phase] as const)));

export function phaseOf(op: Operation): number {
  return PHASE_OF.get(op.kind) as number;
}

function sortOperations(ops: Operation[]): Operation[] {
  const buckets: Operation[][] = PHASES.map(() => []);
  for (const op of ops) (buckets[phaseOf(op)] as Operation[]).push(op);
  const byId = (a: Operation, b: Operation) => (a.id < b.id ? -1 : 1);
  const sorted: Operation[] = [];
  for (const bucket of buckets) for (const op of bucket.sort(byId)) sorted.push(op);
  return sorted;
}
