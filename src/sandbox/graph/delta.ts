/**
 * Graph's delta queries for users and groups, as the sandbox serves them: a change log per tenant,
 * opaque skip and delta tokens that carry the initial request's query options, `@removed` entries,
 * `manager@delta` and `members@delta`, and 410 Gone for a token the tenant no longer honours.
 *
 * What Graph refuses here is refused too: query options on a nextLink or deltaLink (they live in
 * the token), `$expand` other than `manager`, options inside it, `$top`, `$orderby`, `$search`,
 * and any `$filter` on groups other than up to 50 `id eq '…'` terms.
 */
import { z } from 'zod';
import type { GraphGroupRecord, GraphUserRecord } from '../tenants/graphTenant';
import type { TenantState } from './directory';
import { graphError } from './http';
import { parseSelect, project } from './odata';

/** One recorded change, in order; `seq` is its position in the tenant's log. */
export type DeltaChange =
  | { kind: 'user'; id: string }
  | { kind: 'userRemoved'; id: string }
  | { kind: 'member'; groupId: string; memberId: string; removed: boolean };

/** A tenant's change log. `epoch` moves when the sandbox forgets every token it gave out. */
export interface DeltaLog {
  changes: DeltaChange[];
  epoch: number;
  /**
   * Every user id the tenant ever held, in order of arrival: an initial round pages over this, so
   * a deletion between two pages cannot shift someone out of the round.
   */
  userOrder: string[];
}

export const newDeltaLog = (userIds: readonly string[] = []): DeltaLog => ({ changes: [], epoch: 0, userOrder: [...userIds] });

/** Graph keeps directory delta tokens for about a week; older ones answer 410. */
export const DELTA_TOKEN_LIFETIME_MS = 7 * 86_400_000;
const PAGE_SIZE = 100;
const MAX_FILTER_IDS = 50;

const tokenSchema = z.strictObject({
  /** users or groups: a token works only on the collection that issued it. */
  c: z.enum(['users', 'groups']),
  e: z.number().int(),
  /** Issued at (ms). */
  t: z.number().int(),
  /** Changes after this seq are returned; -1 = everything (the initial round). */
  f: z.number().int(),
  /** The log length when the round started: its deltaLink continues from here. */
  u: z.number().int(),
  /** Offset into the round's items (skip tokens only). */
  o: z.number().int().min(0),
  select: z.array(z.string()).nullable(),
  manager: z.boolean(),
  ids: z.array(z.string()).nullable(),
});
type Token = z.infer<typeof tokenSchema>;

const encode = (t: Token) => Buffer.from(JSON.stringify(t)).toString('base64url');
function decode(raw: string, collection: 'users' | 'groups', log: DeltaLog, now: number): Token {
  let parsed: Token;
  try {
    parsed = tokenSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
  } catch {
    throw graphError(400, 'Request_BadRequest', 'The delta token or skip token is malformed.');
  }
  if (parsed.c !== collection) throw graphError(400, 'Request_BadRequest', `The token was issued for /${parsed.c}/delta, not /${collection}/delta.`);
  if (parsed.e !== log.epoch || now - parsed.t > DELTA_TOKEN_LIFETIME_MS || parsed.u > log.changes.length) {
    throw graphError(410, 'syncStateNotFound', 'The sync state generation is not found. Resync required: start over with a delta request without a token.');
  }
  return parsed;
}

/** The request's starting point: a token from a link, or the options of an initial request. */
function startOf(q: URLSearchParams, collection: 'users' | 'groups', log: DeltaLog, now: number): { token: Token; latest: boolean } {
  const skip = q.get('$skiptoken');
  const delta = q.get('$deltatoken');
  const options = [...q.keys()].filter((k) => k !== '$skiptoken' && k !== '$deltatoken');
  if (skip !== null || (delta !== null && delta !== 'latest')) {
    // Graph encodes the initial request's options in the token: a link is followed as given.
    if (options.length > 0 || (skip !== null && delta !== null)) {
      throw graphError(400, 'Request_BadRequest', `Query options cannot be combined with a skip or delta token: ${options.join(', ') || '$skiptoken with $deltatoken'}. Follow the nextLink or deltaLink as returned.`);
    }
    const token = decode((skip ?? delta) as string, collection, log, now);
    // A deltaLink starts a new round: everything logged since its round began, up to now.
    return { token: skip !== null ? token : { ...token, u: log.changes.length, o: 0 }, latest: false };
  }
  for (const k of options) {
    if (!['$select', '$expand', '$filter'].includes(k)) throw graphError(400, 'Request_UnsupportedQuery', `The query option '${k}' is not supported with delta queries.`);
  }
  const expand = q.get('$expand');
  let manager = false;
  if (expand !== null) {
    if (collection !== 'users' || expand.trim() !== 'manager') {
      throw graphError(400, 'Request_UnsupportedQuery', `'$expand=${expand}' is not supported with delta queries: only 'manager' on users, without nested options.`);
    }
    manager = true;
  }
  let ids: string[] | null = null;
  const filter = q.get('$filter');
  if (filter !== null) {
    if (collection !== 'groups') throw graphError(400, 'Request_UnsupportedQuery', 'The sandbox supports $filter on /groups/delta only (id eq terms).');
    ids = filter.split(/\s+or\s+/i).map((term) => {
      const m = /^\s*id\s+eq\s+'([0-9a-fA-F-]{36})'\s*$/.exec(term);
      if (!m) throw graphError(400, 'Request_UnsupportedQuery', `Unsupported $filter term on delta: '${term}'. Only id eq '{id}' joined by or.`);
      return (m[1] as string).toLowerCase();
    });
    if (ids.length > MAX_FILTER_IDS) throw graphError(400, 'Request_UnsupportedQuery', `Too many ids in the delta $filter (${ids.length}); at most ${MAX_FILTER_IDS}.`);
  }
  const select = collection === 'users' ? parseSelect(q.get('$select')) : parseGroupDeltaSelect(q.get('$select'));
  const token: Token = { c: collection, e: log.epoch, t: now, f: -1, u: log.changes.length, o: 0, select, manager, ids };
  return { token, latest: delta === 'latest' };
}

function parseGroupDeltaSelect(raw: string | null): string[] | null {
  if (raw === null || raw.trim() === '') return null;
  const props = raw.split(',').map((p) => p.trim());
  for (const p of props) {
    if (!['id', 'displayName', 'description', 'members'].includes(p)) throw graphError(400, 'Request_BadRequest', `Could not find a property named '${p}' on type 'microsoft.graph.group'.`);
  }
  return props;
}

type Item = Record<string, unknown>;

function userItems(state: TenantState, log: DeltaLog, t: Token): (Item | null)[] {
  const render = (u: GraphUserRecord): Item => {
    const out: Item = project(u, t.select);
    if (t.manager && u.managerId) out['manager@delta'] = [{ '@odata.type': '#microsoft.graph.user', id: u.managerId }];
    return out;
  };
  if (t.f < 0) {
    return log.userOrder.map((id) => {
      const u = state.users.get(id);
      return u ? render(u) : null;
    });
  }
  // Each changed user once, in the order of their latest change, as they are now.
  const latest = new Map<string, DeltaChange>();
  for (const c of log.changes.slice(t.f, t.u)) {
    if (c.kind === 'member') continue;
    latest.delete(c.id);
    latest.set(c.id, c);
  }
  return [...latest.values()].map((c) => {
    const u = c.kind === 'user' ? state.users.get(c.id) : undefined;
    // Soft deletion: the user can be restored for 30 days, which Graph reports as `changed`.
    return u ? render(u) : { id: (c as { id: string }).id, '@removed': { reason: 'changed' } };
  });
}

function groupItems(state: TenantState, log: DeltaLog, t: Token): Item[] {
  const tracked = (g: GraphGroupRecord) => t.ids === null || t.ids.includes(g.id.toLowerCase());
  const members = t.select === null || t.select.includes('members');
  const memberRef = (id: string): Item => ({ '@odata.type': state.groups.has(id) ? '#microsoft.graph.group' : '#microsoft.graph.user', id });
  const render = (g: GraphGroupRecord, memberDelta: Item[] | null): Item => {
    const out: Item = { id: g.id };
    for (const p of t.select ?? ['displayName', 'description']) if (p === 'displayName' || p === 'description') out[p] = g[p];
    if (members && memberDelta !== null) out['members@delta'] = memberDelta;
    return out;
  };
  if (t.f < 0) return state.tenant.groups.filter(tracked).map((g) => render(g, g.memberIds.map(memberRef)));
  const changed = new Map<string, Map<string, boolean>>();
  for (const c of log.changes.slice(t.f, t.u)) {
    if (c.kind !== 'member') continue;
    const perGroup = changed.get(c.groupId) ?? new Map<string, boolean>();
    perGroup.delete(c.memberId);
    perGroup.set(c.memberId, c.removed);
    changed.set(c.groupId, perGroup);
  }
  const out: Item[] = [];
  for (const [groupId, perGroup] of changed) {
    const g = state.groups.get(groupId);
    if (!g || !tracked(g)) continue;
    out.push(render(g, [...perGroup].map(([id, removed]) => (removed ? { ...memberRef(id), '@removed': { reason: 'deleted' } } : memberRef(id)))));
  }
  return out;
}

/** One page of `/users/delta` or `/groups/delta`: a nextLink while items remain, then the deltaLink. */
export function deltaPage(state: TenantState, log: DeltaLog, collection: 'users' | 'groups', url: URL, graphBase: string, now: number): Record<string, unknown> {
  const { token, latest } = startOf(url.searchParams, collection, log, now);
  const context = `${graphBase}/v1.0/$metadata#${collection}${token.select ? `(${token.select.join(',')})` : ''}`;
  const link = (param: '$skiptoken' | '$deltatoken', t: Token) => `${graphBase}/v1.0/${collection}/delta?${param}=${encode(t)}`;
  const done = (value: Item[]) => ({ '@odata.context': context, value, '@odata.deltaLink': link('$deltatoken', { ...token, t: now, f: token.u, o: 0 }) });
  // `$deltatoken=latest`: a link for the directory as it is now, without reading it.
  if (latest) return done([]);
  const items: (Item | null)[] = collection === 'users' ? userItems(state, log, token) : groupItems(state, log, token);
  // A page may come out short (users deleted since the round began): Graph's pages vary too.
  const slice = items.slice(token.o, token.o + PAGE_SIZE).filter((i): i is Item => i !== null);
  if (token.o + PAGE_SIZE < items.length) return { '@odata.context': context, value: slice, '@odata.nextLink': link('$skiptoken', { ...token, o: token.o + PAGE_SIZE }) };
  return done(slice);
}
