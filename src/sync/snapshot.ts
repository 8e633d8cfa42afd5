/**
 * The two sides as the core receives them: Microsoft 365 (Entra ID) as read from Graph and
 * KnowBe4 as read over SCIM. Plain data, filled in by the connectors' readers.
 */
import type { GraphField, Kb4Values } from './attributes';

// ---------------------------------------------------------------------------------------------
// Source: Microsoft 365 (Entra ID) as read from Graph
// ---------------------------------------------------------------------------------------------

export interface SourceLicense {
  skuId: string;
  /** SKU part number (SPE_E3, …) when `subscribedSkus` could resolve it. */
  skuPartNumber: string | null;
}

export interface SourceUser {
  /** Entra object id; becomes the KnowBe4 `externalId`. */
  id: string;
  userPrincipalName: string;
  mail: string | null;
  /** Raw `proxyAddresses` (`SMTP:` primary, `smtp:` aliases, other prefixes ignored). */
  proxyAddresses: string[];
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  licenses: SourceLicense[];
  /** Entra object id of the manager, when Graph returned one. */
  managerId: string | null;
  /** The Graph fields the mapping reads; missing and null both mean empty. */
  fields: Partial<Record<GraphField, string | null>>;
}

/** An Entra group the company scopes by or mirrors, with its transitive user members. */
export interface SourceGroup {
  id: string;
  displayName: string;
  memberIds: string[];
}

export interface SourceSnapshot {
  users: SourceUser[];
  groups: SourceGroup[];
}

// ---------------------------------------------------------------------------------------------
// Target: KnowBe4 as read over SCIM
// ---------------------------------------------------------------------------------------------

export interface TargetUser {
  /** SCIM id. */
  id: string;
  externalId: string | null;
  /** KnowBe4 login e-mail. */
  userName: string;
  /** false = archived in KnowBe4 (history kept, can be reactivated). */
  active: boolean;
  /** SCIM id of the manager. */
  managerId: string | null;
  values: Kb4Values;
}

export interface TargetGroup {
  id: string;
  displayName: string;
  externalId: string | null;
  memberIds: string[];
}

/**
 * A KnowBe4 record the reader could not make sense of (its shape fits no reading whose meaning is
 * clear). It is kept out of `users`/`groups`, so nothing writes or archives it, and listed instead.
 */
export interface UnreadableRecord {
  resource: 'user' | 'group';
  /** SCIM id, when one could be read. */
  id: string | null;
  /** userName (users) or displayName (groups), when one could be read. */
  name: string | null;
  externalId: string | null;
  reason: string;
}

export interface TargetSnapshot {
  users: TargetUser[];
  groups: TargetGroup[];
  /** Records left out of `users`/`groups` because they could not be read; absent = none. */
  unreadable?: UnreadableRecord[];
}
