/**
 * The roster: who is who after the apply. One record per in-scope user that the plan writes for,
 * with the KnowBe4 record they keep or get, so the manager and group steps look a person up once
 * instead of in a map per fact (reference, address, current record) at 100,000 users each.
 */
import type { Match, MatchResult, MatchVia, Unmatched } from './match';
import type { TargetIndex } from './targetIndex';
import type { UserRef } from './model';
import type { SourceUser, TargetUser } from './snapshot';

export interface PlannedUser {
  /** Position in `Roster.users`: lets a step keep per-user marks in a typed array, not a map. */
  index: number;
  user: SourceUser;
  address: string;
  /** addressKey(address). */
  key: string;
  /** The KnowBe4 record as it is now; null for a user the plan creates. */
  current: TargetUser | null;
  /** How `current` was found; null for a user the plan creates. */
  via: MatchVia | null;
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
  /**
   * In refKey order ('s:<Entra id>' for new users, 't:<SCIM id>' for matched ones), which is
   * also the id order of each kind of operation planned per user ('create:<Entra id>',
   * 'update:<SCIM id>', 'group+:<group>:<refKey>', …): planned in this order, they need no
   * sorting (see operations.ts).
   */
  users: PlannedUser[];
  /** Whether some user's forId is another user (a snapshot repeats an Entra id): then only `users` is in refKey order, not their forIds. */
  idsRepeat: boolean;
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
  const add = (user: SourceUser, address: string, key: string, current: TargetUser | null, via: MatchVia | null, ref: UserRef, record: number) => {
    const planned = { index: record, user, address, key, current, via, ref, refKey: refKey(ref) } as PlannedUser;
    planned.forId = planned; // until an id turns out to repeat (below)
    users.push(planned);
    byId.set(user.id, planned);
  };
  // Matched users first, then new ones, so that of two with one id the last read speaks for it.
  const { matches, unmatched } = matched;
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i] as Match;
    add(m.user, m.address, m.key, m.target, m.via, { kind: 'existing', targetId: m.target.id }, m.record);
  }
  for (let i = 0; i < unmatched.length; i++) {
    const u = unmatched[i] as Unmatched;
    add(u.user, u.address, u.key, null, null, { kind: 'new', sourceId: u.user.id }, -1);
  }
  const idsRepeat = byId.size !== users.length;
  if (idsRepeat) for (const planned of users) planned.forId = byId.get(planned.user.id) as PlannedUser;

  users.sort((a, b) => (a.refKey < b.refKey ? -1 : 1));
  // Roster position of the user keeping each record (by TargetIndex.recordOf), or -1. `index`
  // held the record until now.
  const holderAt = new Int32Array(index.users.length).fill(-1);
  for (let i = 0; i < users.length; i++) {
    const planned = users[i] as PlannedUser;
    if (planned.index >= 0) holderAt[planned.index] = i;
    planned.index = i;
  }
  const isKept = (position: number) => (holderAt[index.recordOf[position] as number] as number) >= 0;
  const holderOf = (targetId: string) => {
    const position = index.byId.get(targetId);
    return position === undefined ? undefined : users[holderAt[position] as number];
  };
  return { users, idsRepeat, byId, holderOf, isKept };
}
