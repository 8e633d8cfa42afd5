/** What the Graph sandbox is started with and what it hands back. */
import type { ConsentLedger, MultiTenantApp } from './consent';
import type { GraphTenant, GraphUserRecord } from '../tenants/graphTenant';
import type { FaultControls } from './faults';
import type { SandboxTls } from './tls';

export const GRAPH_PERMISSIONS = ['User.Read.All', 'GroupMember.Read.All', 'Organization.Read.All'] as const;
export type GraphPermission = (typeof GRAPH_PERMISSIONS)[number] | 'Directory.Read.All' | 'Mail.Send';

export interface SandboxApp {
  clientId: string;
  /** Accepted client secret (ClientSecretCredential). */
  clientSecret?: string;
  /** PEM certificate whose key signs client assertions (ClientCertificateCredential). */
  certificatePem?: string;
  /** Application permissions granted (admin-consented); default: all three the connector needs. */
  roles?: GraphPermission[];
}

export interface SandboxTenantRegistration {
  tenant: GraphTenant;
  apps: SandboxApp[];
}

export interface GraphSandboxOptions {
  tenants: SandboxTenantRegistration[];
  /** Graph (http) port; 0 = ephemeral. */
  port?: number;
  /** Identity (https) port; 0 = ephemeral. */
  authorityPort?: number;
  /** Token lifetime in seconds (Entra issues ~3600). */
  tokenLifetimeSeconds?: number;
  /** Reuse a certificate instead of making one (e.g. one a long-running sandbox printed before). */
  tls?: SandboxTls;
  /** Apps registered once and usable in any tenant that has consented (consent.grant). */
  multiTenantApps?: MultiTenantApp[];
}

export interface SandboxRequest {
  route: string;
  method: string;
  path: string;
  status: number;
  tenantId: string | null;
}

/** A message an app sent through `POST /users/{id}/sendMail`. */
export interface SentMail {
  tenantId: string;
  from: string;
  body: unknown;
}

export interface GraphSandbox {
  /** Mail sent through the sandbox, in order. */
  sentMail: SentMail[];
  /** Graph base URL without the version, e.g. http://127.0.0.1:5001 (use as `graphUrl`). */
  url: string;
  /** https://127.0.0.1:5002 (use as `authorityHost`). */
  authorityHost: string;
  /** PEM of the identity endpoint's certificate, to trust in the client. */
  ca: string;
  faults: FaultControls;
  /** Requests in order (the most recent 20,000). */
  requests: SandboxRequest[];
  /** Requests per route name since start or the last reset. */
  counts(): Record<string, number>;
  resetCounters(): void;
  /** Grants exactly these application permissions to an app (simulates consent changes). */
  setRoles(tenantId: string, clientId: string, roles: GraphPermission[]): void;
  addTenant(registration: SandboxTenantRegistration): void;
  /** Multi-tenant apps and the tenants that consented to them (grant, revoke, register). */
  consent: ConsentLedger;
  /** Changes a user's Graph properties in place, as an admin editing them in Entra would. */
  updateUser(tenantId: string, userId: string, patch: Partial<Omit<GraphUserRecord, 'id' | 'kind'>>): void;
  /** A hire: the user appears in lists and in `/users/delta`, and in these groups (direct members). */
  addUser(tenantId: string, user: GraphUserRecord, groupIds?: readonly string[]): void;
  /** Deletes a user (soft): `/users/delta` then reports them `@removed`. */
  removeUser(tenantId: string, userId: string): void;
  addMember(tenantId: string, groupId: string, memberId: string): void;
  removeMember(tenantId: string, groupId: string, memberId: string): void;
  /** Every delta link given out for the tenant answers 410 Gone from now on (sync state lost). */
  invalidateDelta(tenantId: string): void;
  /** Graph's page-size cap for the users list (999) and with $expand (100). */
  limits: { maxTop: number; maxTopWithExpand: number };
  stop(): Promise<void>;
}
