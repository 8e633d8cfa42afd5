/**
 * What the run layer needs from the outside world, stated as interfaces so the executor can be
 * read (and tested) on its own. The KnowBe4 SCIM client and the store implement these.
 */
import type { AttributeChange, Kb4Values } from '../sync';

/** The KnowBe4 writes a plan's operations turn into. */
export interface TargetWriter {
  /** Creates a user (externalId = the Entra object id). A 409 is resolved by the client. */
  createUser(input: { userName: string; externalId: string; values: Kb4Values }): Promise<{ id: string }>;
  updateUser(id: string, changes: AttributeChange[]): Promise<void>;
  renameUser(id: string, userName: string): Promise<void>;
  reactivateUser(id: string): Promise<void>;
  archiveUser(id: string): Promise<void>;
  setManager(id: string, managerId: string | null): Promise<void>;
  createGroup(name: string): Promise<{ id: string }>;
  addMembers(groupId: string, userIds: string[]): Promise<void>;
  removeMembers(groupId: string, userIds: string[]): Promise<void>;
  /** For operations whose outcome a crash left unknown. */
  findUserByUserName(userName: string): Promise<{ id: string; externalId: string | null } | null>;
  findGroupByName(name: string): Promise<{ id: string } | null>;
}

export type OperationState = 'pending' | 'in_flight' | 'done' | 'failed' | 'skipped';

export interface StoredOperationState {
  opId: string;
  state: OperationState;
  /** For creates: the KnowBe4 id made; for createGroup: the group id. */
  resultId: string | null;
  error: string | null;
}

/** Where the executor records each operation's fate as it happens. */
export interface OperationJournal {
  states(planId: string): Promise<StoredOperationState[]>;
  /** Records states for several operations at once (a batch PATCH covers many). */
  record(planId: string, updates: { opId: string; state: OperationState; resultId?: string | null; error?: string | null }[]): Promise<void>;
}
