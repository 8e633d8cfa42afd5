/**
 * The roster: who is who after the apply. One record per in-scope user that the plan writes for,
 * with the KnowBe4 record they keep or get, so the manager and group steps look a person up once
 * instead of in a map per fact (reference, address, current record) at 100,000 users each.
 */
import type { Match, MatchResult, TargetIndex } from './match';
import type { SourceUser, TargetUser, UserRef } from './model';

export interface PlannedUser {
  /** Position in `Roster.users`: lets a step keep per-user marks in a typed array, not a map. */
  index: number;
  user: SourceUser;
  address: string;
  /** The KnowBe4 record as it is now; null for a user the plan creates. */
  current: TargetUser | null;
  ref: UserRef;
  /** refKey(ref), built once: it is part of several operation ids per user. */
  refKey: string;
  /**
   * The record that speaks for this user's Entra id: itself, unless a snapshot repeats an id,
   * in which case the last one read speaks for all of them (as it did when each fact had a map).
   */
  forId: PlannedUser;
}

export interface Roster {
  /** Matched users first, then the users the plan creates: the order operations are planned in. */
  users: PlannedUser[];
  /** By Entra id. */
  byId: ReadonlyMap<string, PlannedUser>;
  /** The matched user who keeps the KnowBe4 record with this SCIM id (at most one per record). */
  holderOf(targetId: string): PlannedUser | undefined;
  /** Whether a matched user keeps the record at this position of the target snapshot. */
  isKept(position: number): boolean;
}

export function refKey(ref: UserRef): string {
  return ref.kind === 'existing' ? `t:${ref.targetId}` : `s:${ref.sourceId}`;
}

export function buildRoster(matched: Pick<MatchResult, 'matches' | 'unmatched'>, index: TargetIndex): Roster {
  const users: PlannedUser[] = [];
  const byId = new Map<string, PlannedUser>();
  // Roster position of the user keeping each record (by TargetIndex.recordOf), or -1.
  const holderAt = new Int32Array(index.users.length).fill(-1);
  const add = (user: SourceUser, address: string, current: TargetUser | null, ref: UserRef): PlannedUser => {
    const planned = { index: users.length, user, address, current, ref, refKey: refKey(ref) } as PlannedUser;
    planned.forId = planned; // until an id turns out to repeat (below)
    users.push(planned);
    byId.set(user.id, planned);
    return planned;
  };
  const { matches } = matched;
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i] as Match;
    holderAt[m.record] = add(m.user, m.address, m.target, { kind: 'existing', targetId: m.target.id }).index;
  }
  for (const u of matched.unmatched) add(u.user, u.address, null, { kind: 'new', sourceId: u.user.id });
  if (byId.size !== users.length) for (const planned of users) planned.forId = byId.get(planned.user.id) as PlannedUser;

  const isKept = (position: number) => (holderAt[index.recordOf[position] as number] as number) >= 0;
  const holderOf = (targetId: string) => {
    const position = index.byId.get(targetId);
    return position === undefined ? undefined : users[holderAt[position] as number];
  };
  return { users, byId, holderOf, isKept };
}
