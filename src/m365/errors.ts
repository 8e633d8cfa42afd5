/**
 * Errors from the Microsoft 365 source that an admin can act on. Each names what went wrong, for
 * which tenant, and a one-line fix. Messages are built from our own words plus Graph/Entra error
 * codes only, never from request bodies, so a client secret can never leak into one.
 */
export type M365ErrorCode =
  | 'invalid-client-secret'
  | 'invalid-certificate'
  | 'app-not-found'
  | 'unknown-tenant'
  | 'missing-permission'
  | 'unreachable'
  | 'throttled'
  | 'graph-error';

export class M365Error extends Error {
  constructor(
    readonly code: M365ErrorCode,
    message: string,
    /** One line telling the admin what to change. */
    readonly fix: string,
    readonly details: { tenantId: string; status?: number; graphCode?: string; permission?: string; url?: string } ,
  ) {
    super(`${message} Fix: ${fix}`);
    this.name = 'M365Error';
  }
}

export class InvalidClientSecretError extends M365Error {
  constructor(tenantId: string, clientId: string) {
    super(
      'invalid-client-secret',
      `Microsoft Entra rejected the client secret of app ${clientId} in tenant ${tenantId} (AADSTS7000215).`,
      'create a new client secret under App registrations > Certificates & secrets and put its Value (not its ID) in the configured environment variable.',
      { tenantId, graphCode: 'AADSTS7000215' },
    );
    this.name = 'InvalidClientSecretError';
  }
}

export class InvalidCertificateError extends M365Error {
  constructor(tenantId: string, clientId: string, detail: string) {
    super(
      'invalid-certificate',
      `Microsoft Entra rejected the certificate of app ${clientId} in tenant ${tenantId} (${detail}).`,
      'upload the certificate (public part) to the app registration and point certificatePathEnv at the matching PEM with its private key.',
      { tenantId, graphCode: detail },
    );
    this.name = 'InvalidCertificateError';
  }
}

export class AppNotFoundError extends M365Error {
  constructor(tenantId: string, clientId: string) {
    super(
      'app-not-found',
      `App ${clientId} is not registered or not consented in tenant ${tenantId} (AADSTS700016).`,
      'check m365.clientId, or have a Global Administrator of this tenant grant admin consent to the app.',
      { tenantId, graphCode: 'AADSTS700016' },
    );
    this.name = 'AppNotFoundError';
  }
}

export class UnknownTenantError extends M365Error {
  constructor(tenantId: string, cloud: string) {
    super(
      'unknown-tenant',
      `Tenant ${tenantId} does not exist in the ${cloud} cloud (AADSTS90002).`,
      'check m365.tenantId (Entra admin center > Overview > Tenant ID) and m365.cloud.',
      { tenantId, graphCode: 'AADSTS90002' },
    );
    this.name = 'UnknownTenantError';
  }
}

export class MissingPermissionError extends M365Error {
  constructor(
    tenantId: string,
    readonly permission: string,
    url: string,
  ) {
    super(
      'missing-permission',
      `Microsoft Graph refused ${url} for tenant ${tenantId}: the app lacks the ${permission} application permission (403 Authorization_RequestDenied).`,
      `add the Microsoft Graph application permission ${permission} to the app registration and click "Grant admin consent".`,
      { tenantId, status: 403, graphCode: 'Authorization_RequestDenied', permission, url },
    );
    this.name = 'MissingPermissionError';
  }
}

export class UnreachableError extends M365Error {
  constructor(tenantId: string, host: string, cause: string) {
    super(
      'unreachable',
      `Cannot reach ${host} for tenant ${tenantId} (${cause}).`,
      'check network/proxy/firewall access to the Graph and sign-in hosts, and m365.cloud / graphUrl / authorityHost.',
      { tenantId, url: host },
    );
    this.name = 'UnreachableError';
  }
}

export class ThrottledError extends M365Error {
  constructor(tenantId: string, url: string, attempts: number) {
    super(
      'throttled',
      `Microsoft Graph kept throttling ${url} for tenant ${tenantId} (429 after ${attempts} attempts).`,
      'run again later, or move this company\'s schedule away from other heavy Graph jobs on the tenant.',
      { tenantId, status: 429, url },
    );
    this.name = 'ThrottledError';
  }
}

export class GraphRequestError extends M365Error {
  constructor(tenantId: string, url: string, status: number, graphCode: string, graphMessage: string) {
    super(
      'graph-error',
      `Microsoft Graph answered ${status} ${graphCode} for ${url} (tenant ${tenantId}): ${graphMessage}`,
      status >= 500 ? 'Graph is having trouble; run again later (see https://status.cloud.microsoft).' : 'check the company\'s m365 settings; if they are right, report this error.',
      { tenantId, status, graphCode, url },
    );
    this.name = 'GraphRequestError';
  }
}

/** Removes anything that looks like a secret value from a message before it is wrapped. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/** A multi-tenant app that the tenant's administrator has not consented to yet. */
export class ConsentRequiredError extends M365Error {
  constructor(tenantId: string, clientId: string, graphCode: string) {
    super(
      'app-not-found',
      `App ${clientId} has not been granted admin consent in tenant ${tenantId} (${graphCode}).`,
      'have a Global Administrator of that tenant open the admin-consent link (`kb4sync doctor --company <id>` prints it) and click Accept.',
      { tenantId, graphCode },
    );
    this.name = 'ConsentRequiredError';
  }
}
