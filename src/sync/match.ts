/**
 * Identity: which KnowBe4 record each in-scope Microsoft 365 user is. One record per person, so
 * training history is never split; anything doubtful is a conflict and nobody involved is written.
 */
import type { Conflict, UserRef } from './model';
import type { SourceUser, TargetUser } from './snapshot';
import { aliasKeys, lowerCase } from './normalize';
import type { TargetIndex } from './targetIndex';
import { each } from './each';

/**
 * One in-scope user, from scope through matching to the roster. It is one object, filled in step by
 * step (matching sets `current`, `record` and `via`; the roster the rest), not a new object per
 * step: at 100,000 users each step's objects are tens of MB for the garbage collector to copy.
 */
export interface Candidate {
  user: SourceUser;
  /** The primary address (cleaned), or null when the user has none that KnowBe4 could use. */
  address: string | null;
  /** user.id lower-cased (Entra ids compare case-insensitively), computed once per user. */
  idKey: string;
  /** addressKey(address), computed once per user; null when address is. */
  key: string | null;
  /** Position (in the index) of the first record whose externalId is idKey; -1 without one. */
  linked: number;
  /** Position of the first record with the address key `key`; -1 without one (or no key). */
  addressAt: number;
  /** The KnowBe4 record matching found for the user (null: none, or not matched yet). */
  current: TargetUser | null;
  /** current's position in the index (`TargetIndex.recordOf`): what "the same record" means; -1 without one. */
  record: number;
  /** How current was found. */
  via: MatchVia | null;
  /** Set by the roster (roster.ts): see PlannedUser. */
  index: number;
  ref: UserRef | null;
  refKey: string;
  forId: Candidate | null;
}

/** A candidate as scope makes it: every field present from the start, so all share one shape. */
export function candidate(user: SourceUser, address: string | null, idKey: string, key: string | null): Candidate {
  return { user, address, idKey, key, linked: -1, addressAt: -1, current: null, record: -1, via: null, index: -1, ref: null, refKey: '', forId: null };
}

/**
 * `formerLink`: the record's externalId is the user's mailNickname or onPremisesSamAccountName,
 * the link the Entra gallery app (or a directory tool) left; kb4sync relinks it to the object id.
 */
export type MatchVia = 'externalId' | 'address' | 'alias' | 'formerLink';

/** A candidate matched to a KnowBe4 record. */
export type Match = Candidate & { address: string; key: string; current: TargetUser; via: MatchVia };

/** A candidate with an address and no KnowBe4 record yet. */
export type Unmatched = Candidate & { address: string; key: string };

export interface MatchResult {
  matches: Match[];
  /** In-scope users with no KnowBe4 record yet: the plan creates them. */
  unmatched: Unmatched[];
  conflicts: Conflict[];
  /** KnowBe4 records that a conflict touches: never written, never archived. */
  heldTargetIds: Set<string>;
}

/** The record whose externalId is this user's mailNickname or onPremisesSamAccountName, if any. */
function formerLinkPosition(c: Candidate, index: TargetIndex): number | undefined {
  for (const field of ['mailNickname', 'onPremisesSamAccountName'] as const) {
    const value = c.user.fields[field];
    const position = value ? index.byExternalId.get(lowerCase(value.trim())) : undefined;
    if (position !== undefined) return position;
  }
  return undefined;
}

const ref = (t: TargetUser) => ({ id: t.id, userName: t.userName });
const who = (c: Candidate) => ({ id: c.user.id, address: c.address });
const hasAddress = (c: Candidate): c is Candidate & { address: string; key: string } => c.key !== null;

/**
 * @param candidates in-scope users, in a stable order
 * @param isSourceId whether a lower-cased id is that of any source user, in scope or not: a
 *   KnowBe4 record whose externalId is one of them belongs to that person and is never taken over
 *   by address
 */
export function matchUsers(candidates: readonly Candidate[], index: TargetIndex, isSourceId: (idKey: string) => boolean): MatchResult {
  const conflicts: Conflict[] = [];
  const held = new Set<string>();
  const hold = (t: TargetUser | undefined) => {
    if (t) held.add(t.id);
  };
  const at = (position: number | undefined) => (position === undefined || position < 0 ? undefined : index.users[position]);

  // 1. Users without a usable address, and addresses that two users share, are conflicts.
  //    Their linked records (by externalId) are held so a data problem never archives anyone.
  //    Each user's linked record and the record with their address are looked up here, once: a
  //    user's address is nearly always their linked record's own, which then needs no look-up.
  //    Two users share an address when both find its record (a mark per record, not a set of
  //    100,000 addresses); only addresses no record has go in a set. (Shared addresses are rare:
  //    only they get a list.)
  const claimed = new Uint8Array(index.users.length);
  const seenUnknown = new Set<string>();
  // Keys a second user has, in the order those second users come: the order of the conflicts.
  const sharedKeys = new Set<string>();
  let withoutAddress = 0;
  each(candidates, (c) => {
    const linked = index.byExternalId.get(c.idKey);
    c.linked = linked ?? -1;
    if (!hasAddress(c)) {
      withoutAddress += 1;
      hold(at(linked));
      conflicts.push({
        reason: 'no-usable-address',
        message: `${c.user.userPrincipalName} has no usable e-mail address (mail is empty and the UPN cannot be a login)`,
        sourceUsers: [who(c)],
        target: null,
      });
      return;
    }
    const addressAt = linked !== undefined && !index.addressesRepeat && index.keys[linked] === c.key ? linked : (index.byAddress.get(c.key) ?? -1);
    c.addressAt = addressAt;
    if (addressAt >= 0) {
      if (claimed[addressAt] === 1) sharedKeys.add(c.key);
      claimed[addressAt] = 1;
    } else {
      // One hash lookup: an add that does not grow the set met the key before.
      const size = seenUnknown.size;
      if (seenUnknown.add(c.key).size === size) sharedKeys.add(c.key);
    }
  });
  const shared = new Map<string, Candidate[]>();
  for (const key of sharedKeys) shared.set(key, []);
  if (shared.size > 0) for (const c of candidates) if (hasAddress(c)) shared.get(c.key)?.push(c);
  for (const group of shared.values()) {
    const first = group[0] as Candidate;
    for (const c of group) hold(at(c.linked));
    hold(at(first.addressAt));
    conflicts.push({
      reason: 'shared-address',
      message: `${group.length} Microsoft 365 users share the address ${first.address}`,
      sourceUsers: group.map(who),
      target: null,
    });
  }
  // (Usually everyone: then the list is the candidates' own, not a copy.)
  const unshared =
    withoutAddress === 0 && sharedKeys.size === 0
      ? (candidates as Unmatched[])
      : candidates.filter((c): c is Unmatched => hasAddress(c) && (shared.size === 0 || !shared.has(c.key)));

  // 2. Each remaining user finds at most one record: externalId, then address, then alias.
  // Whether a record's owner is among them is only asked on a claimed-by-other conflict (rare),
  // so that set is built on first use.
  let eligibleIds: Set<string> | null = null;
  const isEligibleId = (idKey: string): boolean => {
    eligibleIds ??= new Set(unshared.map((c) => c.idKey));
    return eligibleIds.has(idKey);
  };
  const belongsToOther = (t: TargetUser, c: Candidate) =>
    t.externalId !== null && lowerCase(t.externalId) !== c.idKey && isSourceId(lowerCase(t.externalId));

  const proposals: Match[] = [];
  const unmatched: Unmatched[] = [];
  const propose = (c: Unmatched, position: number, via: MatchVia) => {
    c.current = index.users[position] as TargetUser;
    c.record = index.recordOf[position] as number;
    c.via = via;
    proposals.push(c as Match);
  };
  each(unshared, (c) => {
    const { address, key } = c;
    if (c.linked >= 0) {
      propose(c, c.linked, 'externalId');
      return;
    }
    const addrPosition = c.addressAt;
    if (addrPosition >= 0) {
      const byAddr = index.users[addrPosition] as TargetUser;
      if (belongsToOther(byAddr, c)) {
        // An in-scope owner writes the record for themselves (and a rename may free the address
        // for a later run); an out-of-scope owner's record is held so it is not archived under
        // someone who claims its address.
        const ownerInScope = isEligibleId(lowerCase(byAddr.externalId as string));
        if (!ownerInScope) hold(byAddr);
        conflicts.push({
          reason: 'claimed-by-other',
          message: `KnowBe4 user ${byAddr.userName} is linked to another Microsoft 365 user (${byAddr.externalId})`,
          sourceUsers: [who(c)],
          target: ownerInScope ? null : ref(byAddr),
        });
      } else {
        propose(c, addrPosition, 'address');
      }
      return;
    }
    const hits = new Map<string, number>();
    for (const alias of aliasKeys(c.user)) {
      if (alias === key) continue;
      const position = index.byAddress.get(alias);
      const t = at(position);
      if (t && !belongsToOther(t, c)) hits.set(t.id, position as number);
    }
    if (hits.size === 1) {
      const position = [...hits.values()][0] as number;
      propose(c, position, 'alias');
    } else if (hits.size > 1) {
      const records = [...hits.values()].map((position) => index.users[position] as TargetUser);
      for (const t of records) hold(t);
      conflicts.push({
        reason: 'ambiguous-aliases',
        message: `${address}'s aliases match ${hits.size} KnowBe4 users: ${records.map((t) => t.userName).join(', ')}`,
        sourceUsers: [who(c)],
        target: null,
      });
    } else {
      const former = formerLinkPosition(c, index);
      const t = at(former);
      if (t && former !== undefined && !belongsToOther(t, c)) {
        propose(c, former, 'formerLink');
      } else {
        unmatched.push(c);
      }
    }
  });

  // 3. One record, one person. A record claimed twice goes to the externalId link if exactly one
  //    claimant has it; otherwise nobody gets it.
  //    (Claims are few per record, so only contested records get a list.)
  const firstClaim = new Int32Array(index.users.length).fill(-1);
  const contested = new Map<number, Match[]>();
  for (let i = 0; i < proposals.length; i++) {
    const p = proposals[i] as Match;
    const first = firstClaim[p.record] as number;
    if (first < 0) firstClaim[p.record] = i;
    else contested.set(p.record, [...(contested.get(p.record) ?? [proposals[first] as Match]), p]);
  }
  // (Usually no record is contested: then the matches are the proposals, not a copy.)
  const matches: Match[] = contested.size === 0 ? proposals : [];
  for (let i = 0; contested.size > 0 && i < proposals.length; i++) {
    const p = proposals[i] as Match;
    const list = contested.get(p.record);
    if (list === undefined) {
      matches.push(p);
      continue;
    }
    const linked = list.filter((m) => m.via === 'externalId');
    if (linked.length === 1 && linked[0] === p) {
      matches.push(p);
      continue;
    }
    if (linked.length === 1) {
      // The record is the linked user's and is written for them; this user waits for a later run
      // (a rename in this plan may free the address).
      conflicts.push({
        reason: 'claimed-by-other',
        message: `${p.address} matches KnowBe4 user ${p.current.userName}, which is linked to another Microsoft 365 user`,
        sourceUsers: [{ id: p.user.id, address: p.address }],
        target: null,
      });
      continue;
    }
    hold(p.current);
    if (list[0] === p) {
      conflicts.push({
        reason: 'claimed-by-other',
        message: `${list.length} Microsoft 365 users match KnowBe4 user ${p.current.userName}`,
        sourceUsers: list.map((m) => ({ id: m.user.id, address: m.address })),
        target: ref(p.current),
      });
    }
  }

  // 4. A rename or a create must not take an address another record already uses.
  const finalMatches: Match[] = [];
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i] as Match;
    // The record with the address is the user's own when it was found by it; else whoever has it
    // (step 1 found it).
    const owner = m.via === 'address' ? undefined : at(m.addressAt);
    if (owner && owner.id !== m.current.id) {
      hold(owner);
      hold(m.current);
      conflicts.push({
        reason: 'address-taken',
        message: `Cannot rename ${m.current.userName} to ${m.address}: another KnowBe4 user already has that address`,
        sourceUsers: [{ id: m.user.id, address: m.address }],
        target: ref(m.current),
      });
      continue;
    }
    finalMatches.push(m);
  }
  const finalUnmatched: Unmatched[] = [];
  for (const u of unmatched) {
    const owner = at(u.addressAt);
    if (!owner) {
      finalUnmatched.push(u);
      continue;
    }
    hold(owner);
    conflicts.push({
      reason: 'address-taken',
      message: `Cannot create ${u.address}: KnowBe4 user ${owner.userName} already has that address`,
      sourceUsers: [{ id: u.user.id, address: u.address }],
      target: ref(owner),
    });
  }

  return { matches: finalMatches, unmatched: finalUnmatched, conflicts, heldTargetIds: held };
}
