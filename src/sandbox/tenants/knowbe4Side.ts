/**
 * The KnowBe4 side of a sandbox company, as SCIM 2.0 resources, derived from a generated Graph
 * tenant so a preview shows a realistic diff: matched users (by externalId, by address, by an old
 * alias), drifted attributes, archived and stale accounts, and managed groups. Pure.
 */
import { SCIM_SCHEMA_URN } from '../../sync';
import { mulberry32 } from './prng';
import { randomName } from './names';
import type { GraphTenant, GraphUserRecord } from './graphTenant';

export interface ScimUserResource {
  schemas: string[];
  id: string;
  externalId?: string;
  userName: string;
  name: { givenName: string | null; familyName: string | null };
  displayName: string;
  title: string | null;
  active: boolean;
  emails: { value: string; type: 'work'; primary: boolean }[];
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
    department: string | null;
    employeeNumber: string | null;
    manager?: { value: string };
  };
  meta: { resourceType: 'User'; created: string; lastModified: string };
}

export interface ScimGroupResource {
  schemas: string[];
  id: string;
  displayName: string;
  externalId?: string;
  members: { value: string; display: string }[];
  meta: { resourceType: 'Group'; created: string; lastModified: string };
}

export interface Knowbe4Side {
  users: ScimUserResource[];
  groups: ScimGroupResource[];
}

export interface Knowbe4SideSpec {
  seed: number;
  /** Members (in generation order) that already have a KnowBe4 account; the rest are creates. */
  matched: number;
  /** Of the matched: how many carry no externalId yet (matched by address, as after a CSV import). */
  withoutExternalId?: number;
  /** Of the matched: KnowBe4 still has an old address that is now an `smtp:` alias (→ rename). */
  renamedByAlias?: number;
  /** Of the matched: archived in KnowBe4 but back in scope (→ reactivate). */
  archivedMatched?: number;
  /** Drifted attributes on distinct matched users. */
  drift?: { names?: number; departments?: number; titles?: number; managers?: number };
  /** Active KnowBe4 users with no M365 account (→ archive or "not managed"). */
  stale: number;
  /** Archived KnowBe4 users with no M365 account (left alone). */
  archivedStale?: number;
  /** M365 department → KnowBe4 group name; members are seeded from matched users. */
  departmentGroups?: Record<string, string>;
  defaultGroup?: string | null;
  /** Extra groups KnowBe4 has that kb4sync does not manage. */
  unmanagedGroups?: string[];
}

const STAMP = '2025-11-01T08:00:00Z';

function scimUser(id: string, u: Pick<GraphUserRecord, 'givenName' | 'surname' | 'displayName' | 'jobTitle' | 'department' | 'employeeId'>, userName: string, externalId: string | null, active: boolean): ScimUserResource {
  return {
    schemas: [SCIM_SCHEMA_URN.core, SCIM_SCHEMA_URN.enterprise],
    id,
    ...(externalId ? { externalId } : {}),
    userName,
    name: { givenName: u.givenName, familyName: u.surname },
    displayName: u.displayName,
    title: u.jobTitle,
    active,
    emails: [{ value: userName, type: 'work', primary: true }],
    [SCIM_SCHEMA_URN.enterprise]: { department: u.department, employeeNumber: u.employeeId },
    meta: { resourceType: 'User', created: STAMP, lastModified: STAMP },
  } as ScimUserResource;
}

function otherOf<T>(items: readonly T[], current: T, offset: number): T {
  const i = items.indexOf(current);
  return items[(i + 1 + offset) % items.length] as T;
}

/** The KnowBe4 accounts of a company whose M365 tenant is `tenant`. */
export function generateKnowbe4Side(tenant: GraphTenant, spec: Knowbe4SideSpec): Knowbe4Side {
  const rng = mulberry32(spec.seed);
  const members = tenant.users.filter((u) => u.kind === 'member' && u.mail !== null && u.mail.trim() !== '' && u.mail.includes('@'));
  const matched = members.slice(0, Math.min(spec.matched, members.length));
  let nextId = 700_000;
  const ids = new Map<string, string>();
  const users: ScimUserResource[] = [];
  const drift = spec.drift ?? {};
  // Distinct users for each kind of drift, walked from the end so they don't overlap the alias and
  // archived cases taken from the start.
  let cursor = matched.length - 1;
  const take = (n: number | undefined) => {
    const out = new Set<string>();
    for (let i = 0; i < (n ?? 0) && cursor >= 0; i++, cursor--) out.add((matched[cursor] as GraphUserRecord).id);
    return out;
  };
  const driftNames = take(drift.names);
  const driftDepts = take(drift.departments);
  const driftTitles = take(drift.titles);
  const driftManagers = take(drift.managers);
  const departments = [...new Set(tenant.users.map((u) => u.department).filter((d): d is string => d !== null))];

  const aliasOf = (u: GraphUserRecord) => u.proxyAddresses.find((p) => p.startsWith('smtp:') && !p.includes('.onmicrosoft.com'));
  // The renamed ones are the first matched users that have an old alias to be found by.
  const renamedIds = new Set(matched.filter((u) => aliasOf(u) !== undefined).slice(0, spec.renamedByAlias ?? 0).map((u) => u.id));
  let plain = 0;
  matched.forEach((u) => {
    const id = String(nextId++);
    ids.set(u.id, id);
    const alias = aliasOf(u);
    const renamed = renamedIds.has(u.id);
    const rank = renamed ? -1 : plain++;
    const noExternal = renamed || rank < (spec.withoutExternalId ?? 0);
    const archived = !renamed && rank >= (spec.withoutExternalId ?? 0) && rank < (spec.withoutExternalId ?? 0) + (spec.archivedMatched ?? 0);
    const userName = renamed ? (alias as string).slice(5) : (u.mail as string);
    const r = scimUser(id, u, userName, noExternal ? null : u.id, !archived);
    if (driftNames.has(u.id)) {
      // Typical: a surname changed in HR/Entra after marriage; KnowBe4 still has the old one.
      r.name.familyName = randomName(rng).surname;
      r.displayName = `${r.name.givenName ?? ''} ${r.name.familyName}`.trim();
    }
    if (driftDepts.has(u.id) && u.department) r[SCIM_SCHEMA_URN.enterprise as 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].department = otherOf(departments, u.department, rng.int(3));
    if (driftTitles.has(u.id)) r.title = u.jobTitle ? `${u.jobTitle} (old)`.replace(/^Senior /, '') : 'Associate';
    users.push(r);
  });
  // Managers after all ids exist; drifted ones keep no manager (or a wrong one).
  matched.forEach((u, i) => {
    const r = users[i] as ScimUserResource;
    const mgr = u.managerId ? ids.get(u.managerId) : undefined;
    if (driftManagers.has(u.id)) {
      if (i % 2 === 0 && users.length > 1) r['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].manager = { value: (users[(i + 1) % users.length] as ScimUserResource).id };
      return;
    }
    if (mgr) r['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].manager = { value: mgr };
  });

  const emit = (active: boolean) => {
    const name = randomName(rng);
    const dept = rng.pick(departments.length > 0 ? departments : ['Sales']);
    const local = `${name.localPart}.former${nextId % 1000}`;
    users.push(
      scimUser(String(nextId++), { givenName: name.givenName, surname: name.surname, displayName: `${name.givenName} ${name.surname}`, jobTitle: 'Former Employee', department: dept, employeeId: null }, `${local}@${tenant.domain}`, null, active),
    );
  };
  for (let i = 0; i < spec.stale; i++) emit(true);
  for (let i = 0; i < (spec.archivedStale ?? 0); i++) emit(false);

  const groups: ScimGroupResource[] = [];
  let groupSeq = 9000;
  const group = (displayName: string, memberIds: string[]): ScimGroupResource => {
    const byId = new Map(users.map((u) => [u.id, u]));
    return {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: String(groupSeq++),
      displayName,
      members: memberIds.map((value) => ({ value, display: byId.get(value)?.userName ?? value })),
      meta: { resourceType: 'Group', created: STAMP, lastModified: STAMP },
    };
  };
  const deptMap = spec.departmentGroups ?? {};
  for (const [dept, name] of Object.entries(deptMap)) {
    const memberIds = matched.filter((u, i) => u.department === dept && i % 11 !== 5).map((u) => ids.get(u.id) as string);
    // A few people still sit in the group of a department they left (→ removals).
    const leavers = matched.filter((u, i) => u.department !== dept && i % 97 === dept.length).map((u) => ids.get(u.id) as string);
    groups.push(group(name, [...memberIds, ...leavers]));
  }
  if (spec.defaultGroup) groups.push(group(spec.defaultGroup, matched.filter((_, i) => i % 13 !== 4).map((u) => ids.get(u.id) as string)));
  for (const name of spec.unmanagedGroups ?? []) groups.push(group(name, users.filter((_, i) => i % 17 === 0).map((u) => u.id)));
  return { users, groups };
}
