/**
 * An in-memory KnowBe4 behind the executor's TargetWriter port, with call counts and failure
 * injection: the network edge for executor unit tests (contract tests use the SCIM sandbox).
 */
import type { OperationJournal, OperationState, StoredOperationState, TargetWriter } from '../../src/runs/ports';
import { addressKey, type CreateAnswer, type TargetSnapshot, type TargetUser } from '../../src/sync';

export class MemoryKnowbe4 implements TargetWriter {
  users = new Map<string, TargetUser>();
  groups = new Map<string, { id: string; displayName: string; memberIds: Set<string> }>();
  /** Successful calls, in order. */
  calls: string[] = [];
  /** Return an error to make the call fail; checked before the write happens. */
  failWhen: (call: string) => Error | null = () => null;
  private next = 1;

  constructor(initial: TargetSnapshot) {
    for (const u of initial.users) this.users.set(u.id, { ...u, values: { ...u.values } });
    for (const g of initial.groups) this.groups.set(g.id, { id: g.id, displayName: g.displayName, memberIds: new Set(g.memberIds) });
  }

  /** Checks the injected failure, then logs the call: `calls` lists writes that happened. */
  private call(name: string): void {
    const err = this.failWhen(name);
    if (err) throw err;
    this.calls.push(name);
  }
  private user(id: string): TargetUser {
    const u = this.users.get(id);
    if (!u) throw Object.assign(new Error(`404 user ${id}`), { status: 404 });
    return u;
  }

  snapshot(): TargetSnapshot {
    return {
      users: [...this.users.values()],
      groups: [...this.groups.values()].map((g) => ({ id: g.id, displayName: g.displayName, externalId: null, memberIds: [...g.memberIds] })),
    };
  }

  async createUser(input: { userName: string; externalId: string; values: TargetUser['values'] }) {
    this.call(`create ${input.userName}`);
    if ([...this.users.values()].some((u) => addressKey(u.userName) === addressKey(input.userName))) {
      throw Object.assign(new Error(`409 ${input.userName} exists`), { status: 409 });
    }
    const id = `new-${this.next++}`;
    this.users.set(id, { id, externalId: input.externalId, userName: input.userName, active: true, managerId: null, values: { ...input.values } });
    return id;
  }
  /** The port's create: a 409 comes back as what a userName look-up finds, as the SCIM client answers it. */
  async postUser(input: { userName: string; externalId: string; values: TargetUser['values'] }): Promise<CreateAnswer> {
    try {
      return { kind: 'created', id: await this.createUser(input) };
    } catch (err) {
      if ((err as { status?: unknown }).status !== 409) throw err;
      return { kind: 'exists', found: await this.findUserByUserName(input.userName) };
    }
  }
  async updateUser(id: string, changes: readonly { attribute: string; after: string | null }[]) {
    this.call(`update ${id}`);
    const u = this.user(id);
    for (const c of changes) {
      if (c.attribute === 'externalId') u.externalId = c.after;
      else (u.values as Record<string, string | null>)[c.attribute] = c.after;
    }
  }
  async renameUser(id: string, userName: string) {
    this.call(`rename ${id}`);
    this.user(id).userName = userName;
  }
  async reactivateUser(id: string) {
    this.call(`reactivate ${id}`);
    this.user(id).active = true;
  }
  async archiveUser(id: string) {
    this.call(`archive ${id}`);
    this.user(id).active = false;
  }
  async setManager(id: string, managerId: string | null) {
    this.call(`manager ${id}`);
    this.user(id).managerId = managerId;
  }
  async createGroup(name: string) {
    this.call(`createGroup ${name}`);
    const id = `group-${this.next++}`;
    this.groups.set(id, { id, displayName: name, memberIds: new Set() });
    return id;
  }
  async addMembers(groupId: string, userIds: readonly string[]) {
    this.call(`add ${groupId} ${userIds.length}`);
    const g = this.groups.get(groupId);
    if (!g) throw new Error(`404 group ${groupId}`);
    for (const id of userIds) g.memberIds.add(id);
  }
  async removeMembers(groupId: string, userIds: readonly string[]) {
    this.call(`remove ${groupId} ${userIds.length}`);
    const g = this.groups.get(groupId);
    if (!g) throw new Error(`404 group ${groupId}`);
    for (const id of userIds) g.memberIds.delete(id);
  }
  async findUserByUserName(userName: string) {
    this.calls.push(`find ${userName}`);
    const u = [...this.users.values()].find((x) => addressKey(x.userName) === addressKey(userName));
    return u ? { ...u } : null;
  }
  async findGroupByName(name: string) {
    this.calls.push(`findGroup ${name}`);
    const g = [...this.groups.values()].find((x) => x.displayName.toLowerCase() === name.toLowerCase());
    return g ? { id: g.id } : null;
  }
}

export class MemoryJournal implements OperationJournal {
  rows = new Map<string, StoredOperationState>();
  async states(_planId: string) {
    return [...this.rows.values()];
  }
  async record(_planId: string, updates: { opId: string; state: OperationState; resultId?: string | null; error?: string | null }[]) {
    for (const u of updates) this.rows.set(u.opId, { opId: u.opId, state: u.state, resultId: u.resultId ?? this.rows.get(u.opId)?.resultId ?? null, error: u.error ?? null });
  }
}
