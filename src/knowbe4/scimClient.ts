/**
 * KnowBe4 SCIM 2.0 client: the writes the plan executor calls, each in as few requests as the
 * protocol allows (one PATCH per change set, member changes in batches), safe to repeat. A create
 * answers what happened (created, or 409 and what a look-up found); deciding what that means is
 * the core's (`settleCreate`), never this client's.
 */
import { z } from 'zod';
import type { Secret } from '../shared';
import { scimBaseUrl, type Kb4AccountSettings } from './regions';
import type { AttributeChange, CreateAnswer, Kb4Values } from '../sync';
import { Kb4ConflictError, Kb4Error } from './errors';
import type { RetryPolicy } from './http';
import { Kb4ScimReader, type Kb4ScimClientOptions } from './scimRead';
import { ENTERPRISE_MANAGER_PATH, SCIM_GROUP_URN, SCIM_PATCHOP_URN, WORK_EMAIL_PATH, changeOperations, scimString, scimUserResource, type PatchOperation } from './scimUser';

export type { Kb4ScimClientOptions } from './scimRead';

export interface CreateUserInput {
  userName: string;
  /** The Entra object id (kb4sync sets it on every create so later runs match by it). */
  externalId: string;
  values: Kb4Values;
}

const createdSchema = z.looseObject({ id: z.string().min(1) });

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class Kb4ScimClient extends Kb4ScimReader {
  constructor(options: Kb4ScimClientOptions) {
    super(options);
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
  // Users
  // -------------------------------------------------------------------------------------------

  private async patch(path: string, operations: PatchOperation[], retry: RetryPolicy = 'all'): Promise<void> {
    if (operations.length === 0) return;
    await this.http.request({ method: 'PATCH', path, data: { schemas: [SCIM_PATCHOP_URN], Operations: operations }, retry });
  }

  private userPath(id: string): string {
    return `/Users/${encodeURIComponent(id)}`;
  }

  /**
   * POST /Users. Retries (429, 5xx, network) are safe because KnowBe4 keeps userName unique: a
   * create that already happened answers 409. A 409 is answered with what a `userName eq`
   * look-up finds (possibly nothing: KnowBe4 may hold a write it does not show yet); nothing
   * else is written here, the core settles it.
   */
  async postUser(input: CreateUserInput): Promise<CreateAnswer> {
    try {
      const res = await this.http.request({
        method: 'POST',
        path: '/Users',
        data: scimUserResource({ userName: input.userName, externalId: input.externalId, active: true, values: input.values }),
      });
      return { kind: 'created', id: createdSchema.parse(res.data).id };
    } catch (err) {
      if (!(err instanceof Kb4ConflictError)) throw err;
      return { kind: 'exists', found: await this.findUserByUserName(input.userName) };
    }
  }

  /** POST /Users for callers that need an id: a 409 stays the conflict error it is. */
  async createUser(input: CreateUserInput): Promise<string> {
    const answer = await this.postUser(input);
    if (answer.kind === 'created') return answer.id;
    throw new Kb4ConflictError('conflict', `KnowBe4 already has ${input.userName}${answer.found ? ` (id ${answer.found.id})` : ''}`, { method: 'POST', path: '/Users', attempts: 1 }, 409);
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
