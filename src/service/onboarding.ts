/**
 * Onboarding a client to the MSP's multi-tenant app: the tenant behind the client's domain, the
 * admin-consent link for it, and the company written into kb4sync.yaml (comments kept). And the
 * question every later step asks: has this tenant consented yet, and with which permissions?
 * Nothing is written to KnowBe4. The CLI and the Teams `onboard` command both come here.
 */
import { readFileSync } from 'node:fs';
import type { App } from './app';
import type { OnboardingPort, OnboardingView } from '../teams';
import { appendCompany, ConfigError, readConfigFile, type CompanyConfig, type CompanySecrets, type Config } from '../config';
import { adminConsentUrl, ConsentRequiredError, AppNotFoundError, createCredential, graphScope, identityError, isDomainName, resolveTenantId, type SignInHost } from '../m365';

export const REQUIRED_GRAPH_ROLES = ['User.Read.All', 'GroupMember.Read.All', 'Organization.Read.All'] as const;
export const DEFAULT_ONBOARD_SCHEDULE = { cron: '0 2 * * *', timezone: 'UTC' } as const;

/** Bad input to onboarding (a name, a domain, a missing shared app): the caller's to fix. */
export class OnboardingError extends Error {
  override name = 'OnboardingError';
}

export interface OnboardRequest {
  configPath: string;
  name: string;
  domain: string;
  id?: string;
  region?: string;
  scimUrl?: string;
  scimTokenEnv?: string;
  cron?: string;
  timezone?: string;
  /** Who and what ran it, for the comment written above the company. */
  by?: string;
  clock?: () => Date;
}

export interface Onboarded {
  company: CompanyConfig;
  config: Config;
  domain: string;
  tenantId: string;
  consentUrl: string;
  scimTokenEnv: string;
}

/** A company id from its display name: `Contoso Ltd.` → `contoso-ltd`. */
export function companyIdFor(name: string): string {
  const id = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (id === '') throw new OnboardingError(`cannot make a company id from "${name}": pass one with --id (lower-case letters, digits, - or _)`);
  return id;
}

/** `KNOWBE4_CONTOSO_LTD_SCIM_TOKEN`: the variable the company's KnowBe4 SCIM token goes in. */
export function scimTokenEnvFor(id: string): string {
  return `KNOWBE4_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_SCIM_TOKEN`;
}

/** The sign-in host of the shared app (its cloud, or the override a sandbox or proxy needs). */
export function signInHostOf(m365: { cloud?: SignInHost['cloud'] | undefined; authorityHost?: string | undefined; caFile?: string | undefined }): SignInHost {
  return {
    cloud: m365.cloud ?? 'public',
    ...(m365.authorityHost ? { authorityHost: m365.authorityHost } : {}),
    ...(m365.caFile ? { trustedCa: readFileSync(m365.caFile, 'utf8') } : {}),
  };
}

export function consentUrlFor(company: CompanyConfig): string {
  return adminConsentUrl(signInHostOf(company.m365), company.m365.tenantId, company.m365.clientId, company.m365.consentRedirectUri);
}

export async function onboardCompany(request: OnboardRequest): Promise<Onboarded> {
  const name = request.name.trim();
  if (name === '') throw new OnboardingError('the company needs a name');
  const domain = request.domain.trim().toLowerCase();
  if (!isDomainName(domain)) throw new OnboardingError(`"${request.domain}" is not a domain name: give the client's domain alone, e.g. contoso.com`);
  if (!request.scimUrl) {
    // KnowBe4 documents no per-region SCIM host: each account's Tenant URL is the only address.
    throw new OnboardingError(
      `the KnowBe4 Tenant URL of ${name} is needed (KnowBe4 console > Account Settings > User Management > User Provisioning > Tenant URL): add it after the domain in Teams, or pass --scim-url`,
    );
  }
  const config = readConfigFile(request.configPath);
  const shared = config.defaults?.m365;
  if (!shared?.clientId) {
    throw new ConfigError(request.configPath, [
      'defaults.m365.clientId: onboarding uses the one multi-tenant app every company shares; set defaults.m365 (clientId and its credential) first (README, "Add a client")',
    ]);
  }
  const id = request.id ?? companyIdFor(name);
  const host = signInHostOf(shared);
  const tenantId = await resolveTenantId(domain, host);
  const scimTokenEnv = request.scimTokenEnv ?? scimTokenEnvFor(id);
  const when = (request.clock ?? (() => new Date()))().toISOString().slice(0, 10);
  const { company, after } = appendCompany(
    request.configPath,
    {
      id,
      name,
      m365: { tenantId },
      knowbe4: { scimUrl: request.scimUrl, ...(request.region ? { region: request.region } : {}), scimTokenEnv },
      schedule: { cron: request.cron ?? DEFAULT_ONBOARD_SCHEDULE.cron, timezone: request.timezone ?? DEFAULT_ONBOARD_SCHEDULE.timezone, autoApply: false },
    },
    `${name} (${domain}): onboarded ${when}${request.by ? ` by ${request.by}` : ''}. The SCIM token goes in ${scimTokenEnv}; nightly plans wait for approval.`,
  );
  return { company, config: after, domain, tenantId, consentUrl: consentUrlFor(company), scimTokenEnv };
}

export type ConsentStatus =
  | { kind: 'granted'; roles: string[]; missing: string[] }
  | { kind: 'waiting'; consentUrl: string; code: string }
  | { kind: 'failed'; error: Error };

/** The application permissions in an access token (its `roles` claim). */
export function tokenRoles(token: string): string[] {
  const payload = token.split('.')[1];
  if (!payload) return [];
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

/** Signs in as the app in the company's tenant: consent granted (and what the token carries) or not. */
export async function consentStatus(company: CompanyConfig, credential: CompanySecrets['graph']): Promise<ConsentStatus> {
  try {
    const host = signInHostOf(company.m365);
    const token = await createCredential(company, credential, { ...(host.trustedCa ? { trustedCa: host.trustedCa } : {}), retry: { maxRetries: 1, retryDelayInMs: 200 } }).getToken(graphScope(company));
    if (!token) return { kind: 'failed', error: new Error('no token returned') };
    const roles = tokenRoles(token.token);
    // Directory.Read.All covers reading users and group members, not subscribedSkus.
    const missing = REQUIRED_GRAPH_ROLES.filter((r) => !roles.includes(r) && !(r !== 'Organization.Read.All' && roles.includes('Directory.Read.All')));
    return { kind: 'granted', roles, missing };
  } catch (err) {
    const error = identityError(err, company, credential.kind === 'secret' ? [credential.clientSecret.reveal()] : []);
    const sharedApp = error instanceof AppNotFoundError;
    if (error instanceof ConsentRequiredError || sharedApp) return { kind: 'waiting', consentUrl: consentUrlFor(company), code: error.details.graphCode ?? '' };
    return { kind: 'failed', error };
  }
}

/** Where a company that has never run stands: what the `companies` list and card show. */
export type Readiness =
  | { kind: 'ready' }
  | { kind: 'waiting-for-consent'; consentUrl: string }
  | { kind: 'waiting-for-secrets'; problems: string[] }
  | { kind: 'waiting-for-permissions'; missing: string[] }
  | { kind: 'not-ready'; message: string };

export async function readiness(app: Pick<App, 'secretsOf'>, company: CompanyConfig): Promise<Readiness> {
  const secrets = app.secretsOf(company.id);
  if (secrets === undefined) return { kind: 'not-ready', message: 'not loaded yet' };
  if (secrets instanceof ConfigError) return { kind: 'waiting-for-secrets', problems: secrets.problems };
  const status = await consentStatus(company, secrets.graph);
  switch (status.kind) {
    case 'waiting':
      return { kind: 'waiting-for-consent', consentUrl: status.consentUrl };
    case 'failed':
      return { kind: 'not-ready', message: status.error.message.split(' Fix: ')[0] ?? status.error.message };
    case 'granted':
      return status.missing.length > 0 ? { kind: 'waiting-for-permissions', missing: status.missing } : { kind: 'ready' };
  }
}

export function readinessText(r: Readiness): string {
  switch (r.kind) {
    case 'ready':
      return 'ready: preview it';
    case 'waiting-for-consent':
      return 'waiting for consent';
    case 'waiting-for-secrets':
      return `waiting for ${r.problems.map((p) => /environment variable (\S+)/.exec(p)?.[1] ?? p).join(', ')}`;
    case 'waiting-for-permissions':
      return `waiting for permissions: ${r.missing.join(', ')}`;
    case 'not-ready':
      return `not ready: ${r.message}`;
  }
}

/** The readiness of a company that has never run (one sign-in); null once it has run. */
export async function firstRunReadiness(app: Pick<App, 'secretsOf' | 'store'>, company: CompanyConfig): Promise<string | null> {
  const state = await app.store.getCompanyState(company.id);
  if (state.lastRunAt !== null || (await app.store.listRuns(company.id, 1)).length > 0) return null;
  return readinessText(await readiness(app, company));
}

/** What the Teams `onboard` command and its "Check again" button need, over this module. */
export function onboardingPort(app: App, reload: () => Promise<unknown>): OnboardingPort {
  const viewOf = async (company: CompanyConfig, domain: string): Promise<OnboardingView> => ({
    companyId: company.id,
    name: company.name,
    domain,
    tenantId: company.m365.tenantId,
    consentUrl: consentUrlFor(company),
    scimTokenEnv: company.knowbe4.scimTokenEnv,
    status: readinessText(await readiness(app, company)),
  });
  return {
    async add(input) {
      let result: Onboarded;
      try {
        result = await onboardCompany({ configPath: app.configPath, name: input.name, domain: input.domain, ...(input.scimUrl ? { scimUrl: input.scimUrl } : {}), by: `${input.by} (Teams)` });
      } catch (err) {
        // Bad input is the admin's to fix: describeProblem shows a plain message.
        if (err instanceof OnboardingError || err instanceof ConfigError) throw new Error(err.message, { cause: err });
        throw err;
      }
      // Taken at once, not when the file watcher gets to it.
      await reload();
      const company = app.config.companies.find((c) => c.id === result.company.id) ?? result.company;
      return viewOf(company, result.domain);
    },
    async check(companyId, domain) {
      const company = app.config.companies.find((c) => c.id === companyId);
      return company ? viewOf(company, domain) : null;
    },
  };
}
