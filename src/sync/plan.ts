/**
 * The planner: from both sides and the company's rules to the exact list of changes. Pure and
 * deterministic: the same input gives the same plan, with the same operation ids, every time.
 */
import { planGroups } from './groups';
import { guard } from './guard';
import { candidate, matchUsers, type Candidate } from './match';
import { indexTargets, type TargetIndex } from './targetIndex';
import type { CompanyRules, Operation, Plan, PlanContext, SkipReason, Skipped, Unmanaged } from './model';
import type { SourceSnapshot, SourceUser, TargetSnapshot, TargetUser } from './snapshot';
import { addressKey, lowerCase, plainPrimaryAddress, primaryAddress } from './normalize';
import { buildRoster, nameUser, type PlannedUser, type Roster } from './roster';
import { phasedOperations, type OperationSink, type PhasedOperations } from './operations';
import { planUsers } from './users';
import { archiveReasonFor, scopeFilter, type ScopeFilter } from './scope';
import { holdUnreadable, withoutHeldGroups } from './unreadable';
import { takeovers } from './takeover';
import { nameBook, namesOf, type NameBook, type NameSources } from './names';
import { sentState, withoutWaiting } from './sent';
import { each } from './each';

export { phaseOf } from './operations';
export { refKey } from './roster';
export { desiredValues } from './users';

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

  // Display names of the people the operations touch, filed by each step as it plans them.
  // Conflicts name people outside the roster: their lookup map is built only when there are some.
  let conflicted: Map<string, SourceUser> | null = null;
  const nameSources: NameSources = {
    sourceById: (id) => roster.byEntraId(id)?.user ?? (conflicted ??= new Map(source.users.map((u) => [u.id, u]))).get(id),
    targets: index,
  };
  const book = nameBook(nameSources);

  const operations = phasedOperations();
  planUsers(roster, rules, operations, book);
  if (rules.syncManagers) planManagers(roster, index, operations, book);
  const managedGroups = planGroups(rules, source, target.groups, roster, operations, book);
  const heldTargetIds = held.heldTargetIds.size === 0 ? matched.heldTargetIds : new Set([...matched.heldTargetIds, ...held.heldTargetIds]);
  const leftovers = planLeftovers(rules, index, roster, heldTargetIds, scoped, filter, operations, book);
  const sent = sentState(context.sent ?? [], target);
  const all = operations.inApplyOrder();
  const planned = withoutWaiting(withoutHeldGroups(all, held.heldGroupNames), sent.waiting);
  const archiveCount = leftovers.archiveCount - planned.archivesDropped;

  const stats = {
    sourceUsers: source.users.length,
    inScope,
    targetUsers: target.users.length,
    targetActive: leftovers.targetActive,
    matched: matched.matches.length,
    managedGroups,
  };

  // The steps run in apply-phase order, so each person's first mention in the book is in the phase
  // of their first operation, and the book names them as namesOf names them from the list. Only
  // when operations were dropped since (writes waiting, unreadable groups: rare) is the list read.
  const names = planned.operations === all ? book.done(matched.conflicts) : namesOf(planned.operations, matched.conflicts, nameSources);

  return {
    company: { id: rules.id, name: rules.name },
    operations: planned.operations,
    conflicts: matched.conflicts,
    skipped: scoped.skipped,
    unmanaged: leftovers.unmanaged,
    ...(held.unreadable.length > 0 ? { unreadable: held.unreadable } : {}),
    ...(adopted.length > 0 ? { takeovers: adopted } : {}),
    ...(names ? { nameList: names } : {}),
    ...(sent.waiting.length > 0 ? { waiting: sent.waiting } : {}),
    ...(sent.seen.length > 0 ? { seen: sent.seen } : {}),
    guard: guard(rules.guard, { archiveCount, targetActive: stats.targetActive, inScope: stats.inScope }, context),
    stats,
  };
}

// The loops over every user index their arrays instead of using for-of: each runs once per plan,
// partly before V8 has optimised it, and an unoptimised for-of allocates an iterator result per
// element (tens of MB at 100,000 users, and the garbage collection that goes with it). Most go
// through each() (each.ts), one loop for all steps that V8 optimises once.

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
  each(users, (user) => {
    const idKey = lowerCase(user.id);
    const plain = plainPrimaryAddress(user, rules.emailSource);
    const address = plain ?? primaryAddress(user, rules.emailSource);
    // The address is already cleaned: its key only needs lower-casing (a plain one is its own key).
    const key = plain ?? (address === null ? null : lowerCase(address));
    const reason = filter.reasonOutOfScope(user, address);
    if (reason === null) {
      scoped.candidates.push(candidate(user, address, idKey, key));
      return;
    }
    scoped.skipped.push({ sourceId: user.id, address, reason });
    scoped.outOfScopeById.set(idKey, reason);
    if (key !== null) scoped.outOfScopeByAddress.set(key, reason);
  });
  return scoped;
}

/** Managers, once both sides exist. */
function planManagers(roster: Roster, index: TargetIndex, operations: PhasedOperations, names: NameBook): void {
  const managerName = (targetId: string) => {
    const position = index.byId.get(targetId);
    return position === undefined ? targetId : (index.users[position] as TargetUser).userName;
  };
  // A manager has several reports: each manager's id is looked up once, then found in a map the
  // size of the company's managers, not the company.
  const managers = new Map<string, PlannedUser | null>();
  const managerOf = (id: string): PlannedUser | null => {
    let manager = managers.get(id);
    if (manager === undefined) managers.set(id, (manager = roster.byEntraId(id) ?? null));
    return manager;
  };
  // Ids are by each user's forId, in roster order unless an Entra id repeats.
  const run = roster.idsRepeat ? operations : operations.run();
  each(roster.users, (planned) => {
    const op = managerChange(planned, managerOf, managerName);
    if (!op) return;
    run.push(op);
    nameUser(names, planned.forId);
  });
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
  names: NameBook,
): { unmanaged: Unmanaged[]; targetActive: number; archiveCount: number } {
  const unmanaged: Unmanaged[] = [];
  let targetActive = 0;
  let archiveCount = 0;
  each(index.users, (t, position) => {
    if (t.active) targetActive += 1;
    if (roster.isKept(position) || !t.active || (held.size > 0 && held.has(t.id))) return;
    if (filter.isExcluded(t.userName)) {
      unmanaged.push({ targetId: t.id, userName: t.userName, reason: 'Excluded by pattern' });
      return;
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
      // Named from KnowBe4 (an archive writes no Microsoft 365 user's record): the record its id stands for.
      names.existing(index.recordOf[position], t.id, null, null);
    } else {
      unmanaged.push({ targetId: t.id, userName: t.userName, reason });
    }
  });
  return { unmanaged, targetActive, archiveCount };
}

function managerChange(planned: PlannedUser, managerOf: (id: string) => PlannedUser | null, managerName: (targetId: string) => string): Operation | null {
  const { user, current, forId: self } = planned;
  const currentManager = current?.managerId ?? null;
  let manager: PlannedUser | null;
  if (user.managerId === null) {
    manager = null;
  } else {
    const found = managerOf(user.managerId);
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
