/**
 * Multi-tenant apps in the sandbox: an app registered once (in the MSP's tenant) that a client
 * tenant can use only after its administrator has granted admin consent. Until then Entra has no
 * service principal for the app in that tenant and refuses its token requests (AADSTS7000229),
 * whatever the credential; after consent the token carries the permissions consented to.
 */
import type { GraphPermission, SandboxApp } from './types';

export interface MultiTenantApp {
  clientId: string;
  clientSecret?: string;
  certificatePem?: string;
  /** Application permissions the app asks for; granted as a whole by admin consent. */
  roles?: GraphPermission[];
}

/** How a tenant sees an app: its own registration, a consented multi-tenant app, or neither. */
export type AppInTenant = { kind: 'app'; app: SandboxApp } | { kind: 'not-consented'; clientId: string } | { kind: 'unknown' };

export class ConsentLedger {
  private readonly apps = new Map<string, MultiTenantApp>();
  /** tenant id → client id → the app as consented in that tenant (its own roles). */
  private readonly grants = new Map<string, Map<string, SandboxApp>>();

  constructor(apps: readonly MultiTenantApp[] = []) {
    for (const app of apps) this.register(app);
  }

  register(app: MultiTenantApp): void {
    this.apps.set(app.clientId.toLowerCase(), app);
  }

  /** Admin consent in a tenant: a service principal with the app's permissions (or `roles`). */
  grant(tenantId: string, clientId: string, roles?: GraphPermission[]): void {
    const app = this.apps.get(clientId.toLowerCase());
    if (!app) throw new Error(`sandbox: no multi-tenant app ${clientId}`);
    const tenant = this.grants.get(tenantId.toLowerCase()) ?? new Map<string, SandboxApp>();
    // The consented app shares the credential (one registration) but has per-tenant permissions.
    tenant.set(clientId.toLowerCase(), {
      clientId: app.clientId,
      ...(app.clientSecret !== undefined ? { clientSecret: app.clientSecret } : {}),
      ...(app.certificatePem !== undefined ? { certificatePem: app.certificatePem } : {}),
      ...(roles ?? app.roles ? { roles: [...(roles ?? app.roles ?? [])] } : {}),
    });
    this.grants.set(tenantId.toLowerCase(), tenant);
  }

  /** The administrator removes the app (deletes its enterprise application) from the tenant. */
  revoke(tenantId: string, clientId: string): void {
    this.grants.get(tenantId.toLowerCase())?.delete(clientId.toLowerCase());
  }

  consented(tenantId: string, clientId: string): boolean {
    return this.grants.get(tenantId.toLowerCase())?.has(clientId.toLowerCase()) ?? false;
  }

  appIn(tenantId: string, clientId: string): AppInTenant {
    const granted = this.grants.get(tenantId.toLowerCase())?.get(clientId.toLowerCase());
    if (granted) return { kind: 'app', app: granted };
    return this.apps.has(clientId.toLowerCase()) ? { kind: 'not-consented', clientId } : { kind: 'unknown' };
  }
}

export function missingServicePrincipal(clientId: string, tenantId: string): string {
  return `The client application ${clientId} is missing service principal in the tenant ${tenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`;
}
