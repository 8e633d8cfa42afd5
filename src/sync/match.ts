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
}

export type MatchVia = 'externalId' | 'address' | 'alias';

export interface Match {
  user: SourceUser;
  address: string;
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

export interface TargetIndex {
  byId: Map<string, TargetUser>;
  byExternalId: Map<string, TargetUser>;
  byAddress: Map<string, TargetUser>;
}

export function indexTargets(targets: readonly TargetUser[]): TargetIndex {
  const byId = new Map<string, TargetUser>();
  const byExternalId = new Map<string, TargetUser>();
  const byAddress = new Map<string, TargetUser>();
  for (const t of targets) {
    byId.set(t.id, t);
    if (t.externalId) {
      const key = t.externalId.toLowerCase();
      if (!byExternalId.has(key)) byExternalId.set(key, t);
    }
    const key = addressKey(t.userName);
    if (key !== null && !byAddress.has(key)) byAddress.set(key, t);
  }
  return { byId, byExternalId, byAddress };
}

const ref = (t: TargetUser) => ({ id: t.id, userName: t.userName });
const who = (c: Candidate) => ({ id: c.user.id, address: c.address });

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

  // 1. Users without a usable address, and addresses that two users share, are conflicts.
  //    Their linked records (by externalId) are held so a data problem never archives anyone.
  const byAddress = new Map<string, Candidate[]>();
  const addressed: Candidate[] = [];
  for (const c of candidates) {
    if (c.address === null) {
      hold(index.byExternalId.get(c.user.id.toLowerCase()));
      conflicts.push({
        reason: 'no-usable-address',
        message: `${c.user.userPrincipalName} has no usable e-mail address (mail is empty and the UPN cannot be a login)`,
        sourceUsers: [who(c)],
        target: null,
      });
      continue;
    }
    const key = addressKey(c.address) as string;
    const group = byAddress.get(key);
    if (group) group.push(c);
    else byAddress.set(key, [c]);
    addressed.push(c);
  }
  const eligible: Candidate[] = [];
  for (const c of addressed) {
    const group = byAddress.get(addressKey(c.address) as string) as Candidate[];
    if (group.length === 1) {
      eligible.push(c);
      continue;
    }
    hold(index.byExternalId.get(c.user.id.toLowerCase()));
    hold(index.byAddress.get(addressKey(c.address) as string));
    if (group[0] === c) {
      conflicts.push({
        reason: 'shared-address',
        message: `${group.length} Microsoft 365 users share the address ${c.address}`,
        sourceUsers: group.map(who),
        target: null,
      });
    }
  }

  // 2. Each remaining user finds at most one record: externalId, then address, then alias.
  const belongsToOther = (t: TargetUser, c: Candidate) =>
    t.externalId !== null &&
    t.externalId.toLowerCase() !== c.user.id.toLowerCase() &&
    allSourceIds.has(t.externalId.toLowerCase());

  const eligibleIds = new Set(eligible.map((c) => c.user.id.toLowerCase()));
  const proposals: Match[] = [];
  const unmatched: { user: SourceUser; address: string }[] = [];
  for (const c of eligible) {
    const address = c.address as string;
    const byExt = index.byExternalId.get(c.user.id.toLowerCase());
    if (byExt) {
      proposals.push({ user: c.user, address, target: byExt, via: 'externalId' });
      continue;
    }
    const key = addressKey(address) as string;
    const byAddr = index.byAddress.get(key);
    if (byAddr) {
      if (belongsToOther(byAddr, c)) {
        // An in-scope owner writes the record for themselves (and a rename may free the address
        // for a later run); an out-of-scope owner's record is held so it is not archived under
        // someone who claims its address.
        const ownerInScope = eligibleIds.has((byAddr.externalId as string).toLowerCase());
        if (!ownerInScope) hold(byAddr);
        conflicts.push({
          reason: 'claimed-by-other',
          message: `KnowBe4 user ${byAddr.userName} is linked to another Microsoft 365 user (${byAddr.externalId})`,
          sourceUsers: [who(c)],
          target: ownerInScope ? null : ref(byAddr),
        });
      } else {
        proposals.push({ user: c.user, address, target: byAddr, via: 'address' });
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
      proposals.push({ user: c.user, address, target: [...hits.values()][0] as TargetUser, via: 'alias' });
    } else if (hits.size > 1) {
      for (const t of hits.values()) hold(t);
      conflicts.push({
        reason: 'ambiguous-aliases',
        message: `${address}'s aliases match ${hits.size} KnowBe4 users: ${[...hits.values()].map((t) => t.userName).join(', ')}`,
        sourceUsers: [who(c)],
        target: null,
      });
    } else {
      unmatched.push({ user: c.user, address });
    }
  }

  // 3. One record, one person. A record claimed twice goes to the externalId link if exactly one
  //    claimant has it; otherwise nobody gets it.
  const claims = new Map<string, Match[]>();
  for (const p of proposals) {
    const list = claims.get(p.target.id);
    if (list) list.push(p);
    else claims.set(p.target.id, [p]);
  }
  const matches: Match[] = [];
  for (const p of proposals) {
    const list = claims.get(p.target.id) as Match[];
    if (list.length === 1) {
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
    const key = addressKey(m.address) as string;
    const owner = index.byAddress.get(key);
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
  const finalUnmatched = unmatched.filter((u) => {
    const owner = index.byAddress.get(addressKey(u.address) as string);
    if (!owner) return true;
    hold(owner);
    conflicts.push({
      reason: 'address-taken',
      message: `Cannot create ${u.address}: KnowBe4 user ${owner.userName} already has that address`,
      sourceUsers: [{ id: u.user.id, address: u.address }],
      target: ref(owner),
    });
    return false;
  });

  return { matches: finalMatches, unmatched: finalUnmatched, conflicts, heldTargetIds: held };
}
