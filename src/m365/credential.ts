/**
 * The @azure/identity credential for a company: client secret, certificate or managed identity,
 * against the company's cloud (or an authorityHost override such as the sandbox).
 */
import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { Agent } from 'node:https';
import { CLOUDS } from './clouds';
import { graphEndpoints, type GraphCredential, type GraphTenantSettings } from './settings';
import type { RequestCounter } from './graphClient';

export interface CredentialOptions {
  /** Extra CA certificates (PEM) to trust for the sign-in host, e.g. the sandbox's self-signed one. */
  trustedCa?: string | readonly string[];
  counter?: RequestCounter;
  /** Receives what the identity transport saw; MSAL hides the cause of a failed discovery. */
  observer?: IdentityObserver;
  /** @azure/identity's own retries of sign-in requests (network errors, 5xx, 429). */
  retry?: { maxRetries?: number; retryDelayInMs?: number };
}

export interface IdentityObserver {
  /** Code of the last network/TLS failure (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, …). */
  networkError: string | null;
  /** Status of the last OpenID configuration request. */
  discoveryStatus: number | null;
}

/** The token scope: the cloud's Graph resource, even when graphUrl points elsewhere (a proxy, the sandbox). */
export function graphScope(company: { m365: Pick<GraphTenantSettings, 'cloud'> }): string {
  return `${CLOUDS[company.m365.cloud].graph}/.default`;
}

const agents = new Map<string, Agent>();

/**
 * One keep-alive agent per set of trusted CAs in this process: every company signing in through
 * the same host (one sign-in host serves every tenant of a cloud) reuses its connections and its
 * TLS context, instead of a handshake and a context per company.
 */
function agentTrusting(ca: readonly string[]): Agent {
  const key = ca.join('\n');
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ ca: [...ca], keepAlive: true });
    agents.set(key, agent);
  }
  return agent;
}

type PipelinePolicy = {
  name: string;
  sendRequest: (request: { agent?: unknown; url: string }, next: (r: { agent?: unknown; url: string }) => Promise<{ status: number }>) => Promise<{ status: number }>;
};

/**
 * A pipeline policy that routes identity requests through an https Agent trusting `ca` (and only
 * for this credential: no process-wide NODE_EXTRA_CA_CERTS), and counts them.
 */
function identityPolicies(options: CredentialOptions): { policy: PipelinePolicy; position: 'perRetry' }[] {
  const ca = options.trustedCa === undefined ? [] : typeof options.trustedCa === 'string' ? [options.trustedCa] : [...options.trustedCa];
  const agent = ca.length > 0 ? agentTrusting(ca) : undefined;
  const { counter, observer } = options;
  // perRetry: every attempt is counted and observed, not just the first.
  return [
    {
      position: 'perRetry',
      policy: {
        name: 'kb4syncIdentityTransport',
        sendRequest: async (request, next) => {
          if (agent) request.agent = agent;
          const path = new URL(request.url).pathname;
          const route = path.endsWith('/token') ? 'token' : path.includes('openid-configuration') ? 'openid-configuration' : path;
          counter?.count('identity', route);
          try {
            const response = await next(request);
            if (observer) {
              observer.networkError = null;
              if (route === 'openid-configuration') observer.discoveryStatus = response.status;
            }
            return response;
          } catch (err) {
            if (observer) {
              const e = err as { code?: unknown; cause?: { code?: unknown } };
              observer.networkError = String(e.code ?? e.cause?.code ?? 'network error');
            }
            throw err;
          }
        },
      },
    },
  ];
}

export function createCredential(company: { m365: GraphTenantSettings }, secrets: GraphCredential, options: CredentialOptions = {}): TokenCredential {
  const { login } = graphEndpoints(company);
  const common = {
    authorityHost: login,
    // Instance discovery asks the public cloud whether the authority is known; a custom
    // authority (sandbox, private endpoint) is not, and offline it cannot be asked at all.
    disableInstanceDiscovery: company.m365.authorityHost !== undefined,
    additionalPolicies: identityPolicies(options) as unknown as NonNullable<ConstructorParameters<typeof ClientSecretCredential>[3]>['additionalPolicies'],
    ...(options.retry ? { retryOptions: options.retry } : {}),
  };
  switch (secrets.kind) {
    case 'secret':
      return new ClientSecretCredential(company.m365.tenantId, company.m365.clientId, secrets.clientSecret.reveal(), common);
    case 'certificate':
      return new ClientCertificateCredential(company.m365.tenantId, company.m365.clientId, { certificatePath: secrets.certificatePath }, common);
    case 'managedIdentity':
      return new ManagedIdentityCredential({ clientId: company.m365.clientId, additionalPolicies: common.additionalPolicies, ...(options.retry ? { retryOptions: options.retry } : {}) });
  }
}
