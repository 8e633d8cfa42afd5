/**
 * What the light run needs from the outside: Graph delta reads (the Microsoft 365 adapter) and a
 * place to keep each company's delta links between runs (the store).
 */

/** A company's delta links, and the query they were made for (fields, manager, groups). */
export interface DeltaLinkSet {
  users: string;
  /** null when the company's rules name no group. */
  groups: string | null;
  /**
   * The query's fingerprint: a link encodes the `$select` and groups it started with, so a link
   * made before the mapping or the groups changed must not be followed.
   */
  queryKey: string;
}

/** Someone a delta round says changed, with what finds them again (`sync user`'s lookup). */
export interface ChangedPerson {
  id: string;
  userPrincipalName: string;
  mail: string | null;
}

export type SourceChanges =
  | {
      kind: 'changes';
      /** Created or changed users, and users whose direct membership in a configured group changed. */
      changed: ChangedPerson[];
      /** Deleted in Entra: never archived by the light run (the nightly run or an admin does that). */
      removedIds: string[];
      /** Nested groups joining or leaving a configured group: the nightly full read applies those. */
      nestedGroupChanges: number;
      links: DeltaLinkSet;
      /** Graph requests the round took. */
      requests: number;
    }
  /** The links cannot be followed (410 Gone, or made for another query): a full read is needed. */
  | { kind: 'expired'; reason: string };

/** The delta side of a company's Microsoft 365 reader. */
export interface SourceDeltaReader {
  /** Links for the directory as it is now, without reading it (`$deltatoken=latest`). */
  latestDeltaLinks(): Promise<DeltaLinkSet>;
  /** What changed since `links` was made. */
  readChanges(links: DeltaLinkSet): Promise<SourceChanges>;
}

export interface StoredDeltaLinks extends DeltaLinkSet {
  savedAt: Date;
}

/** Each company's delta links, kept between light runs and across replicas. */
export interface DeltaLinkStore {
  getDeltaLinks(companyId: string): Promise<StoredDeltaLinks | null>;
  saveDeltaLinks(companyId: string, links: DeltaLinkSet, now: Date): Promise<void>;
  clearDeltaLinks(companyId: string): Promise<void>;
}
