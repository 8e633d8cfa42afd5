/**
 * One person from Graph, for `sync user`: the requests that person needs, never the tenant.
 *
 *   1. `/users?$filter=mail eq 'a' or userPrincipalName eq 'a' or proxyAddresses/any(p:p eq 'smtp:a')`
 *      with `$expand=manager(...)`: all three are default (not advanced) queries in Graph, so the
 *      answer is read from the directory itself, not from the eventually consistent index that
 *      `ConsistencyLevel: eventual` would use. Graph compares these strings case-insensitively,
 *      and `smtp:` matches the primary `SMTP:` too. `subscribedSkus` goes alongside, only when
 *      the scope names licences by part number (nothing else reads part numbers).
 *   2. `/users/{id}/transitiveMemberOf?$select=id`, only when the rules name groups: for the user
 *      (scope and mirrored groups) and for the manager (scope groups decide whether the manager
 *      is in scope). Without the `microsoft.graph.group` cast, which would be advanced too.
 *
 * Requests in each step run in parallel: two Graph round trips after sign-in, whatever the
 * tenant's size.
 */
import { z } from 'zod';
import type { GraphCompany, GraphCredential } from './settings';
import type { SourceUserLookup } from '../runs';
import { addressKey, cleanAddress, smtpAddress } from '../sync';
import type { GraphField } from '../sync';
import type { SourceGroup, SourceUser } from '../sync';
import { graphSelectFields, graphUserSchema, skuMap, subscribedSkuSchema, toSourceUser } from './graphUser';
import { configuredGroups, GRAPH_MAX_TOP, idOnlySchema } from './source';
import { openGraphSession, type GraphSession, type SessionOptions } from './session';

export interface FindUserOptions extends SessionOptions {
  /** Graph fields the company's attribute mapping reads (see mappedGraphFields). */
  mappedFields: readonly GraphField[];
  /** Read the manager, as the full read does when the company syncs managers. */
  managers: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const skusSchema = z.looseObject({ value: z.array(subscribedSkuSchema) });

/** An OData string literal: quoted, with a quote inside doubled (OData ABNF `SQUOTE-in-string`). */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The `$filter` that finds the owners of an address: mail, UPN or any SMTP proxy address. */
export function addressFilter(address: string): string {
  const literal = odataString(address);
  return `mail eq ${literal} or userPrincipalName eq ${literal} or proxyAddresses/any(p:p eq ${odataString(`smtp:${address}`)})`;
}

/** Whether the scope names a licence by part number, which only `subscribedSkus` can resolve. */
export function scopeNeedsSkuNames(licenses: readonly string[]): boolean {
  return licenses.some((l) => !GUID.test(l.trim()));
}

/** Whether a user holds the address the way the planner compares addresses. */
function owns(user: SourceUser, key: string): boolean {
  return (
    addressKey(user.mail) === key ||
    addressKey(user.userPrincipalName) === key ||
    user.proxyAddresses.some((p) => addressKey(smtpAddress(p)) === key)
  );
}

async function transitiveGroupIds(session: GraphSession, userId: string): Promise<Set<string>> {
  const ids = new Set<string>();
  // Directory roles and administrative units come back too; their ids never equal a group's.
  await session.each(`/users/${encodeURIComponent(userId)}/transitiveMemberOf?$select=id&$top=${GRAPH_MAX_TOP}`, (raw) => ids.add(idOnlySchema.parse(raw).id.toLowerCase()));
  return ids;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The person who owns `address`, with what the planner would read about them in a full read:
 * the same SourceUser, their manager (whose own `managerId` is not read: sync user never plans
 * the manager's link), the configured groups that contain either of them (transitively), and
 * anyone else the same filter found holding that address (the first in Graph's order is `user`).
 */
export async function findSourceUser(company: GraphCompany, secrets: GraphCredential, address: string, options: FindUserOptions): Promise<SourceUserLookup | null> {
  const cleaned = cleanAddress(address);
  const key = addressKey(address);
  if (cleaned === null || key === null) return null;
  const session = openGraphSession(company, secrets, options);

  const select = graphSelectFields(options.mappedFields).join(',');
  const expand = options.managers ? `&$expand=manager($select=${select})` : '';
  const raws: unknown[] = [];
  const [skus] = await Promise.all([
    scopeNeedsSkuNames(company.scope.licenses) ? session.get('/subscribedSkus').then((body) => skuMap(skusSchema.parse(body).value)) : Promise.resolve(new Map<string, string>()),
    session.each(`/users?$filter=${encodeURIComponent(addressFilter(cleaned))}&$select=${select}${expand}`, (raw) => raws.push(raw)),
  ]);

  const owners = raws.map((raw) => ({ raw, user: toSourceUser(raw, skus, options.managers ? undefined : null) })).filter((c) => owns(c.user, key));
  const hit = owners[0];
  if (!hit) return null;
  const { user } = hit;
  const others = owners.slice(1).map((o) => o.user);
  // A manager that is not a user (an organisational contact) has no KnowBe4 record to link.
  const managerRaw = graphUserSchema.safeParse(graphUserSchema.parse(hit.raw).manager ?? null);
  const manager = managerRaw.success && user.managerId !== null ? toSourceUser(managerRaw.data, skus, null) : null;

  const wanted = configuredGroups(company);
  const [userGroups, managerGroups] = await Promise.all([
    wanted.size > 0 ? transitiveGroupIds(session, user.id) : NONE,
    company.scope.groups.length > 0 && manager ? transitiveGroupIds(session, manager.id) : NONE,
  ]);
  const groups: SourceGroup[] = [];
  for (const [id, displayName] of wanted) {
    const memberIds = [...(userGroups.has(id.toLowerCase()) ? [user.id] : []), ...(manager && managerGroups.has(id.toLowerCase()) ? [manager.id] : [])];
    if (memberIds.length > 0) groups.push({ id, displayName, memberIds });
  }
  return { user, manager, groups, others };
}
