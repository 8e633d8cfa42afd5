/**
 * SCIMMY registration for the KnowBe4 sandbox: the KnowBe4 (KMSAT) user extension schema, and
 * the User/Group handlers. SCIMMY keeps resource types and handlers in process-wide statics, so
 * the handlers are registered once and dispatch to the account passed as SCIMMY's request
 * context: that is what lets several sandboxes (and several accounts) share one process.
 */
import SCIMMY from 'scimmy';
import { SCIM_SCHEMA_URN } from '../../sync';
import type { SandboxAccount } from './account';

export const KMSAT_STRINGS = [
  'customField1',
  'customField2',
  'customField3',
  'customField4',
  'phishingLanguage',
  'trainingLanguage',
  'userRole',
  'hostname',
  'companyName',
  'country',
  'mailNickName',
  'onPremisesSamAccountName',
  'onPremisesSecurityIdentifier',
  'userPrincipalName',
] as const;
export const KMSAT_DATES = ['customDate1', 'customDate2', 'outOfOfficeEnd', 'lastPasswordChangeDateTime'] as const;

const KMSAT_DEFINITION = new SCIMMY.Types.SchemaDefinition(
  'KnowBe4User',
  SCIM_SCHEMA_URN.kmsat,
  'KnowBe4 KMSAT user extension (attributes as listed in the Entra gallery app mapping)',
  [
    ...KMSAT_STRINGS.map((name) => new SCIMMY.Types.Attribute('string', name)),
    ...KMSAT_DATES.map((name) => new SCIMMY.Types.Attribute('dateTime', name)),
  ],
);

/** The KnowBe4 extension, declared the way SCIMMY's own EnterpriseUser is. */
export class KmsatUserSchema extends SCIMMY.Types.Schema {
  static override readonly definition = KMSAT_DEFINITION;
  static override readonly id = SCIM_SCHEMA_URN.kmsat;
  constructor(resource: unknown, direction = 'both', basepath?: string, filters?: SCIMMY.Types.Filter) {
    super(resource, direction);
    Object.assign(this, KMSAT_DEFINITION.coerce(resource, direction, basepath, filters));
  }
}

export type ScimJson = Record<string, unknown>;

/** SCIMMY hands handlers class instances; the store keeps plain JSON. */
function plain(value: unknown): ScimJson {
  return JSON.parse(JSON.stringify(value)) as ScimJson;
}

function accountOf(ctx: unknown): SandboxAccount {
  if (!ctx || typeof ctx !== 'object' || !('scim' in ctx)) {
    throw scimError(500, null, 'sandbox: request reached SCIMMY without an account');
  }
  return ctx as SandboxAccount;
}

type FilterNode = Record<string, unknown>;

/**
 * SCIMMY's filter `eq` is case-sensitive, but userName (and group displayName) are caseExact
 * false in RFC 7643 and KnowBe4 treats the login e-mail case-insensitively. So the value side of
 * comparisons on those attributes is lower-cased and matched against a lower-cased view.
 */
const CASE_INSENSITIVE = new Set(['username', 'displayname']);

function lowerExpression(expr: unknown): unknown {
  if (!Array.isArray(expr)) return expr;
  if (expr.every((e) => Array.isArray(e))) return expr.map(lowerExpression);
  return expr.map((e, i) => (i > 0 && typeof e === 'string' && i === expr.length - 1 ? e.toLowerCase() : e));
}

function lowerFilter(filter: SCIMMY.Types.Filter): SCIMMY.Types.Filter {
  const nodes = (filter as unknown as FilterNode[]).map((node) => {
    const out: FilterNode = {};
    for (const [key, expr] of Object.entries(node)) out[key] = CASE_INSENSITIVE.has(key.toLowerCase()) ? lowerExpression(expr) : expr;
    return out;
  });
  return new SCIMMY.Types.Filter(nodes);
}

function matchCaseInsensitive(filter: SCIMMY.Types.Filter | undefined, resources: readonly ScimJson[]): ScimJson[] {
  if (!filter) return [...resources];
  const lowered = lowerFilter(filter);
  const views = resources.map((r, i) => ({
    ...r,
    ...(typeof r.userName === 'string' ? { userName: r.userName.toLowerCase() } : {}),
    ...(typeof r.displayName === 'string' ? { displayName: r.displayName.toLowerCase() } : {}),
    __index: i,
  }));
  return (lowered.match(views) as (ScimJson & { __index: number })[]).map((v) => resources[v.__index] as ScimJson);
}

/** Stored attribute names an `eq` filter can be narrowed by, keyed lower-case as clients may spell them. */
const NARROWABLE: Record<string, string> = { username: 'userName', externalid: 'externalId', id: 'id' };

/**
 * For a filter that is one `eq` on userName, externalId or id (every look-up kb4sync makes), the
 * records that can match, found without copying or coercing the others: KnowBe4 answers these
 * from an index, and SCIMMY would otherwise walk every user on each look-up. A superset (the
 * comparison ignores case); SCIMMY's match still decides.
 */
function narrowing(filter: SCIMMY.Types.Filter | undefined): ((user: ScimJson) => boolean) | undefined {
  const nodes = filter as unknown as FilterNode[] | undefined;
  if (!nodes || nodes.length !== 1) return undefined;
  const entries = Object.entries(nodes[0] as FilterNode);
  if (entries.length !== 1) return undefined;
  const [key, expr] = entries[0] as [string, unknown];
  const attribute = NARROWABLE[key.toLowerCase()];
  if (!attribute || !Array.isArray(expr) || expr.length !== 2 || expr[0] !== 'eq' || typeof expr[1] !== 'string') return undefined;
  const wanted = expr[1].toLowerCase();
  return (user) => {
    const value = user[attribute];
    return typeof value === 'string' && value.toLowerCase() === wanted;
  };
}

let registered = false;

/** Declares User (+ enterprise + KMSAT extensions) and Group with handlers, once per process. */
export function registerScimResources(): void {
  if (registered) return;
  registered = true;
  const { User, Group } = SCIMMY.Resources;
  User.extend(SCIMMY.Schemas.EnterpriseUser as unknown as typeof SCIMMY.Types.Schema, false);
  User.extend(KmsatUserSchema, false);
  SCIMMY.Resources.declare(User);
  SCIMMY.Resources.declare(Group);

  // SCIMMY types handler results as its own schema classes; the store deals in plain SCIM JSON,
  // which SCIMMY coerces through the schema anyway, hence the `as never` on the way out.
  User.egress((resource, ctx) => {
    const scim = accountOf(ctx).scim;
    if (resource.id) return scim.getUser(resource.id) as never;
    const keep = narrowing(resource.filter);
    const stored = scim.storedUsers();
    return page(resource, matchCaseInsensitive(resource.filter, keep ? stored.filter(keep) : stored)).map(clone) as never;
  });
  User.ingress((resource, instance, ctx) => accountOf(ctx).scim.writeUser(resource.id ?? null, plain(instance)) as never);
  User.degress((resource, ctx) => {
    accountOf(ctx).scim.deleteUser(resource.id as string);
  });

  Group.egress((resource, ctx) => {
    const scim = accountOf(ctx).scim;
    if (resource.id) return scim.getGroup(resource.id) as never;
    return page(resource, matchCaseInsensitive(resource.filter, scim.listGroups())) as never;
  });
  Group.ingress((resource, instance, ctx) => accountOf(ctx).scim.writeGroup(resource.id ?? null, plain(instance)) as never);
  Group.degress((resource, ctx) => {
    accountOf(ctx).scim.deleteGroup(resource.id as string);
  });
}

/**
 * Hands SCIMMY only the requested page (it would otherwise coerce every record through the schema
 * on each page request: seconds per page for a few thousand users), and tells it the real total.
 */
function page<T>(resource: unknown, all: T[]): T[] {
  const constraints = (resource as { constraints?: { startIndex?: number; count?: number; sortBy?: string; totalResults?: number } }).constraints;
  if (!constraints || constraints.sortBy !== undefined) return all;
  const start = Math.max(constraints.startIndex ?? 1, 1);
  const count = constraints.count ?? all.length;
  constraints.totalResults = all.length;
  return all.slice(start - 1, start - 1 + count);
}

/** A deep copy of plain SCIM JSON, so no caller can change what the sandbox holds. */
export const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

export function scimErrorBody(status: number, detail: string, scimType?: string | null): Record<string, unknown> {
  return { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

export function scimError(status: number, scimType: string | null, detail: string): SCIMMY.Types.SCIMError {
  // SCIMMY's typings say string, but its own code passes null for "no scimType".
  return new SCIMMY.Types.Error(status, scimType as string, detail);
}
