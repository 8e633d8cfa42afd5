/**
 * KnowBe4 SCIM 2.0 client: the operations the plan executor calls, each in as few requests as
 * the protocol allows (one PATCH per change set, member changes in batches), safe to repeat.
 */
import { z } from 'zod';
import type { Secret } from '../shared';
import { scimBaseUrl, type Kb4AccountSettings } from './regions';
import type { Kb4Values } from '../sync';
import type { AttributeChange, TargetGroup, TargetSnapshot, TargetUser, UnreadableRecord } from '../sync';
import { Kb4ConflictError, Kb4Error, Kb4ProtocolError } from './errors';
import { Kb4Http, type Kb4HttpOptions, type RetryPolicy } from './http';
import {
  ENTERPRISE_MANAGER_PATH,
  SCIM_GROUP_URN,
  SCIM_PATCHOP_URN,
  WORK_EMAIL_PATH,
  changeOperations,
  readAll,
  readTargetGroup,
  readTargetUser,
  scimString,
  scimUserResource,
  type PatchOperation,
} from './scimUser';

export interface Kb4ScimClientOptions extends Kb4HttpOptions {
  /** `count` asked per page; the server may return fewer, the client follows totalResults. */
  pageSize?: number;
  /** Members per group PATCH. */
  memberBatchSize?: number;
  /**
   * Remove members with `members[value eq "…"]` paths instead of Entra's `path: "members"` with a
   * value list. Off by default: only for a server known to need the RFC form.
   */
  memberRemovalByFilter?: boolean;
}

export interface CreateUserInput {
  userName: string;
  /** The Entra object id (kb4sync sets it on every create so later runs match by it). */
  externalId: string;
  values: Kb4Values;
}

export interface CreateUserResult {
  id: string;
  /** `existing`: KnowBe4 already had the userName (409); the record was updated instead. */
  outcome: 'created' | 'existing';
}

const listResponseSchema = z.looseObject({
  totalResults: z.coerce.number().int().min(0),
  startIndex: z.coerce.number().int().optional(),
  itemsPerPage: z.coerce.number().int().optional(),
  Resources: z.array(z.unknown()).nullish(),
});
const createdSchema = z.looseObject({ id: z.string().min(1) });
const emailsSchema = z.looseObject({ emails: z.array(z.looseObject({ type: z.unknown() })).nullish() });

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function sameValue(a: string | null | undefined, b: string | null | undefined): boolean {
  return (a ?? null) === (b ?? null);
}

export class Kb4ScimClient {
  private readonly http: Kb4Http;
  private readonly pageSize: number;
  private readonly memberBatchSize: number;
  private readonly retries: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly memberRemovalByFilter: boolean;
  /** Per user id seen while listing: whether the record has a work e-mail, so a rename can keep it in step without a GET. */
  private readonly workEmailSeen = new Map<string, boolean>();

  constructor(options: Kb4ScimClientOptions) {
    this.http = new Kb4Http(options);
    this.pageSize = options.pageSize ?? 100;
    this.memberBatchSize = options.memberBatchSize ?? 100;
    this.retries = options.retry?.retries ?? 5;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.memberRemovalByFilter = options.memberRemovalByFilter ?? false;
    if (this.pageSize < 1 || this.memberBatchSize < 1) throw new RangeError('pageSize and memberBatchSize must be at least 1');
  }

  /** The SCIM base URL in use (region default or the company's scimUrl). */
  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** A client for a configured company: region or scimUrl, its rate settings and page size. */
  static forCompany(company: Kb4AccountSettings, scimToken: Secret, overrides: Partial<Kb4ScimClientOptions> = {}): Kb4ScimClient {
    return new Kb4ScimClient({
      baseUrl: scimBaseUrl(company),
      token: scimToken,
      tokenEnv: company.knowbe4.scimTokenEnv,
      requestsPerSecond: company.knowbe4.requestsPerSecond,
      maxConcurrency: company.knowbe4.maxConcurrency,
      pageSize: company.knowbe4.pageSize,
      ...overrides,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Reading
  // -------------------------------------------------------------------------------------------

  /**
   * Every resource of a list endpoint. Asks for `pageSize` and advances by what actually came
   * back, until totalResults is reached: costs max(1, ceil(N / min(pageSize, server cap))).
   */
  private async listAll(path: '/Users' | '/Groups', filter?: string, extra: Record<string, string> = {}): Promise<unknown[]> {
    const out: unknown[] = [];
    let startIndex = 1;
    for (;;) {
      const params: Record<string, string | number> = { ...extra, startIndex, count: this.pageSize };
      if (filter) params.filter = filter;
      const res = await this.http.request({ method: 'GET', path, params });
      const page = listResponseSchema.safeParse(res.data);
      if (!page.success) {
        throw new Kb4ProtocolError('protocol', `KnowBe4 SCIM GET ${path} did not return a SCIM ListResponse`, { method: 'GET', path, attempts: 1 });
      }
      const resources = page.data.Resources ?? [];
      out.push(...resources);
      startIndex += resources.length;
      // An empty page ends the walk even if totalResults promised more (records vanished meanwhile).
      if (resources.length === 0 || startIndex > page.data.totalResults) return out;
    }
  }

  private remember(raw: unknown): void {
    const parsed = emailsSchema.safeParse(raw);
    const id = (raw as { id?: unknown } | null)?.id;
    // "Has no work e-mail" is remembered too: as useful to a rename as having one.
    if (parsed.success && typeof id === 'string') this.workEmailSeen.set(id, (parsed.data.emails ?? []).some((e) => e.type === 'work'));
  }

  /**
   * Each record on its own: one KnowBe4 sends in a shape no reading makes sense of is set aside
   * with its reason, never allowed to fail the company's run.
   */
  private readUsers(raw: unknown[]): { users: TargetUser[]; unreadable: UnreadableRecord[] } {
    const seen = new Set<string>();
    const users: TargetUser[] = [];
    const { values, unreadable } = readAll(raw, readTargetUser);
    for (const user of values) {
      // Paging over a changing list can repeat a record; keep the first.
      if (seen.has(user.id)) continue;
      seen.add(user.id);
      users.push(user);
    }
    for (const r of raw) this.remember(r);
    return { users, unreadable };
  }

  async listUsers(): Promise<TargetUser[]> {
    return this.readUsers(await this.listAll('/Users')).users;
  }

  private async readGroups(filter?: string, extra?: Record<string, string>): Promise<{ groups: TargetGroup[]; unreadable: UnreadableRecord[] }> {
    const seen = new Set<string>();
    const { values, unreadable } = readAll(await this.listAll('/Groups', filter, extra), readTargetGroup);
    return { groups: values.filter((g) => !seen.has(g.id) && seen.add(g.id)), unreadable };
  }

  async listGroups(): Promise<TargetGroup[]> {
    return (await this.readGroups()).groups;
  }

  async fetchTarget(): Promise<TargetSnapshot> {
    const [users, groups] = await Promise.all([this.listAll('/Users').then((raw) => this.readUsers(raw)), this.readGroups()]);
    const unreadable = [...users.unreadable, ...groups.unreadable];
    return { users: users.users, groups: groups.groups, ...(unreadable.length > 0 ? { unreadable } : {}) };
  }

  async getUser(id: string): Promise<TargetUser> {
    const path = `/Users/${encodeURIComponent(id)}`;
    const res = await this.http.request({ method: 'GET', path });
    this.remember(res.data);
    const read = readTargetUser(res.data);
    if (!read.ok) throw new Kb4ProtocolError('protocol', `KnowBe4 SCIM GET ${path} returned a user kb4sync cannot read: ${read.record.reason}`, { method: 'GET', path, attempts: 1 });
    return read.value;
  }

  /**
   * One `GET /Users?count=1`: the cheapest request that needs the base URL, the token and SCIM
   * all to be right (what `kb4sync doctor` asks). Returns how many users KnowBe4 reports.
   */
  async probe(): Promise<number> {
    const res = await this.http.request({ method: 'GET', path: '/Users', params: { count: 1 }, retry: 'rateLimitOnly' });
    const page = listResponseSchema.safeParse(res.data);
    if (!page.success) throw new Kb4ProtocolError('protocol', 'KnowBe4 SCIM GET /Users did not return a SCIM ListResponse: is scimUrl the Tenant URL?', { method: 'GET', path: '/Users', attempts: 1 });
    return page.data.totalResults;
  }

  /** The user whose login e-mail is `userName` (KnowBe4 compares case-insensitively), or null. */
  async findUserByUserName(userName: string): Promise<TargetUser | null> {
    const { users } = this.readUsers(await this.listAll('/Users', `userName eq ${scimString(userName)}`));
    const wanted = userName.trim().toLowerCase();
    // Only an exact (case-insensitive) match: a server that ignored the filter must not make the
    // 409 path adopt somebody else's record.
    return users.find((u) => u.userName.trim().toLowerCase() === wanted) ?? null;
  }

  /** The group of that name, without its members (Entra's look-up: `excludedAttributes=members`). */
  async findGroupByName(displayName: string): Promise<TargetGroup | null> {
    const { groups } = await this.readGroups(`displayName eq ${scimString(displayName)}`, { excludedAttributes: 'members' });
    const wanted = displayName.trim().toLowerCase();
    return groups.find((g) => g.displayName.trim().toLowerCase() === wanted) ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // Users
  // -------------------------------------------------------------------------------------------

  private async patch(path: string, operations: PatchOperation[], retry: RetryPolicy = 'all'): Promise<void> {
    if (operations.length === 0) return;
    await this.http.request({ method: 'PATCH', path, data: { schemas: [SCIM_PATCHOP_URN], Operations: operations }, retry });
  }

  private userPath(id: string): string {
    return `/Users/${encodeURIComponent(id)}`;
  }

  async createUser(input: CreateUserInput): Promise<string> {
    return (await this.createUserDetailed(input)).id;
  }

  /**
   * POST /Users. Retries (429, 5xx, network) are safe because KnowBe4 keeps userName unique: a
   * create that already happened answers 409, and a 409 is resolved by looking the user up and
   * continuing as an update of that record, never as a second user.
   */
  async createUserDetailed(input: CreateUserInput): Promise<CreateUserResult> {
    try {
      const res = await this.http.request({
        method: 'POST',
        path: '/Users',
        data: scimUserResource({ userName: input.userName, externalId: input.externalId, active: true, values: input.values }),
      });
      return { id: createdSchema.parse(res.data).id, outcome: 'created' };
    } catch (err) {
      if (!(err instanceof Kb4ConflictError)) throw err;
      return { id: await this.adoptExisting(input, err), outcome: 'existing' };
    }
  }

  private async adoptExisting(input: CreateUserInput, conflict: Kb4ConflictError): Promise<string> {
    const existing = await this.findUserByUserName(input.userName);
    if (!existing) throw conflict;
    if (existing.externalId !== null && existing.externalId !== input.externalId) {
      // Another Entra user's record: overwriting it would merge two people's training history.
      throw new Kb4ConflictError(
        'conflict',
        `KnowBe4 already has ${input.userName} (id ${existing.id}) linked to another Entra object (externalId ${existing.externalId}); not taking it over`,
        { method: 'POST', path: '/Users', attempts: conflict.attempts },
        409,
        conflict.detail,
        conflict.scimType,
      );
    }
    const ops: PatchOperation[] = [];
    if (existing.externalId !== input.externalId) ops.push(...changeOperations({ attribute: 'externalId', before: existing.externalId, after: input.externalId }));
    for (const [attr, value] of Object.entries(input.values) as [keyof Kb4Values, string | null | undefined][]) {
      if (value === undefined || value === null || sameValue(existing.values[attr], value)) continue;
      ops.push(...changeOperations({ attribute: attr, before: existing.values[attr] ?? null, after: value }));
    }
    if (!existing.active) ops.push({ op: 'Replace', path: 'active', value: true });
    await this.patch(this.userPath(existing.id), ops);
    return existing.id;
  }

  /** One PATCH with only the changed attributes (replace a value, remove a null). Never PUT. */
  async updateUser(id: string, changes: readonly AttributeChange[]): Promise<void> {
    await this.patch(this.userPath(id), changes.flatMap(changeOperations));
  }

  /**
   * Changes the login e-mail of the same record (training history stays). When the record has a
   * work e-mail, it follows by path (never a whole-`emails` replacement, which Entra does not
   * send); whether it has one is known from the last listing, else read once.
   */
  async renameUser(id: string, newUserName: string): Promise<void> {
    if (!this.workEmailSeen.has(id)) await this.getUser(id);
    const ops: PatchOperation[] = [{ op: 'Replace', path: 'userName', value: newUserName }];
    if (this.workEmailSeen.get(id) === true) ops.push({ op: 'Replace', path: WORK_EMAIL_PATH, value: newUserName });
    await this.patch(this.userPath(id), ops);
  }

  /** KnowBe4 archives (keeps training history); `active: true` brings the user back. */
  async archiveUser(id: string): Promise<void> {
    await this.patch(this.userPath(id), [{ op: 'Replace', path: 'active', value: false }]);
  }

  async reactivateUser(id: string): Promise<void> {
    await this.patch(this.userPath(id), [{ op: 'Replace', path: 'active', value: true }]);
  }

  /** The manager's KnowBe4 id as a plain string: Entra's (non-RFC) form, the one KnowBe4 is built for. */
  async setManager(id: string, managerId: string | null): Promise<void> {
    await this.patch(
      this.userPath(id),
      managerId === null ? [{ op: 'Remove', path: ENTERPRISE_MANAGER_PATH }] : [{ op: 'Replace', path: ENTERPRISE_MANAGER_PATH, value: managerId }],
    );
  }

  // -------------------------------------------------------------------------------------------
  // Groups
  // -------------------------------------------------------------------------------------------

  /**
   * POST /Groups. KnowBe4 does not document group-name uniqueness, so a create whose outcome is
   * unknown (5xx, network) is not blindly repeated: the name is looked up first, and only if it
   * is still missing is the create sent again. A 409 resolves to the existing group.
   */
  async createGroup(displayName: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.http.request({
          method: 'POST',
          path: '/Groups',
          data: { schemas: [SCIM_GROUP_URN], displayName },
          retry: 'rateLimitOnly',
        });
        return createdSchema.parse(res.data).id;
      } catch (err) {
        if (err instanceof Kb4ConflictError) {
          const existing = await this.findGroupByName(displayName);
          if (existing) return existing.id;
          throw err;
        }
        if (!(err instanceof Kb4Error) || !err.transient || err.kind === 'rateLimited' || attempt >= this.retries) throw err;
        await this.sleep(Math.min(30_000, 500 * 2 ** attempt));
        const existing = await this.findGroupByName(displayName);
        if (existing) return existing.id;
      }
    }
  }

  /** Adds members, `memberBatchSize` per PATCH: ceil(ids / batch) requests. */
  async addMembers(groupId: string, userIds: readonly string[]): Promise<void> {
    for (const batch of chunks([...new Set(userIds)], this.memberBatchSize)) {
      await this.patch(`/Groups/${encodeURIComponent(groupId)}`, [{ op: 'Add', path: 'members', value: batch.map((value) => ({ value })) }]);
    }
  }

  /** Removes members, `memberBatchSize` per PATCH, as Entra does: `path: "members"` with the ids as values. */
  async removeMembers(groupId: string, userIds: readonly string[]): Promise<void> {
    for (const batch of chunks([...new Set(userIds)], this.memberBatchSize)) {
      const ops: PatchOperation[] = this.memberRemovalByFilter
        ? batch.map((value) => ({ op: 'Remove', path: `members[value eq ${scimString(value)}]` }))
        : [{ op: 'Remove', path: 'members', value: batch.map((value) => ({ value })) }];
      await this.patch(`/Groups/${encodeURIComponent(groupId)}`, ops);
    }
  }
}
