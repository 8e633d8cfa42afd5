/**
 * Changes to a sandbox tenant as an admin makes them in Entra (a hire, an edit, a group change, a
 * deletion), each recorded in the tenant's change log so `/users/delta` and `/groups/delta` see it.
 */
import type { GraphUserRecord } from '../tenants/graphTenant';
import type { TenantState } from './directory';

export type UserPatch = Partial<Omit<GraphUserRecord, 'id' | 'kind'>>;

export class TenantChanges {
  constructor(private readonly find: (tenantId: string) => TenantState | undefined) {}

  private state(tenantId: string): TenantState {
    const state = this.find(tenantId.toLowerCase());
    if (!state) throw new Error(`sandbox: no tenant ${tenantId}`);
    return state;
  }

  updateUser(tenantId: string, userId: string, patch: UserPatch): void {
    const state = this.state(tenantId);
    const user = state.users.get(userId);
    if (!user) throw new Error(`sandbox: no user ${userId} in tenant ${tenantId}`);
    Object.assign(user, patch);
    state.delta.changes.push({ kind: 'user', id: userId });
  }

  /** A new user (a hire), optionally put straight into groups (direct members). */
  addUser(tenantId: string, user: GraphUserRecord, groupIds: readonly string[] = []): void {
    const state = this.state(tenantId);
    if (state.users.has(user.id)) throw new Error(`sandbox: user ${user.id} already exists`);
    state.tenant.users.push(user);
    state.users.set(user.id, user);
    state.delta.userOrder.push(user.id);
    state.delta.changes.push({ kind: 'user', id: user.id });
    for (const g of groupIds) this.addMember(tenantId, g, user.id);
  }

  addMember(tenantId: string, groupId: string, memberId: string): void {
    const state = this.state(tenantId);
    const group = state.groups.get(groupId);
    if (!group) throw new Error(`sandbox: no group ${groupId}`);
    if (group.memberIds.includes(memberId)) return;
    group.memberIds.push(memberId);
    state.delta.changes.push({ kind: 'member', groupId, memberId, removed: false });
  }

  removeMember(tenantId: string, groupId: string, memberId: string): void {
    const state = this.state(tenantId);
    const group = state.groups.get(groupId);
    if (!group || !group.memberIds.includes(memberId)) return;
    group.memberIds = group.memberIds.filter((m) => m !== memberId);
    state.delta.changes.push({ kind: 'member', groupId, memberId, removed: true });
  }

  /** Deletes a user (soft, as Entra does first): gone from lists, groups and managers. */
  removeUser(tenantId: string, userId: string): void {
    const state = this.state(tenantId);
    if (!state.users.has(userId)) throw new Error(`sandbox: no user ${userId} in tenant ${tenantId}`);
    for (const g of state.tenant.groups) if (g.memberIds.includes(userId)) this.removeMember(tenantId, g.id, userId);
    state.users.delete(userId);
    state.tenant.users = state.tenant.users.filter((u) => u.id !== userId);
    state.delta.changes.push({ kind: 'userRemoved', id: userId });
  }

  /** Forgets every delta token given out for the tenant: the next use of one answers 410 Gone. */
  invalidateDelta(tenantId: string): void {
    this.state(tenantId).delta.epoch += 1;
  }
}
