/**
 * The SCIM records of one sandbox account: users and groups as SCIM JSON in memory, userName
 * unique (case-insensitive), archive instead of delete, Test Mode, and what reads show while a
 * write KnowBe4 accepted is not yet applied (visibility.ts).
 */
import { z } from 'zod';
import type { SandboxAccount, TestModeEntry } from './account';
import { clone, scimError, type ScimJson } from './schemas';

const lower = (s: unknown) => (typeof s === 'string' ? s.trim().toLowerCase() : '');

/** Facts the KnowBe4 console (not SCIM) owns, surfaced by the Reporting API. */
export interface ConsoleFacts {
  phishPronePercentage: number;
  lastSignIn: string | null;
  joinedOn: string;
  /** True once SCIM created or changed the user; console-made users start false. */
  provisioningManaged: boolean;
}

const seedUserSchema = z.looseObject({
  id: z.string().min(1).optional(),
  userName: z.string().min(1),
  active: z.boolean().optional(),
  console: z
    .object({
      phishPronePercentage: z.number().min(0).max(100).optional(),
      lastSignIn: z.string().nullable().optional(),
      joinedOn: z.string().optional(),
      provisioningManaged: z.boolean().optional(),
    })
    .optional(),
});
const seedGroupSchema = z.looseObject({
  id: z.string().min(1).optional(),
  displayName: z.string().min(1),
  members: z.array(z.looseObject({ value: z.string() })).optional(),
});
/** A seed user: SCIM User JSON (id optional) plus optional `console` facts for the Reporting API. */
export type SeedUser = z.input<typeof seedUserSchema>;
export type SeedGroup = z.input<typeof seedGroupSchema>;

export class ScimStore {
  private readonly users = new Map<string, ScimJson>();
  /** Lower-cased userName → id: uniqueness checks on every write would otherwise scan every user. */
  private readonly idByName = new Map<string, string>();
  private readonly groups = new Map<string, ScimJson>();
  readonly console = new Map<string, ConsoleFacts>();
  private nextId = 1000;

  constructor(private readonly account: SandboxAccount) {}

  private id(): string {
    this.nextId += 1;
    return String(this.nextId);
  }

  private now(): string {
    return new Date().toISOString();
  }

  reportingId(id: string): number {
    const n = Number(id);
    return Number.isSafeInteger(n) ? n : [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  }

  seedUser(raw: SeedUser): void {
    const { console: facts, ...resource } = seedUserSchema.parse(raw);
    const id = resource.id ?? this.id();
    if (/^\d+$/.test(id)) this.nextId = Math.max(this.nextId, Number(id));
    if (this.userByName(resource.userName)) throw new Error(`sandbox seed: duplicate userName ${resource.userName}`);
    const now = this.now();
    this.putUser({ ...clone(resource), id, active: resource.active ?? true, meta: { resourceType: 'User', created: now, lastModified: now } });
    this.console.set(id, {
      phishPronePercentage: facts?.phishPronePercentage ?? 0,
      lastSignIn: facts?.lastSignIn ?? null,
      joinedOn: facts?.joinedOn ?? now,
      provisioningManaged: facts?.provisioningManaged ?? false,
    });
  }

  seedGroup(raw: SeedGroup): void {
    const group = seedGroupSchema.parse(raw);
    const id = group.id ?? this.id();
    const now = this.now();
    this.groups.set(id, { ...clone(group), id, members: group.members ?? [], meta: { resourceType: 'Group', created: now, lastModified: now } });
  }

  userByName(userName: string): ScimJson | undefined {
    const id = this.idByName.get(lower(userName));
    return id === undefined ? undefined : this.users.get(id);
  }

  private putUser(user: ScimJson): void {
    const id = String(user.id);
    const before = this.users.get(id);
    if (before) this.idByName.delete(lower(before.userName));
    this.users.set(id, user);
    this.idByName.set(lower(user.userName), id);
  }

  /** Copies of the stored users, only those `keep` accepts (copying 10,000 records is not free). */
  listUsers(): ScimJson[] {
    return [...this.users.values()].map(clone);
  }

  /** The stored users themselves, not copies: for paging before copying. Never hand them out. */
  storedUsers(): readonly ScimJson[] {
    return [...this.users.values()];
  }

  getUser(id: string): ScimJson {
    const u = this.users.get(id);
    if (!u) throw scimError(404, null, `Resource ${id} not found`);
    return clone(u);
  }

  /** Users as list reads show them now (a write KnowBe4 has not applied yet is not shown). */
  visibleUsers(): ScimJson[] {
    const v = this.account.visibility;
    return [...this.users.values()].map((u) => v.shown(u)).filter((u): u is ScimJson => u !== undefined);
  }

  /** The user a `userName eq` filter finds now: the shown record, or the old one of a rename not yet applied. */
  visibleByName(userName: string): ScimJson[] {
    const stored = this.userByName(userName);
    const shown = stored ? this.account.visibility.shown(stored) : undefined;
    const hits = shown && lower(shown.userName) === lower(userName) ? [shown] : [];
    for (const old of this.account.visibility.shownUnder(userName)) if (!hits.some((h) => h.id === old.id)) hits.push(old);
    return hits;
  }

  /** GET /Users/{id}: 404 while its create is not yet applied, like a list read. */
  visibleUser(id: string): ScimJson {
    const shown = this.account.visibility.shown(this.getUser(id));
    if (!shown) throw scimError(404, null, `Resource ${id} not found`);
    return clone(shown);
  }

  writeUser(id: string | null, incoming: ScimJson): ScimJson {
    const before = id === null ? undefined : this.users.get(id);
    if (id !== null && !before) throw scimError(404, null, `Resource ${id} not found`);
    const userName = typeof incoming.userName === 'string' ? incoming.userName : '';
    const clash = this.userByName(userName);
    if (clash && clash.id !== id) {
      throw scimError(409, 'uniqueness', `userName ${userName} is already in use by another user`);
    }
    const now = this.now();
    const newId = id ?? this.id();
    const { meta: _meta, ...rest } = incoming;
    const created = (before?.meta as { created?: string } | undefined)?.created ?? now;
    const after: ScimJson = { ...rest, id: newId, active: incoming.active ?? true, meta: { resourceType: 'User', created, lastModified: now } };
    const action: TestModeEntry['action'] =
      !before ? 'CREATED' : before.active !== false && after.active === false ? 'ARCHIVED' : before.active === false && after.active !== false ? 'UNARCHIVED' : 'CHANGED';
    if (this.account.testMode) {
      this.account.testModeLog.push({ action, resourceType: 'User', id: newId, name: userName, after: clone(after) });
      return after;
    }
    this.putUser(after);
    this.account.visibility.written(newId, before, after);
    const facts = this.console.get(newId);
    if (facts) facts.provisioningManaged = true;
    else this.console.set(newId, { phishPronePercentage: 0, lastSignIn: null, joinedOn: now, provisioningManaged: true });
    return clone(after);
  }

  /** KnowBe4 keeps training history: DELETE archives the user like `active: false`. */
  deleteUser(id: string): void {
    const before = this.getUser(id);
    this.writeUser(id, { ...before, active: false });
  }

  listGroups(): ScimJson[] {
    return [...this.groups.values()].map(clone);
  }

  /** The stored groups themselves, not copies: for paging before copying. Never hand them out. */
  storedGroups(): readonly ScimJson[] {
    return [...this.groups.values()];
  }

  getGroup(id: string): ScimJson {
    const g = this.groups.get(id);
    if (!g) throw scimError(404, null, `Resource ${id} not found`);
    return clone(g);
  }

  writeGroup(id: string | null, incoming: ScimJson): ScimJson {
    const before = id === null ? undefined : this.groups.get(id);
    if (id !== null && !before) throw scimError(404, null, `Resource ${id} not found`);
    const name = typeof incoming.displayName === 'string' ? incoming.displayName : '';
    for (const g of this.groups.values()) {
      if (g.id !== id && lower(g.displayName) === lower(name)) throw scimError(409, 'uniqueness', `a group named ${name} already exists`);
    }
    const seen = new Set<string>();
    const members: ScimJson[] = [];
    for (const m of (incoming.members as ScimJson[] | undefined) ?? []) {
      const value = String(m.value);
      if (!this.users.has(value)) throw scimError(400, 'invalidValue', `member ${value} is not a user of this account`);
      if (!seen.has(value)) members.push({ value });
      seen.add(value);
    }
    const now = this.now();
    const newId = id ?? this.id();
    const created = (before?.meta as { created?: string } | undefined)?.created ?? now;
    const { meta: _meta, ...rest } = incoming;
    const after: ScimJson = { ...rest, id: newId, members, meta: { resourceType: 'Group', created, lastModified: now } };
    if (this.account.testMode) {
      this.account.testModeLog.push({ action: before ? 'CHANGED' : 'CREATED', resourceType: 'Group', id: newId, name, after: clone(after) });
      return after;
    }
    this.groups.set(newId, after);
    return clone(after);
  }

  deleteGroup(id: string): void {
    const before = this.getGroup(id);
    if (this.account.testMode) {
      this.account.testModeLog.push({ action: 'DELETED', resourceType: 'Group', id, name: String(before.displayName), after: null });
      return;
    }
    this.groups.delete(id);
  }
}
