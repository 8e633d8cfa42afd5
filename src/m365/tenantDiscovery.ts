/**
 * Onboarding a tenant to the multi-tenant app: the tenant id behind a domain (the cloud's OpenID
 * configuration names it in its issuer) and the admin-consent link its administrator clicks once.
 */
import axios, { isAxiosError } from 'axios';
import { Agent } from 'node:https';
import { z } from 'zod';
import { CLOUDS, type Cloud } from './clouds';
import { M365Error } from './errors';

/** Where a tenant signs in: the cloud, or an override (the sandbox, a private endpoint). */
export interface SignInHost {
  cloud: Cloud;
  authorityHost?: string | undefined;
  /** Extra CA (PEM) to trust for the sign-in host. */
  trustedCa?: string | undefined;
}

/** Host names only: letters, digits and hyphens in dot-separated labels, with a dotted suffix. */
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function isDomainName(value: string): boolean {
  return DOMAIN.test(value.trim());
}

export class DomainNotFoundError extends M365Error {
  constructor(domain: string, cloud: Cloud) {
    super(
      'unknown-tenant',
      `No Microsoft 365 tenant uses the domain ${domain} in the ${cloud} cloud (AADSTS90002).`,
      'check the spelling of the domain (one the client receives mail at, or its onmicrosoft.com name) and the cloud.',
      { tenantId: domain, graphCode: 'AADSTS90002' },
    );
    this.name = 'DomainNotFoundError';
  }
}

const openIdSchema = z.looseObject({ issuer: z.string() });
const ISSUER_TENANT = /\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/(?:v2\.0\/?)?$/i;

function loginOf(host: SignInHost): string {
  return (host.authorityHost ?? CLOUDS[host.cloud].login).replace(/\/+$/, '');
}

/** The tenant id behind a verified domain of the tenant, from `{login}/{domain}/v2.0/.well-known/openid-configuration`. */
export async function resolveTenantId(domain: string, host: SignInHost): Promise<string> {
  const name = domain.trim().toLowerCase();
  if (!isDomainName(name)) throw new M365Error('unknown-tenant', `"${domain}" is not a domain name.`, 'give the domain alone, e.g. contoso.com (no https://, no e-mail address).', { tenantId: domain });
  const url = `${loginOf(host)}/${encodeURIComponent(name)}/v2.0/.well-known/openid-configuration`;
  try {
    const response = await axios.get<unknown>(url, {
      timeout: 15_000,
      validateStatus: () => true,
      ...(host.trustedCa ? { httpsAgent: new Agent({ ca: host.trustedCa }) } : {}),
    });
    if (response.status === 400 || response.status === 404) throw new DomainNotFoundError(name, host.cloud);
    if (response.status !== 200) throw new M365Error('graph-error', `${url} answered ${response.status}.`, 'try again later; if it persists, check the cloud and network access to the sign-in host.', { tenantId: name, status: response.status, url });
    const parsed = openIdSchema.safeParse(response.data);
    const tenantId = parsed.success ? ISSUER_TENANT.exec(parsed.data.issuer)?.[1] : undefined;
    if (!tenantId) throw new M365Error('graph-error', `${url} did not name a tenant in its issuer.`, 'check that the sign-in host is a Microsoft Entra endpoint.', { tenantId: name, url });
    return tenantId.toLowerCase();
  } catch (err) {
    if (err instanceof M365Error) throw err;
    const cause = isAxiosError(err) ? (err.code ?? err.message) : String(err);
    throw new M365Error('unreachable', `Cannot reach ${loginOf(host)} to look up ${name} (${cause}).`, 'check network/proxy access to the sign-in host and the cloud.', { tenantId: name, url });
  }
}

/** The cloud's own landing page for apps without a web front end: a safe default redirect. */
export function defaultConsentRedirect(host: SignInHost): string {
  return `${loginOf(host)}/common/oauth2/nativeclient`;
}

/** The link a Global Administrator of the tenant opens once to grant the app its permissions. */
export function adminConsentUrl(host: SignInHost, tenantId: string, clientId: string, redirectUri?: string): string {
  const url = new URL(`${loginOf(host)}/${tenantId}/adminconsent`);
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('redirect_uri', redirectUri ?? defaultConsentRedirect(host));
  return url.toString();
}
