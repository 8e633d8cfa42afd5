/**
 * What KnowBe4 looks like after a plan is applied, computed without applying it. Test Mode, the
 * property tests and the fault suite compare the real server with this.
 */
import type { GroupRef, Operation, Plan, UserRef } from './model';
import type { TargetGroup, TargetSnapshot, TargetUser } from './snapshot';

export interface SimulateOptions {
  /** Operations to leave out (failed or skipped in a real run). */
  skip?: ReadonlySet<string>;
  /** Id given to a created user; defaults to `new:<Entra id>`. */
  newUserId?: (sourceId: string) => string;
  /** Id given to a created group; defaults to `new-group:<name>`. */
  newGroupId?: (name: string) => string;
}

export function simulate(target: TargetSnapshot, plan: Plan, options: SimulateOptions = {}): TargetSnapshot {
  const newUserId = options.newUserId ?? ((id: string) => `new:${id}`);
  const newGroupId = options.newGroupId ?? ((name: string) => `new-group:${name}`);
  const users = new Map<string, TargetUser>(target.users.map((u) => [u.id, { ...u, values: { ...u.values } }]));
  const groups = new Map<string, TargetGroup>(target.groups.map((g) => [g.id, { ...g, memberIds: [...g.memberIds] }]));
  const userId = (ref: UserRef) => (ref.kind === 'existing' ? ref.targetId : newUserId(ref.sourceId));
  const groupId = (ref: GroupRef) => (ref.kind === 'existing' ? ref.groupId : newGroupId(ref.name));
  const user = (id: string) => {
    const u = users.get(id);
    if (!u) throw new Error(`plan refers to unknown KnowBe4 user ${id}`);
    return u;
  };
  const group = (id: string) => {
    const g = groups.get(id);
    if (!g) throw new Error(`plan refers to unknown KnowBe4 group ${id}`);
    return g;
  };

  const step = (op: Operation): void => {
    switch (op.kind) {
      case 'createGroup':
        groups.set(newGroupId(op.name), { id: newGroupId(op.name), displayName: op.name, externalId: null, memberIds: [] });
        return;
      case 'create':
        users.set(newUserId(op.sourceId), {
          id: newUserId(op.sourceId),
          externalId: op.sourceId,
          userName: op.userName,
          active: true,
          managerId: null,
          values: { ...op.values },
        });
        return;
      case 'rename':
        user(op.targetId).userName = op.to;
        return;
      case 'reactivate':
        user(op.targetId).active = true;
        return;
      case 'update': {
        const u = user(op.targetId);
        for (const change of op.changes) {
          if (change.attribute === 'externalId') u.externalId = change.after;
          else u.values[change.attribute] = change.after;
        }
        return;
      }
      case 'setManager':
        user(userId(op.user)).managerId = op.manager === null ? null : userId(op.manager);
        return;
      case 'addToGroup': {
        const g = group(groupId(op.group));
        const id = userId(op.user);
        if (!g.memberIds.includes(id)) g.memberIds.push(id);
        return;
      }
      case 'removeFromGroup': {
        const g = group(op.groupId);
        g.memberIds = g.memberIds.filter((m) => m !== op.targetId);
        return;
      }
      case 'archive':
        user(op.targetId).active = false;
        return;
    }
  };

  for (const op of plan.operations) if (!options.skip?.has(op.id)) step(op);
  return { users: [...users.values()], groups: [...groups.values()] };
}
