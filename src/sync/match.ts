/**
 * Identity: which KnowBe4 record each in-scope Microsoft 365 user is. One record per person, so
 * training history is never split; anything doubtful is a conflict and nobody involved is written.
 */
import type { Conflict, SourceUser, TargetUser } from './model';
import { addressKey, aliasKeys } from './normalize';

export interface Candidate {
  user: SourceUser;
  /** The primary address (cleaned), or null when the user has none that KnowBe4 could use. */
  address: string | null;
  /** user.id lower-cased (Entra ids compare case-insensitively), computed once per user. */
  idKey: string;
  /** addressKey(address), computed once per user; null when address is. */
  key: string | null;
}

export type MatchVia = 'externalId' | 'address' | 'alias';

export interface Match {
  user: SourceUser;
  address: string;
  /** addressKey(address), computed once. */
  key: string;
  target: TargetUser;
  via: MatchVia;
}

export interface MatchResult {
  matches: Match[];
  /** In-scope users with no KnowBe4 record yet: the plan creates them. */
  unmatched: { user: SourceUser; address: string }[];
  conflicts: Conflict[];
  /** KnowBe4 records that a conflict touches: never written, never archived. */
  heldTargetIds: Set<string>;
}

/** How the matcher finds a record. (By SCIM id is only needed for a few manager links: see plan.) */
export interface TargetIndex {
  byExternalId: Map<string, TargetUser>;
  byAddress: Map<string, TargetUser>;
}

export function indexTargets(targets: readonly TargetUser[]): TargetIndex {
  const byExternalId = new Map<string, TargetUser>();
  const byAddress = new Map<string, TargetUser>();
  for (const t of targets) {
    if (t.externalId) {
      const key = t.externalId.toLowerCase();
      if (!byExternalId.has(key)) byExternalId.set(key, t);
    }
    const key = addressKey(t.userName);
    if (key !== null && !byAddress.has(key)) byAddress.set(key, t);
  }
  return { byExternalId, byAddress };
}

const ref = (t: TargetUser) => ({ id: t.id, userName: t.userName });
const who = (c: Candidate) => ({ id: c.user.id, address: c.address });
const hasAddress = (c: Candidate): c is Candidate & { address: string; key: string } => c.key !== null;

/**
 * @param candidates in-scope users, in a stable order
 * @param allSourceIds lower-cased ids of every source user, in scope or not: a KnowBe4 record
 *   whose externalId is one of them belongs to that person and is never taken over by address
 */
export function matchUsers(
  candidates: readonly Candidate[],
  index: TargetIndex,
  allSourceIds: ReadonlySet<string>,
): MatchResult {
  const conflicts: Conflict[] = [];
  const held = new Set<string>();
  const hold = (t: TargetUser | undefined) => {
    if (t) held.add(t.id);
  };
  const linkedRecord = (c: Candidate) => index.byExternalId.get(c.idKey);

  // 1. Users without a usable address, and addresses that two users share, are conflicts.
  //    Their linked records (by externalId) are held so a data problem never archives anyone.
  //    (Shared addresses are rare: only they get a list; everyone else is one map entry.)
  const firstWithKey = new Map<string, Candidate>();
  const shared = new Map<string, Candidate[]>();
  for (const c of candidates) {
    if (!hasAddress(c)) {
      hold(linkedRecord(c));
      conflicts.push({
        reason: 'no-usable-address',
        message: `${c.user.userPrincipalName} has no usable e-mail address (mail is empty and the UPN cannot be a login)`,
        sourceUsers: [who(c)],
        target: null,
      });
      continue;
    }
    const first = firstWithKey.get(c.key);
    if (first === undefined) firstWithKey.set(c.key, c);
    else shared.set(c.key, [...(shared.get(c.key) ?? [first]), c]);
  }
  for (const [key, group] of shared) {
    for (const c of group) hold(linkedRecord(c));
    hold(index.byAddress.get(key));
    conflicts.push({
      reason: 'shared-address',
      message: `${group.length} Microsoft 365 users share the address ${group[0]?.address}`,
      sourceUsers: group.map(who),
      target: null,
    });
  }
  const eligible = candidates.filter(hasAddress);
  const unshared = shared.size === 0 ? eligible : eligible.filter((c) => !shared.has(c.key));

  // 2. Each remaining user finds at most one record: externalId, then address, then alias.
  // Whether a record's owner is among them is only asked on a claimed-by-other conflict (rare),
  // so that set is built on first use.
  let eligibleIds: Set<string> | null = null;
  const isEligibleId = (idKey: string): boolean => {
    eligibleIds ??= new Set(unshared.map((c) => c.idKey));
    return eligibleIds.has(idKey);
  };
  const belongsToOther = (t: TargetUser, c: Candidate) =>
    t.externalId !== null && t.externalId.toLowerCase() !== c.idKey && allSourceIds.has(t.externalId.toLowerCase());

  const proposals: Match[] = [];
  const unmatched: { user: SourceUser; address: string; key: string }[] = [];
  for (const c of unshared) {
    const { address, key } = c;
    const byExt = linkedRecord(c);
    if (byExt) {
      proposals.push({ user: c.user, address, key, target: byExt, via: 'externalId' });
      continue;
    }
    const byAddr = index.byAddress.get(key);
    if (byAddr) {
      if (belongsToOther(byAddr, c)) {
        // An in-scope owner writes the record for themselves (and a rename may free the address
        // for a later run); an out-of-scope owner's record is held so it is not archived under
        // someone who claims its address.
        const ownerInScope = isEligibleId((byAddr.externalId as string).toLowerCase());
        if (!ownerInScope) hold(byAddr);
        conflicts.push({
          reason: 'claimed-by-other',
          message: `KnowBe4 user ${byAddr.userName} is linked to another Microsoft 365 user (${byAddr.externalId})`,
          sourceUsers: [who(c)],
          target: ownerInScope ? null : ref(byAddr),
        });
      } else {
        proposals.push({ user: c.user, address, key, target: byAddr, via: 'address' });
      }
      continue;
    }
    const hits = new Map<string, TargetUser>();
    for (const alias of aliasKeys(c.user)) {
      if (alias === key) continue;
      const t = index.byAddress.get(alias);
      if (t && !belongsToOther(t, c)) hits.set(t.id, t);
    }
    if (hits.size === 1) {
      proposals.push({ user: c.user, address, key, target: [...hits.values()][0] as TargetUser, via: 'alias' });
    } else if (hits.size > 1) {
      for (const t of hits.values()) hold(t);
      conflicts.push({
        reason: 'ambiguous-aliases',
        message: `${address}'s aliases match ${hits.size} KnowBe4 users: ${[...hits.values()].map((t) => t.userName).join(', ')}`,
        sourceUsers: [who(c)],
        target: null,
      });
    } else {
      unmatched.push({ user: c.user, address, key });
    }
  }

  // 3. One record, one person. A record claimed twice goes to the externalId link if exactly one
  //    claimant has it; otherwise nobody gets it.
  const firstClaim = new Map<string, Match>();
  const contested = new Map<string, Match[]>();
  for (const p of proposals) {
    const first = firstClaim.get(p.target.id);
    if (first === undefined) firstClaim.set(p.target.id, p);
    else contested.set(p.target.id, [...(contested.get(p.target.id) ?? [first]), p]);
  }
  const matches: Match[] = [];
  for (const p of proposals) {
    const list = contested.get(p.target.id);
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
        message: `${p.address} matches KnowBe4 user ${p.target.userName}, which is linked to another Microsoft 365 user`,
        sourceUsers: [{ id: p.user.id, address: p.address }],
        target: null,
      });
      continue;
    }
    hold(p.target);
    if (list[0] === p) {
      conflicts.push({
        reason: 'claimed-by-other',
        message: `${list.length} Microsoft 365 users match KnowBe4 user ${p.target.userName}`,
        sourceUsers: list.map((m) => ({ id: m.user.id, address: m.address })),
        target: ref(p.target),
      });
    }
  }

  // 4. A rename or a create must not take an address another record already uses.
  const finalMatches: Match[] = [];
  for (const m of matches) {
    const owner = index.byAddress.get(m.key);
    if (owner && owner.id !== m.target.id) {
      hold(owner);
      hold(m.target);
      conflicts.push({
        reason: 'address-taken',
        message: `Cannot rename ${m.target.userName} to ${m.address}: another KnowBe4 user already has that address`,
        sourceUsers: [{ id: m.user.id, address: m.address }],
        target: ref(m.target),
      });
      continue;
    }
    finalMatches.push(m);
  }
  const finalUnmatched: { user: SourceUser; address: string }[] = [];
  for (const u of unmatched) {
    const owner = index.byAddress.get(u.key);
    if (!owner) {
      finalUnmatched.push({ user: u.user, address: u.address });
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
