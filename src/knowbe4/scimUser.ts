/**
 * SCIM JSON ↔ the core's target model. Reading is validated with zod at the edge; writing turns
 * the core's attribute names into SCIM paths (see sync/attributes.ts).
 */
import { z } from 'zod';
import { KB4_ATTRIBUTES, KB4_ATTRIBUTE_NAMES, SCIM_SCHEMA_URN, type Kb4Attribute, type Kb4Values } from '../sync';
import type { TargetGroup, TargetSnapshot, TargetUser, UnreadableRecord } from '../sync';

function asString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

type AttributeReader = (resource: Record<string, unknown>) => string | null;

/** How to read an attribute, worked out from its SCIM path once rather than for every user and attribute. */
function compileReader(attr: Kb4Attribute): AttributeReader {
  const { schema, path } = KB4_ATTRIBUTES[attr];
  const urn = schema === 'core' ? null : SCIM_SCHEMA_URN[schema];
  const containerOf = (resource: Record<string, unknown>): Record<string, unknown> | null => {
    const container = urn === null ? resource : resource[urn];
    return container && typeof container === 'object' ? (container as Record<string, unknown>) : null;
  };
  const filtered = /^(\w+)\[type eq "(\w+)"\]\.(\w+)$/.exec(path);
  if (filtered) {
    const [, list, type, sub] = filtered as unknown as [string, string, string, string];
    return (resource) => {
      const items = containerOf(resource)?.[list];
      if (!Array.isArray(items)) return null;
      const item = items.find((i) => i && typeof i === 'object' && (i as Record<string, unknown>).type === type) as Record<string, unknown> | undefined;
      return item ? asString(item[sub]) : null;
    };
  }
  const parts = path.split('.');
  return (resource) => {
    let cur: unknown = containerOf(resource);
    for (const part of parts) {
      if (!cur || typeof cur !== 'object') return null;
      cur = (cur as Record<string, unknown>)[part];
    }
    return asString(cur);
  };
}

let readers: readonly (readonly [Kb4Attribute, AttributeReader])[] | null = null;

/** Every attribute's reader, built on first use (the attribute table comes from the core, loaded first). */
function attributeReaders(): readonly (readonly [Kb4Attribute, AttributeReader])[] {
  readers ??= KB4_ATTRIBUTE_NAMES.map((attr) => [attr, compileReader(attr)] as const);
  return readers;
}

/** Reads one attribute's value from a SCIM user resource. */
export function readAttribute(resource: Record<string, unknown>, attr: Kb4Attribute): string | null {
  const reader = attributeReaders().find(([name]) => name === attr);
  return reader ? reader[1](resource) : null;
}

/** One record read on its own: the model, or why it could not be read. */
export type ReadResult<T> = { ok: true; value: T } | { ok: false; record: UnreadableRecord };

class Unreadable extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Ids and externalIds: strings, or numbers some services send for them. */
function idOf(v: unknown, what: string, required: boolean): string | null {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (!required && (v === undefined || v === null || v === '')) return null;
  throw new Unreadable(`${what} is ${JSON.stringify(v) ?? 'missing'}`);
}

/** SCIM booleans, and the "True"/"False" strings Entra-built services have been seen to send. */
function activeOf(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  // SCIM says a missing `active` is true: never archive by omission.
  if (v === undefined || v === null) return true;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  throw new Unreadable(`active is ${JSON.stringify(v)}`);
}

/** The enterprise manager: RFC 7643's `{value}` or Entra's plain string id. */
function managerOf(resource: Record<string, unknown>): string | null {
  const enterprise = resource[SCIM_SCHEMA_URN.enterprise];
  if (enterprise === undefined || enterprise === null) return null;
  if (!isRecord(enterprise)) throw new Unreadable('the enterprise extension is not an object');
  const m = enterprise.manager;
  return idOf(isRecord(m) ? m.value : m, 'manager', false);
}

function names(raw: unknown): { id: string | null; name: string | null; externalId: string | null } {
  const r = isRecord(raw) ? raw : {};
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
  return { id: text(r.id), name: text(r.userName ?? r.displayName), externalId: text(r.externalId) };
}

function read<T>(resource: 'user' | 'group', raw: unknown, parse: (r: Record<string, unknown>) => T): ReadResult<T> {
  try {
    if (!isRecord(raw)) throw new Unreadable('not a JSON object');
    return { ok: true, value: parse(raw) };
  } catch (err) {
    if (!(err instanceof Unreadable)) throw err;
    return { ok: false, record: { resource, ...names(raw), reason: err.message } };
  }
}

/** A SCIM User as the core's model; normalised where the meaning is clear, else unreadable. */
export function readTargetUser(raw: unknown): ReadResult<TargetUser> {
  return read('user', raw, (resource) => {
    const id = idOf(resource.id, 'id', true) as string;
    const userName = resource.userName;
    if (typeof userName !== 'string' || userName.trim() === '') throw new Unreadable(`userName is ${JSON.stringify(userName) ?? 'missing'}`);
    if (resource.name !== undefined && resource.name !== null && !isRecord(resource.name)) throw new Unreadable('name is not an object');
    const values: Kb4Values = {};
    for (const [attr, reader] of attributeReaders()) {
      const v = reader(resource);
      if (v !== null) values[attr] = v;
    }
    return { id, externalId: idOf(resource.externalId, 'externalId', false), userName, active: activeOf(resource.active), managerId: managerOf(resource), values };
  });
}

/** A SCIM Group as the core's model; members as `{value}` (string or number) or plain ids. */
export function readTargetGroup(raw: unknown): ReadResult<TargetGroup> {
  return read('group', raw, (g) => {
    const id = idOf(g.id, 'id', true) as string;
    if (typeof g.displayName !== 'string' || g.displayName.trim() === '') throw new Unreadable(`displayName is ${JSON.stringify(g.displayName) ?? 'missing'}`);
    if (g.members !== undefined && g.members !== null && !Array.isArray(g.members)) throw new Unreadable('members is not a list');
    const members = ((g.members as unknown[] | null | undefined) ?? []).map((m) => idOf(isRecord(m) ? m.value : m, 'a member', true) as string);
    return { id, displayName: g.displayName, externalId: idOf(g.externalId, 'externalId', false), memberIds: members };
  });
}

function orThrow<T>(result: ReadResult<T>): T {
  if (result.ok) return result.value;
  throw new Error(`unreadable ${result.record.resource}${result.record.id ? ` ${result.record.id}` : ''}: ${result.record.reason}`);
}

export const toTargetUser = (raw: unknown): TargetUser => orThrow(readTargetUser(raw));
export const toTargetGroup = (raw: unknown): TargetGroup => orThrow(readTargetGroup(raw));

/** Reads each record on its own: the readable ones, and the others with their reason. */
export function readAll<T>(raws: readonly unknown[], reader: (raw: unknown) => ReadResult<T>): { values: T[]; unreadable: UnreadableRecord[] } {
  const values: T[] = [];
  const unreadable: UnreadableRecord[] = [];
  for (const raw of raws) {
    const r = reader(raw);
    if (r.ok) values.push(r.value);
    else unreadable.push(r.record);
  }
  return { values, unreadable };
}

const listOrArray = z.union([z.array(z.unknown()), z.looseObject({ Resources: z.array(z.unknown()).default([]) })]);

/** A KnowBe4 snapshot file: what `kb4sync plan --knowbe4` reads (arrays or SCIM ListResponses). */
export const scimSnapshotSchema = z.looseObject({ users: listOrArray, groups: listOrArray.default([]) });

export function targetFromScimSnapshot(raw: unknown): TargetSnapshot {
  const snap = scimSnapshotSchema.parse(raw);
  const items = (v: z.infer<typeof listOrArray>) => (Array.isArray(v) ? v : v.Resources);
  const users = readAll(items(snap.users), readTargetUser);
  const groups = readAll(items(snap.groups), readTargetGroup);
  const unreadable = [...users.unreadable, ...groups.unreadable];
  return { users: users.values, groups: groups.values, ...(unreadable.length > 0 ? { unreadable } : {}) };
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
