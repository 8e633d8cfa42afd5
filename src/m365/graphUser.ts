/**
 * Graph JSON → the core's source model. Validated with zod at the edge so a surprising payload
 * becomes a clear error, not a wrong plan.
 */
import { z } from 'zod';
import { GRAPH_FIELDS, type GraphField } from '../sync';
import type { SourceGroup, SourceSnapshot, SourceUser } from '../sync';

const nullableString = z.string().nullish();

export const graphUserSchema = z.looseObject({
  id: z.string().min(1),
  userPrincipalName: z.string().min(1),
  mail: nullableString,
  displayName: nullableString,
  givenName: nullableString,
  surname: nullableString,
  proxyAddresses: z.array(z.string()).nullish(),
  accountEnabled: z.boolean().nullish(),
  userType: z.string().nullish(),
  assignedLicenses: z.array(z.looseObject({ skuId: z.string() })).nullish(),
  businessPhones: z.array(z.string()).nullish(),
  manager: z.looseObject({ id: z.string() }).nullish(),
});
export type GraphUser = z.infer<typeof graphUserSchema>;

export const subscribedSkuSchema = z.looseObject({ skuId: z.string(), skuPartNumber: z.string() });
export type SubscribedSku = z.infer<typeof subscribedSkuSchema>;

/** The `$select` list for the users query: identity and scope fields plus what the mapping reads. */
export function graphSelectFields(mapped: readonly GraphField[]): string[] {
  const fields = new Set<string>([
    'id',
    'userPrincipalName',
    'mail',
    'displayName',
    'givenName',
    'surname',
    'proxyAddresses',
    'accountEnabled',
    'userType',
    'assignedLicenses',
    // Always read: records the Entra gallery app made carry mailNickname as externalId, and ADI's
    // the on-premises account name; kb4sync takes those records over instead of duplicating them.
    'mailNickname',
    'onPremisesSamAccountName',
  ]);
  for (const f of mapped) fields.add(f === 'businessPhone' ? 'businessPhones' : f);
  return [...fields];
}

/**
 * @param skus skuId → part number, from `subscribedSkus`
 * @param managerId when the manager was read separately; otherwise taken from `manager` ($expand)
 */
export function toSourceUser(raw: unknown, skus: ReadonlyMap<string, string>, managerId?: string | null): SourceUser {
  const u = graphUserSchema.parse(raw);
  const record = u as Record<string, unknown>;
  const fields: Partial<Record<GraphField, string | null>> = {};
  for (const f of GRAPH_FIELDS) {
    if (f === 'businessPhone') {
      fields.businessPhone = u.businessPhones?.[0] ?? null;
      continue;
    }
    const v = record[f];
    if (typeof v === 'string') fields[f] = v;
    else if (v === null) fields[f] = null;
  }
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    mail: u.mail ?? null,
    proxyAddresses: u.proxyAddresses ?? [],
    // Graph omits accountEnabled only when it was not selected; treat unknown as enabled is unsafe,
    // so the adapter always selects it and a missing value reads as disabled.
    accountEnabled: u.accountEnabled === true,
    userType: u.userType === 'Guest' || u.userPrincipalName.toUpperCase().includes('#EXT#') ? 'Guest' : 'Member',
    licenses: (u.assignedLicenses ?? []).map((l) => ({ skuId: l.skuId, skuPartNumber: skus.get(l.skuId.toLowerCase()) ?? null })),
    managerId: managerId !== undefined ? managerId : (u.manager?.id ?? null),
    fields,
  };
}

export function skuMap(skus: readonly Pick<SubscribedSku, 'skuId' | 'skuPartNumber'>[]): Map<string, string> {
  return new Map(skus.map((s) => [s.skuId.toLowerCase(), s.skuPartNumber]));
}

/** A Graph snapshot file: what `kb4sync plan --m365` reads. */
export const graphSnapshotSchema = z.looseObject({
  subscribedSkus: z.array(subscribedSkuSchema).default([]),
  users: z.array(z.unknown()),
  groups: z.array(z.looseObject({ id: z.string(), displayName: z.string(), members: z.array(z.string()).default([]) })).default([]),
});

export function sourceFromGraphSnapshot(raw: unknown): SourceSnapshot {
  const snap = graphSnapshotSchema.parse(raw);
  const skus = skuMap(snap.subscribedSkus);
  const groups: SourceGroup[] = snap.groups.map((g) => ({ id: g.id, displayName: g.displayName, memberIds: g.members }));
  return { users: snap.users.map((u) => toSourceUser(u, skus)), groups };
}
