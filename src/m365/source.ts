/**
 * The Microsoft 365 source adapter: reads a company's users, licences, managers and scope/mirror
 * group members from Microsoft Graph and returns the core's SourceSnapshot.
 *
 * Request budget (measured against the sandbox, see test/contract/graph.efficiency.test.ts):
 * managers come from `$expand=manager` on the users list. Graph caps that page at 100, so N users
 * cost ceil(N/100) requests, against ceil(N/999) + N with one `/users/{id}/manager` call each —
 * for 10,000 users 100 requests instead of 10,011. Without managers the list pages at 999.
 */
import { z } from 'zod';
import type { GraphCompany, GraphCredential } from './settings';
import type { AttributeMapping, GraphField } from '../sync';
import type { SourceGroup, SourceSnapshot, SourceUser } from '../sync';
import { GraphRequestError } from './errors';
import { RequestCounter } from './graphClient';
import { graphSelectFields, skuMap, subscribedSkuSchema, toSourceUser } from './graphUser';
import { openGraphSession, type SessionOptions } from './session';

export type ManagerStrategy = 'expand' | 'separate' | 'none';

export interface FetchSourceOptions extends SessionOptions {
  /** Graph fields the company's attribute mapping reads (see mappedGraphFields). */
  mappedFields: readonly GraphField[];
  /** How managers are read; default `expand` (fewest requests), `none` when managers are not synced. */
  managers?: ManagerStrategy;
  /** Users page size; default 999, or 100 with `$expand` (Graph's caps). */
  pageSize?: number;
}

/** Graph's page-size limits for /users. */
export const GRAPH_MAX_TOP = 999;
export const GRAPH_MAX_TOP_WITH_EXPAND = 100;

/** The Graph fields a mapping reads, for `mappedFields`. */
export function mappedGraphFields(mapping: AttributeMapping): GraphField[] {
  return [...new Set(Object.values(mapping).filter((f): f is GraphField => f !== undefined))];
}

/** A directory object reduced to its id (`$select=id`). */
export const idOnlySchema = z.looseObject({ id: z.string() });

/**
 * The groups a company's rules read, id → the name the planner knows them by: scope groups by
 * their id, mirrored groups by their configured KnowBe4 name (which wins when a group is both).
 */
export function configuredGroups(company: Pick<GraphCompany, 'scope' | 'groups'>): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const id of company.scope.groups) wanted.set(id, id);
  for (const m of company.groups.mirror) wanted.set(m.id, m.name);
  return wanted;
}

export async function fetchSource(company: GraphCompany, secrets: GraphCredential, options: FetchSourceOptions): Promise<SourceSnapshot> {
  const { get, each } = openGraphSession(company, secrets, options);

  const skuBody = z.looseObject({ value: z.array(subscribedSkuSchema) }).parse(await get('/subscribedSkus'));
  const skus = skuMap(skuBody.value);

  const strategy = options.managers ?? 'expand';
  const maxTop = strategy === 'expand' ? GRAPH_MAX_TOP_WITH_EXPAND : GRAPH_MAX_TOP;
  const top = Math.min(options.pageSize ?? maxTop, maxTop);
  const select = graphSelectFields(options.mappedFields).join(',');
  const expand = strategy === 'expand' ? '&$expand=manager($select=id,mail,userPrincipalName)' : '';
  const users: SourceUser[] = [];
  await each(`/users?$select=${select}&$top=${top}${expand}`, (raw) => users.push(toSourceUser(raw, skus, strategy === 'expand' ? undefined : null)));

  if (strategy === 'separate') {
    for (const u of users) {
      try {
        u.managerId = idOnlySchema.parse(await get(`/users/${encodeURIComponent(u.id)}/manager?$select=id`)).id;
      } catch (err) {
        // 404 = no manager: that is an answer, not a failure.
        if (!(err instanceof GraphRequestError && err.details.status === 404)) throw err;
      }
    }
  }

  const groups: SourceGroup[] = [];
  for (const [id, displayName] of configuredGroups(company)) {
    const memberIds: string[] = [];
    await each(`/groups/${encodeURIComponent(id)}/transitiveMembers/microsoft.graph.user?$select=id&$top=${GRAPH_MAX_TOP}`, (raw) => memberIds.push(idOnlySchema.parse(raw).id));
    groups.push({ id, displayName, memberIds });
  }
  return { users, groups };
}

export { RequestCounter };
export { identityError } from './session';
