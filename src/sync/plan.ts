/**
 * The planner: from both sides and the company's rules to the exact list of changes. Pure and
 * deterministic: the same input gives the same plan, with the same operation ids, every time.
 */
import type { GraphField, Kb4Attribute, Kb4Values } from './attributes';
import { planGroups } from './groups';
import { guard } from './guard';
import { indexTargets, matchUsers, type Candidate, type Match } from './match';
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
import { PHASES } from './model';
import { addressKey, cleanValue, fallbackNames, primaryAddress } from './normalize';
import { buildRoster, type PlannedUser, type Roster } from './roster';
import { archiveReasonFor, scopeFilter } from './scope';

export { refKey } from './roster';

export function plan(rules: CompanyRules, source: SourceSnapshot, target: TargetSnapshot, context: PlanContext): Plan {
  const filter = scopeFilter(rules, source);

  // Scope. Each user's id and address keys are computed here, once, for every later step.
  const candidates: Candidate[] = [];
  const skipped: Skipped[] = [];
  const outOfScopeById = new Map<string, SkipReason>();
  const outOfScopeByAddress = new Map<string, SkipReason>();
  for (const user of source.users) {
    const idKey = user.id.toLowerCase();
    const address = primaryAddress(user, rules.emailSource);
    const key = addressKey(address);
    const reason = filter.reasonOutOfScope(user, address);
    if (reason === null) {
      candidates.push({ user, address, idKey, key });
      continue;
    }
    skipped.push({ sourceId: user.id, address, reason });
    outOfScopeById.set(idKey, reason);
    if (key !== null) outOfScopeByAddress.set(key, reason);
  }

  // Identity.
  const index = indexTargets(target.users);
  // Only a record found by address or alias that is linked to another id asks whether that id is
  // one of ours, so the set of every source id is built on first use (rarely, on a nightly run).
  let sourceIds: Set<string> | null = null;
  const isSourceId = (idKey: string) => (sourceIds ??= new Set(source.users.map((u) => u.id.toLowerCase()))).has(idKey);
  const matched = matchUsers(candidates, index, isSourceId);
  const roster = buildRoster(matched, index);
  const operations: Operation[] = [];

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
  for (const m of matched.matches) pushUserChanges(operations, m, rules);

  // Managers, once both sides exist.
  if (rules.syncManagers) {
    const managerName = (targetId: string) => {
      const position = index.byId.get(targetId);
      return position === undefined ? targetId : (target.users[position] as TargetUser).userName;
    };
    for (const planned of roster.users) {
      const op = managerChange(planned, roster, managerName);
      if (op) operations.push(op);
    }
  }

  // Groups kb4sync manages.
  const managedGroups = planGroups(rules, source, target.groups, roster);
  for (const op of managedGroups.operations) operations.push(op);

  // Records no in-scope user claims: archive (when asked) or list as not managed.
  const unmanaged: Unmanaged[] = [];
  let targetActive = 0;
  let archiveCount = 0;
  for (let position = 0; position < target.users.length; position++) {
    const t = target.users[position] as TargetUser;
    if (t.active) targetActive += 1;
    if (roster.isKept(position) || matched.heldTargetIds.has(t.id) || !t.active) continue;
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

  const stats = {
    sourceUsers: source.users.length,
    inScope: candidates.length,
    targetUsers: target.users.length,
    targetActive,
    matched: matched.matches.length,
    managedGroups: managedGroups.count,
  };

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

/** Appends the matched user's reactivate, rename and update (straight into the plan: no array per user). */
function pushUserChanges(ops: Operation[], m: Match, rules: CompanyRules): void {
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
