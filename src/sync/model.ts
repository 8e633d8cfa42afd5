/**
 * The core's data model: what a company asks for and the plan the core hands back (the two sides
 * as read are in snapshot.ts). Plain data only, so a plan can be stored, shown and applied later
 * exactly as it was approved.
 */
import type { AttributeMapping, Kb4Attribute, Kb4Values } from './attributes';
import type { Held } from './holds';
import type { SentWrite } from './sent';
import type { UnreadableRecord } from './snapshot';

// ---------------------------------------------------------------------------------------------
// What a company asks for (the part of kb4sync.yaml the core reads)
// ---------------------------------------------------------------------------------------------

export interface GuardSettings {
  maxArchive: number;
  maxArchivePercent: number;
  /** Block when in-scope source users fell by more than this percentage since the last good run. */
  maxSourceShrinkPercent: number;
}

export interface CompanyRules {
  id: string;
  name: string;
  scope: {
    /** SKU part numbers or skuIds; empty = any licensed user. */
    licenses: string[];
    /** Entra group ids; when non-empty a user must be a (transitive) member of one. */
    groups: string[];
    includeGuests: boolean;
    /** Glob patterns on the primary address; matching users are neither synced nor archived. */
    exclude: string[];
  };
  emailSource: 'mail' | 'upn';
  /** Effective mapping (defaults merged with the company's own). */
  mapping: AttributeMapping;
  /** Link KnowBe4 managers from Entra managers. */
  syncManagers: boolean;
  groups: {
    default: string | null;
    /** M365 department → KnowBe4 group name (department matched case-insensitively). */
    departments: Record<string, string>;
    /** Entra groups mirrored as KnowBe4 groups of the given name. */
    mirror: { id: string; name: string }[];
  };
  removeStaleUsers: boolean;
  guard: GuardSettings;
}

/** Facts from outside the two snapshots that the planner may use. */
export interface PlanContext {
  /** In-scope source count of the last run that applied successfully; null on a first run. */
  previousSourceCount: number | null;
  /** Creates, renames and archives KnowBe4 accepted that no read had shown yet (the store's). */
  sent?: readonly SentWrite[];
}

// ---------------------------------------------------------------------------------------------
// The plan
// ---------------------------------------------------------------------------------------------

/** A KnowBe4 user that exists now, or one the plan creates (known by its Entra id until then). */
export type UserRef = { kind: 'existing'; targetId: string } | { kind: 'new'; sourceId: string };
/** A KnowBe4 group that exists now, or one the plan creates (known by its name until then). */
export type GroupRef = { kind: 'existing'; groupId: string } | { kind: 'new'; name: string };

export interface AttributeChange {
  attribute: Kb4Attribute | 'externalId';
  before: string | null;
  after: string | null;
}

interface OpBase {
  /** Stable id: the same change planned twice gets the same id. */
  id: string;
  /** Why, in words an admin reads on the card. */
  reason: string;
}

export type Operation =
  | (OpBase & { kind: 'createGroup'; name: string })
  | (OpBase & {
      kind: 'create';
      sourceId: string;
      userName: string;
      values: Kb4Values;
    })
  | (OpBase & { kind: 'rename'; targetId: string; sourceId: string; from: string; to: string })
  | (OpBase & { kind: 'reactivate'; targetId: string; sourceId: string; userName: string })
  | (OpBase & {
      kind: 'update';
      targetId: string;
      sourceId: string;
      userName: string;
      changes: AttributeChange[];
    })
  | (OpBase & {
      kind: 'setManager';
      user: UserRef;
      userName: string;
      /** null = remove the manager link. */
      manager: UserRef | null;
      before: string | null;
      after: string | null;
    })
  | (OpBase & {
      kind: 'addToGroup';
      group: GroupRef;
      groupName: string;
      /** Why the user belongs: the default group, a department group or a mirrored Entra group. */
      via: GroupRole;
      user: UserRef;
      userName: string;
    })
  | (OpBase & { kind: 'removeFromGroup'; groupId: string; groupName: string; targetId: string; userName: string })
  | (OpBase & { kind: 'archive'; targetId: string; userName: string; sourceId: string | null });

export type GroupRole = 'default' | 'department' | 'mirror';

export type OperationKind = Operation['kind'];
export type OperationOf<K extends OperationKind> = Extract<Operation, { kind: K }>;

/** Apply order. Each phase only depends on earlier ones. */
export const PHASES: readonly (readonly OperationKind[])[] = [
  ['createGroup'],
  ['create', 'rename', 'reactivate'],
  ['update'],
  ['setManager'],
  ['addToGroup', 'removeFromGroup'],
  ['archive'],
];

export type ConflictReason =
  | 'no-usable-address'
  | 'shared-address'
  | 'claimed-by-other'
  | 'ambiguous-aliases'
  | 'address-taken';

export interface Conflict {
  reason: ConflictReason;
  message: string;
  /** The M365 users involved (Entra ids with their addresses). */
  sourceUsers: { id: string; address: string | null }[];
  /** The KnowBe4 user involved, if any. It is left untouched. */
  target: { id: string; userName: string } | null;
}

export type SkipReason = 'disabled' | 'unlicensed' | 'guest' | 'excluded' | 'not-in-scope-group';

export interface Skipped {
  sourceId: string;
  address: string | null;
  reason: SkipReason;
}

export interface Unmanaged {
  targetId: string;
  userName: string;
  reason: string;
}

export type GuardResult =
  | { status: 'ok' }
  | {
      status: 'blocked';
      /** The number an admin must type to apply anyway. */
      archiveCount: number;
      reasons: string[];
    };

/**
 * An admin's release of a blocked guard, recorded in the plan when its apply is claimed: what
 * runs is the plan as approved, and the override is part of it, not a step the service takes.
 */
export interface GuardRelease {
  /** The archive count the admin typed (it equals the guard's). */
  archiveCount: number;
  /** Who typed it (their directory object id), when known. */
  by: string | null;
}

export interface PlanStats {
  sourceUsers: number;
  inScope: number;
  targetUsers: number;
  targetActive: number;
  matched: number;
  managedGroups: number;
}

/** An unreadable KnowBe4 record as the plan lists it: held, with whoever it holds back. */
export interface Unreadable extends UnreadableRecord {
  /**
   * In-scope Microsoft 365 users the record may belong to (same address, alias or externalId):
   * nothing is written for them either, so no second record is made while this one is unread.
   */
  heldSourceIds: string[];
}

/** A KnowBe4 record kb4sync did not make, adopted for an in-scope user (id and history kept). */
export interface Takeover {
  targetId: string;
  /** The record's login e-mail as found. */
  userName: string;
  sourceId: string;
  /** The user's primary address (the record is renamed to it when they differ). */
  address: string;
  /** How it was found: by address, by alias, or by the externalId an earlier tool left (mailNickname / onPremisesSamAccountName). */
  via: 'address' | 'alias' | 'formerLink';
  /** The externalId it had (null: none, as ADI and the console leave it). */
  externalIdBefore: string | null;
}

export interface Plan {
  company: { id: string; name: string };
  operations: Operation[];
  conflicts: Conflict[];
  skipped: Skipped[];
  unmanaged: Unmanaged[];
  /** KnowBe4 records that could not be read: never written, never archived (absent in older stored plans). */
  unreadable?: Unreadable[];
  /** Records adopted in this plan (absent when none, and in older stored plans). */
  takeovers?: Takeover[];
  /**
   * Display names of the people the operations and conflicts touch, by the person's reference
   * ('t:<KnowBe4 id>' for an existing record, 's:<Entra id>' for one the plan creates), as a flat
   * list: key, name, key, name… (absent when none). What cards and exports show beside an address;
   * read it with `planNames`. A list, not an object keyed by reference: at 100,000 people such an
   * object cost the planner a fifth of its time and about 20 MB.
   */
  nameList?: string[];
  /** The same names as an object, in plans stored before `nameList` (read with `planNames` too). */
  names?: Record<string, string>;
  /** Changes held back by an admin (absent when none, and in older stored plans). */
  held?: Held[];
  /** Writes sent earlier that KnowBe4 does not show yet: not planned again (absent when none). */
  waiting?: SentWrite[];
  /** Writes sent earlier that this read shows: confirmed (absent when none). */
  seen?: SentWrite[];
  guard: GuardResult;
  /** Present when an admin released a blocked guard for this plan's apply. */
  guardRelease?: GuardRelease;
  stats: PlanStats;
}
