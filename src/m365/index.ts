/** Microsoft 365 source: Graph reads, credentials and the errors an admin can act on. */
export { fetchSource, mappedGraphFields, identityError, GRAPH_MAX_TOP, GRAPH_MAX_TOP_WITH_EXPAND } from './source';
export type { FetchSourceOptions, ManagerStrategy } from './source';
export { RequestCounter, type RetryOptions } from './graphClient';
export { createCredential, graphScope, type CredentialOptions, type IdentityObserver } from './credential';
export * from './errors';
export * from './graphUser';
export { CLOUDS, type Cloud } from './clouds';
export { graphEndpoints, type GraphCompany, type GraphCredential, type GraphTenantSettings } from './settings';
export { GraphSource } from './graphSource';
export { resolveTenantId, adminConsentUrl, defaultConsentRedirect, isDomainName, DomainNotFoundError, type SignInHost } from './tenantDiscovery';
export { GraphDeltaReader, deltaQuery, DELTA_FILTER_MAX_IDS, type DeltaReadOptions } from './delta';
