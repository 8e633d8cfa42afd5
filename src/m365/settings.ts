/**
 * What the Graph adapter needs to know about a company, in its own terms. The configuration's
 * company object fits these shapes, but the adapter never imports the configuration.
 */
import type { Secret } from '../shared';
import type { GraphField } from '../sync';
import { CLOUDS, type Cloud } from './clouds';

/** One app registration in one tenant, and where to reach it. */
export interface GraphTenantSettings {
  tenantId: string;
  clientId: string;
  cloud: Cloud;
  /** Override of the Graph host (sandbox, tests, proxies). */
  graphUrl?: string | undefined;
  /** Override of the sign-in host. */
  authorityHost?: string | undefined;
  /** Set when the credential is a certificate file (names the error when it cannot be read). */
  certificatePathEnv?: string | undefined;
  /** PEM file of an extra CA to trust. */
  caFile?: string | undefined;
}

/** The app's credential, already read from the environment. */
export type GraphCredential =
  | { kind: 'secret'; clientSecret: Secret }
  | { kind: 'certificate'; certificatePath: string }
  | { kind: 'managedIdentity' };

/** The company as the reads see it: its tenant, the fields and groups its rules read. */
export interface GraphCompany {
  m365: GraphTenantSettings;
  /** The company's attribute mapping overrides (laid over the default mapping). */
  attributes: Readonly<Record<string, GraphField | null>>;
  syncManagers: boolean;
  scope: { licenses: readonly string[]; groups: readonly string[] };
  groups: { mirror: readonly { id: string; name: string }[] };
}

export function graphEndpoints(company: { m365: GraphTenantSettings }): { graph: string; login: string } {
  const cloud = CLOUDS[company.m365.cloud];
  return { graph: company.m365.graphUrl ?? cloud.graph, login: company.m365.authorityHost ?? cloud.login };
}
