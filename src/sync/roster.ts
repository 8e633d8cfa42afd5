/**
 * The roster: who is who after the apply. One record per in-scope user that the plan writes for,
 * with the KnowBe4 record they keep or get, so the manager and group steps look a person up once
 * instead of in a map per fact (reference, address, current record) at 100,000 users each.
 */
import type { Candidate, Match, MatchResult, Unmatched } from './match';
import type { NameBook } from './names';
import type { TargetIndex } from './targetIndex';
import type { UserRef } from './model';
import type { TargetUser } from './snapshot';
import { lowerCase } from './normalize';
import { each } from './each';

/**
 * A user the plan writes for: the candidate itself (match.ts), with every roster field set.
 * - `index`: position in `Roster.users`, so a step can keep per-user marks in a typed array, not a map;
 * - `current`: the KnowBe4 record as it is now, null for a user the plan creates; `via`: how it was found (null likewise);
 * - `ref` and `refKey` (refKey(ref), built once: it is part of several operation ids per user);
 * - `forId`: the user that speaks for this user's Entra id: itself, unless a snapshot repeats an
 *   id, in which case the last one read speaks for all of them (as it did when each fact had a map).
 */
export type PlannedUser = Candidate & { address: string; key: string; ref: UserRef; forId: PlannedUser };

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
  byEntraId(id: string): PlannedUser | undefined;
  /** The position in `users` of the matched user who keeps the KnowBe4 record with this SCIM id (at most one per record); -1 for none. */
  holderIndexOf(targetId: string): number;
  /** Whether a matched user keeps the record at this position of the target snapshot. */
  isKept(position: number): boolean;
}

/**
 * Names the person of an operation whose `user` is this planned user's reference (its key is their
 * refKey, its record their `record`). `planned` speaks for its id (a forId), so it is the user that
 * id stands for.
 */
export function nameUser(names: NameBook, planned: PlannedUser): void {
  if (planned.ref.kind === 'new') names.newUser(planned.ref.sourceId, planned.refKey, undefined, planned.user);
  else names.existing(planned.record, planned.ref.targetId, planned.refKey, null);
}

export function refKey(ref: UserRef): string {
  return ref.kind === 'existing' ? `t:${ref.targetId}` : `s:${ref.sourceId}`;
}

export function buildRoster(matched: Pick<MatchResult, 'matches' | 'unmatched'>, index: TargetIndex): Roster {
  const { matches, unmatched } = matched;
  // Sized once (a list grown by push leaves its outgrown copies to the garbage collector).
  const users = new Array<PlannedUser>(matches.length + unmatched.length);
  // Users by Entra id without a map of every id: nearly every user's id is the externalId of a
  // record (matching looked it up: `linked`), so they are filed by that record's position, and
  // only the others (new users, records not linked yet) by id. One user per id: a second one with
  // the same id (a snapshot that repeats an id, rare) sends the roster to a map of every id.
  const linkedUser = new Array<PlannedUser | undefined>(index.users.length);
  const others = new Map<string, PlannedUser>();
  let idsRepeat = false;
  let count = 0;
  const add = (planned: PlannedUser, ref: UserRef) => {
    planned.ref = ref;
    planned.refKey = refKey(ref);
    planned.forId = planned; // until an id turns out to repeat (below)
    users[count++] = planned;
    if (planned.linked >= 0) {
      const holder = linkedUser[planned.linked];
      if (holder === undefined) {
        linkedUser[planned.linked] = planned;
        return;
      }
      // (The same id, or one that differs in case only: the latter is another id.)
      if (holder.user.id === planned.user.id) {
        idsRepeat = true;
        return;
      }
    }
    const size = others.size;
    if (others.set(planned.user.id, planned).size === size) idsRepeat = true;
  };
  // Matched users first, then new ones, so that of two with one id the last read speaks for it.
  each(matches as readonly Match[] as readonly PlannedUser[], (m) => add(m, { kind: 'existing', targetId: (m.current as TargetUser).id }));
  each(unmatched as readonly Unmatched[] as readonly PlannedUser[], (u) => {
    u.current = null;
    u.record = -1;
    u.via = null;
    add(u, { kind: 'new', sourceId: u.user.id });
  });
  let byEntraId: (id: string) => PlannedUser | undefined;
  if (idsRepeat) {
    const byId = new Map<string, PlannedUser>();
    for (const planned of users) byId.set(planned.user.id, planned);
    for (const planned of users) planned.forId = byId.get(planned.user.id) as PlannedUser;
    byEntraId = (id) => byId.get(id);
  } else {
    byEntraId = (id) => {
      const position = index.byExternalId.get(lowerCase(id));
      if (position !== undefined) {
        const holder = linkedUser[position];
        if (holder !== undefined && holder.user.id === id) return holder;
      }
      return others.size === 0 ? undefined : others.get(id);
    };
  }

  users.sort((a, b) => (a.refKey < b.refKey ? -1 : 1));
  // Roster position of the user keeping each record (by TargetIndex.recordOf), or -1.
  const holderAt = new Int32Array(index.users.length).fill(-1);
  each(users, (planned, i) => {
    if (planned.record >= 0) holderAt[planned.record] = i;
    planned.index = i;
  });
  const isKept = (position: number) => (holderAt[index.recordOf[position] as number] as number) >= 0;
  const holderIndexOf = (targetId: string) => {
    const position = index.byId.get(targetId);
    return position === undefined ? -1 : (holderAt[position] as number);
  };
  return { users, idsRepeat, byEntraId, holderIndexOf, isKept };
}
