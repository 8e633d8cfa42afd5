/**
 * The requests KnowBe4 is known to accept are the ones its one documented SCIM client, the
 * Microsoft Entra gallery app, sends. This middleware holds the sandbox to that profile: it answers
 * reads (`userName eq` / `displayName eq` look-ups, paging) and user PATCHes itself, checks creates
 * and group PATCHes, and answers anything else with a SCIM 400 (`invalidFilter`, `invalidPath`,
 * `invalidSyntax`), so a client that drifts from Entra's shapes fails every test.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import SCIMMY from 'scimmy';
import { z } from 'zod';
import { SCIM_SCHEMA_URN } from '../../sync';
import type { SandboxAccount } from './account';
import { groupPatchHandler } from './memberPatch';
import { KMSAT_DATES, KMSAT_STRINGS, clone, scimErrorBody, type ScimJson } from './schemas';
import { ENTERPRISE_STRINGS, ISO_DATE, ProfileError, applyUserPatch } from './userPatch';

const LIST_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** Entra lists this next to the core Group schema on group creates. */
const ADSCIM_GROUP_URN = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const ENT = SCIM_SCHEMA_URN.enterprise;
const KMSAT = SCIM_SCHEMA_URN.kmsat;

const str = z.string();
const typed = (types: [string, ...string[]], sub: 'value' | 'formatted') =>
  z.array(z.strictObject({ type: z.enum(types), [sub]: str, primary: z.boolean().optional() })).min(1);

/** Entra's create: core attributes, the enterprise and KnowBe4 extensions, nothing unknown. */
const createUserBody = z.strictObject({
  schemas: z.array(z.enum([SCIM_SCHEMA_URN.core, ENT, KMSAT])).min(1).refine((s) => s.includes(SCIM_SCHEMA_URN.core), 'schemas must list the core User schema'),
  externalId: str.optional(),
  userName: str.min(1),
  active: z.boolean().optional(),
  emails: typed(['work'], 'value').optional(),
  name: z.strictObject({ givenName: str.optional(), familyName: str.optional(), formatted: str.optional() }).optional(),
  displayName: str.optional(),
  title: str.optional(),
  userType: str.optional(),
  phoneNumbers: typed(['work', 'mobile'], 'value').optional(),
  addresses: typed(['work'], 'formatted').optional(),
  [ENT]: z.strictObject(Object.fromEntries(ENTERPRISE_STRINGS.map((a) => [a, str.optional()]))).optional(),
  [KMSAT]: z
    .strictObject({
      ...Object.fromEntries(KMSAT_STRINGS.map((a) => [a, str.optional()])),
      ...Object.fromEntries(KMSAT_DATES.map((a) => [a, str.regex(ISO_DATE, 'an ISO 8601 date').optional()])),
    })
    .optional(),
});

const createGroupBody = z.strictObject({
  schemas: z.array(z.enum([GROUP_URN, ADSCIM_GROUP_URN])).min(1),
  displayName: str.min(1),
  externalId: str.optional(),
});

const LOOKUP = { Users: 'userName', Groups: 'displayName' } as const;

/** The one filter form Entra sends: `<attribute> eq "<JSON string>"`. */
function parseFilter(filter: unknown, resource: keyof typeof LOOKUP): string {
  const attribute = LOOKUP[resource];
  const m = typeof filter === 'string' ? new RegExp(`^${attribute} eq ("(?:[^"\\\\]|\\\\.)*")$`).exec(filter) : null;
  if (!m) throw new ProfileError(400, 'invalidFilter', `only \`${attribute} eq "…"\` filters are supported on /${resource}, not ${JSON.stringify(filter)}`);
  return (JSON.parse(m[1] as string) as string).trim().toLowerCase();
}

function checkQuery(req: Request, allowed: string[]): void {
  for (const key of Object.keys(req.query)) {
    if (!allowed.includes(key)) throw new ProfileError(400, 'invalidSyntax', `query parameter ${key} is not supported here`);
  }
  if ('excludedAttributes' in req.query && req.query.excludedAttributes !== 'members') {
    throw new ProfileError(400, 'invalidSyntax', 'only excludedAttributes=members is supported');
  }
}

/** A stored user as KnowBe4 returns it (the manager in the account's chosen form). */
function userOut(account: SandboxAccount, stored: ScimJson): ScimJson {
  if (!('id' in stored)) return clone(stored);
  // A shallow copy: the answer is serialised at once and never kept, so only what is changed
  // here (the manager's form) needs a copy of its own.
  const { schemas: _schemas, ...rest } = stored;
  const schemas = [SCIM_SCHEMA_URN.core, ...[ENT, KMSAT].filter((urn) => urn in rest)];
  const ent = rest[ENT] as ScimJson | undefined;
  if (account.managerForm === 'string' && ent?.manager && typeof ent.manager === 'object') rest[ENT] = { ...ent, manager: (ent.manager as ScimJson).value };
  return { schemas, ...rest };
}

function groupOut(account: SandboxAccount, stored: ScimJson, withMembers: boolean): ScimJson {
  const { schemas: _schemas, members, ...rest } = clone(stored);
  // A member whose create KnowBe4 has not applied yet is not shown in the group either.
  const shown = Array.isArray(members) ? (members as ScimJson[]).filter((m) => !account.visibility.hidden(String(m.value))) : members;
  return { schemas: [GROUP_URN], ...rest, ...(withMembers ? { members: shown } : {}) };
}

/** One page of a list; only the page's records are rendered (a copy each), not the whole account per page. */
function listResponse(req: Request, all: readonly ScimJson[], render: (stored: ScimJson) => ScimJson): ScimJson {
  const start = Math.max(Number(req.query.startIndex ?? 1) || 1, 1);
  const count = Number(req.query.count ?? all.length);
  const page = all.slice(start - 1, start - 1 + count).map(render);
  return { schemas: [LIST_URN], totalResults: all.length, startIndex: start, itemsPerPage: page.length, Resources: page };
}

function read(req: Request, res: Response, account: SandboxAccount, resource: 'Users' | 'Groups', id: string | undefined): void {
  const scim = account.scim;
  if (resource === 'Users') {
    if (id !== undefined) {
      checkQuery(req, []);
      res.json(userOut(account, scim.visibleUser(id)));
      return;
    }
    checkQuery(req, ['startIndex', 'count', 'filter']);
    const wanted = req.query.filter === undefined ? null : parseFilter(req.query.filter, 'Users');
    const match = (u: ScimJson) => wanted === null || (typeof u.userName === 'string' && u.userName.trim().toLowerCase() === wanted);
    const direct = wanted === null ? scim.visibleUsers() : scim.visibleByName(wanted);
    res.json(listResponse(req, [...direct, ...account.oddUsers.filter(match)], (u) => userOut(account, u)));
    return;
  }
  checkQuery(req, id === undefined ? ['startIndex', 'count', 'filter', 'excludedAttributes'] : ['excludedAttributes']);
  const withMembers = req.query.excludedAttributes !== 'members';
  if (id !== undefined) {
    res.json(groupOut(account, scim.getGroup(id), withMembers));
    return;
  }
  const wanted = req.query.filter === undefined ? null : parseFilter(req.query.filter, 'Groups');
  const all = [...scim.storedGroups(), ...account.oddGroups].filter((g) => wanted === null || (typeof g.displayName === 'string' && g.displayName.trim().toLowerCase() === wanted));
  res.json(listResponse(req, all, (g) => ('id' in g ? groupOut(account, g, withMembers) : clone(g))));
}

function check<T>(schema: z.ZodType<T>, body: unknown, what: string): void {
  const parsed = schema.safeParse(body);
  if (parsed.success) return;
  const issue = parsed.error.issues[0];
  const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  const scimType = issue?.code === 'invalid_format' ? 'invalidValue' : 'invalidSyntax';
  throw new ProfileError(400, scimType, `${what} outside the Entra profile${at}: ${issue?.message ?? 'invalid'}`);
}

export function entraProfile(accountOf: (req: Request) => SandboxAccount | undefined): RequestHandler {
  const groupPatch = groupPatchHandler();
  return (req: Request, res: Response, next: NextFunction) => {
    const account = accountOf(req);
    const m = /^\/(Users|Groups)(?:\/([^/]+))?\/?$/.exec(req.path);
    if (!account || !m) return next();
    const resource = m[1] as 'Users' | 'Groups';
    const id = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    try {
      switch (req.method) {
        case 'GET':
          return read(req, res, account, resource, id);
        case 'POST':
          if (id !== undefined) throw new ProfileError(400, 'invalidSyntax', `POST goes to /${resource}`);
          check(resource === 'Users' ? createUserBody : createGroupBody, req.body, `POST /${resource}`);
          return next();
        case 'PATCH':
          if (id === undefined) throw new ProfileError(400, 'invalidSyntax', `PATCH goes to /${resource}/{id}`);
          if (resource === 'Groups') return groupPatch(req, res, account, id);
          account.scim.writeUser(id, applyUserPatch(account.scim.getUser(id), req.body));
          res.json(userOut(account, account.scim.getUser(id)));
          return;
        case 'DELETE':
          return next();
        default:
          throw new ProfileError(400, 'invalidSyntax', `${req.method} is not used by Entra provisioning; send PATCH with one operation per attribute`);
      }
    } catch (err) {
      if (err instanceof ProfileError || err instanceof SCIMMY.Types.Error) {
        res.status(err.status).type('application/scim+json').send(scimErrorBody(err.status, err.message, err.scimType));
        return;
      }
      throw err;
    }
  };
}
