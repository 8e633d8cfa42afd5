/**
 * Scope: which Microsoft 365 users the company wants in KnowBe4, and why the others are not.
 */
import picomatch from 'picomatch';
import type { CompanyRules, SkipReason } from './model';
import type { SourceSnapshot, SourceUser } from './snapshot';
import { lowerCase } from './normalize';

export interface ScopeFilter {
  /** null = in scope; otherwise why not. `address` is the user's primary address (or null). */
  reasonOutOfScope(user: SourceUser, address: string | null): SkipReason | null;
  /** Whether an address matches an `exclude` pattern (such KnowBe4 users are never archived). */
  isExcluded(address: string): boolean;
}

export function scopeFilter(rules: CompanyRules, source: SourceSnapshot): ScopeFilter {
  const licenses = new Set(rules.scope.licenses.map((l) => l.toLowerCase()));
  const excluded = globTest(rules.scope.exclude);
  let scopeMembers: Set<string> | null = null;
  if (rules.scope.groups.length > 0) {
    const wanted = new Set(rules.scope.groups.map((g) => g.toLowerCase()));
    scopeMembers = new Set();
    for (const group of source.groups) {
      if (!wanted.has(group.id.toLowerCase())) continue;
      for (const id of group.memberIds) scopeMembers.add(id);
    }
  }

  // Whether a SKU id or part number, as Graph spells it, is one the company names: the same few
  // texts on every user, so each is lower-cased once per plan, not once per user.
  const named = new Map<string, boolean>();
  const isNamed = (sku: string): boolean => {
    let answer = named.get(sku);
    if (answer === undefined) named.set(sku, (answer = licenses.has(lowerCase(sku))));
    return answer;
  };
  const isLicensed = (user: SourceUser): boolean => {
    if (licenses.size === 0) return user.licenses.length > 0;
    // (A loop, not .some: no closure per user.)
    for (let i = 0; i < user.licenses.length; i++) {
      const l = user.licenses[i] as SourceUser['licenses'][number];
      if (isNamed(l.skuId) || (l.skuPartNumber !== null && isNamed(l.skuPartNumber))) return true;
    }
    return false;
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

const GLOB_OPTIONS = { nocase: true, dot: true };

/**
 * Whether an address matches any of the patterns: what `picomatch(patterns, GLOB_OPTIONS)` answers
 * (a pattern matches itself, the empty string nothing, else the pattern's regular expression),
 * without the result objects its matcher builds per call, once per user per plan.
 */
export function globTest(patterns: readonly string[]): (address: string) => boolean {
  const globs = patterns.map((glob) => ({ glob, regex: picomatch.makeRe(glob, GLOB_OPTIONS) }));
  return (address) => {
    if (address === '') return false;
    for (let i = 0; i < globs.length; i++) {
      const { glob, regex } = globs[i] as (typeof globs)[number];
      if (address === glob || regex.test(address)) return true;
    }
    return false;
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
