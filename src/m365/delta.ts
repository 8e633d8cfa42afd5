/**
 * Incremental reads for the light run: Graph's `/users/delta` (with `manager` expanded when the
 * company syncs managers) and `/groups/delta` on the groups its rules name (`members@delta`).
 *
 * With nothing changed a round is one request per collection. Graph reports a user when one of
 * the selected properties changes, so the `$select` is the full read's: a change the mapping reads
 * is a change the light run sees. Membership changes come as direct members; a user who only
 * joined a configured group gets one `/users/{id}` request for the address `sync user` needs.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ChangedPerson, DeltaLinkSet, SourceChanges, SourceDeltaReader } from '../runs';
import { GraphRequestError } from './errors';
import { graphSelectFields } from './graphUser';
import type { GraphCompany, GraphCredential } from './settings';
import { configuredGroups } from './source';
import { openGraphSession, type GraphSession, type SessionOptions } from './session';
import type { GraphField } from '../sync';

export interface DeltaReadOptions extends SessionOptions {
  mappedFields: readonly GraphField[];
  managers: boolean;
}

/** Graph takes at most this many `id eq` terms in a groups delta `$filter`. */
export const DELTA_FILTER_MAX_IDS = 50;

const removedSchema = z.looseObject({ '@removed': z.looseObject({ reason: z.string() }) });
const deltaUserSchema = z.looseObject({ id: z.string().min(1), userPrincipalName: z.string().min(1), mail: z.string().nullish() });
const memberSchema = z.looseObject({ '@odata.type': z.string().optional(), id: z.string().min(1), '@removed': z.unknown().optional() });
const deltaGroupSchema = z.looseObject({ id: z.string(), 'members@delta': z.array(memberSchema).optional() });

interface DeltaQuery {
  users: string;
  groups: string | null;
  key: string;
}

/** The initial requests for this company, and their fingerprint (see DeltaLinkSet.queryKey). */
export function deltaQuery(company: GraphCompany, options: Pick<DeltaReadOptions, 'mappedFields' | 'managers'>): DeltaQuery {
  const select = graphSelectFields(options.mappedFields).join(',');
  const users = `/users/delta?$select=${select}${options.managers ? '&$expand=manager' : ''}`;
  const ids = [...configuredGroups(company).keys()].map((id) => id.toLowerCase()).sort();
  // Past Graph's filter limit no groups are tracked: a changed user still gets their groups (the
  // lookup reads them), and membership changes alone wait for the nightly full read.
  const tracked = ids.length > 0 && ids.length <= DELTA_FILTER_MAX_IDS;
  const groups = tracked ? `/groups/delta?$select=members&$filter=${encodeURIComponent(ids.map((id) => `id eq '${id}'`).join(' or '))}` : null;
  const key = createHash('sha256').update(JSON.stringify([users, groups])).digest('hex').slice(0, 32);
  return { users, groups, key };
}

const isGone = (err: unknown): boolean => err instanceof GraphRequestError && err.details.status === 410;

export class GraphDeltaReader implements SourceDeltaReader {
  constructor(
    private readonly company: GraphCompany,
    private readonly credential: GraphCredential,
    private readonly options: DeltaReadOptions,
  ) {}

  private session(): GraphSession {
    return openGraphSession(this.company, this.credential, this.options);
  }

  async latestDeltaLinks(): Promise<DeltaLinkSet> {
    const session = this.session();
    const query = deltaQuery(this.company, this.options);
    const ignore = () => undefined;
    const [users, groups] = await Promise.all([
      session.deltaRound(`${query.users}&$deltatoken=latest`, ignore),
      query.groups === null ? Promise.resolve(null) : session.deltaRound(`${query.groups}&$deltatoken=latest`, ignore),
    ]);
    return { users, groups, queryKey: query.key };
  }

  async readChanges(links: DeltaLinkSet): Promise<SourceChanges> {
    const query = deltaQuery(this.company, this.options);
    if (links.queryKey !== query.key) return { kind: 'expired', reason: 'the attribute mapping, manager setting or groups changed since the delta links were made' };
    if ((links.groups === null) !== (query.groups === null)) return { kind: 'expired', reason: 'the groups the rules name changed' };
    const session = this.session();
    const before = session.counter.graph;
    const changed = new Map<string, ChangedPerson>();
    const removed = new Set<string>();
    const joined = new Set<string>();
    let nested = 0;
    let next: [string, string | null];
    try {
      next = await Promise.all([
        session.deltaRound(links.users, (raw) => {
          if (removedSchema.safeParse(raw).success) {
            removed.add(z.looseObject({ id: z.string() }).parse(raw).id);
            return;
          }
          const u = deltaUserSchema.parse(raw);
          changed.set(u.id, { id: u.id, userPrincipalName: u.userPrincipalName, mail: u.mail ?? null });
        }),
        links.groups === null
          ? Promise.resolve(null)
          : session.deltaRound(links.groups, (raw) => {
              for (const m of deltaGroupSchema.parse(raw)['members@delta'] ?? []) {
                if (m['@odata.type'] === '#microsoft.graph.group') nested++;
                else joined.add(m.id);
              }
            }),
      ]);
    } catch (err) {
      if (isGone(err)) return { kind: 'expired', reason: 'Graph answered 410 Gone: the delta links expired or the sync state was reset' };
      throw err;
    }
    // People whose membership changed but whose record did not: one lookup each for their address.
    const lookups = [...joined].filter((id) => !changed.has(id) && !removed.has(id));
    await Promise.all(
      lookups.map(async (id) => {
        try {
          const u = deltaUserSchema.parse(await session.get(`/users/${encodeURIComponent(id)}?$select=id,userPrincipalName,mail`));
          changed.set(u.id, { id: u.id, userPrincipalName: u.userPrincipalName, mail: u.mail ?? null });
        } catch (err) {
          // Deleted since: the users round reports them next time.
          if (!(err instanceof GraphRequestError && err.details.status === 404)) throw err;
        }
      }),
    );
    return {
      kind: 'changes',
      changed: [...changed.values()],
      removedIds: [...removed],
      nestedGroupChanges: nested,
      links: { users: next[0], groups: next[1], queryKey: query.key },
      requests: session.counter.graph - before,
    };
  }
}
