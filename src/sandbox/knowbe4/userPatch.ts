/**
 * `PATCH /Users/{id}` as Entra's provisioning service sends it, and nothing else: one operation
 * per attribute path, `Add` / `Replace` / `Remove` (any case, as RFC 7644 allows), the enterprise
 * manager as a plain string id. A body outside that profile is a SCIM 400 naming the operation,
 * so a client that drifts from the shapes KnowBe4 is known to accept fails every test.
 */
import { z } from 'zod';
import { SCIM_SCHEMA_URN } from '../../sync';
import { KMSAT_DATES as KMSAT_DATE_ATTRS, KMSAT_STRINGS as KMSAT_STRING_ATTRS, clone, type ScimJson } from './schemas';

export class ProfileError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: string | null,
    message: string,
  ) {
    super(message);
  }
}

const ENT = SCIM_SCHEMA_URN.enterprise;
const KMSAT = SCIM_SCHEMA_URN.kmsat;

export const ENTERPRISE_STRINGS = ['employeeNumber', 'department', 'division', 'organization', 'costCenter'] as const;
/** ISO 8601 date or date-time (KnowBe4's schema types these DateTime). */
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

type Kind = 'string' | 'boolean' | 'date' | 'managerId';
/** Where a path lives in the stored record: a simple (possibly nested) attribute, or one typed entry of a list. */
type Target = { kind: Kind; at: string[]; required?: boolean } | { kind: 'string'; list: string; type: string; sub: string };

const TYPED: Record<string, { types: string[]; sub: string }> = {
  emails: { types: ['work'], sub: 'value' },
  phoneNumbers: { types: ['work', 'mobile'], sub: 'value' },
  addresses: { types: ['work'], sub: 'formatted' },
};

/** The paths Entra's KnowBe4 attribute mapping can send, resolved to where they are stored. */
export function resolvePath(path: string): Target | null {
  switch (path) {
    case 'userName':
      return { kind: 'string', at: ['userName'], required: true };
    case 'active':
      return { kind: 'boolean', at: ['active'], required: true };
    case 'externalId':
    case 'displayName':
    case 'title':
    case 'userType':
      return { kind: 'string', at: [path] };
    case 'name.givenName':
    case 'name.familyName':
      return { kind: 'string', at: path.split('.') };
    default:
      break;
  }
  const typed = /^(\w+)\[type eq "(\w+)"\]\.(\w+)$/.exec(path);
  if (typed) {
    const [, list, type, sub] = typed as unknown as [string, string, string, string];
    const spec = TYPED[list];
    return spec && spec.types.includes(type) && spec.sub === sub ? { kind: 'string', list, type, sub } : null;
  }
  if (path.startsWith(`${ENT}:`)) {
    const attr = path.slice(ENT.length + 1);
    if (attr === 'manager') return { kind: 'managerId', at: [ENT, 'manager'] };
    return (ENTERPRISE_STRINGS as readonly string[]).includes(attr) ? { kind: 'string', at: [ENT, attr] } : null;
  }
  if (path.startsWith(`${KMSAT}:`)) {
    const attr = path.slice(KMSAT.length + 1);
    if ((KMSAT_STRING_ATTRS as readonly string[]).includes(attr)) return { kind: 'string', at: [KMSAT, attr] };
    if ((KMSAT_DATE_ATTRS as readonly string[]).includes(attr)) return { kind: 'date', at: [KMSAT, attr] };
  }
  return null;
}

const patchBody = z.strictObject({
  schemas: z.array(z.literal('urn:ietf:params:scim:api:messages:2.0:PatchOp')).length(1),
  Operations: z.array(z.looseObject({ op: z.string(), path: z.unknown().optional(), value: z.unknown().optional() })).min(1),
});

function checkValue(kind: Kind, value: unknown, path: string): unknown {
  switch (kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw new ProfileError(400, 'invalidSyntax', `${path} takes true or false, not ${JSON.stringify(value)}`);
      return value;
    case 'managerId':
      // Entra sends the manager's id as a plain string (not RFC 7643's complex value).
      if (typeof value !== 'string' || value === '') throw new ProfileError(400, 'invalidSyntax', `${path} takes the manager's id as a plain string, not ${JSON.stringify(value)}`);
      return { value };
    case 'date':
      if (typeof value !== 'string' || !ISO_DATE.test(value)) throw new ProfileError(400, 'invalidValue', `${path} takes an ISO 8601 date, not ${JSON.stringify(value)}`);
      return value;
    case 'string':
      if (typeof value !== 'string') throw new ProfileError(400, 'invalidSyntax', `${path} takes a string, not ${JSON.stringify(value)}`);
      return value;
  }
}

function container(user: ScimJson, at: string[], create: boolean): ScimJson | null {
  let cur = user;
  for (const part of at.slice(0, -1)) {
    const next = cur[part];
    if (!next || typeof next !== 'object') {
      if (!create) return null;
      cur[part] = {};
    }
    cur = cur[part] as ScimJson;
  }
  return cur;
}

/** Applies one Entra-shaped PatchOp body to a copy of the stored user; throws ProfileError for anything else. */
export function applyUserPatch(stored: ScimJson, body: unknown): ScimJson {
  const parsed = patchBody.safeParse(body);
  if (!parsed.success) throw new ProfileError(400, 'invalidSyntax', `not a PatchOp body: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const user = clone(stored);
  for (const [i, operation] of parsed.data.Operations.entries()) {
    const op = operation.op.toLowerCase();
    const where = `Operations[${i}]`;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw new ProfileError(400, 'invalidSyntax', `${where}: op ${JSON.stringify(operation.op)} is not Add, Replace or Remove`);
    if (typeof operation.path !== 'string') throw new ProfileError(400, 'invalidPath', `${where}: every operation names one attribute path`);
    const target = resolvePath(operation.path);
    if (!target) throw new ProfileError(400, 'invalidPath', `${where}: ${operation.path} is not a path this service accepts`);
    if (op === 'remove' && 'value' in operation) throw new ProfileError(400, 'invalidSyntax', `${where}: Remove of ${operation.path} takes no value`);
    if ('list' in target) {
      const items = Array.isArray(user[target.list]) ? (user[target.list] as ScimJson[]) : [];
      const at = items.findIndex((e) => e && e.type === target.type);
      if (op === 'remove') {
        if (at < 0) throw new ProfileError(400, 'noTarget', `${where}: ${operation.path} matches nothing`);
        items.splice(at, 1);
      } else {
        const value = checkValue('string', operation.value, operation.path);
        if (at >= 0) items[at] = { ...items[at], [target.sub]: value };
        else if (op === 'replace') throw new ProfileError(400, 'noTarget', `${where}: ${operation.path} matches nothing; Add it`);
        else items.push({ type: target.type, [target.sub]: value, ...(target.list === 'emails' && items.length === 0 ? { primary: true } : {}) });
      }
      if (items.length > 0) user[target.list] = items;
      else delete user[target.list];
      continue;
    }
    const last = target.at[target.at.length - 1] as string;
    if (op === 'remove') {
      if (target.required) throw new ProfileError(400, 'mutability', `${where}: ${operation.path} cannot be removed`);
      const parent = container(user, target.at, false);
      if (parent) delete parent[last];
      continue;
    }
    (container(user, target.at, true) as ScimJson)[last] = checkValue(target.kind, operation.value, operation.path);
  }
  return user;
}
