/** OData query options as Graph reads them: $select, $expand, $top, $skiptoken paging and $filter. */
import type { GraphUserRecord } from '../tenants/graphTenant';
import { FilterRefused, parseUserFilter } from './filter';
import { graphError } from './http';

/** Properties Graph returns for /users without $select. */
const DEFAULT_USER_PROPERTIES = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];
/** Sandbox bookkeeping that Graph never serves. */
const PRIVATE_FIELDS = new Set(['managerId', 'kind']);
export const MAX_TOP = 999;
export const MAX_TOP_WITH_EXPAND = 100;
const DEFAULT_PAGE = 100;
/** Splits a `$select`/`$expand` list at top-level commas (not inside parentheses). */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

export function project(user: GraphUserRecord, select: readonly string[] | null): Record<string, unknown> {
  const record = user as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const p of select ?? DEFAULT_USER_PROPERTIES) out[p] = record[p] ?? null;
  out.id = user.id;
  return out;
}

export function parseSelect(raw: string | null): string[] | null {
  if (raw === null || raw.trim() === '') return null;
  const props = splitTopLevel(raw);
  for (const p of props) {
    if (PRIVATE_FIELDS.has(p) || !USER_PROPERTY_NAMES.has(p)) {
      throw graphError(400, 'Request_BadRequest', `Could not find a property named '${p}' on type 'microsoft.graph.user'.`);
    }
  }
  return props;
}

const GROUP_PROPERTY_NAMES = new Set(['id', 'displayName', 'description']);

/** `$select` on a list of groups: the properties the sandbox keeps for a group. */
export function parseGroupSelect(raw: string | null): ('id' | 'displayName' | 'description')[] | null {
  if (raw === null || raw.trim() === '') return null;
  const props = splitTopLevel(raw);
  for (const p of props) {
    if (!GROUP_PROPERTY_NAMES.has(p)) throw graphError(400, 'Request_BadRequest', `Could not find a property named '${p}' on type 'microsoft.graph.directoryObject'.`);
  }
  return props as ('id' | 'displayName' | 'description')[];
}

const USER_PROPERTY_NAMES = new Set([
  'id', 'displayName', 'givenName', 'surname', 'mail', 'userPrincipalName', 'mailNickname', 'proxyAddresses', 'accountEnabled',
  'userType', 'assignedLicenses', 'jobTitle', 'department', 'employeeId', 'employeeType', 'companyName', 'officeLocation', 'city',
  'state', 'country', 'usageLocation', 'preferredLanguage', 'mobilePhone', 'businessPhones', 'onPremisesSamAccountName',
  'onPremisesSecurityIdentifier', 'lastPasswordChangeDateTime', 'createdDateTime',
]);

interface ParsedExpand {
  manager: boolean;
  managerSelect: string[] | null;
}

export function parseExpand(raw: string | null): ParsedExpand {
  if (raw === null || raw.trim() === '') return { manager: false, managerSelect: null };
  const items = splitTopLevel(raw);
  let managerSelect: string[] | null = null;
  let manager = false;
  for (const item of items) {
    const m = /^manager(?:\((.*)\))?$/.exec(item);
    if (!m) throw graphError(400, 'Request_BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${item}' on type 'microsoft.graph.user'.`);
    manager = true;
    const inner = m[1];
    if (inner) {
      const sel = /^\$select=(.*)$/.exec(inner.trim());
      if (!sel) throw graphError(400, 'Request_BadRequest', `Unsupported nested query option in '${item}'.`);
      managerSelect = parseSelect(sel[1] ?? '');
    }
  }
  return { manager, managerSelect };
}

export function parseTop(raw: string | null, max: number): number {
  if (raw === null) return DEFAULT_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw graphError(400, 'Request_UnsupportedQuery', `Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`);
  }
  return n;
}

/** Opaque skip token: the offset, so pages are stable while the tenant is unchanged. */
export const encodeSkip = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');
export function decodeSkip(raw: string | null): number {
  if (raw === null) return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!m) throw graphError(400, 'Directory_ExpiredPageToken', 'The specified page token value has expired and can no longer be included in your request.');
  return Number(m[1]);
}

/** A users `$filter` as a predicate; what the sandbox does not model is Graph's 400. */
export function userFilter(text: string): (u: GraphUserRecord) => boolean {
  try {
    return parseUserFilter(text);
  } catch (err) {
    if (err instanceof FilterRefused) throw graphError(400, err.code, err.message);
    throw err;
  }
}

/** One page of a collection, with an `@odata.nextLink` while more remain. */
export function page<T>(graphBase: string, items: readonly T[], url: URL, top: number, render: (item: T) => object, context: string): Record<string, unknown> {
  const offset = decodeSkip(url.searchParams.get('$skiptoken'));
  const slice = items.slice(offset, offset + top);
  const body: Record<string, unknown> = { '@odata.context': `${graphBase}/v1.0/$metadata#${context}`, value: slice.map(render) };
  if (offset + top < items.length) {
    const next = new URL(url.toString());
    next.searchParams.set('$skiptoken', encodeSkip(offset + top));
    if (!next.searchParams.has('$top')) next.searchParams.set('$top', String(top));
    body['@odata.nextLink'] = next.toString();
  }
  return body;
}
