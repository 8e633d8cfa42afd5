/**
 * The planner: from both sides and the company's rules to the exact list of changes. Pure and
 * deterministic: the same input gives the same plan, with the same operation ids, every time.
 */
import { KB4_DATE_ATTRIBUTES, type GraphField, type Kb4Attribute, type Kb4Values } from './attributes';
import { planGroups } from './groups';
import { guard } from './guard';
import { indexTargets, matchUsers, type Candidate, type Match, type MatchResult, type TargetIndex } from './match';
import type {
  AttributeChange,
  CompanyRules,
  Operation,
  Plan,
  PlanContext,
  SkipReason,
  Skipped,
  SourceSnapshot,
  SourceUser,
  TargetSnapshot,
  TargetUser,
  Unmanaged,
} from './model';
import { addressKey, cleanDate, cleanValue, fallbackNames, lowerCase, primaryAddress } from './normalize';
import { buildRoster, type PlannedUser, type Roster } from './roster';
import { phasedOperations, type OperationSink } from './operations';
import { archiveReasonFor, scopeFilter, type ScopeFilter } from './scope';
import { holdUnreadable, withoutHeldGroups } from './unreadable';
import { takeovers } from './takeover';

export { phaseOf } from './operations';
export { refKey } from './roster';

export function plan(rules: CompanyRules, source: SourceSnapshot, target: TargetSnapshot, context: PlanContext): Plan {
  const filter = scopeFilter(rules, source);
  const scoped = scopeUsers(rules, source.users, filter);

  // Identity.
  const index = indexTargets(target.users);
  // Held people are still in scope (the guard's shrink check counts them).
  const inScope = scoped.candidates.length;
  const held = holdUnreadable(scoped.candidates, index, target.unreadable ?? []);
  scoped.candidates = held.candidates;
  // Only a record found by address or alias that is linked to another id asks whether that id is
  // one of ours, so the set of every source id is built on first use (rarely, on a nightly run).
  let sourceIds: Set<string> | null = null;
  const isSourceId = (idKey: string) => (sourceIds ??= new Set(source.users.map((u) => lowerCase(u.id)))).has(idKey);
  const matched = matchUsers(scoped.candidates, index, isSourceId);
  const adopted = takeovers(matched.matches);
  const roster = buildRoster(matched, index);

  const operations = phasedOperations();
  planUsers(matched, rules, operations);
  if (rules.syncManagers) planManagers(roster, index, operations);
  const managedGroups = planGroups(rules, source, target.groups, roster, operations);
  const heldTargetIds = held.heldTargetIds.size === 0 ? matched.heldTargetIds : new Set([...matched.heldTargetIds, ...held.heldTargetIds]);
  const leftovers = planLeftovers(rules, index, roster, heldTargetIds, scoped, filter, operations);

  const stats = {
    sourceUsers: source.users.length,
    inScope,
    targetUsers: target.users.length,
    targetActive: leftovers.targetActive,
    matched: matched.matches.length,
    managedGroups,
  };

  return {
    company: { id: rules.id, name: rules.name },
    operations: withoutHeldGroups(operations.inApplyOrder(), held.heldGroupNames),
    conflicts: matched.conflicts,
    skipped: scoped.skipped,
    unmanaged: leftovers.unmanaged,
    ...(held.unreadable.length > 0 ? { unreadable: held.unreadable } : {}),
    ...(adopted.length > 0 ? { takeovers: adopted } : {}),
    guard: guard(rules.guard, { archiveCount: leftovers.archiveCount, targetActive: stats.targetActive, inScope: stats.inScope }, context),
    stats,
  };
}

// The loops over every user below index their arrays instead of using for-of: each runs once
// per plan, mostly before V8 has optimised it, and an unoptimised for-of allocates an iterator
// result per element (tens of MB at 100,000 users, and the garbage collection that goes with it).

interface Scoped {
  /** In-scope users, in source order, with their id and address keys computed once. */
  candidates: Candidate[];
  skipped: Skipped[];
  /** Why an out-of-scope user is out, by lower-cased Entra id and by address key. */
  outOfScopeById: Map<string, SkipReason>;
  outOfScopeByAddress: Map<string, SkipReason>;
}

function scopeUsers(rules: CompanyRules, users: readonly SourceUser[], filter: ScopeFilter): Scoped {
  const scoped: Scoped = { candidates: [], skipped: [], outOfScopeById: new Map(), outOfScopeByAddress: new Map() };
  for (let i = 0; i < users.length; i++) {
    const user = users[i] as SourceUser;
    const idKey = lowerCase(user.id);
    const address = primaryAddress(user, rules.emailSource);
    const key = addressKey(address);
    const reason = filter.reasonOutOfScope(user, address);
    if (reason === null) {
      scoped.candidates.push({ user, address, idKey, key });
      continue;
    }
    scoped.skipped.push({ sourceId: user.id, address, reason });
    scoped.outOfScopeById.set(idKey, reason);
    if (key !== null) scoped.outOfScopeByAddress.set(key, reason);
  }
  return scoped;
}

/** Users: create, rename, reactivate, update. */
function planUsers(matched: MatchResult, rules: CompanyRules, operations: OperationSink): void {
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
  const { matches } = matched;
  for (let i = 0; i < matches.length; i++) pushUserChanges(operations, matches[i] as Match, rules);
}

/** Managers, once both sides exist. */
function planManagers(roster: Roster, index: TargetIndex, operations: OperationSink): void {
  const managerName = (targetId: string) => {
    const position = index.byId.get(targetId);
    return position === undefined ? targetId : (index.users[position] as TargetUser).userName;
  };
  const { users } = roster;
  for (let i = 0; i < users.length; i++) {
    const op = managerChange(users[i] as PlannedUser, roster, managerName);
    if (op) operations.push(op);
  }
}

/** Records no in-scope user claims: archive (when asked) or list as not managed. */
function planLeftovers(
  rules: CompanyRules,
  index: TargetIndex,
  roster: Roster,
  held: ReadonlySet<string>,
  scoped: Scoped,
  filter: ScopeFilter,
  operations: OperationSink,
): { unmanaged: Unmanaged[]; targetActive: number; archiveCount: number } {
  const unmanaged: Unmanaged[] = [];
  let targetActive = 0;
  let archiveCount = 0;
  const { users } = index;
  for (let position = 0; position < users.length; position++) {
    const t = users[position] as TargetUser;
    if (t.active) targetActive += 1;
    if (roster.isKept(position) || held.has(t.id) || !t.active) continue;
    if (filter.isExcluded(t.userName)) {
      unmanaged.push({ targetId: t.id, userName: t.userName, reason: 'Excluded by pattern' });
      continue;
    }
    const skip =
      (t.externalId !== null ? scoped.outOfScopeById.get(lowerCase(t.externalId)) : undefined) ??
      scoped.outOfScopeByAddress.get(addressKey(t.userName) ?? '') ??
      null;
    const reason = archiveReasonFor(skip);
    if (rules.removeStaleUsers) {
      archiveCount += 1;
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
  return { unmanaged, targetActive, archiveCount };
}

function fieldValue(user: SourceUser, field: GraphField): string | null {
  if (field === 'userPrincipalName') return cleanValue(user.userPrincipalName);
  if (field === 'mail') return cleanValue(user.mail);
  return cleanValue(user.fields[field]);
}

interface MappedAttribute {
  attribute: Kb4Attribute;
  field: GraphField;
}
// Read per user, so listed once per mapping, as objects: destructuring a [key, value] pair goes
// through the iterator protocol until V8 optimises the caller.
const mappedCache = new WeakMap<CompanyRules['mapping'], MappedAttribute[]>();
function mappedAttributes(rules: CompanyRules): MappedAttribute[] {
  let mapped = mappedCache.get(rules.mapping);
  if (!mapped) {
    mapped = Object.entries(rules.mapping).map(([attribute, field]) => ({ attribute: attribute as Kb4Attribute, field: field as GraphField }));
    mappedCache.set(rules.mapping, mapped);
  }
  return mapped;
}

/** The KnowBe4 values the company's mapping asks for this user. */
export function desiredValues(user: SourceUser, rules: CompanyRules): Kb4Values {
  let given = fieldValue(user, 'givenName');
  let surname = fieldValue(user, 'surname');
  if (given === null && surname === null) ({ givenName: given, surname } = fallbackNames(fieldValue(user, 'displayName')));
  const values: Kb4Values = {};
  const mapped = mappedAttributes(rules);
  for (let i = 0; i < mapped.length; i++) {
    const { attribute, field } = mapped[i] as MappedAttribute;
    const value = field === 'givenName' ? given : field === 'surname' ? surname : fieldValue(user, field);
    values[attribute] = KB4_DATE_ATTRIBUTES.has(attribute) ? cleanDate(value) : value;
  }
  return values;
}

/** Appends the matched user's reactivate, rename and update (straight into the plan: no array per user). */
function pushUserChanges(ops: OperationSink, m: Match, rules: CompanyRules): void {
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
  // Most matched users have no change: their list is only made for the first one.
  let changes: AttributeChange[] | null = null;
  if (t.externalId === null || lowerCase(t.externalId) !== lowerCase(m.user.id)) {
    changes = [{ attribute: 'externalId', before: t.externalId, after: m.user.id }];
  }
  const desired = desiredValues(m.user, rules);
  const mapped = mappedAttributes(rules);
  for (let i = 0; i < mapped.length; i++) {
    const { attribute } = mapped[i] as MappedAttribute;
    const after = desired[attribute] ?? null;
    const current = t.values[attribute];
    // `after` is already clean, so a value equal to it cleans to itself: the usual case.
    if (current === after) continue;
    const before = KB4_DATE_ATTRIBUTES.has(attribute) ? cleanDate(current) : cleanValue(current);
    if (before !== after) (changes ??= []).push({ attribute, before, after });
  }
  if (changes !== null) {
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
}

function managerChange(planned: PlannedUser, roster: Roster, managerName: (targetId: string) => string): Operation | null {
  const { user, current, forId: self } = planned;
  const currentManager = current?.managerId ?? null;
  let manager: PlannedUser | null;
  if (user.managerId === null) {
    manager = null;
  } else {
    const found = roster.byId.get(user.managerId);
    // A manager outside kb4sync's scope has no record we manage: leave the link as it is.
    if (!found) return null;
    manager = found;
  }
  const desired = manager === null ? null : manager.ref;
  if (desired === null) {
    if (currentManager === null) return null;
  } else if (desired.kind === 'existing' && desired.targetId === currentManager) {
    return null;
  }
  return {
    kind: 'setManager',
    id: `manager:${self.refKey}`,
    reason: desired === null ? 'Manager removed in Microsoft 365' : 'Manager changed in Microsoft 365',
    user: self.ref,
    userName: self.address,
    manager: desired,
    before: currentManager === null ? null : managerName(currentManager),
    after: manager === null ? null : manager.address,
  };
}
