/**
 * The stored plan is a versioned format: what Apply executes is what the admin approved, so what
 * comes back from the database is parsed in full, never cast. Format 1 rows (before the version
 * existed) are the bare plan; format 2 wraps it as `{ format: 2, plan }`.
 */
import { z } from 'zod';
import { KB4_ATTRIBUTE_NAMES, type Kb4Attribute, type Plan } from '../sync';

export const PLAN_FORMAT = 2;

const attribute = z.enum(KB4_ATTRIBUTE_NAMES as [Kb4Attribute, ...Kb4Attribute[]]);
const values = z.partialRecord(attribute, z.string().nullable());
const userRef = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('existing'), targetId: z.string() }),
  z.strictObject({ kind: z.literal('new'), sourceId: z.string() }),
]);
const groupRef = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('existing'), groupId: z.string() }),
  z.strictObject({ kind: z.literal('new'), name: z.string() }),
]);
const base = { id: z.string(), reason: z.string() };
const sentWrite = z.strictObject({
  kind: z.enum(['create', 'rename', 'archive']),
  planId: z.string(),
  opId: z.string(),
  sourceId: z.string().nullable(),
  targetId: z.string().nullable(),
  userName: z.string(),
  sentAt: z.string(),
});

const operation = z.discriminatedUnion('kind', [
  z.strictObject({ ...base, kind: z.literal('createGroup'), name: z.string() }),
  z.strictObject({ ...base, kind: z.literal('create'), sourceId: z.string(), userName: z.string(), values }),
  z.strictObject({ ...base, kind: z.literal('rename'), targetId: z.string(), sourceId: z.string(), from: z.string(), to: z.string() }),
  z.strictObject({ ...base, kind: z.literal('reactivate'), targetId: z.string(), sourceId: z.string(), userName: z.string() }),
  z.strictObject({
    ...base,
    kind: z.literal('update'),
    targetId: z.string(),
    sourceId: z.string(),
    userName: z.string(),
    changes: z.array(z.strictObject({ attribute: z.union([attribute, z.literal('externalId')]), before: z.string().nullable(), after: z.string().nullable() })),
  }),
  z.strictObject({
    ...base,
    kind: z.literal('setManager'),
    user: userRef,
    userName: z.string(),
    manager: userRef.nullable(),
    before: z.string().nullable(),
    after: z.string().nullable(),
  }),
  z.strictObject({
    ...base,
    kind: z.literal('addToGroup'),
    group: groupRef,
    groupName: z.string(),
    via: z.enum(['default', 'department', 'mirror']),
    user: userRef,
    userName: z.string(),
  }),
  z.strictObject({ ...base, kind: z.literal('removeFromGroup'), groupId: z.string(), groupName: z.string(), targetId: z.string(), userName: z.string() }),
  z.strictObject({ ...base, kind: z.literal('archive'), targetId: z.string(), userName: z.string(), sourceId: z.string().nullable() }),
]);

export const planSchema = z.strictObject({
  company: z.strictObject({ id: z.string(), name: z.string() }),
  operations: z.array(operation),
  conflicts: z.array(
    z.strictObject({
      reason: z.enum(['no-usable-address', 'shared-address', 'claimed-by-other', 'ambiguous-aliases', 'address-taken']),
      message: z.string(),
      sourceUsers: z.array(z.strictObject({ id: z.string(), address: z.string().nullable() })),
      target: z.strictObject({ id: z.string(), userName: z.string() }).nullable(),
    }),
  ),
  skipped: z.array(
    z.strictObject({ sourceId: z.string(), address: z.string().nullable(), reason: z.enum(['disabled', 'unlicensed', 'guest', 'excluded', 'not-in-scope-group']) }),
  ),
  unmanaged: z.array(z.strictObject({ targetId: z.string(), userName: z.string(), reason: z.string() })),
  unreadable: z
    .array(
      z.strictObject({
        resource: z.enum(['user', 'group']),
        id: z.string().nullable(),
        name: z.string().nullable(),
        externalId: z.string().nullable(),
        reason: z.string(),
        heldSourceIds: z.array(z.string()),
      }),
    )
    .optional(),
  takeovers: z
    .array(
      z.strictObject({
        targetId: z.string(),
        userName: z.string(),
        sourceId: z.string(),
        address: z.string(),
        via: z.enum(['address', 'alias', 'formerLink']),
        externalIdBefore: z.string().nullable(),
      }),
    )
    .optional(),
  nameList: z.array(z.string()).optional(),
  names: z.record(z.string(), z.string()).optional(),
  held: z
    .array(
      z.strictObject({
        opId: z.string(),
        kind: z.enum(['create', 'archive']),
        userName: z.string(),
        by: z.string(),
        at: z.string(),
        reason: z.string().nullable(),
        standing: z.boolean(),
      }),
    )
    .optional(),
  waiting: z.array(sentWrite).optional(),
  seen: z.array(sentWrite).optional(),
  guard: z.discriminatedUnion('status', [
    z.strictObject({ status: z.literal('ok') }),
    z.strictObject({ status: z.literal('blocked'), archiveCount: z.number().int().min(0), reasons: z.array(z.string()) }),
  ]),
  guardRelease: z.strictObject({ archiveCount: z.number().int().min(0), by: z.string().nullable() }).optional(),
  stats: z.strictObject({
    sourceUsers: z.number(),
    inScope: z.number(),
    targetUsers: z.number(),
    targetActive: z.number(),
    matched: z.number(),
    managedGroups: z.number(),
  }),
});

// The schema and the core's type must describe the same thing: this fails to compile when they drift.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const planSchemaMatchesPlan: Same<z.output<typeof planSchema>, Plan> = true;
void planSchemaMatchesPlan;

const envelope = z.strictObject({ format: z.literal(PLAN_FORMAT), plan: z.unknown() });

export class StoredPlanUnreadable extends Error {
  constructor(readonly planId: string, detail: string) {
    super(`stored plan ${planId} is not a plan this version can execute (${detail}): preview again`);
    this.name = 'StoredPlanUnreadable';
  }
}

export function encodePlan(plan: Plan): string {
  return JSON.stringify({ format: PLAN_FORMAT, plan });
}

export function decodePlan(planId: string, json: string): Plan {
  const raw: unknown = JSON.parse(json);
  const wrapped = envelope.safeParse(raw);
  const body = wrapped.success ? wrapped.data.plan : raw;
  if (!wrapped.success && typeof raw === 'object' && raw !== null && 'format' in raw) {
    throw new StoredPlanUnreadable(planId, `format ${String((raw as { format: unknown }).format)}, this version reads ${PLAN_FORMAT}`);
  }
  const parsed = planSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StoredPlanUnreadable(planId, `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
