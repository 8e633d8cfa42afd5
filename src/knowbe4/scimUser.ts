/**
 * SCIM JSON ↔ the core's target model. Reading is validated with zod at the edge; writing turns
 * the core's attribute names into SCIM paths (see sync/attributes.ts).
 */
import { z } from 'zod';
import { KB4_ATTRIBUTES, KB4_ATTRIBUTE_NAMES, SCIM_SCHEMA_URN, type Kb4Attribute, type Kb4Values } from '../sync/attributes';
import type { TargetGroup, TargetSnapshot, TargetUser } from '../sync/model';

const typedValue = z.looseObject({ type: z.string().nullish(), value: z.string().nullish(), formatted: z.string().nullish() });

export const scimUserSchema = z.looseObject({
  id: z.string().min(1),
  externalId: z.string().nullish(),
  userName: z.string().min(1),
  active: z.boolean().nullish(),
  displayName: z.string().nullish(),
  title: z.string().nullish(),
  userType: z.string().nullish(),
  name: z.looseObject({ givenName: z.string().nullish(), familyName: z.string().nullish() }).nullish(),
  phoneNumbers: z.array(typedValue).nullish(),
  addresses: z.array(typedValue).nullish(),
});
const enterpriseSchema = z
  .looseObject({ manager: z.looseObject({ value: z.string().nullish() }).nullish() })
  .nullish();
export type ScimUser = z.infer<typeof scimUserSchema>;

export const scimGroupSchema = z.looseObject({
  id: z.string().min(1),
  displayName: z.string(),
  externalId: z.string().nullish(),
  members: z.array(z.looseObject({ value: z.string() })).nullish(),
});

function asString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** Reads one attribute's value from a SCIM user resource. */
export function readAttribute(resource: Record<string, unknown>, attr: Kb4Attribute): string | null {
  const { schema, path } = KB4_ATTRIBUTES[attr];
  const container = schema === 'core' ? resource : (resource[SCIM_SCHEMA_URN[schema]] as Record<string, unknown> | undefined);
  if (!container || typeof container !== 'object') return null;
  const filtered = /^(\w+)\[type eq "(\w+)"\]\.(\w+)$/.exec(path);
  if (filtered) {
    const [, list, type, sub] = filtered as unknown as [string, string, string, string];
    const items = container[list];
    if (!Array.isArray(items)) return null;
    const item = items.find((i) => i && typeof i === 'object' && (i as Record<string, unknown>).type === type) as
      | Record<string, unknown>
      | undefined;
    return item ? asString(item[sub]) : null;
  }
  let cur: unknown = container;
  for (const part of path.split('.')) {
    if (!cur || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[part];
  }
  return asString(cur);
}

export function toTargetUser(raw: unknown): TargetUser {
  const u = scimUserSchema.parse(raw);
  const resource = u as Record<string, unknown>;
  const values: Kb4Values = {};
  for (const attr of KB4_ATTRIBUTE_NAMES) {
    const v = readAttribute(resource, attr);
    if (v !== null) values[attr] = v;
  }
  const enterprise = enterpriseSchema.parse(resource[SCIM_SCHEMA_URN.enterprise]);
  return {
    id: u.id,
    externalId: u.externalId ?? null,
    userName: u.userName,
    // SCIM says a missing `active` is true; KnowBe4 sends it, but do not archive by omission.
    active: u.active !== false,
    managerId: enterprise?.manager?.value ?? null,
    values,
  };
}

export function toTargetGroup(raw: unknown): TargetGroup {
  const g = scimGroupSchema.parse(raw);
  return { id: g.id, displayName: g.displayName, externalId: g.externalId ?? null, memberIds: (g.members ?? []).map((m) => m.value) };
}

const listOrArray = z.union([z.array(z.unknown()), z.looseObject({ Resources: z.array(z.unknown()).default([]) })]);

/** A KnowBe4 snapshot file: what `kb4sync plan --knowbe4` reads (arrays or SCIM ListResponses). */
export const scimSnapshotSchema = z.looseObject({ users: listOrArray, groups: listOrArray.default([]) });

export function targetFromScimSnapshot(raw: unknown): TargetSnapshot {
  const snap = scimSnapshotSchema.parse(raw);
  const items = (v: z.infer<typeof listOrArray>) => (Array.isArray(v) ? v : v.Resources);
  return { users: items(snap.users).map(toTargetUser), groups: items(snap.groups).map(toTargetGroup) };
}

// ---------------------------------------------------------------------------------------------
// Writing: the core's attributes → SCIM resources and PatchOp operations
// ---------------------------------------------------------------------------------------------

export const SCIM_GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const SCIM_PATCHOP_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * Entra's provisioning service capitalises `op` (RFC 7644 says case-insensitive); KnowBe4 is built
 * for that client, so kb4sync sends exactly what it sends.
 */
export type PatchOpName = 'Add' | 'Replace' | 'Remove';

export interface PatchOperation {
  op: PatchOpName;
  path: string;
  value?: unknown;
}

const FILTERED_PATH = /^(\w+)\[type eq "(\w+)"\]\.(\w+)$/;

/** A SCIM attribute path with its extension URN prefix, as PatchOp paths need it. */
function fullPath(attr: Kb4Attribute): string {
  const { schema, path } = KB4_ATTRIBUTES[attr];
  return schema === 'core' ? path : `${SCIM_SCHEMA_URN[schema]}:${path}`;
}

/** A SCIM filter string literal: SCIM filter values are JSON strings. */
export function scimString(value: string): string {
  return JSON.stringify(value);
}

/** The work e-mail path Entra maps `mail` to, and kb4sync keeps equal to the login e-mail. */
export const WORK_EMAIL_PATH = 'emails[type eq "work"].value';

/** Sets a value at a core/extension attribute path inside a resource being built. */
function place(resource: Record<string, unknown>, attr: Kb4Attribute, value: string): void {
  const { schema, path } = KB4_ATTRIBUTES[attr];
  let container = resource;
  if (schema !== 'core') container = (resource[SCIM_SCHEMA_URN[schema]] ??= {}) as Record<string, unknown>;
  const filtered = FILTERED_PATH.exec(path);
  if (filtered) {
    const [, list, type, sub] = filtered as unknown as [string, string, string, string];
    const items = (container[list] ??= []) as Record<string, unknown>[];
    items.push({ type, [sub]: value });
    return;
  }
  const parts = path.split('.');
  const last = parts.pop() as string;
  for (const part of parts) container = (container[part] ??= {}) as Record<string, unknown>;
  container[last] = value;
}

/**
 * A new SCIM User resource, in the shape and key order of Entra's documented create: `schemas`,
 * `externalId`, `userName`, `active`, `emails` (the login address as the primary work e-mail),
 * `name`, then the mapped attributes. Null values are left out, so nothing the company does not
 * map is ever sent; an extension schema is listed only when one of its attributes is sent.
 */
export function scimUserResource(input: { userName: string; externalId: string | null; active: boolean; values: Kb4Values }): Record<string, unknown> {
  const present = KB4_ATTRIBUTE_NAMES.filter((attr) => input.values[attr] !== null && input.values[attr] !== undefined);
  const schemas = [SCIM_SCHEMA_URN.core];
  for (const schema of ['enterprise', 'kmsat'] as const) {
    if (present.some((attr) => KB4_ATTRIBUTES[attr].schema === schema)) schemas.push(SCIM_SCHEMA_URN[schema]);
  }
  const resource: Record<string, unknown> = { schemas };
  if (input.externalId !== null) resource.externalId = input.externalId;
  resource.userName = input.userName;
  resource.active = input.active;
  resource.emails = [{ primary: true, type: 'work', value: input.userName }];
  // Entra's example orders name as familyName, givenName.
  const name: Record<string, string> = {};
  if (input.values.familyName) name.familyName = input.values.familyName;
  if (input.values.givenName) name.givenName = input.values.givenName;
  if (Object.keys(name).length > 0) resource.name = name;
  for (const attr of present) {
    if (attr === 'givenName' || attr === 'familyName') continue;
    place(resource, attr, input.values[attr] as string);
  }
  return resource;
}

/**
 * The PatchOp operation for one attribute change, by path as Entra sends it: `Replace` a value,
 * `Add` one that was empty (a typed entry such as the work phone does not exist yet, and
 * `Replace` with a filter that matches nothing is a `noTarget` error, RFC 7644 §3.5.2.3),
 * `Remove` one that is cleared.
 */
export function changeOperations(change: { attribute: Kb4Attribute | 'externalId'; before: string | null; after: string | null }): PatchOperation[] {
  const path = change.attribute === 'externalId' ? 'externalId' : fullPath(change.attribute);
  if (change.after === null) return [{ op: 'Remove', path }];
  return [{ op: change.before === null ? 'Add' : 'Replace', path, value: change.after }];
}

export const ENTERPRISE_MANAGER_PATH = `${SCIM_SCHEMA_URN.enterprise}:manager`;
