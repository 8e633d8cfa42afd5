/**
 * One signed-in conversation with a company's Graph: the credential, the Graph SDK client (see
 * graphClient.ts) and the mapping of every failure to an error an admin can act on. The full read
 * (source.ts) and the one-person lookup (lookup.ts) both read through it.
 */
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { z } from 'zod';
import { CLOUDS } from './clouds';
import { graphEndpoints, type GraphCredential, type GraphTenantSettings } from './settings';
import { createCredential, graphScope, type IdentityObserver } from './credential';
import {
  AppNotFoundError,
  ConsentRequiredError,
  GraphRequestError,
  InvalidCertificateError,
  InvalidClientSecretError,
  M365Error,
  MissingPermissionError,
  ThrottledError,
  UnknownTenantError,
  UnreachableError,
  scrub,
} from './errors';
import { createGraphClient, graphRoute, RequestCounter, type RetryOptions } from './graphClient';

export interface SessionOptions {
  retry?: RetryOptions;
  /** PEM(s) to trust for the sign-in host (the sandbox's self-signed certificate). */
  trustedCa?: string | readonly string[];
  /** Receives every request made, identity and Graph, for the API-efficiency contract. */
  counter?: RequestCounter;
  /** Use this credential instead of building one from the config (Key Vault, tests). */
  credential?: TokenCredential;
}

export interface GraphSession {
  /** GETs a path below /v1.0 (query string already encoded). Safe to call concurrently. */
  get(path: string): Promise<unknown>;
  /** GETs a collection and every following page. */
  each(firstPath: string, visit: (item: unknown) => void): Promise<void>;
  /** Follows a delta round (a path, or a deltaLink as Graph gave it) to its end; resolves with the new deltaLink. */
  deltaRound(start: string, visit: (item: unknown) => void): Promise<string>;
  counter: RequestCounter;
}

const pageSchema = z.looseObject({ value: z.array(z.unknown()), '@odata.nextLink': z.string().optional() });
const deltaPageSchema = pageSchema.extend({ '@odata.deltaLink': z.string().optional() });

/** Which application permission a Graph route needs (Graph's 403 does not say). */
function permissionFor(route: string): string {
  if (route.startsWith('/groups')) return 'GroupMember.Read.All';
  if (route.startsWith('/subscribedSkus') || route.startsWith('/organization')) return 'Organization.Read.All';
  return 'User.Read.All';
}

/** Turns an @azure/identity failure into an error an admin can act on. */
export function identityError(err: unknown, company: { m365: GraphTenantSettings }, secretValues: readonly string[], observer?: IdentityObserver): M365Error {
  if (err instanceof M365Error) return err;
  // What the transport saw beats MSAL's summary, which reports every failed discovery alike.
  if (observer?.networkError) {
    const tls = /CERT|SSL|TLS/i.test(observer.networkError);
    return new UnreachableError(company.m365.tenantId, graphEndpoints(company).login, tls ? `TLS certificate not trusted: ${observer.networkError}` : observer.networkError);
  }
  const { tenantId, clientId } = company.m365;
  // Duck-typed, not instanceof: errors may come from another realm (test VMs, bundled MSAL).
  const e = typeof err === 'object' && err !== null ? (err as { message?: unknown; cause?: unknown }) : null;
  const text = scrub(e && typeof e.message === 'string' ? `${e.message} ${String(e.cause ?? '')}` : String(err), secretValues);
  const login = graphEndpoints(company).login;
  if (/AADSTS7000215|AADSTS7000222/.test(text)) return new InvalidClientSecretError(tenantId, clientId);
  const consent = /AADSTS(7000229|65001)/.exec(text);
  if (consent) return new ConsentRequiredError(tenantId, clientId, `AADSTS${consent[1] as string}`);
  if (/AADSTS700016/.test(text)) return new AppNotFoundError(tenantId, clientId);
  if (/AADSTS90002|AADSTS900023|invalid_tenant/.test(text)) return new UnknownTenantError(tenantId, company.m365.cloud);
  if (/AADSTS700027|AADSTS50012|AADSTS700023/.test(text)) return new InvalidCertificateError(tenantId, clientId, (/AADSTS\d+/.exec(text) ?? ['rejected'])[0]);
  if (/ENOENT|PEM|private key|certificate.*(read|pars)/i.test(text) && company.m365.certificatePathEnv) {
    return new InvalidCertificateError(tenantId, clientId, 'certificate file unreadable or without a private key');
  }
  const net = /(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|self[- ]signed certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|socket hang up)/i.exec(text);
  if (net) return new UnreachableError(tenantId, login, net[1] as string);
  // MSAL reports a failed OpenID discovery without the server's body; the usual cause is the tenant.
  if (/endpoints_resolution_error/i.test(text)) return new UnknownTenantError(tenantId, company.m365.cloud);
  return new M365Error('graph-error', `Sign-in to tenant ${tenantId} failed: ${text.split('\n')[0]?.slice(0, 300) ?? ''}`, 'check m365.tenantId, clientId, the credential and the cloud.', { tenantId });
}

/**
 * One sign-in for requests that start together: MSAL caches the token once it has it, but
 * concurrent first calls would each sign in.
 */
function coalesced(credential: TokenCredential): TokenCredential {
  let pending: Promise<AccessToken | null> | null = null;
  return {
    getToken(scopes, options) {
      pending ??= credential.getToken(scopes, options).finally(() => {
        pending = null;
      });
      return pending;
    },
  };
}

export function openGraphSession(company: { m365: GraphTenantSettings }, secrets: GraphCredential, options: SessionOptions): GraphSession {
  const counter = options.counter ?? new RequestCounter();
  const secretValues = secrets.kind === 'secret' ? [secrets.clientSecret.reveal()] : [];
  const observer: IdentityObserver = { networkError: null, discoveryStatus: null };
  const identityRetry = options.retry ? { maxRetries: options.retry.maxRetries, retryDelayInMs: options.retry.baseDelayMs } : undefined;
  const credential =
    options.credential ?? createCredential(company, secrets, { trustedCa: options.trustedCa, counter, observer, ...(identityRetry ? { retry: identityRetry } : {}) });
  const provider = new TokenCredentialAuthenticationProvider(coalesced(credential), { scopes: [graphScope(company)] });
  const graphBase = graphEndpoints(company).graph.replace(/\/+$/, '');
  const tenantId = company.m365.tenantId;
  const mapAuthError = (err: unknown) => identityError(err, company, secretValues, observer);

  /** Relative path for the SDK: nextLinks are absolute, and the SDK only parses https ones. */
  const relative = (link: string): string => {
    for (const prefix of [`${graphBase}/v1.0`, `${CLOUDS[company.m365.cloud].graph}/v1.0`]) {
      if (link.startsWith(prefix)) return link.slice(prefix.length);
    }
    throw new GraphRequestError(tenantId, link, 0, 'UnexpectedNextLink', 'a nextLink pointed at another host; refusing to send the token there');
  };

  const get = async (path: string): Promise<unknown> => {
    // A client per request: its failure channel then describes this request alone, even when
    // others run at the same time. Sockets and the token cache are shared all the same.
    const { client, channel } = createGraphClient(graphBase, provider, counter, options.retry ?? {}, mapAuthError);
    const url = `${graphBase}/v1.0${path}`;
    try {
      return await client.api(path).get();
    } catch (err) {
      if (channel.failure) throw channel.failure;
      const e = err as { statusCode?: number; code?: string | null; message?: string };
      const status = typeof e.statusCode === 'number' ? e.statusCode : -1;
      const route = graphRoute(url);
      if (status === 403) throw new MissingPermissionError(tenantId, permissionFor(route), route);
      if (status === 429) throw new ThrottledError(tenantId, route, channel.attempts);
      if (status <= 0 || channel.networkError !== null) {
        throw new UnreachableError(tenantId, new URL(graphBase).host, channel.networkError ?? scrub(e.message ?? 'no response', secretValues));
      }
      throw new GraphRequestError(tenantId, route, status, e.code ?? 'Unknown', scrub(e.message ?? '', secretValues).slice(0, 300));
    }
  };

  const each = async (firstPath: string, visit: (item: unknown) => void): Promise<void> => {
    let path: string | null = firstPath;
    while (path !== null) {
      const page = pageSchema.parse(await get(path));
      for (const item of page.value) visit(item);
      const next: string | undefined = page['@odata.nextLink'];
      path = next ? relative(next) : null;
    }
  };

  const deltaRound = async (start: string, visit: (item: unknown) => void): Promise<string> => {
    let path = start.startsWith('/') ? start : relative(start);
    for (;;) {
      const page = deltaPageSchema.parse(await get(path));
      for (const item of page.value) visit(item);
      const delta = page['@odata.deltaLink'];
      if (delta !== undefined) return delta;
      const next = page['@odata.nextLink'];
      if (next === undefined) throw new GraphRequestError(tenantId, graphRoute(`${graphBase}/v1.0${path}`), 200, 'NoDeltaLink', 'a delta page had neither a nextLink nor a deltaLink');
      path = relative(next);
    }
  };

  return { get, each, deltaRound, counter };
}
