/**
 * KnowBe4 SCIM 2.0 reads: every user and group (following totalResults page by page), one user,
 * and the two look-ups KnowBe4's provisioning tutorial lists (`userName eq`, `displayName eq`).
 * Each record is read on its own, so one odd record never fails a company.
 */
import { z } from 'zod';
import type { TargetGroup, TargetSnapshot, TargetUser, UnreadableRecord } from '../sync';
import { Kb4NotFoundError, Kb4ProtocolError } from './errors';
import { Kb4Http, type Kb4HttpOptions } from './http';
import { readAll, readTargetGroup, readTargetUser, scimString } from './scimUser';

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

const listResponseSchema = z.looseObject({
  totalResults: z.coerce.number().int().min(0),
  startIndex: z.coerce.number().int().optional(),
  itemsPerPage: z.coerce.number().int().optional(),
  Resources: z.array(z.unknown()).nullish(),
});
const emailsSchema = z.looseObject({ emails: z.array(z.looseObject({ type: z.unknown() })).nullish() });

export class Kb4ScimReader {
  protected readonly http: Kb4Http;
  private readonly pageSize: number;
  protected readonly memberBatchSize: number;
  protected readonly retries: number;
  protected readonly sleep: (ms: number) => Promise<void>;
  protected readonly memberRemovalByFilter: boolean;
  /** Per user id seen while listing: whether the record has a work e-mail, so a rename can keep it in step without a GET. */
  protected readonly workEmailSeen = new Map<string, boolean>();

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

  /** GET /Users/{id}, or null on 404 (gone, or a create KnowBe4 does not show yet). */
  async findUserById(id: string): Promise<TargetUser | null> {
    try {
      return await this.getUser(id);
    } catch (err) {
      if (err instanceof Kb4NotFoundError) return null;
      throw err;
    }
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
}
