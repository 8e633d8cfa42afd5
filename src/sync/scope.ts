/**
 * Scope: which Microsoft 365 users the company wants in KnowBe4, and why the others are not.
 */
import picomatch from 'picomatch';
import type { CompanyRules, SkipReason, SourceSnapshot, SourceUser } from './model';
import { lowerCase } from './normalize';

export interface ScopeFilter {
  /** null = in scope; otherwise why not. `address` is the user's primary address (or null). */
  reasonOutOfScope(user: SourceUser, address: string | null): SkipReason | null;
  /** Whether an address matches an `exclude` pattern (such KnowBe4 users are never archived). */
  isExcluded(address: string): boolean;
}

export function scopeFilter(rules: CompanyRules, source: SourceSnapshot): ScopeFilter {
  const licenses = new Set(rules.scope.licenses.map((l) => l.toLowerCase()));
  const excluded = rules.scope.exclude.length
    ? picomatch(rules.scope.exclude, { nocase: true, dot: true })
    : () => false;
  let scopeMembers: Set<string> | null = null;
  if (rules.scope.groups.length > 0) {
    const wanted = new Set(rules.scope.groups.map((g) => g.toLowerCase()));
    scopeMembers = new Set();
    for (const group of source.groups) {
      if (!wanted.has(group.id.toLowerCase())) continue;
      for (const id of group.memberIds) scopeMembers.add(id);
    }
  }

  const isLicensed = (user: SourceUser): boolean => {
    if (licenses.size === 0) return user.licenses.length > 0;
    return user.licenses.some(
      (l) => licenses.has(lowerCase(l.skuId)) || (l.skuPartNumber !== null && licenses.has(lowerCase(l.skuPartNumber))),
    );
  };

  return {
    reasonOutOfScope(user, address) {
      if (!user.accountEnabled) return 'disabled';
      if (user.userType === 'Guest' && !rules.scope.includeGuests) return 'guest';
      if (!isLicensed(user)) return 'unlicensed';
      if (scopeMembers !== null && !scopeMembers.has(user.id)) return 'not-in-scope-group';
      if (address !== null && excluded(address)) return 'excluded';
      return null;
    },
    isExcluded: (address) => excluded(address),
  };
}

/** How a skip reason reads as the reason for archiving the KnowBe4 user it matched. */
export function archiveReasonFor(reason: SkipReason | null): string {
  switch (reason) {
    case 'disabled':
      return 'Account disabled in M365';
    case 'unlicensed':
      return 'No longer licensed in M365';
    case 'guest':
      return 'Guest account (guests are not in scope)';
    case 'not-in-scope-group':
      return 'No longer in a scope group';
    case 'excluded':
      return 'Excluded by pattern';
    case null:
      return 'No longer in M365';
  }
}
