/** Small builders for the core's data, so each test states only what it is about. */
import { DEFAULT_MAPPING } from '../../src/sync/attributes';
import type { CompanyRules } from '../../src/sync/model';
import type { SourceUser, TargetGroup, TargetUser } from '../../src/sync/snapshot';

export const E3 = { skuId: '05e9a617-0261-4cee-bb44-138d3ef5d965', skuPartNumber: 'SPE_E3' };
export const BP = { skuId: 'f245ecc8-75af-4f8e-b61f-27d8114de5f3', skuPartNumber: 'O365_BUSINESS_PREMIUM' };

let counter = 0;
/** A deterministic Entra-like object id. */
export function guid(n: number = ++counter): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

export function src(partial: Partial<SourceUser> & { mail?: string | null; id?: string } = {}): SourceUser {
  const id = partial.id ?? guid();
  const mail = partial.mail === undefined ? `user.${id.slice(-4)}@acme.com` : partial.mail;
  return {
    id,
    userPrincipalName: partial.userPrincipalName ?? mail ?? `u${id.slice(-4)}@acme.onmicrosoft.com`,
    mail,
    proxyAddresses: partial.proxyAddresses ?? (mail ? [`SMTP:${mail}`] : []),
    accountEnabled: partial.accountEnabled ?? true,
    userType: partial.userType ?? 'Member',
    licenses: partial.licenses ?? [E3],
    managerId: partial.managerId ?? null,
    fields: partial.fields ?? { givenName: 'Ada', surname: 'Lovelace', jobTitle: 'Engineer', department: 'Engineering' },
  };
}

export function tgt(partial: Partial<TargetUser> & { userName: string }): TargetUser {
  return {
    id: partial.id ?? `kb4-${++counter}`,
    externalId: partial.externalId ?? null,
    userName: partial.userName,
    active: partial.active ?? true,
    managerId: partial.managerId ?? null,
    values: partial.values ?? {},
  };
}

/** The KnowBe4 record that exactly matches a source user under `rules()` defaults. */
export function mirrorOf(user: SourceUser, partial: Partial<TargetUser> = {}): TargetUser {
  return tgt({
    userName: user.mail as string,
    externalId: user.id,
    values: {
      givenName: user.fields.givenName ?? null,
      familyName: user.fields.surname ?? null,
      title: user.fields.jobTitle ?? null,
      department: user.fields.department ?? null,
      employeeNumber: user.fields.employeeId ?? null,
    },
    ...partial,
  });
}

export function group(displayName: string, memberIds: string[] = [], id = `grp-${displayName}`): TargetGroup {
  return { id, displayName, externalId: null, memberIds };
}

export function rules(partial: Partial<CompanyRules> = {}): CompanyRules {
  return {
    id: 'acme',
    name: 'Acme Corp',
    scope: { licenses: [], groups: [], includeGuests: false, exclude: [], ...partial.scope },
    emailSource: partial.emailSource ?? 'mail',
    mapping: partial.mapping ?? { ...DEFAULT_MAPPING },
    syncManagers: partial.syncManagers ?? true,
    groups: { default: null, departments: {}, mirror: [], ...partial.groups },
    removeStaleUsers: partial.removeStaleUsers ?? false,
    guard: { maxArchive: 10, maxArchivePercent: 50, maxSourceShrinkPercent: 30, ...partial.guard },
    ...(({ scope: _s, groups: _g, guard: _gu, ...rest }) => rest)(partial),
  } as CompanyRules;
}
