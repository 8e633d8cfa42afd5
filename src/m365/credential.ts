/**
 * The @azure/identity credential for a company: client secret, certificate or managed identity,
 * against the company's cloud (or an authorityHost override such as the sandbox).
 */
import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { Agent } from 'node:https';
import { CLOUDS, graphEndpoints, type CompanyConfig, type CompanySecrets } from '../config';
import type { RequestCounter } from './graphClient';

export interface CredentialOptions {
  /** Extra CA certificates (PEM) to trust for the sign-in host, e.g. the sandbox's self-signed one. */
  trustedCa?: string | readonly string[];
  counter?: RequestCounter;
}

/** The token scope: the cloud's Graph resource, even when graphUrl points elsewhere (a proxy, the sandbox). */
export function graphScope(company: CompanyConfig): string {
  return `${CLOUDS[company.m365.cloud].graph}/.default`;
}

type PipelinePolicy = { name: string; sendRequest: (request: { agent?: unknown; url: string }, next: (r: typeof request) => Promise<unknown>) => Promise<unknown> };

/**
 * A pipeline policy that routes identity requests through an https Agent trusting `ca` (and only
 * for this credential: no process-wide NODE_EXTRA_CA_CERTS), and counts them.
 */
function identityPolicies(options: CredentialOptions): { policy: PipelinePolicy; position: 'perCall' }[] {
  const policies: { policy: PipelinePolicy; position: 'perCall' }[] = [];
  const ca = options.trustedCa === undefined ? [] : typeof options.trustedCa === 'string' ? [options.trustedCa] : [...options.trustedCa];
  const agent = ca.length > 0 ? new Agent({ ca }) : undefined;
  const counter = options.counter;
  if (agent || counter) {
    policies.push({
      position: 'perCall',
      policy: {
        name: 'kb4syncIdentityTransport',
        sendRequest: (request, next) => {
          if (agent) request.agent = agent;
          if (counter) {
            const path = new URL(request.url).pathname;
            counter.count('identity', path.endsWith('/token') ? 'token' : path.includes('openid-configuration') ? 'openid-configuration' : path);
          }
          return next(request);
        },
      },
    });
  }
  return policies;
}

export function createCredential(company: CompanyConfig, secrets: CompanySecrets['graph'], options: CredentialOptions = {}): TokenCredential {
  const { login } = graphEndpoints(company);
  const common = {
    authorityHost: login,
    // Instance discovery asks the public cloud whether the authority is known; a custom
    // authority (sandbox, private endpoint) is not, and offline it cannot be asked at all.
    disableInstanceDiscovery: company.m365.authorityHost !== undefined,
    additionalPolicies: identityPolicies(options) as unknown as NonNullable<ConstructorParameters<typeof ClientSecretCredential>[3]>['additionalPolicies'],
  };
  switch (secrets.kind) {
    case 'secret':
      return new ClientSecretCredential(company.m365.tenantId, company.m365.clientId, secrets.clientSecret.reveal(), common);
    case 'certificate':
      return new ClientCertificateCredential(company.m365.tenantId, company.m365.clientId, { certificatePath: secrets.certificatePath }, common);
    case 'managedIdentity':
      return new ManagedIdentityCredential({ clientId: company.m365.clientId, additionalPolicies: common.additionalPolicies });
  }
}
